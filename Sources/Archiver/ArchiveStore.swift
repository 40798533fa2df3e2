import ArchiveModel
import Catalog
import Foundation
import PackStore
#if canImport(Glibc)
import Glibc
#endif

/// A coffer store on disk: `index.sqlite` (the index), `headers.sqlite` (the header search index, derived and
/// rebuildable), `packs/` (the blobs), `chain/` (the hash chain), `tmp/` (spill and block spool files), `lock`.
///
/// Opening for writing takes an exclusive lock (flock) so that two coffer processes never
/// write one store, and re-indexes blobs found in an unsealed pack tail after a crash.
public final class ArchiveStore: @unchecked Sendable {
    public let directory: URL
    public let catalog: Catalog
    public let packs: PackStore
    /// The zstd level and dictionary new blobs are compressed with, and the dictionary training.
    public let compression: StoreCompression
    private var lockFD: Int32 = -1

    /// Opens the store at `directory`.
    /// - Parameters:
    ///   - create: create the store when missing (backfill); otherwise a missing store is an error.
    ///   - exclusive: take the writer lock, and recover what a crash interrupted.
    ///   - lockOnly: take the writer lock but open the packs read-only and recover nothing (`verify`:
    ///     no run can change the store meanwhile, and nothing is changed to look at it).
    /// - Throws: `StoreError.missing`, `.locked`, or index/pack errors.
    public init(directory: URL, create: Bool, exclusive: Bool, lockOnly: Bool = false) throws {
        self.directory = directory
        let fm = FileManager.default
        let indexURL = directory.appendingPathComponent("index.sqlite")
        if !fm.fileExists(atPath: indexURL.path) {
            guard create else { throw StoreError.missing(directory.path) }
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        if exclusive || lockOnly { lockFD = try Self.lock(directory) }
        if exclusive {
            // Spill and block spool files of a run that ended without cleaning up; only the lock holder may.
            try? fm.removeItem(at: directory.appendingPathComponent("tmp"))
            try fm.createDirectory(at: directory.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        }
        // Upgrading an older index changes it for good: only under the store lock, never beside a writer.
        let locked = exclusive || lockOnly
        catalog = try Catalog(path: indexURL, readOnly: false, upgrade: locked)
        if !locked, try catalog.needsUpgrade() {
            let fd: Int32
            do { fd = try Self.lock(directory) } catch StoreError.locked { throw StoreError.upgradeWhileLocked(directory.path) }
            defer { close(fd) }
            try catalog.upgrade()
        }
        var indexedEnds: [PackID: UInt64] = [:]
        if exclusive {
            for (name, last) in try catalog.lastIndexedEntries() {
                guard let pack = PackID(hex: name) else { continue }
                indexedEnds[pack] = BlobLocation(pack: pack, offset: last.offset, storedLength: last.storedLength, rawLength: 0).endOffset
            }
        }
        packs = try PackStore(directory: directory.appendingPathComponent("packs"), access: exclusive ? .readWrite : .readOnly,
                              indexedEnds: indexedEnds)
        compression = try StoreCompression(packs: packs, writable: exclusive)
        if exclusive { try reindexRecovered() }
    }

    deinit { if lockFD >= 0 { close(lockFD) } }

    /// Where large messages spill while being compressed.
    public var spillDirectory: URL { directory.appendingPathComponent("tmp") }

    /// Blobs whose pack data survived a crash but whose index rows were never committed get their rows now,
    /// so a re-fetch finds them and writes nothing twice.
    private func reindexRecovered() throws {
        guard !packs.recovered.isEmpty || !packs.recoveredPacks.isEmpty else { return }
        // A block entry stands for its members: decode it and name each (its header alone does not).
        let recovered = try packs.recovered.flatMap { entry in
            entry.location.compression == 2 ? try packs.members(of: entry.location) : [entry]
        }
        let present = try catalog.existingBlobs(recovered.map { $0.id })
        let rows = recovered.filter { !present.contains($0.id) }.map {
            BlobRow(id: $0.id, pack: $0.location.pack.hex, offset: $0.location.offset, storedLength: $0.location.storedLength,
                    rawLength: $0.location.rawLength, dictionary: $0.location.dictionary, member: $0.location.member)
        }
        try catalog.commit(blobs: rows, messages: [], runID: nil)
        try packs.sealRecoveredPacks()
    }

    private static func lock(_ directory: URL) throws -> Int32 {
        let path = directory.appendingPathComponent("lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError.cannotLock(path, String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw StoreError.locked(directory.path)
        }
        return fd
    }
}

/// Errors opening a store.
public enum StoreError: Error, CustomStringConvertible {
    case missing(String)
    case locked(String)
    case cannotLock(String, String)
    /// The index must be upgraded by this version, and another process holds the store lock.
    case upgradeWhileLocked(String)

    /// Another process holds the store: a temporary condition (exit 75, try again later).
    public var isTemporary: Bool {
        switch self {
        case .locked, .upgradeWhileLocked: return true
        case .missing, .cannotLock: return false
        }
    }

    public var description: String {
        switch self {
        case .missing(let path): return "no coffer store at \(path); run `coffer backfill` first or check --store"
        case .locked(let path): return "another coffer process is using the store \(path); try again when it has finished"
        case .cannotLock(let path, let reason): return "cannot lock \(path): \(reason); check permissions of the store folder"
        case .upgradeWhileLocked(let path):
            return "the store \(path) needs its index upgraded by this version of coffer, and another coffer process is using it; try again when it has finished"
        }
    }
}
