import ArchiveModel

/// The trailer written when a pack is sealed: an entry table, then a fixed 56-byte tail.
///
/// Table row (64 bytes): `blobID[32] | offset u64 | rawLength u64 | storedLength u64 |
/// compression u8 | reserved[3] | dictionary u32`.
///
/// Tail (56 bytes): `entryCount u64 | sha256[32] of every byte before it | trailerLength u64 |
/// end magic "COFFSEAL"`, where `trailerLength = 64 × entryCount + 56`.
struct PackTrailer: Equatable {
    static let rowSize = 64
    static let tailSize = 56
    /// Offset of the SHA-256 inside the tail.
    static let checksumOffsetInTail = 8

    var entries: [RecoveredEntry]
    var checksum: BlobID?

    /// Total trailer length in bytes for `count` entries.
    static func length(count: Int) -> UInt64 { UInt64(rowSize * count + tailSize) }

    /// The table rows followed by the entry count: every trailer byte that the pack checksum covers.
    func encodedTableAndCount(in pack: PackID) -> [UInt8] {
        var w = ByteWriter(capacity: entries.count * Self.rowSize + 8)
        for entry in entries {
            let l = entry.location
            precondition(l.pack == pack, "entry of another pack in trailer")
            w.append(entry.id.bytes)
            w.append(l.offset)
            w.append(l.rawLength)
            w.append(l.storedLength)
            w.append(l.compression)
            w.zeros(3)
            w.append(l.dictionary)
        }
        w.append(UInt64(entries.count))
        return w.bytes
    }

    /// The bytes after the checksum: trailer length and end magic.
    static func encodedEnd(count: Int) -> [UInt8] {
        var w = ByteWriter(capacity: 16)
        w.append(length(count: count))
        w.append(PackFormat.endMagic)
        return w.bytes
    }

    /// Reads the tail (last 56 bytes of a file of `fileSize` bytes).
    ///
    /// - Returns: the entry count and the table's start offset when the end magic is present and the
    ///   length fields agree with each other and with the file size; nil otherwise.
    static func parseTail(_ tail: [UInt8], fileSize: UInt64) -> (count: Int, tableStart: UInt64, checksum: BlobID)? {
        guard tail.count == tailSize else { return nil }
        let r = ByteReader(tail)
        guard r.slice(48, 8) == PackFormat.endMagic else { return nil }
        let count = r.u64(0), trailerLength = r.u64(40)
        guard count < UInt64(Int.max / rowSize), trailerLength == length(count: Int(count)),
              trailerLength <= fileSize, fileSize - trailerLength >= UInt64(PackHeader.size),
              let checksum = BlobID(bytes: r.slice(8, 32)) else { return nil }
        return (Int(count), fileSize - trailerLength, checksum)
    }

    /// Decodes `count` table rows; nil when a row is malformed.
    static func parseTable(_ bytes: [UInt8], count: Int, pack: PackID) -> [RecoveredEntry]? {
        guard bytes.count >= count * rowSize else { return nil }
        var out = [RecoveredEntry]()
        out.reserveCapacity(count)
        for i in 0..<count {
            let r = ByteReader(bytes, at: i * rowSize)
            guard r.u8(56) != 0, r.u8(57) == 0, r.u8(58) == 0, r.u8(59) == 0,
                  let id = BlobID(bytes: r.slice(0, 32)) else { return nil }
            let location = BlobLocation(pack: pack, offset: r.u64(32), storedLength: r.u64(48),
                                        rawLength: r.u64(40), dictionary: r.u32(60), compression: r.u8(56))
            out.append(RecoveredEntry(id: id, location: location))
        }
        return out
    }
}
