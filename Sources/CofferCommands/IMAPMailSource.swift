import ArchiveModel
import Archiver
import EntraAuth
import Foundation
import IMAPClient
import IMAPWire

/// How a source logs in: a password per account, or an access token from the client credentials grant.
enum SourceCredentials: Sendable {
    case passwords([String: String])
    case oauth(TokenClient, OAuthMechanism)
}

/// A `MailSource` over IMAP.
struct IMAPMailSource: MailSource {
    let settings: ConnectionSettings
    let credentials: SourceCredentials
    /// Config `max_throttle_wait`, seconds.
    var maxThrottleWait: TimeInterval = 600

    func openSession(account: String) throws -> MailSession {
        let session = try IMAPSession(settings: settings)
        session.identify(name: "coffer", version: CofferVersion.string)
        switch credentials {
        case .passwords(let passwords):
            try session.login(user: account, password: passwords[account] ?? "")
            session.enableCondStore()
            return IMAPMailSession(session: session, validUntil: nil)
        case .oauth(let client, let mechanism):
            let token = try client.accessToken()
            try authenticate(session, account: account, token: token, mechanism: mechanism)
            session.enableCondStore()
            return IMAPMailSession(session: session, validUntil: token.expiresAt)
        }
    }

    /// AUTHENTICATE with the token; a refusal names the Exchange-side causes to check.
    func authenticate(_ session: IMAPSession, account: String, token: AccessToken, mechanism: OAuthMechanism) throws {
        let response = mechanism == .xoauth2
            ? SASL.xoauth2(user: account, token: token.value)
            : SASL.oauthBearer(user: account, host: settings.host, port: settings.port, token: token.value)
        do {
            try session.authenticate(mechanism, user: account, initialResponse: response)
        } catch IMAPClientError.loginRejected(let user, let text) {
            throw OAuthLoginRefused(account: user, serverText: text, claims: token.claims)
        }
    }
}

/// The server refused a token the identity platform issued (cases B01, B02).
struct OAuthLoginRefused: Error, CustomStringConvertible, ClassifiedError {
    let account: String
    let serverText: String
    let claims: TokenClaims?

    var failureClass: FailureClass { .authentication }

    var description: String {
        var text = "the server refused the access token for \(account) (\(serverText))"
        if let claims {
            if let problem = claims.imapProblems.first { return text + "; " + problem }
            text += "; " + claims.exchangeRefusalChecklist(mailbox: account)
        }
        return text
    }
}

extension TokenError: ClassifiedError {
    public var failureClass: FailureClass { isPermanentAuthFailure ? .authentication : .transient }
}

/// Adapts an `IMAPSession` to the pipeline's `MailSession`.
final class IMAPMailSession: MailSession {
    let session: IMAPSession
    let validUntil: Date?

    init(session: IMAPSession, validUntil: Date?) {
        self.session = session
        self.validUntil = validUntil
    }

    func mailboxes() throws -> [RemoteMailbox] {
        try session.listMailboxes().map { entry in
            let flags = Set(entry.attributes.map { $0.lowercased() })
            return RemoteMailbox(name: entry.name, delimiter: entry.delimiter,
                                 selectable: !flags.contains("\\noselect") && !flags.contains("\\nonexistent"))
        }
    }

    func examine(_ name: MailboxName) throws -> RemoteMailboxStatus {
        let s = try session.examine(name)
        return RemoteMailboxStatus(uidValidity: s.uidValidity, uidNext: s.uidNext, exists: s.exists, highestModSeq: s.highestModSeq)
    }

    func status(_ name: MailboxName) throws -> RemoteMailboxStatus {
        let s = try session.status(name)
        return RemoteMailboxStatus(uidValidity: s.uidValidity, uidNext: s.uidNext, exists: s.exists, highestModSeq: s.highestModSeq)
    }

    func uids() throws -> [UID] { try session.allUIDs() }

    func flagChanges(since modseq: UInt64) throws -> [(uid: UID, flags: [String])] {
        try session.flagChanges(since: modseq).map { ($0.uid, $0.flags) }
    }

    func fetch(_ uids: [UID], body: BodySink, onMessage: (FetchedMessage) throws -> Void) throws {
        try fetch(batches: [uids], depth: 1, body: body, onMessage: onMessage) { _ in }
    }

    func fetch(batches: [[UID]], depth: Int, body: BodySink, onMessage: (FetchedMessage) throws -> Void,
               onBatchDone: (Int) throws -> Void) throws {
        try session.fetchMessages(batches: batches.map { UIDSet($0) }, depth: depth, body: BodyForwarder(sink: body),
                                  onFetch: { try onMessage(Self.message($0)) }, onBatchDone: onBatchDone)
    }

    /// Maps a FETCH response to the pipeline's view. Only the whole message (BODY[] without a
    /// partial origin) counts as a body.
    static func message(_ a: FetchAttributes) -> FetchedMessage {
        let whole = a.bodies.first { $0.section.isEmpty && $0.origin == nil }
        let kind: FetchedMessage.Body
        switch whole?.content {
        case .streamed?: kind = .streamed
        case .nil?: kind = .nil
        case .quoted(let bytes)?: kind = .inline(bytes)
        case nil: kind = .absent
        }
        return FetchedMessage(uid: a.uid, serverSize: a.rfc822Size, internalDate: a.internalDate?.rfc3339, flags: a.flags ?? [], body: kind)
    }

    func close() { session.logout() }
}

/// Passes body literals from the IMAP session to the pipeline's sink.
final class BodyForwarder: BodyReceiver {
    let sink: BodySink
    init(sink: BodySink) { self.sink = sink }
    func begin(size: Int) throws { try sink.begin(size: size) }
    func bytes(_ chunk: UnsafeRawBufferPointer) throws { try sink.bytes(chunk) }
    func end() throws { try sink.end() }
}

extension IMAPClientError: ClassifiedError {
    public var failureClass: FailureClass {
        switch self {
        case .loginRejected: return .authentication
        case .tlsFailed, .starttlsUnavailable: return .configuration
        case .commandFailed: return .permanent
        case .protocolError, .truncatedLiteral, .throttled, .authenticatedNotConnected: return .transient
        default: return .transient
        }
    }

    /// A framing error, or a connection closed inside a literal, belongs to the message being read.
    public var isMessageLevel: Bool {
        switch self {
        case .protocolError, .truncatedLiteral: return true
        default: return false
        }
    }

    public var retryHint: RetryHint? {
        switch self {
        case .throttled(_, _, let backoff): return .throttled(backoff: backoff)
        case .authenticatedNotConnected: return .authenticatedNotConnected
        default: return nil
        }
    }
}

enum CofferVersion {
    static let string = "0.1.0"
}
