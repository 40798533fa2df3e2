import ArchiveModel
import Archiver
import IMAPClient
import IMAPWire

/// A `MailSource` over IMAP with password authentication.
struct IMAPMailSource: MailSource {
    let settings: ConnectionSettings
    /// Password per account, resolved from the config before the run starts.
    let passwords: [String: String]

    func openSession(account: String) throws -> MailSession {
        let session = try IMAPSession(settings: settings)
        session.identify(name: "coffer", version: CofferVersion.string)
        try session.login(user: account, password: passwords[account] ?? "")
        return IMAPMailSession(session: session)
    }
}

/// Adapts an `IMAPSession` to the pipeline's `MailSession`.
final class IMAPMailSession: MailSession {
    let session: IMAPSession

    init(session: IMAPSession) { self.session = session }

    func mailboxes() throws -> [RemoteMailbox] {
        try session.listMailboxes().map { entry in
            let flags = Set(entry.attributes.map { $0.lowercased() })
            return RemoteMailbox(name: entry.name, delimiter: entry.delimiter,
                                 selectable: !flags.contains("\\noselect") && !flags.contains("\\nonexistent"))
        }
    }

    func examine(_ name: MailboxName) throws -> RemoteMailboxStatus {
        let s = try session.examine(name)
        return RemoteMailboxStatus(uidValidity: s.uidValidity, uidNext: s.uidNext, exists: s.exists)
    }

    func uids() throws -> [UID] { try session.allUIDs() }

    func fetch(_ uids: [UID], body: BodySink, onMessage: (FetchedMessage) throws -> Void) throws {
        let receiver = BodyForwarder(sink: body)
        try session.fetchMessages(UIDSet(uids), body: receiver) { a in
            let kind: FetchedMessage.Body
            // Only the whole message (BODY[] without a partial origin) counts as a body.
            let whole = a.bodies.first { $0.section.isEmpty && $0.origin == nil }
            switch whole?.content {
            case .streamed?: kind = .streamed
            case .nil?: kind = .nil
            case .quoted(let bytes)?: kind = .inline(bytes)
            case nil: kind = .absent
            }
            try onMessage(FetchedMessage(uid: a.uid, serverSize: a.rfc822Size, internalDate: a.internalDate?.rfc3339,
                                         flags: a.flags ?? [], body: kind))
        }
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
        case .protocolError: return .transient
        default: return .transient
        }
    }
}

enum CofferVersion {
    static let string = "0.1.0"
}
