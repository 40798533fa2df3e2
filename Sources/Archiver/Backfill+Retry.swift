import ArchiveModel
import Catalog
import Foundation

/// What one fetch thread carries through the mailboxes of one account.
struct AccountContext {
    let job: BackfillJob
    let account: String
    let holder: SessionHolder
    let throttle: SourceThrottle
    let collector: BodyCollector
    let writer: ArchiveWriter
    let runID: Int64
    /// Set once a mailbox of this account was refused twice as "authenticated but not connected":
    /// later refusals are taken as permission problems without another delayed retry.
    var notConnectedConfirmed = false
}

/// How far the retries of one mailbox have gone.
struct RetryState {
    /// Fetch one UID per command (after a message-level failure).
    var isolate = false
    var failures = 0
    var throttles = 0
    var retriedNotConnected = false
    /// UIDs without a body were asked for again on a fresh connection.
    var repassed = false
}

extension Backfill {
    /// LIST, waiting out throttling like a mailbox does.
    func listMailboxes(_ holder: SessionHolder, _ throttle: SourceThrottle) throws -> [RemoteMailbox] {
        var throttles = 0
        while true {
            do { return try holder.current().mailboxes() } catch let error as ClassifiedError {
                guard case .throttled(let backoff)? = error.retryHint else { throw error }
                throttles += 1
                guard let wait = throttle.plan(backoff: backoff, attempt: throttles) else { throw error }
                holder.drop(polite: false)
                progress("\(holder.account): \(error); waiting \(Self.seconds(wait)) s")
                pause(wait)
            }
        }
    }

    /// Archives one mailbox, reconnecting after transient failures (a dropped connection, an expired
    /// session such as Exchange's `BYE … AccessTokenExpired`): committed batches stay, the retry
    /// fetches only what is still missing, and a message whose literal broke the framing is
    /// isolated and marked `failed`. Throttling (B09, B10) is waited out within the source's budget
    /// and does not count as an attempt; "authenticated but not connected" (B11) gets one delayed
    /// retry. UIDs the server sent no body for (B12, B28) get one more try on a fresh connection.
    /// Returns true when the account cannot go on.
    func archiveWithRetries(_ record: MailboxRecord, _ result: inout MailboxReport, _ context: inout AccountContext) throws -> Bool {
        var state = RetryState()
        let holder = context.holder
        var retrying = false
        while true {
            do {
                // A retry lists what is archived: first commit what the last attempt fetched (it may
                // still wait in the account's open block), so it is not fetched twice.
                if retrying { try context.writer.flush() }
                retrying = true
                try archiveMailbox(holder, record, &result, collector: context.collector, writer: context.writer,
                                   runID: context.runID, isolate: state.isolate,
                                   helpers: HelperSessions(job: context.job, throttle: context.throttle, spare: spare(for: context.job)))
                result.error = nil
                if !state.repassed && (result.pending[PendingReason.missing.rawValue] != nil || result.pending[PendingReason.nilBody.rawValue] != nil) {
                    state.repassed = true
                    holder.drop(polite: true)
                    progress("\(result.account)/\(result.mailbox): the server sent no body for some UIDs; asking again on a fresh connection")
                    continue
                }
                Self.noteNonMailFolder(&result)
                return false
            } catch let error as WriteFailure {
                throw error.underlying
            } catch let error as ClassifiedError where error.retryHint != nil {
                guard try followHint(error, record, &result, &context, &state) else { return false }
            } catch let error as ClassifiedError where error.failureClass == .transient {
                guard retryTransient(error, &result, context, &state) else { return false }
            } catch let error as ClassifiedError where error.failureClass == .authentication || error.failureClass == .configuration {
                result.error = "\(error)"
                recordAccountError(result.account, error)
                return true
            } catch {
                result.error = "\(error)"
                return false
            }
        }
    }

