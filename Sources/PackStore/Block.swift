import ArchiveModel
import CZstd
import Foundation

/// The decompressed content of a block entry: the member blobs back to back, then a member table.
///
/// `member₀ | member₁ | … | length₀ u32 | … | lengthₙ₋₁ u32 | count u32 | magic "CBLK"`
/// (little-endian). Member `i` starts at the sum of the lengths before it. The entry header's blob
/// ID is the SHA-256 of the whole content, table included (docs/store-format.md, "Block entries").
public enum BlockLayout {
    /// "CBLK": the last 4 bytes of a block's content.
    static let magic: [UInt8] = Array("CBLK".utf8)
    /// Largest member a block takes (1 MiB); longer messages get an entry of their own.
    public static let memberLimit = 1 << 20
    /// Largest content a reader accepts for a block (64 MiB), a bound on memory when decoding one.
    public static let contentLimit: UInt64 = 64 << 20

    /// The table that ends a block of members with these lengths.
    static func table(lengths: [UInt32]) -> [UInt8] {
        var w = ByteWriter(capacity: 4 * lengths.count + 8)
        for length in lengths { w.append(length) }
        w.append(UInt32(lengths.count))
        w.append(magic)
        return w.bytes
    }

    /// Each member's (offset, length) in `content`, or nil when the table is malformed.
    public static func members(of content: UnsafeRawBufferPointer) -> [(offset: UInt64, length: UInt64)]? {
        guard content.count >= 8, Array(content[(content.count - 4)...]) == magic else { return nil }
        let count = Int(content.loadUnaligned(fromByteOffset: content.count - 8, as: UInt32.self).littleEndian)
        guard count <= (content.count - 8) / 4 else { return nil }
        let tableStart = content.count - 8 - 4 * count
        var out: [(offset: UInt64, length: UInt64)] = []
        out.reserveCapacity(count)
        var offset: UInt64 = 0
        for i in 0..<count {
            let length = UInt64(content.loadUnaligned(fromByteOffset: tableStart + 4 * i, as: UInt32.self).littleEndian)
            out.append((offset, length))
            offset += length
        }
        return offset == UInt64(tableStart) ? out : nil
    }
}

/// One blob waiting in a ``BlockBuilder``.
public struct BlockMember: Sendable, Hashable {
    /// SHA-256 of the blob's raw bytes.
    public let id: BlobID
    /// Byte offset of the blob in the block's content.
    public let offset: UInt64
    /// Length of the blob in bytes.
    public let length: UInt64
}

/// Gathers small messages into one block: their raw bytes back to back, in the order added.
///
/// Compressing a few MiB of mail as one zstd frame finds the repetition between messages (quoted
/// replies, the same message in several mailboxes, shared headers) that one frame per message
/// cannot: on the Enron corpus 8 MiB blocks of one account at level 9 store 0.70 × `tar | zstd -3`,
/// against 1.6 × for one frame per message (docs/benchmarks-compression.md). The bytes wait in a
/// spool file (page cache, never fsynced, deleted when the block is compressed), so a writer with
/// one open block per account holds none of them in memory. Not thread-safe.
public final class BlockBuilder {
    /// The members added so far, in content order.
    public private(set) var members: [BlockMember] = []
    private var ids: Set<BlobID> = []
    private let spoolDirectory: URL
    private var spool: (file: PackFile, url: URL)?
    private var count = 0
    /// Bytes not yet written to the spool file (written 256 KiB at a time, not one call per message).
    private var pending: [UInt8] = []
    private static let writeChunk = 256 << 10

    /// Creates an empty builder whose bytes will wait in a file in `spoolDirectory` (created if missing).
    public init(spoolDirectory: URL) {
        self.spoolDirectory = spoolDirectory
    }

    deinit { discard() }

    /// Raw bytes gathered so far.
    public var rawCount: Int { count }
    /// True when nothing was added.
    public var isEmpty: Bool { members.isEmpty }

    /// Whether a blob with this ID was added.
    public func contains(_ id: BlobID) -> Bool { ids.contains(id) }

    /// Adds one blob's raw bytes; `id` must be their SHA-256 (the writer trusts it, readers check it).
    ///
    /// - Returns: the member's place in the block.
    /// - Throws: `.io` when the spool file cannot be written.
    @discardableResult
    public func add(id: BlobID, bytes: [UInt8]) throws -> BlockMember {
        precondition(bytes.count <= BlockLayout.memberLimit, "block member larger than BlockLayout.memberLimit")
        if spool == nil {
            try PackFile.makeDirectory(spoolDirectory.path)
            let url = spoolDirectory.appendingPathComponent("coffer-block-\(PackID.random().hex).raw")
            spool = (try PackFile(path: url.path, flags: O_RDWR | O_CREAT | O_EXCL, pack: nil, mode: 0o600), url)
        }
        if pending.count + bytes.count > Self.writeChunk { try flushPending() }
        if bytes.count >= Self.writeChunk { try spool!.file.write(bytes) } else {
            if pending.capacity < Self.writeChunk { pending.reserveCapacity(Self.writeChunk) }
            pending += bytes
        }
        let member = BlockMember(id: id, offset: UInt64(count), length: UInt64(bytes.count))
        count += bytes.count
        members.append(member)
        ids.insert(id)
        return member
    }

