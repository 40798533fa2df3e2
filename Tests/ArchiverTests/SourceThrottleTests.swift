import Foundation
import Testing
@testable import Archiver

/// The throttling policy of cases B09, B10 and B11, without a server.
struct SourceThrottleTests {
    @Test func suggestedBackoffIsWaitedAtLeastWithAtMostTwentyPercentJitter() {
        let throttle = SourceThrottle(connections: 4, maxWait: 600)
        for attempt in 1...5 {
            let wait = throttle.plan(backoff: 2, attempt: attempt)!
            #expect(wait >= 2 && wait < 2.4)
        }
        #expect(throttle.totalWaited == 10, "the budget counts the nominal waits")
    }

    @Test func withoutASuggestionTheBackoffDoublesFromThirtySecondsUpToFifteenMinutes() {
        let throttle = SourceThrottle(connections: 1, maxWait: 86_400)
        let nominal = (1...8).map { attempt -> Double in
            let before = throttle.totalWaited
            _ = throttle.plan(backoff: nil, attempt: attempt)
            return throttle.totalWaited - before
        }
        #expect(nominal == [30, 60, 120, 240, 480, 900, 900, 900])
    }

    @Test func aWaitPastTheBudgetIsNotMadeAndTheSourceGivesUp() {
        let throttle = SourceThrottle(connections: 2, maxWait: 2)
        #expect(throttle.plan(backoff: 1, attempt: 1) != nil)
        #expect(throttle.plan(backoff: 1, attempt: 2) != nil)
        #expect(!throttle.hasGivenUp)
        #expect(throttle.plan(backoff: 1, attempt: 3) == nil)
        #expect(throttle.hasGivenUp)
        #expect(throttle.plan(backoff: 0, attempt: 1) == nil, "once given up, no more waiting in this run")
        #expect(SourceThrottle(connections: 1, maxWait: 10).plan(backoff: nil, attempt: 1) == nil, "30 s does not fit 10 s")
    }

    @Test func everyThrottleHalvesTheConnectionsDownToOne() {
        let throttle = SourceThrottle(connections: 8, maxWait: 600)
        var limits: [Int] = []
        for attempt in 1...4 {
            _ = throttle.plan(backoff: 0, attempt: attempt)
            limits.append(throttle.connectionLimit)
        }
        #expect(limits == [4, 2, 1, 1])
    }

    @Test func theNotConnectedDelayIsAMinuteAtMostAndUsesTheBudget() {
        let roomy = SourceThrottle(connections: 1, maxWait: 600)
        #expect(roomy.planNotConnectedDelay() == 60)
        let tight = SourceThrottle(connections: 1, maxWait: 5)
        #expect(tight.planNotConnectedDelay() == 5)
        #expect(tight.planNotConnectedDelay() == 0)
    }

    @Test func aSessionSlotWaitsWhileTheLimitIsReached() {
        let throttle = SourceThrottle(connections: 2, maxWait: 600)
        _ = throttle.plan(backoff: 0, attempt: 1)
        throttle.acquire()
        let acquired = Box()
        let second = Thread { throttle.acquire(); acquired.set(Date()) }
        second.start()
        Thread.sleep(forTimeInterval: 0.2)
        #expect(acquired.get() == nil, "the limit is one session: the second waits")
        let released = Date()
        throttle.release()
        while acquired.get() == nil { Thread.sleep(forTimeInterval: 0.01) }
        #expect(acquired.get()! >= released)
        throttle.release()
    }
}

/// A date set by one thread and read by another.
final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date?
    func set(_ date: Date) { lock.withLock { value = date } }
    func get() -> Date? { lock.withLock { value } }
}