    /// Throttling: wait and go on, or give up. "Authenticated but not connected": one delayed retry,
    /// then permission-denied. Returns false when the mailbox is done with.
    func followHint(_ error: ClassifiedError, _ record: MailboxRecord, _ result: inout MailboxReport,
                    _ context: inout AccountContext, _ state: inout RetryState) throws -> Bool {
        result.error = "\(error)"
        switch error.retryHint! {
        case .throttled(let backoff):
            state.throttles += 1
            return waitOutThrottle(error, backoff: backoff, attempt: state.throttles, &result, context)
        case .authenticatedNotConnected:
            if context.notConnectedConfirmed || state.retriedNotConnected {
                context.notConnectedConfirmed = true
                try markPermissionDenied(record, error, &result)
                return false
            }
            state.retriedNotConnected = true
            context.holder.drop(polite: true)
            let delay = context.throttle.planNotConnectedDelay()
            progress("\(result.account)/\(result.mailbox): \(error); retrying once on a fresh connection in \(Self.seconds(delay)) s")
            pause(delay)
            return true
        }
    }

    /// A dropped connection and the like: reconnect, isolating UIDs after a message-level failure,
    /// at most `attemptsPerMailbox` times, and not at all once the source stopped waiting on throttling.
    func retryTransient(_ error: ClassifiedError, _ result: inout MailboxReport, _ context: AccountContext,
                        _ state: inout RetryState) -> Bool {
        result.error = "\(error)"
        context.holder.drop(polite: false)
        if context.throttle.hasGivenUp {
            result.gaveUp = true
            result.error = "not finished: \(error); \(context.job.source) is throttling and the run stopped waiting; re-run later"
            return false
        }
        state.isolate = state.isolate || error.isMessageLevel
        state.failures += 1
        guard state.failures < Self.attemptsPerMailbox else { return false }
        progress("\(result.account)/\(result.mailbox): \(error); reconnecting")
        return true
    }

    /// Sleeps through one throttle, or records that the run gave up on it. The session is dropped
    /// before waiting; when giving up it is kept, so that the account's next mailboxes are tried on
    /// it while the server still answers (B10), but no new connection is opened. Returns false on giving up.
    func waitOutThrottle(_ error: Error, backoff: Double?, attempt: Int, _ result: inout MailboxReport, _ context: AccountContext) -> Bool {
        let throttle = context.throttle
        guard let wait = throttle.plan(backoff: backoff, attempt: attempt) else {
            result.gaveUp = true
            result.error = "gave up after \(Self.seconds(throttle.totalWaited)) s of waiting on throttling (max_throttle_wait = "
                + "\(Int(throttle.maxWait)) s); \(error); everything fetched so far is committed, re-run later"
            return false
        }
        context.holder.drop(polite: false)
        progress("\(result.account)/\(result.mailbox): \(error); waiting \(Self.seconds(wait)) s, then reconnecting "
                 + "(at most \(throttle.connectionLimit) connections to \(context.job.source) from now on)")
        pause(wait)
        result.throttleWait += wait
        return true
    }

    /// The mailbox was refused twice to an authenticated session (B08, B11): recorded as
    /// `permission-denied` in the index (a later run tries it again) and in the report.
    func markPermissionDenied(_ record: MailboxRecord, _ error: Error, _ result: inout MailboxReport) throws {
        result.permissionDenied = true
        result.error = "permission denied: \(error) twice; grant the account (for an app, its service principal) "
            + "FullAccess on this mailbox, or check the server's connection limits"
        do { try store.catalog.setMailboxStatus(record.id, "permission-denied") } catch { throw WriteFailure(underlying: error) }
    }

    /// A folder whose every listed item came back without a body is most likely not a mail folder
    /// (Exchange's calendar, contacts, tasks; case B15): said so in the report, never skipped silently.
    static func noteNonMailFolder(_ result: inout MailboxReport) {
        let missing = result.pending[PendingReason.missing.rawValue] ?? 0
        guard result.listed > 0, result.new + result.alreadyArchived == 0, missing * 10 >= result.listed * 9 else { return }
        result.note = "non-mail folder? none of its \(result.listed) items can be fetched over IMAP (as with Exchange calendar, "
            + "contacts and tasks folders); add it to the source's exclude patterns if that is expected"
    }

    /// Sleeps, waking early when the run is asked to stop.
    func pause(_ seconds: TimeInterval) {
        let end = Date().addingTimeInterval(seconds)
        while !stop.isSet, Date() < end { Thread.sleep(forTimeInterval: min(0.1, max(0, end.timeIntervalSinceNow))) }
    }

    static func seconds(_ t: TimeInterval) -> String { String(format: "%.1f", t) }
}
