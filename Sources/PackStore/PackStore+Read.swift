import ArchiveModel
import CZstd
import Foundation

extension PackStore {
    /// Compressed bytes read from a pack per `pread` while decoding (1 MiB at most).
    static let readChunk = 1 << 20

    /// Decompresses a whole blob into memory.
    ///
    /// - Parameters:
    ///   - location: where the entry is, as returned by ``PackWriter/append(_:)`` or recovery.
    ///   - id: when given, the entry header must name this blob and the bytes must hash to it.
    /// - Returns: the raw message, `location.rawLength` bytes.
    /// - Throws: `.packMissing`, `.badEntryHeader`, `.truncatedEntry`, `.locationMismatch`,
    ///   `.corruptPayload`, `.hashMismatch`, `.unsupportedEntry` or `.io`, each naming the pack and offset.
    public func read(_ location: BlobLocation, expected id: BlobID? = nil) throws -> [UInt8] {
        if location.member != nil { return try readMember(location, expected: id) }
        let (file, header) = try openEntry(location, expected: id)
        guard header.rawLength <= UInt64(Int.max / 2) else {
            throw PackStoreError.corruptPayload(location.pack, offset: location.offset, reason: "raw length too large")
        }
        let raw = Int(header.rawLength)
        let bytes = try [UInt8](unsafeUninitializedCapacity: raw) { buffer, count in
            try decodePayload(file, at: location.offset, header: header, into: UnsafeMutableRawBufferPointer(buffer)) { _ in }
            count = raw
        }
        if let id {
            let actual = SHA256Hasher.hash(bytes)
            guard actual == id else {
                throw PackStoreError.hashMismatch(location.pack, offset: location.offset, expected: id, actual: actual)
            }
        }
        return bytes
    }

    /// Decompresses a blob in chunks of at most 128 KiB, holding no more than about 1 MiB of
    /// compressed input plus zstd's window (≤ 8 MiB) at a time.
    ///
    /// - Parameters:
    ///   - location: where the entry is.
    ///   - id: when given, the header must name this blob and the bytes must hash to it; a hash
    ///     mismatch is thrown after `sink` has seen every byte.
    ///   - sink: receives the raw bytes in order; the buffer is only valid during the call.
    /// - Throws: the errors of ``read(_:expected:)``, or whatever `sink` throws.
    public func stream(_ location: BlobLocation, expected id: BlobID? = nil,
                       to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        if location.member != nil { return try readMember(location, expected: id).withUnsafeBytes { try sink($0) } }
        let (file, header) = try openEntry(location, expected: id)
        var hasher = SHA256Hasher()
        try decodePayload(file, at: location.offset, header: header, into: nil) { chunk in
            if id != nil { hasher.update(chunk) }
            try sink(chunk)
        }
        if let id {
            let actual = hasher.finish()
            guard actual == id else {
                throw PackStoreError.hashMismatch(location.pack, offset: location.offset, expected: id, actual: actual)
            }
        }
    }

    /// Re-reads one blob and re-hashes it without holding it in memory (`verify --read-data`).
    ///
    /// - Returns: `.ok`, `.hashMismatch(actual:)` when the bytes decode but hash differently, or
    ///   `.unreadable` with the error (missing pack, damaged header, zstd checksum failure, …).
    public func verifyBlob(_ location: BlobLocation, id: BlobID) -> BlobCheck {
        do {
            if location.member != nil {
                let actual = SHA256Hasher.hash(try readMember(location, expected: nil))
                return actual == id ? .ok : .hashMismatch(actual: actual)
            }
            let (file, header) = try openEntry(location, expected: id)
            var hasher = SHA256Hasher()
            try decodePayload(file, at: location.offset, header: header, into: nil) { hasher.update($0) }
            let actual = hasher.finish()
            return actual == id ? .ok : .hashMismatch(actual: actual)
        } catch let error as PackStoreError {
            return .unreadable(error)
        } catch {
            return .unreadable(.io(pack: location.pack, path: url(of: location.pack).path, operation: "read", errno: EIO))
        }
    }

    /// Reads and validates the entry header at `offset`, including that its payload fits in the file.
    func readEntryHeader(_ file: PackFile, at offset: UInt64, fileSize: UInt64) throws -> EntryHeader {
        let pack = file.pack!
        let bytes = try file.read(count: EntryHeader.size, at: offset)
        guard bytes.count == EntryHeader.size else { throw PackStoreError.truncatedEntry(pack, offset: offset) }
        guard let header = EntryHeader.decode(bytes) else { throw PackStoreError.badEntryHeader(pack, offset: offset) }
        guard header.storedLength <= fileSize, offset + UInt64(EntryHeader.size) <= fileSize - header.storedLength else {
            throw PackStoreError.truncatedEntry(pack, offset: offset)
        }
        return header
    }

