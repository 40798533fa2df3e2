import ArchiveModel
import Catalog
import Foundation

/// One configured source and what to archive from it.
public struct BackfillJob: Sendable {
    public var source: String
    public var mailSource: any MailSource
    public var accounts: [String]
    public var selection: MailboxSelection
    /// Concurrent sessions for this source.
    public var connections: Int
    public init(source: String, mailSource: any MailSource, accounts: [String], selection: MailboxSelection, connections: Int) {
        self.source = source
        self.mailSource = mailSource
        self.accounts = accounts
        self.selection = selection
        self.connections = max(1, connections)
    }
}

/// Tunables of the fetch pipeline.
public struct BackfillOptions: Sendable {
    /// Messages per UID FETCH command.
    public var batchSize = 200
    /// UID FETCH commands in flight per connection.
    public var pipelineDepth = 2
    /// Batches fetched back to back before the session's expiry is checked again (and Ctrl-C noticed).
    public var batchesPerSegment = 4
    /// `sync`: skip mailboxes whose STATUS is unchanged, record expunges, new, gone and renamed mailboxes.
    public var incremental = false
    /// `sync --full-check`: compare the full UID list of every mailbox to record expunges.
    public var fullCheck = false
    public init() {}
}

/// Archives every selected message not archived yet: for each account, list mailboxes, EXAMINE,
/// list UIDs, fetch the missing ones in batches, commit each batch (packs durable, then index).
///
/// Sessions run on threads of their own (their I/O blocks); one `ArchiveWriter` serializes writes.
public final class Backfill: @unchecked Sendable {
    let store: ArchiveStore
    let jobs: [BackfillJob]
    let options: BackfillOptions
    let progress: @Sendable (String) -> Void
    let stop: StopFlag
    private let lock = NSLock()
    private var report: RunReport
    /// The first failure writing the store; it stops the run.
    private var storeError: Error?
    /// Per source: connections no account is using (set before the fetch threads start).
    private var spares: [String: SpareConnections] = [:]

    /// The spare connections of `job`'s source.
    func spare(for job: BackfillJob) -> SpareConnections {
        lock.withLock { spares[job.source] } ?? SpareConnections(0)
    }

    public init(store: ArchiveStore, jobs: [BackfillJob], options: BackfillOptions = .init(), stop: StopFlag,
                progress: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.jobs = jobs
        self.options = options
        self.stop = stop
        self.progress = progress
        report = RunReport(runID: nil, kind: options.incremental ? "sync" : "backfill", started: Timestamp.now())
    }

    /// Runs to completion (or until stopped) and returns the report. Per-mailbox failures are in the report.
    /// - Throws: only when the store itself fails (index or pack write errors).
    public func run() throws -> RunReport {
        let started = Date()
        let runID = try store.catalog.beginRun(kind: report.kind, started: report.started)
        report.runID = runID
        let writer = ArchiveWriter(packs: store.packs, catalog: store.catalog, runID: runID, spoolDirectory: store.spillDirectory,
                                   compression: store.compression)
        var threads: [Thread] = []
        let group = DispatchGroup()
        for job in jobs {
            let spare = SpareConnections(job.connections - min(job.connections, job.accounts.count))
            lock.withLock { spares[job.source] = spare }
        }
        for job in jobs {
            let queue = WorkQueue(job.accounts)
            let spare = self.spare(for: job)
            for _ in 0..<min(job.connections, job.accounts.count) {
                group.enter()
                let thread = Thread { [self] in
                    defer { group.leave() }
                    Thread.current.name = "coffer-fetch"
                    while let account = queue.next(), !stop.isSet {
                        do { try archiveAccount(job, account, writer: writer, runID: runID) } catch {
                            lock.withLock { storeError = storeError ?? error }
                            stop.set()
                        }
                    }
                    // No account left for this connection: a large mailbox still running may borrow it.
                    spare.give(1)
                }
                thread.stackSize = 4 << 20
                threads.append(thread)
                thread.start()
            }
        }
        group.wait()
        try writer.close()
        for i in report.mailboxes.indices {
            report.mailboxes[i].blobsNew += report.mailboxes[i].tallies.reduce(0) { $0 + $1.newBlobs }
            report.mailboxes[i].tallies = []
        }
        store.compression.finishRun(train: !stop.byUser)
        report.seconds = Date().timeIntervalSince(started)
        report.interrupted = stop.byUser
        let status = report.complete ? "complete" : (report.interrupted ? "interrupted" : "incomplete")
        let summary = (try? String(decoding: JSONEncoder().encode(report.indexRecord), as: UTF8.self)) ?? "{}"
        try store.catalog.finishRun(runID, finished: Timestamp.now(), status: status, summary: summary)
        if let storeError { throw storeError }
        return report
    }

    func recordMailbox(_ mailbox: MailboxReport) {
        lock.withLock { report.mailboxes.append(mailbox) }
    }

    func recordAccountError(_ account: String, _ error: Error) {
        let text = "\(error)"
        let kind = (error as? ClassifiedError)?.failureClass ?? .permanent
        lock.withLock {
            switch kind {
            case .authentication: report.authenticationFailure = report.authenticationFailure ?? text
            case .configuration: report.configurationFailure = report.configurationFailure ?? text
            case .transient, .permanent:
                report.accountErrors[account] = text
                if kind == .permanent { report.accountErrorsTransient = false }
            }
        }
        if kind == .authentication || kind == .configuration { stop.set() }
    }
}

/// A thread-safe queue of work items.
final class WorkQueue<T>: @unchecked Sendable {
    private var items: [T]
    private let lock = NSLock()
    init(_ items: [T]) { self.items = items.reversed() }
    func next() -> T? { lock.withLock { items.popLast() } }
}

/// Set once to ask every session to stop after its current batch.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    private var user = false
    public init() {}
    public var isSet: Bool { lock.withLock { value } }
    /// True when the stop came from the user (SIGINT/SIGTERM).
    public var byUser: Bool { lock.withLock { user } }
    public func set(byUser: Bool = false) {
        lock.withLock {
            value = true
            if byUser { user = true }
        }
    }
}

/// Times as RFC 3339 strings in UTC.
public enum Timestamp {
    public static func now() -> String {
        // A formatter per thread (building one costs an ICU calendar; sharing one across threads is not safe).
        let key = "coffer.Timestamp.formatter"
        let f: ISO8601DateFormatter
        if let cached = Thread.current.threadDictionary[key] as? ISO8601DateFormatter {
            f = cached
        } else {
            f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            Thread.current.threadDictionary[key] = f
        }
        return f.string(from: Date())
    }
}
