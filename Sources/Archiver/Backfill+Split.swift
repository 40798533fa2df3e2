import ArchiveModel
import Catalog
import Foundation

/// Connections of one source that no account is using: a thread whose account queue ran dry gives
/// its connection back here, and a large mailbox borrows them to fetch parts of its UID range.
final class SpareConnections: @unchecked Sendable {
    private let lock = NSLock()
    private var free: Int

    init(_ free: Int) { self.free = max(0, free) }

    /// Takes up to `wanted` connections; returns how many it got.
    func take(upTo wanted: Int) -> Int {
        lock.withLock {
            let n = min(wanted, free)
            free -= n
            return n
        }
    }

    /// Gives `n` connections back.
    func give(_ n: Int) { lock.withLock { free += n } }
}

/// What a mailbox needs to open more sessions of its account.
struct HelperSessions {
    let job: BackfillJob
    let throttle: SourceThrottle
    let spare: SpareConnections
}

extension Backfill {
    /// A mailbox with at least this many UIDs to fetch borrows spare connections for parts of them.
    static let splitMinimum = 1_000

    /// Fetches `missing` on this connection and, when spare connections are free and the range is
    /// large, on more sessions of the same account at once: the UIDs are cut into contiguous parts,
    /// one per connection (each part's messages share that session's blocks). The helpers' blocks
    /// are committed before this returns control to the mailbox's own stream, so the mailbox's state,
    /// recorded after its stream commits, never precedes any of its messages. A helper's failure is
    /// rethrown here (after what it fetched is committed), so the mailbox's retry fetches the rest.
    func fetchMissing(_ holder: SessionHolder, _ missing: [UID], _ record: MailboxRecord, _ status: RemoteMailboxStatus,
                      _ result: inout MailboxReport, collector: BodyCollector, writer: ArchiveWriter, tally: WriteTally,
                      isolate: Bool, helpers: HelperSessions?) throws {
        let borrowed = isolate || missing.count < Self.splitMinimum ? 0
            : helpers?.spare.take(upTo: min(3, missing.count / (Self.splitMinimum / 2) - 1)) ?? 0
        guard borrowed > 0, let helpers else {
            return try fetchPart(holder, missing, record, status, &result, collector: collector, writer: writer, tally: tally, isolate: isolate)
        }
        defer { helpers.spare.give(borrowed) }
        let parts = Self.split(missing, into: borrowed + 1)
        progress("\(result.source)/\(result.account)/\(result.mailbox): \(missing.count) UIDs on \(borrowed + 1) connections")
        let outcome = HelperOutcome()
        let group = DispatchGroup()
        let (source, account, mailbox, wire) = (result.source, result.account, result.mailbox, result.mailboxWire)
        for part in parts.dropFirst() {
            group.enter()
            let task = UncheckedBox { [self] in
                defer { group.leave() }
                let gated = GatedSource(base: helpers.job.mailSource, throttle: helpers.throttle, selection: OpenMailbox())
                let helper = SessionHolder(source: gated, account: account)
                defer { helper.drop(polite: true) }
                let partCollector = BodyCollector(store: store)
                var partResult = MailboxReport(source: source, account: account, mailbox: mailbox, mailboxWire: wire)
                do {
                    let opened = try helper.current().examine(record.name)
                    guard opened.uidValidity == status.uidValidity else { throw UIDValidityChanged(mailbox: record.name.display) }
                    try fetchPart(helper, part, record, status, &partResult, collector: partCollector, writer: writer, tally: tally,
                                  isolate: false)
                } catch {
                    outcome.fail(error)
                }
                // Ordered before the mailbox's own state update: the writer takes jobs in order.
                try? writer.endStream(ObjectIdentifier(partCollector))
                outcome.add(partResult)
            }
            let thread = Thread { task.value() }
            thread.stackSize = 4 << 20
            thread.start()
        }
        var mainFailure: Error?
        do {
            try fetchPart(holder, parts[0], record, status, &result, collector: collector, writer: writer, tally: tally, isolate: false)
        } catch {
            mainFailure = error
        }
        group.wait()
        for part in outcome.reports {
            result.new += part.new
            result.bytesFetched += part.bytesFetched
            result.pending.merge(part.pending, uniquingKeysWith: +)
        }
        if let error = mainFailure ?? outcome.failure { throw error }
    }

    /// `uids` cut into `count` contiguous parts of nearly equal length, in order.
    static func split(_ uids: [UID], into count: Int) -> [[UID]] {
        let size = (uids.count + count - 1) / count
        return stride(from: 0, to: uids.count, by: size).map { Array(uids[$0..<min($0 + size, uids.count)]) }
    }

    /// One connection's share: batches of `options.batchSize` (one UID per command while isolating
    /// the first few after a framing error), renewing the session before its credentials expire.
    func fetchPart(_ holder: SessionHolder, _ missing: [UID], _ record: MailboxRecord, _ status: RemoteMailboxStatus,
                   _ result: inout MailboxReport, collector: BodyCollector, writer: ArchiveWriter, tally: WriteTally,
                   isolate: Bool) throws {
        var start = 0
        while start < missing.count {
            if stop.isSet { break }
            if holder.isExpiring { try renew(holder, record, expected: status.uidValidity) }
            let size = isolate && start < 20 ? 1 : options.batchSize
            let count = size == 1 ? 1 : options.batchesPerSegment
            var batches: [[UID]] = []
            var end = start
            while batches.count < count && end < missing.count {
                let next = min(end + size, missing.count)
                batches.append(Array(missing[end..<next]))
                end = next
            }
            try fetchBatches(holder, batches, record, status.uidValidity, &result, collector: collector, writer: writer,
                             tally: tally, isolated: size == 1)
            start = end
        }
    }
}

/// What the helper threads of one mailbox report back.
private final class HelperOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [MailboxReport] = []
    private var firstFailure: Error?

    var reports: [MailboxReport] { lock.withLock { parts } }
    var failure: Error? { lock.withLock { firstFailure } }
    func add(_ report: MailboxReport) { lock.withLock { parts.append(report) } }
    func fail(_ error: Error) { lock.withLock { firstFailure = firstFailure ?? error } }
}

/// Hands a closure over non-Sendable state to a thread that is joined before that state is used again.
private struct UncheckedBox: @unchecked Sendable {
    let value: () -> Void
    init(_ value: @escaping () -> Void) { self.value = value }
}
