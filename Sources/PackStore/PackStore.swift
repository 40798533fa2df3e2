import ArchiveModel
import CZstd
import Foundation

/// The store's `packs` directory: content-addressed packs of zstd-compressed blobs.
///
/// Packs live at `<packs>/<first 2 hex of the pack ID>/<pack ID>.pack` and trained zstd
/// dictionaries at `<packs>/dictionaries/<id>.zdict`; the byte format is in `docs/store-format.md`.
/// This layer knows nothing about the index: it hands out ``BlobLocation``s and reads them back.
/// Opening a store read-write takes an exclusive lock (a POSIX record lock on `<packs>/lock`) and
/// runs recovery of unsealed packs (see ``recovered``).
///
/// Reads may run concurrently from any thread; writes go through ``PackWriter``s (one per task).
///
/// ```swift
/// let store = try PackStore(directory: root.appendingPathComponent("packs"))
/// ```
public final class PackStore: @unchecked Sendable {
    /// How a store is opened.
    public enum Access: Sendable {
        /// Takes the write lock and recovers unsealed packs at open.
        case readWrite
        /// No lock, no recovery, no writes: for checks that run beside an archiving process.
        case readOnly
    }

    /// The `packs` directory.
    public let directory: URL
    /// How the store was opened.
    public let access: Access

    private let lock = NSLock()
    private var recoveredEntries: [RecoveredEntry] = []
    private var recoveredPackIDs: [PackID] = []
    private var findingsAtOpen: [PackFinding] = []
    private var idleDecompressors: [ZstdDecompressor] = []
    private let writeLock: StoreLock?
    /// Dictionaries loaded so far (see `PackStore+Dictionaries.swift`).
    let dictionaries = DictionaryShelf()
    /// Recently decoded block contents.
    let blockCache = BlockCache()

    /// Opens a packs directory; read-write, creates it if missing, takes its lock and recovers unsealed packs.
    ///
    /// - Parameters:
    ///   - directory: `<store>/packs`.
    ///   - access: `.readWrite` (default) locks the store and runs recovery; `.readOnly` does neither.
    ///   - indexedEnds: per pack, the end offset of the last entry the index names. Recovery never cuts
    ///     a pack below it: bad bytes before an indexed entry are damage, not a torn write, and the
    ///     pack is left as it is (reported in ``recoveryFindings``) for `verify` and a restore.
    /// - Throws: `.storeLocked` when another open read-write store holds the lock; `.io` on file-system
    ///   errors, including a failed truncation during recovery.
    public init(directory: URL, access: Access = .readWrite, indexedEnds: [PackID: UInt64] = [:]) throws {
        self.directory = directory.standardizedFileURL
        self.access = access
        guard access == .readWrite else {
            writeLock = nil
            return
        }
        try PackFile.makeDirectory(self.directory.path)
        writeLock = try StoreLock(directory: self.directory)
        try removeTemporaryDictionaryFiles()
        try recoverUnsealedPacks(indexedEnds: indexedEnds)
    }

    /// Complete entries of unsealed packs found at open, in pack then offset order.
    ///
    /// Every unsealed pack was scanned from its start; each entry's header CRC, zstd frame and
    /// SHA-256 were checked, and a torn tail (a partial entry, or anything after the first bad entry)
    /// was truncated away and fsynced. Index these entries (idempotently), then call
    /// ``sealRecoveredPacks()``. Empty when opened read-only.
    public var recovered: [RecoveredEntry] { lock.withLock { recoveredEntries } }

    /// The unsealed packs recovery looked at, including ones left with no entries.
    public var recoveredPacks: [PackID] { lock.withLock { recoveredPackIDs } }

    /// Unsealed packs recovery could not repair (a damaged pack header); they were left untouched.
    public var recoveryFindings: [PackFinding] { lock.withLock { findingsAtOpen } }

    /// Creates a writer that appends to packs of this store.
    ///
    /// - Parameter targetPackSize: bytes at which ``PackWriter/sealIfFull()`` seals a pack (default 64 MiB).
    public func makeWriter(targetPackSize: UInt64 = 64 << 20) -> PackWriter {
        PackWriter(store: self, targetPackSize: targetPackSize)
    }

    /// All pack IDs present, sorted. Files that are not `<2 hex>/<32 hex>.pack` are ignored.
    ///
    /// - Throws: `.io` when the directory cannot be listed.
    public func packIDs() throws -> [PackID] {
        var result: [PackID] = []
        for prefix in try PackFile.listDirectory(directory.path) ?? [] where prefix.utf8.count == 2 {
            let names = try PackFile.listDirectory(directory.appendingPathComponent(prefix).path) ?? []
            for name in names where name.hasSuffix(".pack") {
                if let id = PackID(hex: String(name.dropLast(5))), id.hex.hasPrefix(prefix) {
                    result.append(id)
                }
            }
        }
        return result.sorted()
    }

    /// The directory holding `pack`: `<packs>/<first 2 hex>`.
    public func subdirectory(of pack: PackID) -> URL {
        directory.appendingPathComponent(String(pack.hex.prefix(2)), isDirectory: true)
    }

    /// The file of `pack`: `<packs>/<first 2 hex>/<32 hex>.pack`.
    public func url(of pack: PackID) -> URL {
        subdirectory(of: pack).appendingPathComponent(pack.hex + ".pack")
    }

    /// Opens a pack for reading.
    func openForReading(_ pack: PackID) throws -> PackFile {
        try PackFile(path: url(of: pack).path, flags: O_RDONLY, pack: pack)
    }

    /// Runs `body` with a zstd decompression context from a small pool.
    func withDecompressor<T>(_ body: (ZstdDecompressor) throws -> T) rethrows -> T {
        let context = lock.withLock { idleDecompressors.popLast() } ?? ZstdDecompressor()
        context.resetSession()
        defer {
            lock.withLock { if idleDecompressors.count < 8 { idleDecompressors.append(context) } }
        }
        return try body(context)
    }

    /// Largest bytes a decode holds: the biggest pooled zstd context plus the input and output buffers.
    var decoderFootprint: Int {
        let contexts = lock.withLock { idleDecompressors.map { ZSTD_sizeof_DCtx($0.context) } }
        return (contexts.max() ?? 0) + Self.readChunk + ZSTD_DStreamOutSize()
    }

    /// Records what recovery found; called once from `init`.
    func setRecovery(entries: [RecoveredEntry], packs: [PackID], findings: [PackFinding]) {
        lock.withLock {
            recoveredEntries = entries
            recoveredPackIDs = packs
            findingsAtOpen = findings
        }
    }
}
