import ArchiveModel
import Catalog
import Foundation
import Ledger
import PackStore
#if canImport(Glibc)
import Glibc
#endif

/// What to check.
public struct VerifyOptions: Sendable {
    /// Decompress and re-hash every blob.
    public var readData = false
    /// Re-hash a random sample instead: each blob with this chance (0…1].
    public var sample: Double?
    /// Stop the per-pack work after this many seconds (counted from the start; at least one pack is
    /// always finished, so a run overruns by at most one pack) and resume there next time.
    public var maxDuration: TimeInterval?
    /// A chain head written down earlier that must be one of the records.
    public var expectHead: String?
    /// Worker threads for the per-pack work.
    public var threads = 2
    /// The caller holds the store's writer lock, so no run can be going on (`coffer verify` does).
    public var holdsStoreLock = false

    public init() {}

    /// The name a resumable cycle is saved under.
    var mode: String {
        if let sample { return "read-data-subset:\(sample)" }
        return readData ? "read-data" : "structure"
    }
}

/// What `verify` found and did.
public struct VerifyReport: Sendable {
    public var findings: [Finding] = []
    /// Facts that are not problems.
    public var notes: [String] = []
    public var packsOnDisk = 0
    /// Packs whose structure (and data, if asked) this run checked.
    public var packsChecked = 0
    public var blobsRead = 0
    public var rawBytesRead: UInt64 = 0
    public var seconds = 0.0
    /// With `maxDuration`: packs still to check in this cycle (0 when the cycle completed).
    public var packsLeftInCycle: Int?
    /// The chain's last record when the chain is sound.
    public var chainHead: ChainRecord?
    public var chainRecords = 0
}

/// `coffer verify`: the index against the packs, the hash chain against both, and each pack's
/// structure and (optionally) data. Runs beside an archiving process: it only reads, except for its
/// own resume file.
public final class StoreVerifier {
    let directory: URL
    let catalog: Catalog
    let packs: PackStore

    public init(store directory: URL, catalog: Catalog, packs: PackStore) {
        self.directory = directory
        self.catalog = catalog
        self.packs = packs
    }

    /// - Throws: index or file-system errors that stop the check itself (damage is reported as findings).
    public func run(_ options: VerifyOptions, progress: @escaping (String) -> Void) throws -> VerifyReport {
        let started = Date()
        var report = VerifyReport()
        let index = try IndexCheck(catalog: catalog, packs: packs).run()
        report.findings = index.findings
        report.packsOnDisk = index.packsOnDisk
        let chain = try ChainVerifier(store: directory, catalog: catalog, packs: packs)
            .verify(expectHead: options.expectHead, writerActive: !options.holdsStoreLock && Self.writerActive(directory))
        report.findings += chain.findings.map(Self.finding)
        report.notes += chain.notes
        report.chainHead = chain.head
        report.chainRecords = chain.records
        try scanPacks(options, started: started, into: &report, progress: progress)
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    private func scanPacks(_ options: VerifyOptions, started: Date, into report: inout VerifyReport,
                           progress: @escaping (String) -> Void) throws {
        let all = try packs.packIDs()
        let mode = options.mode
        let state = options.maxDuration == nil ? nil
            : VerifyState.load(store: directory, mode: mode) ?? VerifyState(mode: mode, cycleStarted: Self.now(), done: [])
        let done = Set(state?.done ?? [])
        let work = all.filter { !done.contains($0.hex) }
        if let state, !done.isEmpty {
            report.notes.append("resuming the cycle started \(state.cycleStarted): \(done.count) of \(all.count) packs were checked before")
        }
        var scanOptions = PackScan.Options()
        scanOptions.readData = options.readData || options.sample != nil
        scanOptions.sample = options.sample ?? 1
        scanOptions.deadline = options.maxDuration.map { started.addingTimeInterval($0) }
        scanOptions.threads = options.threads
        let outcome = PackScan(catalog: catalog, packs: packs, work: work, options: scanOptions, progress: progress).run()
        report.findings += outcome.findings
        report.packsChecked = outcome.done.count
        report.blobsRead = outcome.blobsRead
        report.rawBytesRead = outcome.rawBytes
        guard var cycle = state else { return }
        cycle.done = Array(done.union(outcome.done.map(\.hex))).sorted()
        let left = Set(all.map(\.hex)).subtracting(cycle.done).count
        report.packsLeftInCycle = left
        if left == 0 {
            VerifyState.remove(store: directory)
            report.notes.append("the cycle started \(cycle.cycleStarted) is complete: every pack was checked")
        } else {
            try cycle.save(store: directory)
            report.notes.append("stopped at --max-duration: \(left) of \(all.count) packs are left in this cycle; run the same command again to continue")
        }
    }

    /// True when another process holds the store's write lock (`<store>/lock`, flock).
    static func writerActive(_ store: URL) -> Bool {
        let fd = open(store.appendingPathComponent("lock").path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    static func finding(_ c: ChainFinding) -> Finding {
        Finding(kind: c.kind, pack: c.pack, blob: c.rows.first?.blob.hex, messages: c.rows.map(MessageRef.init), detail: c.message)
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }
}
