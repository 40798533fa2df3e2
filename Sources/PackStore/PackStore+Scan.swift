import ArchiveModel
import Foundation

/// Why a walk along a pack's entries stopped.
enum ChainStop: Equatable {
    /// Reached the limit exactly: every byte belongs to a complete entry.
    case end
    /// Bytes at this offset are not a valid entry header.
    case badHeader(UInt64)
    /// The entry (or its header) starting here runs past the limit.
    case truncated(UInt64)
    /// The entry here has a valid header but its payload does not decode to its blob ID.
    case badPayload(UInt64)
}

extension PackStore {
    /// The result of walking entries: the complete ones, why the walk stopped, and where.
    struct ChainScan {
        var entries: [RecoveredEntry] = []
        var stop: ChainStop = .end
        /// Offset just after the last complete entry.
        var end: UInt64
    }

    /// Walks entry headers from `start` (just after the pack header) up to `limit`.
    ///
    /// With `checkPayloads`, each payload is decompressed and hashed too, and the walk stops at the
    /// first entry whose bytes do not match its blob ID. Entries that cannot be decoded here (a newer
    /// compression kind, or a dictionary that is missing or damaged) are accepted on their header alone.
    ///
    /// - Throws: `.io` only; damage is reported through `stop`.
    func scanChain(_ file: PackFile, from start: UInt64, to limit: UInt64, checkPayloads: Bool) throws -> ChainScan {
        let pack = file.pack!
        var scan = ChainScan(end: start)
        var offset = start
        while offset < limit {
            let header: EntryHeader
            do {
                header = try readEntryHeader(file, at: offset, fileSize: limit)
            } catch PackStoreError.badEntryHeader {
                scan.stop = .badHeader(offset)
                return scan
            } catch PackStoreError.truncatedEntry {
                scan.stop = .truncated(offset)
                return scan
            }
            let location = BlobLocation(pack: pack, offset: offset, storedLength: header.storedLength,
                                        rawLength: header.rawLength, dictionary: header.dictionary,
                                        compression: header.compression)
            if checkPayloads, try !payloadMatches(file, header: header, at: offset) {
                scan.stop = .badPayload(offset)
                return scan
            }
            scan.entries.append(RecoveredEntry(id: header.id, location: location))
            offset = location.endOffset
            scan.end = offset
        }
        return scan
    }

    /// True when the payload decodes and hashes to the header's blob ID (or cannot be judged: a newer
    /// compression kind, or a dictionary file that is missing or damaged, reported separately).
    private func payloadMatches(_ file: PackFile, header: EntryHeader, at offset: UInt64) throws -> Bool {
        var hasher = SHA256Hasher()
        do {
            try decodePayload(file, at: offset, header: header, into: nil) { hasher.update($0) }
        } catch PackStoreError.unsupportedEntry, PackStoreError.dictionaryMissing, PackStoreError.badDictionary {
            return true
        } catch PackStoreError.corruptPayload, PackStoreError.truncatedEntry {
            return false
        }
        return hasher.finish() == header.id
    }

    /// The parsed tail of a sealed pack, or nil when the file does not end in a valid tail.
    func sealedTail(of file: PackFile, size: UInt64) throws -> (count: Int, tableStart: UInt64, checksum: BlobID)? {
        guard size >= UInt64(PackHeader.size + PackTrailer.tailSize) else { return nil }
        let tail = try file.read(count: PackTrailer.tailSize, at: size - UInt64(PackTrailer.tailSize))
        return PackTrailer.parseTail(tail, fileSize: size)
    }

    /// Reads and checks the pack header.
    func packHeaderIsValid(_ file: PackFile) throws -> Bool {
        let bytes = try file.read(count: PackHeader.size, at: 0)
        return PackHeader.decode(bytes)?.pack == file.pack
    }

    /// Every entry of a pack, found by walking its entry headers.
    ///
    /// For a sealed pack the walk covers the entry area; for an unsealed one it stops quietly at a
    /// torn tail (a writer may be appending, or recovery has yet to run).
    ///
    /// - Throws: `.packMissing`, `.badPackHeader`, `.badEntryHeader` (with the offset where the chain
    ///   breaks), `.truncatedEntry` for a sealed pack, or `.io`.
    public func entries(of pack: PackID) throws -> [RecoveredEntry] {
        let file = try openForReading(pack)
        let size = try file.size()
        guard try packHeaderIsValid(file) else { throw PackStoreError.badPackHeader(pack) }
        let tail = try sealedTail(of: file, size: size)
        let scan = try scanChain(file, from: UInt64(PackHeader.size), to: tail?.tableStart ?? size, checkPayloads: false)
        switch scan.stop {
        case .end, .badPayload: return scan.entries
        case .badHeader(let offset):
            if tail == nil && looksLikeTrailer(file, at: offset, after: scan.entries, size: size) { return scan.entries }
            throw PackStoreError.badEntryHeader(pack, offset: offset)
        case .truncated(let offset):
            if tail == nil { return scan.entries }
            throw PackStoreError.truncatedEntry(pack, offset: offset)
        }
    }

    /// Whether `pack` ends in a valid trailer.
    ///
    /// - Throws: `.packMissing` or `.io`.
    public func isSealed(_ pack: PackID) throws -> Bool {
        let file = try openForReading(pack)
        return try sealedTail(of: file, size: try file.size()) != nil
    }

    /// True when the bytes at `offset` start like a trailer table: the first row repeats the first entry's ID.
    func looksLikeTrailer(_ file: PackFile, at offset: UInt64, after entries: [RecoveredEntry], size: UInt64) -> Bool {
        guard let first = entries.first, size > offset else { return false }
        let count = Int(min(UInt64(32), size - offset))
        guard count >= 8, let bytes = try? file.read(count: count, at: offset) else { return false }
        return bytes[...] == first.id.bytes[..<count]
    }
}

extension PackStore {
    /// One finding per dictionary that `entries` need but that is missing or damaged, in ID order.
    func dictionaryFindings(_ pack: PackID, _ entries: [RecoveredEntry]) -> [PackFinding] {
        let users = Dictionary(grouping: entries.filter { $0.location.dictionary != 0 }, by: \.location.dictionary)
        return users.keys.sorted().compactMap { id in
            let first = users[id]![0].location.offset, count = users[id]!.count
            do {
                _ = try dictionary(id)
                return nil
            } catch PackStoreError.dictionaryMissing {
                return .dictionaryMissing(pack, dictionary: id, firstEntry: first, entries: count)
            } catch PackStoreError.badDictionary(_, _, _, let reason) {
                return .badDictionary(pack, dictionary: id, firstEntry: first, entries: count, reason: reason)
            } catch {
                return .badDictionary(pack, dictionary: id, firstEntry: first, entries: count, reason: "\(error)")
            }
        }
    }
}
