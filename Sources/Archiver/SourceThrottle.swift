import ArchiveModel
import Foundation

/// One source's throttling state during a run (cases B09, B10, B11): how long the run has waited,
/// how many sessions may be open at once, and whether it has given up.
///
/// Waits are counted at their nominal length (the server's suggestion, or the exponential
/// back-off when it gave none); a wait that would take the total past `maxWait` is not made:
/// the run gives up instead, with everything fetched so far committed (exit 75). Every throttle
/// halves the number of sessions the source may open at once (never below one).
final class SourceThrottle: @unchecked Sendable {
    /// Seconds of nominal waiting allowed per run (config `max_throttle_wait`).
    let maxWait: TimeInterval
    /// First back-off when the server suggests none (`NO Server Unavailable`); doubles up to `maxBackoff`.
    static let firstBackoff: TimeInterval = 30
    static let maxBackoff: TimeInterval = 900
    /// Delay before the single retry after `BAD User is authenticated but not connected`, at most.
    static let notConnectedDelay: TimeInterval = 60

    private let condition = NSCondition()
    private var limit: Int
    private var open = 0
    private var waited: TimeInterval = 0
    private var givenUp = false

    init(connections: Int, maxWait: TimeInterval) {
        limit = max(1, connections)
        self.maxWait = maxWait
    }

    /// Seconds of nominal waiting so far.
    var totalWaited: TimeInterval { condition.withLock { waited } }
    /// True once a wait was refused: sessions of this source are not reopened in this run.
    var hasGivenUp: Bool { condition.withLock { givenUp } }
    /// Sessions the source may have open at once now.
    var connectionLimit: Int { condition.withLock { limit } }

    /// Plans the wait after the `attempt`-th throttle of one operation.
    /// - Returns: seconds to sleep (the back-off plus up to 20 % jitter), or nil to give up.
    func plan(backoff suggested: Double?, attempt: Int) -> TimeInterval? {
        let base = suggested ?? min(Self.maxBackoff, Self.firstBackoff * pow(2, Double(max(0, attempt - 1))))
        return condition.withLock {
            guard !givenUp, waited + base <= maxWait else {
                givenUp = true
                return nil
            }
            waited += base
            limit = max(1, limit / 2)
            return base * (1 + Double.random(in: 0..<0.2))
        }
    }

    /// The delay before retrying a mailbox refused with "authenticated but not connected": at most
    /// a minute, within what is left of the wait budget (which it uses up).
    func planNotConnectedDelay() -> TimeInterval {
        condition.withLock {
            let delay = max(0, min(Self.notConnectedDelay, maxWait - waited))
            waited += delay
            return delay
        }
    }

    /// Waits for a free session slot.
    func acquire() {
        condition.lock()
        while open >= limit { condition.wait() }
        open += 1
        condition.unlock()
    }

    func release() {
        condition.lock()
        open -= 1
        condition.broadcast()
        condition.unlock()
    }
}

/// The throttles of the running backfills, one per (run, source). An entry whose run has ended is
/// replaced, so a later run that happens to get the same object address starts afresh.
enum SourceThrottles {
    private struct Key: Hashable { let run: ObjectIdentifier; let source: String }
    private struct Entry { weak var run: Backfill?; let throttle: SourceThrottle }
    private static let lock = NSLock()
    nonisolated(unsafe) private static var table: [Key: Entry] = [:]

    static func throttle(run: Backfill, job: BackfillJob) -> SourceThrottle {
        lock.withLock {
            table = table.filter { $0.value.run != nil }
            let key = Key(run: ObjectIdentifier(run), source: job.source)
            if let existing = table[key], existing.run === run { return existing.throttle }
            let made = SourceThrottle(connections: job.connections, maxWait: job.mailSource.maxThrottleWait)
            table[key] = Entry(run: run, throttle: made)
            return made
        }
    }
}
