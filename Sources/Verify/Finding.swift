import ArchiveModel
import Catalog
import Foundation

/// An archived message a finding affects.
public struct MessageRef: Sendable, Hashable {
    public let account: String
    public let mailbox: MailboxName
    public let uidValidity: UInt32
    public let uid: UInt32

    public init(_ m: ListedMessage) {
        account = m.account
        mailbox = m.mailbox
        uidValidity = m.uidValidity.rawValue
        uid = m.uid.rawValue
    }

    public init(_ row: ChainRow) {
        account = row.account
        mailbox = MailboxName(wire: row.mailboxWire)
        uidValidity = row.uidValidity
        uid = row.uid
    }

    /// `account/mailbox UIDVALIDITY v UID u`.
    public var text: String { "\(account)/\(mailbox.display) UIDVALIDITY \(uidValidity) UID \(uid)" }
}

/// One problem `verify` found: what kind, where (pack, blob), which messages, and what to do.
public struct Finding: Sendable {
    /// A stable name (`hash-mismatch`, `missing-pack`, `row-deleted`, …) for scripts.
    public var kind: String
    /// 32 hex characters.
    public var pack: String?
    /// 64 hex characters.
    public var blob: String?
    /// The archived messages affected.
    public var messages: [MessageRef]
    /// What is wrong and what to do, one sentence each.
    public var detail: String

    public init(kind: String, pack: String?, blob: String?, messages: [MessageRef], detail: String) {
        self.kind = kind
        self.pack = pack
        self.blob = blob
        self.messages = messages
        self.detail = detail
    }

    /// One line for people.
    public var text: String {
        var s = "\(kind): \(detail)"
        if let pack { s += " [pack \(pack)]" }
        if let blob { s += " [blob \(blob)]" }
        if !messages.isEmpty {
            s += " Affects " + messages.prefix(20).map(\.text).joined(separator: "; ")
            if messages.count > 20 { s += " and \(messages.count - 20) more" }
            s += "."
        }
        return s
    }

    /// One JSON object (keys sorted).
    public var json: String {
        let object: [String: Any] = [
            "kind": kind, "pack": pack ?? NSNull(), "blob": blob ?? NSNull(), "detail": detail,
            "messages": messages.map {
                ["account": $0.account, "mailbox": $0.mailbox.display, "mailbox_wire": $0.mailbox.wireString,
                 "uidvalidity": Int($0.uidValidity), "uid": Int($0.uid)] as [String: Any]
            },
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
