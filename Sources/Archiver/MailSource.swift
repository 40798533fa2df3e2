import ArchiveModel
import Foundation

/// Where mail comes from. The pipeline talks to this protocol, never to IMAP directly,
/// so tests can plug in other sources.
public protocol MailSource: Sendable {
    /// Opens an authenticated session for one account.
    /// - Throws: an error conforming to `ClassifiedError` when it can say whether a retry helps.
    func openSession(account: String) throws -> MailSession
    /// Seconds a run may spend in total waiting on this source's throttling before it stops
    /// (config `max_throttle_wait`; exit 75).
    var maxThrottleWait: TimeInterval { get }
}

extension MailSource {
    public var maxThrottleWait: TimeInterval { 600 }
}

/// One logged-in session on one account. Used from one thread at a time; every call blocks.
public protocol MailSession: AnyObject {
    /// Every mailbox of the account.
    func mailboxes() throws -> [RemoteMailbox]
    /// Opens a mailbox read-only and reports its UIDVALIDITY, UIDNEXT and message count.
    func examine(_ name: MailboxName) throws -> RemoteMailboxStatus
    /// STATUS (RFC 9051 §6.3.11) of a mailbox without opening it: UIDVALIDITY, UIDNEXT, MESSAGES
    /// and HIGHESTMODSEQ when the server has CONDSTORE. One round trip; lets sync skip unchanged mailboxes.
    func status(_ name: MailboxName) throws -> RemoteMailboxStatus
    /// The UIDs of the open mailbox, ascending.
    func uids() throws -> [UID]
    /// Fetches `uids` from the open mailbox. Body bytes stream to `body`; after each message's
    /// body, `onMessage` gets its attributes.
    func fetch(_ uids: [UID], body: BodySink, onMessage: (FetchedMessage) throws -> Void) throws
    /// Fetches several batches with up to `depth` commands in flight; `onBatchDone(i)` follows the
    /// last response of `batches[i]`. The default runs the batches one after another.
    func fetch(batches: [[UID]], depth: Int, body: BodySink, onMessage: (FetchedMessage) throws -> Void,
               onBatchDone: (Int) throws -> Void) throws
    /// When the session's credentials stop being valid (an access token's expiry); nil for never.
    /// The pipeline reconnects between batches before that moment.
    var validUntil: Date? { get }
    /// Flag changes in the open mailbox since `modseq` (RFC 7162 CONDSTORE); empty when the server lacks it.
    func flagChanges(since modseq: UInt64) throws -> [(uid: UID, flags: [String])]
    /// Ends the session politely; never throws.
    func close()
}

extension MailSession {
    public func fetch(batches: [[UID]], depth: Int, body: BodySink, onMessage: (FetchedMessage) throws -> Void,
                      onBatchDone: (Int) throws -> Void) throws {
        for (i, batch) in batches.enumerated() {
            try fetch(batch, body: body, onMessage: onMessage)
            try onBatchDone(i)
        }
    }
}

/// Receives one message body at a time as it arrives.
public protocol BodySink: AnyObject {
    func begin(size: Int) throws
    func bytes(_ chunk: UnsafeRawBufferPointer) throws
    func end() throws
}

/// A mailbox as the server lists it.
public struct RemoteMailbox: Sendable, Hashable {
    public var name: MailboxName
    public var delimiter: UInt8?
    /// False for \Noselect and \NonExistent mailboxes, which hold no messages.
    public var selectable: Bool
    public init(name: MailboxName, delimiter: UInt8?, selectable: Bool) {
        self.name = name
        self.delimiter = delimiter
        self.selectable = selectable
    }
}

/// EXAMINE's answer.
public struct RemoteMailboxStatus: Sendable, Hashable {
    public var uidValidity: UIDValidity
    public var uidNext: UInt32?
    public var exists: UInt32
    public var highestModSeq: UInt64?
    public init(uidValidity: UIDValidity, uidNext: UInt32?, exists: UInt32, highestModSeq: UInt64? = nil) {
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.exists = exists
        self.highestModSeq = highestModSeq
    }
}

/// The attributes of one FETCH response.
public struct FetchedMessage: Sendable {
    /// How the body came: streamed through the `BodySink`, `NIL`, inline (a quoted string), or not at all.
    public enum Body: Sendable { case streamed, `nil`, inline([UInt8]), absent }
    public var uid: UID?
    /// RFC822.SIZE as announced; advisory only.
    public var serverSize: UInt64?
    /// RFC 3339.
    public var internalDate: String?
    public var flags: [String]
    public var body: Body
    public init(uid: UID?, serverSize: UInt64?, internalDate: String?, flags: [String], body: Body) {
        self.uid = uid
        self.serverSize = serverSize
        self.internalDate = internalDate
        self.flags = flags
        self.body = body
    }
}

/// How bad a failure is and whether retrying helps (after isync's scopes and retry classes).
public enum FailureClass: Sendable {
    /// Credentials refused or unusable: stop the whole run (exit 3).
    case authentication
    /// The configuration is wrong (e.g. the server's certificate is not trusted): stop the run (exit 2).
    case configuration
    /// Network or server trouble: the mailbox is left for a re-run.
    case transient
    /// This mailbox or message cannot be archived as is.
    case permanent
}

/// Errors that know their failure class.
public protocol ClassifiedError: Error {
    var failureClass: FailureClass { get }
    /// True when the failure belongs to the message being received (a literal out of step with its
    /// count): the pipeline then isolates that UID, marks it `failed`, and goes on.
    var isMessageLevel: Bool { get }
    /// How a temporary failure should be retried, when the server said more than "try again".
    var retryHint: RetryHint? { get }
}

extension ClassifiedError {
    public var isMessageLevel: Bool { false }
    public var retryHint: RetryHint? { nil }
}

/// What a server's refusal asks of the client beyond its failure class.
public enum RetryHint: Sendable, Equatable {
    /// Throttled or temporarily unavailable (cases B09, B10): wait at least `backoff` seconds (nil:
    /// not said; back off exponentially), reconnect, go on; give up after the source's `maxThrottleWait`.
    case throttled(backoff: Double?)
    /// `BAD User is authenticated but not connected` (B08, B11): connection churn or no rights on the
    /// mailbox. One delayed retry on a fresh connection; if it repeats, the mailbox is permission-denied.
    case authenticatedNotConnected
}
