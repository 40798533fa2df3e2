import ArchiveModel

// The byte layout of a pack file. docs/store-format.md is the prose version of this file;
// change both together. All integers are little-endian and fixed-width.

/// Format constants.
enum PackFormat {
    /// Current (and only) pack format version.
    static let version: UInt16 = 1
    /// "COFFPACK": first 8 bytes of every pack.
    static let packMagic: [UInt8] = Array("COFFPACK".utf8)
    /// "BLOB": first 4 bytes of every entry header.
    static let entryMagic: [UInt8] = Array("BLOB".utf8)
    /// "COFFSEAL": last 8 bytes of a sealed pack.
    static let endMagic: [UInt8] = Array("COFFSEAL".utf8)
    /// Compression kind of a payload that is one zstd frame.
    static let compressionZstd: UInt8 = 1
    /// Compression kind of a payload that is one zstd frame holding a block of several blobs.
    static let compressionBlock: UInt8 = 2
}

/// Appends little-endian fields to a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }
    mutating func append(_ v: UInt8) { bytes.append(v) }
    mutating func append(_ v: UInt16) { appendLE(UInt64(v), width: 2) }
    mutating func append(_ v: UInt32) { appendLE(UInt64(v), width: 4) }
    mutating func append(_ v: UInt64) { appendLE(v, width: 8) }
    mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }

    /// Appends the CRC-32C of everything written so far.
    mutating func appendCRC() { append(CRC32C.checksum(bytes)) }

    private mutating func appendLE(_ v: UInt64, width: Int) {
        for i in 0..<width { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
}

/// Reads little-endian fields from a byte array at fixed offsets.
struct ByteReader {
    let bytes: [UInt8]
    let base: Int

    init(_ bytes: [UInt8], at base: Int = 0) {
        self.bytes = bytes
        self.base = base
    }

    func slice(_ at: Int, _ count: Int) -> [UInt8] { Array(bytes[base + at ..< base + at + count]) }
    func u8(_ at: Int) -> UInt8 { bytes[base + at] }
    func u16(_ at: Int) -> UInt16 { UInt16(truncatingIfNeeded: le(at, 2)) }
    func u32(_ at: Int) -> UInt32 { UInt32(truncatingIfNeeded: le(at, 4)) }
    func u64(_ at: Int) -> UInt64 { le(at, 8) }

    /// True when the CRC-32C stored at `at` matches bytes `0..<at`.
    func crcMatches(at: Int) -> Bool {
        bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[base ..< base + at])) } == u32(at)
    }

    private func le(_ at: Int, _ width: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<width).reversed() { v = v << 8 | UInt64(bytes[base + at + i]) }
        return v
    }
}

/// The 32-byte header at offset 0 of every pack.
///
/// `magic[8] | version u16 | flags u16 (0) | packID[16] | crc32c u32 of bytes 0..<28`
struct PackHeader: Equatable {
    static let size = 32
    var pack: PackID

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: Self.size)
        w.append(PackFormat.packMagic)
        w.append(PackFormat.version)
        w.append(UInt16(0))
        w.append(pack.bytes)
        w.appendCRC()
        return w.bytes
    }

    /// Decodes and validates a header; nil when magic, version, flags or CRC are wrong.
    static func decode(_ bytes: [UInt8]) -> PackHeader? {
        guard bytes.count >= size else { return nil }
        let r = ByteReader(bytes)
        guard r.slice(0, 8) == PackFormat.packMagic, r.u16(8) == PackFormat.version, r.u16(10) == 0,
              r.crcMatches(at: 28), let pack = PackID(bytes: r.slice(12, 16)) else { return nil }
        return PackHeader(pack: pack)
    }
}

/// The 64-byte header in front of every blob payload.
///
/// `magic "BLOB" | blobID[32] | rawLength u64 | storedLength u64 | compression u8 | reserved[3] |
/// dictionary u32 | crc32c u32 of bytes 0..<60`
struct EntryHeader: Equatable {
    static let size = 64
    var id: BlobID
    var rawLength: UInt64
    var storedLength: UInt64
    var compression: UInt8 = PackFormat.compressionZstd
    var dictionary: UInt32 = 0

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: Self.size)
        w.append(PackFormat.entryMagic)
        w.append(id.bytes)
        w.append(rawLength)
        w.append(storedLength)
        w.append(compression)
        w.zeros(3)
        w.append(dictionary)
        w.appendCRC()
        return w.bytes
    }

    /// Decodes a header at `base`; nil when magic, reserved bytes or CRC are wrong.
    static func decode(_ bytes: [UInt8], at base: Int = 0) -> EntryHeader? {
        guard bytes.count - base >= size else { return nil }
        let r = ByteReader(bytes, at: base)
        guard r.slice(0, 4) == PackFormat.entryMagic, r.crcMatches(at: 60),
              r.u8(53) == 0, r.u8(54) == 0, r.u8(55) == 0,
              let id = BlobID(bytes: r.slice(4, 32)) else { return nil }
        return EntryHeader(id: id, rawLength: r.u64(36), storedLength: r.u64(44),
                           compression: r.u8(52), dictionary: r.u32(56))
    }
}
