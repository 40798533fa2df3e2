import ArchiveModel
import Foundation

/// The mailbox a fetch thread is working on, remembered across sessions (used by that one thread only).
final class OpenMailbox: @unchecked Sendable {
    var name: MailboxName?
    var uidValidity: UIDValidity?
}

/// Wraps a source so that every session takes a slot of the source's throttle (the concurrency
/// limit that throttling halves) and re-opens the current mailbox when it replaces a dropped one.
struct GatedSource: MailSource {
    let base: any MailSource
    let throttle: SourceThrottle
    let selection: OpenMailbox

    var maxThrottleWait: TimeInterval { base.maxThrottleWait }

    func openSession(account: String) throws -> MailSession {
        throttle.acquire()
        do {
            return GatedSession(inner: try base.openSession(account: account), throttle: throttle, selection: selection)
        } catch {
            throttle.release()
            throw error
        }
    }
}

/// A session holding one throttle slot until it is dropped.
///
/// A session opened in the middle of a mailbox (after a message's literal broke the framing and
/// the old connection was dropped, cases B21, B31) has no mailbox open: before the next `uids` or
/// `fetch` it EXAMINEs the mailbox again, and a changed UIDVALIDITY stops that mailbox.
final class GatedSession: MailSession {
    private let inner: MailSession
    private let throttle: SourceThrottle
    private let selection: OpenMailbox
    private var opened: MailboxName?

    init(inner: MailSession, throttle: SourceThrottle, selection: OpenMailbox) {
        self.inner = inner
        self.throttle = throttle
        self.selection = selection
    }

    deinit { throttle.release() }

    var validUntil: Date? { inner.validUntil }

    func mailboxes() throws -> [RemoteMailbox] { try inner.mailboxes() }

    func status(_ name: MailboxName) throws -> RemoteMailboxStatus { try inner.status(name) }

    func examine(_ name: MailboxName) throws -> RemoteMailboxStatus {
        let status = try inner.examine(name)
        opened = name
        selection.name = name
        selection.uidValidity = status.uidValidity
        return status
    }

    func uids() throws -> [UID] {
        try reopen()
        return try inner.uids()
    }

    func fetch(_ uids: [UID], body: BodySink, onMessage: (FetchedMessage) throws -> Void) throws {
        try reopen()
        try inner.fetch(uids, body: body, onMessage: onMessage)
    }

    func fetch(batches: [[UID]], depth: Int, body: BodySink, onMessage: (FetchedMessage) throws -> Void,
               onBatchDone: (Int) throws -> Void) throws {
        try reopen()
        try inner.fetch(batches: batches, depth: depth, body: body, onMessage: onMessage, onBatchDone: onBatchDone)
    }

    func flagChanges(since modseq: UInt64) throws -> [(uid: UID, flags: [String])] { try inner.flagChanges(since: modseq) }

    func close() { inner.close() }

    private func reopen() throws {
        guard let wanted = selection.name, opened != wanted else { return }
        let status = try inner.examine(wanted)
        opened = wanted
        if let expected = selection.uidValidity, status.uidValidity != expected {
            throw UIDValidityChanged(mailbox: wanted.display)
        }
    }
}