    /// Reads the content back, with the member table appended, into `buffer` (grown when needed),
    /// then empties the builder and deletes its spool file.
    ///
    /// - Returns: the content's length.
    func takeContent(into buffer: inout [UInt8]) throws -> Int {
        let table = BlockLayout.table(lengths: members.map { UInt32($0.length) })
        let total = count + table.count
        if buffer.count < total { buffer = [UInt8](repeating: 0, count: total) }
        try flushPending()
        if let spool {
            let got = try buffer.withUnsafeMutableBytes { try spool.file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<count]), at: 0) }
            guard got == count else { throw PackStoreError.spillFileChanged(path: spool.url.path, expected: UInt64(count), actual: UInt64(got)) }
        }
        buffer.replaceSubrange(count..<total, with: table)
        discard()
        return total
    }

    private func flushPending() throws {
        guard !pending.isEmpty, let spool else { return }
        try spool.file.write(pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Forgets every member and deletes the spool file. Safe to call more than once.
    public func discard() {
        pending = []
        if let spool { unlink(spool.url.path) }
        spool = nil
        members = []
        ids = []
        count = 0
    }
}

/// Compresses blocks: one zstd frame per block, at ``level`` with a window as large as the block.
///
/// Holds one zstd context (about 20 MiB at level 9 with an 8 MiB window) and one content buffer,
/// and reuses both. Not thread-safe.
public final class BlockCompressor {
    /// zstd level for blocks: 9, measured on Enron as the best ratio at a speed (about 90 MB/s per
    /// core on 8 MiB blocks) that keeps up with four fetch connections.
    public static let defaultLevel: Int32 = 9
    /// Raw bytes at which a block is closed (8 MiB, the largest window readers accept).
    public static let defaultTarget = 8 << 20

    private let compressor: ZstdCompressor
    private var dictionary: CompressionDictionary?
    private var content: [UInt8] = []
    /// Output buffer, allocated uninitialised so that only the bytes zstd writes take memory.
    private var frame = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    /// Creates a compressor at `level` (clamped to zstd's range, at most 19).
    public init(level: Int32 = BlockCompressor.defaultLevel) {
        compressor = ZstdCompressor(level: level)
        compressor.setWindowLog(Zstd.maxWindowLog)
        // 2^20-entry tables: 8 MiB instead of 24 MiB at level 9, for 0.5 % more bytes (Enron, 8 MiB blocks).
        compressor.setTableLogs(20)
    }

    deinit { frame.deallocate() }

    /// The zstd level in use.
    public var level: Int32 { compressor.level }

    /// Compresses the builder's members (with the store's `dictionary`, if given) into one block entry
    /// and empties the builder.
    ///
    /// - Returns: the block as an ``EncodedBlob`` of compression kind 2, whose ID is the SHA-256 of the
    ///   content, and the members with their offsets in it.
    /// - Throws: `.compressionFailed`, or `.io` / `.spillFileChanged` when the spool file cannot be read.
    public func compress(_ builder: BlockBuilder, dictionary: CompressionDictionary?) throws -> (block: EncodedBlob, members: [BlockMember]) {
        precondition(!builder.isEmpty, "compressing an empty block")
        let members = builder.members
        let length = try builder.takeContent(into: &content)
        if dictionary !== self.dictionary {
            compressor.refDictionary(dictionary?.compressionDictionary(level: compressor.level))
            self.dictionary = dictionary
        }
        compressor.resetSession()
        let bound = ZSTD_compressBound(length)
        if frame.count < bound {
            frame.deallocate()
            frame = .allocate(byteCount: bound, alignment: 16)
        }
        let (n, id) = try content.withUnsafeBytes { raw in
            let input = UnsafeRawBufferPointer(rebasing: raw[..<length])
            return (try compressor.compressFrame(input, into: frame), SHA256Hasher.hash(input))
        }
        let block = EncodedBlob(id: id, rawLength: UInt64(length), payload: .memory(Array(UnsafeRawBufferPointer(rebasing: frame[..<n]))),
                                dictionary: dictionary?.id ?? 0, compression: PackFormat.compressionBlock)
        return (block, members)
    }
}

/// The last few block contents decoded, so reading the members of one block in turn (export,
/// verify, header indexing) decodes it once. Thread-safe; holds at most ``capacity`` blocks.
final class BlockCache: @unchecked Sendable {
    /// Blocks kept (two: enough for two readers working through different packs).
    let capacity = 2
    private let lock = NSLock()
    private var entries: [(pack: PackID, offset: UInt64, content: [UInt8])] = []

    func content(pack: PackID, offset: UInt64) -> [UInt8]? {
        lock.withLock {
            guard let i = entries.firstIndex(where: { $0.pack == pack && $0.offset == offset }) else { return nil }
            let entry = entries.remove(at: i)
            entries.append(entry)
            return entry.content
        }
    }

    func keep(_ content: [UInt8], pack: PackID, offset: UInt64) {
        lock.withLock {
            entries.removeAll { $0.pack == pack && $0.offset == offset }
            if entries.count >= capacity { entries.removeFirst() }
            entries.append((pack, offset, content))
        }
    }
}
