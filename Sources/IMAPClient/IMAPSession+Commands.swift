import ArchiveModel
import IMAPWire

/// What EXAMINE reports about a mailbox (RFC 9051 §6.3.3).
public struct MailboxStatus: Sendable, Equatable {
    public var uidValidity: UIDValidity
    public var uidNext: UInt32?
    public var exists: UInt32
    public var highestModSeq: UInt64?
}

extension IMAPSession {
    /// Logs in with a password: `LOGIN` (RFC 9051 §6.2.3), or `AUTHENTICATE PLAIN` (RFC 4616) when LOGINDISABLED.
    /// - Throws: `IMAPClientError.loginRejected` when the server refuses the credentials.
    public func login(user: String, password: String) throws {
        let before = capabilities
        clearCapabilities()
        do {
            if before.contains("LOGINDISABLED") && before.contains("AUTH=PLAIN") {
                var response: [UInt8] = [0]
                response += Array(user.utf8) + [0] + Array(password.utf8)
                try run(.authenticate(mechanism: "PLAIN", initialResponse: response))
            } else {
                try run(.login(user: user, password: password))
            }
        } catch IMAPClientError.commandFailed(_, _, let text) {
            throw IMAPClientError.loginRejected(user: user, serverText: text)
        }
        // Capabilities may change after login (RFC 9051 §6.2.3); use the ones sent with OK, or ask.
        if capabilities.isEmpty { try refreshCapabilities() }
    }

    /// Sends ID (RFC 2971) when the server supports it; failures are ignored.
    public func identify(name: String, version: String) {
        guard capabilities.contains("ID") else { return }
        _ = try? run(.id([("name", name), ("version", version)]))
    }

    /// Lists every mailbox (`LIST "" "*"`).
    public func listMailboxes() throws -> [ListEntry] {
        var entries: [ListEntry] = []
        try run(.list(reference: MailboxName(wire: ""), pattern: "*")) { u in
            if case .list(let entry) = u { entries.append(entry) }
        }
        return entries
    }

    /// Opens a mailbox read-only (EXAMINE, RFC 9051 §6.3.3) so nothing, not even \Recent, changes.
    /// - Throws: `IMAPClientError.commandFailed` when the mailbox cannot be opened; `.protocolError` without UIDVALIDITY.
    public func examine(_ name: MailboxName) throws -> MailboxStatus {
        var validity: UIDValidity?
        var next: UInt32?
        var exists: UInt32 = 0
        var modseq: UInt64?
        try run(.examine(name)) { u in
            switch u {
            case .exists(let n): exists = n
            case .condition(_, let text):
                switch text.code {
                case .uidValidity(let v)?: validity = v
                case .uidNext(let n)?: next = n.rawValue
                case .highestModSeq(let m)?: modseq = m
                default: break
                }
            default: break
            }
        }
        guard let validity else { throw IMAPClientError.protocolError("EXAMINE \(name.display) gave no UIDVALIDITY") }
        return MailboxStatus(uidValidity: validity, uidNext: next, exists: exists, highestModSeq: modseq)
    }

    /// All UIDs of the open mailbox, ascending: `UID SEARCH RETURN (ALL) ALL` (RFC 4731, answered
    /// with compact ranges) when the server has ESEARCH, else `UID SEARCH ALL`, whose one answer
    /// line may be megabytes long (case B24).
    public func allUIDs() throws -> [UID] {
        var uids: [UID] = []
        try run(.uidSearch(capabilities.contains("ESEARCH") ? "RETURN (ALL) ALL" : "ALL")) { u in
            switch u {
            case .search(let found): uids += found
            case .esearch(let e): uids += e.uids
            default: break
            }
        }
        return uids.sorted()
    }

    /// `UID FETCH set (UID RFC822.SIZE INTERNALDATE FLAGS BODY.PEEK[])`: bodies stream to `body`,
    /// then `onFetch` gets each FETCH response's attributes. BODY.PEEK never sets \Seen.
    public func fetchMessages(_ set: UIDSet, body: BodyReceiver, onFetch: (FetchAttributes) throws -> Void) throws {
        try run(.uidFetch(set, ["UID", "RFC822.SIZE", "INTERNALDATE", "FLAGS", "BODY.PEEK[]"]), onUntagged: { u in
            if case .fetch(_, let attributes) = u { try onFetch(attributes) }
        }, body: body)
    }
}

extension IMAPSession {
    /// STATUS (RFC 9051 §6.3.11) without opening the mailbox: MESSAGES, UIDNEXT, UIDVALIDITY, and
    /// HIGHESTMODSEQ (RFC 7162 §3.1.9) when the server has CONDSTORE.
    /// - Throws: `IMAPClientError.commandFailed`; `.protocolError` when UIDVALIDITY is missing.
    public func status(_ name: MailboxName) throws -> MailboxStatus {
        var items = ["MESSAGES", "UIDNEXT", "UIDVALIDITY"]
        if capabilities.contains("CONDSTORE") { items.append("HIGHESTMODSEQ") }
        var values: [String: UInt64] = [:]
        try run(.status(name, items)) { u in
            if case .status(let mailbox, let v) = u, mailbox.wire == name.wire || (mailbox.isInbox && name.isInbox) {
                values = Dictionary(v.map { ($0.key.uppercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
            }
        }
        guard let validity = values["UIDVALIDITY"] else { throw IMAPClientError.protocolError("STATUS \(name.display) gave no UIDVALIDITY") }
        return MailboxStatus(uidValidity: UIDValidity(UInt32(truncatingIfNeeded: validity)),
                             uidNext: values["UIDNEXT"].map { UInt32(truncatingIfNeeded: $0) },
                             exists: UInt32(truncatingIfNeeded: values["MESSAGES"] ?? 0), highestModSeq: values["HIGHESTMODSEQ"])
    }
}

extension IMAPSession {
    /// `ENABLE CONDSTORE` (RFC 5161, RFC 7162 §3.1) when offered, so EXAMINE reports HIGHESTMODSEQ
    /// and sync can tell an unchanged mailbox from STATUS alone. Failures are ignored.
    public func enableCondStore() {
        guard capabilities.contains("CONDSTORE"), capabilities.contains("ENABLE") else { return }
        _ = try? run(.enable(["CONDSTORE"]))
    }
}

extension IMAPSession {
    /// Flags of the messages of the open mailbox changed after `modseq`
    /// (`UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE modseq)`, RFC 7162 §3.1.4.1). Needs CONDSTORE.
    public func flagChanges(since modseq: UInt64) throws -> [(uid: UID, flags: [String], modSeq: UInt64?)] {
        guard capabilities.contains("CONDSTORE") else { return [] }
        var out: [(uid: UID, flags: [String], modSeq: UInt64?)] = []
        try run(.uidFetchChangedSince(UIDSet(ranges: [1...UInt32.max]), ["UID", "FLAGS"], modseq)) { u in
            if case .fetch(_, let a) = u, let uid = a.uid, let flags = a.flags { out.append((uid, flags, a.modSeq)) }
        }
        return out
    }
}