    /// One blob of a block entry, cut from the block's content (decoded once and kept in a small cache).
    private func readMember(_ location: BlobLocation, expected id: BlobID?) throws -> [UInt8] {
        let content = try blockContent(location)
        try checkMemberBounds(location, content: content)
        let start = Int(location.member!), end = start + Int(location.rawLength)
        let bytes = Array(content[start..<end])
        if let id {
            let actual = SHA256Hasher.hash(bytes)
            guard actual == id else {
                throw PackStoreError.hashMismatch(location.pack, offset: location.offset, expected: id, actual: actual)
            }
        }
        return bytes
    }

    /// The whole decompressed content of the block entry that `location` points into.
    ///
    /// Checks the header against the location, the zstd frame (content checksum) and the SHA-256 of
    /// the content against the header's ID.
    func blockContent(_ location: BlobLocation) throws -> [UInt8] {
        if let cached = blockCache.content(pack: location.pack, offset: location.offset) { return cached }
        let file = try openForReading(location.pack)
        let header = try readEntryHeader(file, at: location.offset, fileSize: try file.size())
        guard header.compression == PackFormat.compressionBlock, header.storedLength == location.storedLength,
              header.dictionary == location.dictionary else {
            throw PackStoreError.locationMismatch(location.pack, offset: location.offset)
        }
        guard header.rawLength <= BlockLayout.contentLimit else {
            throw PackStoreError.corruptPayload(location.pack, offset: location.offset, reason: "block content larger than 64 MiB")
        }
        let raw = Int(header.rawLength)
        let content = try [UInt8](unsafeUninitializedCapacity: raw) { buffer, count in
            try decodePayload(file, at: location.offset, header: header, into: UnsafeMutableRawBufferPointer(buffer)) { _ in }
            count = raw
        }
        guard SHA256Hasher.hash(content) == header.id else {
            throw PackStoreError.corruptPayload(location.pack, offset: location.offset, reason: "the block's content does not hash to its ID")
        }
        blockCache.keep(content, pack: location.pack, offset: location.offset)
        return content
    }

    /// Throws `.locationMismatch` unless the member lies inside the block's members.
    private func checkMemberBounds(_ location: BlobLocation, content: [UInt8]) throws {
        let members = content.withUnsafeBytes { BlockLayout.members(of: $0) }
        guard let members else {
            throw PackStoreError.corruptPayload(location.pack, offset: location.offset, reason: "the block's member table is damaged")
        }
        guard members.contains(where: { $0.offset == location.member && $0.length == location.rawLength }) else {
            throw PackStoreError.locationMismatch(location.pack, offset: location.offset)
        }
    }

    /// Every blob of the block entry at `entry` (a location naming a whole entry of compression kind 2),
    /// found by decoding the block and hashing its members: how recovery and verify re-index a block.
    ///
    /// - Throws: the errors of ``read(_:expected:)``.
    public func members(of entry: BlobLocation) throws -> [RecoveredEntry] {
        let content = try blockContent(entry)
        return try content.withUnsafeBytes { bytes in
            guard let members = BlockLayout.members(of: bytes) else {
                throw PackStoreError.corruptPayload(entry.pack, offset: entry.offset, reason: "the block's member table is damaged")
            }
            return members.map { m in
                let id = SHA256Hasher.hash(UnsafeRawBufferPointer(rebasing: bytes[Int(m.offset)..<Int(m.offset + m.length)]))
                return RecoveredEntry(id: id, location: entry.member(at: m.offset, length: m.length))
            }
        }
    }

    /// Opens the pack of `location` and checks that the entry header agrees with the location.
    private func openEntry(_ location: BlobLocation, expected id: BlobID?) throws -> (PackFile, EntryHeader) {
        let file = try openForReading(location.pack)
        let header = try readEntryHeader(file, at: location.offset, fileSize: try file.size())
        guard header.storedLength == location.storedLength, header.rawLength == location.rawLength,
              header.dictionary == location.dictionary, id == nil || header.id == id else {
            throw PackStoreError.locationMismatch(location.pack, offset: location.offset)
        }
        return (file, header)
    }
}
