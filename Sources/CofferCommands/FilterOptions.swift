import ArchiveModel
import ArgumentParser
import Catalog
import Foundation
import MessageHeaders

/// The selection filters shared by `ls` and `export`. Every filter given must match.
///
/// The recipient filter is declared by each command: `ls --to` (or `--recipient`), and
/// `export --recipient`, since `export --to` names the export folder.
struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("account"), help: "Only this account (repeatable).")
    var accounts: [String] = []

    @Option(name: .customLong("mailbox"), help: "Only this mailbox (repeatable; display or wire name).")
    var mailboxes: [String] = []

    @Option(help: "From contains this text (case-insensitive, decoded).")
    var from: String?

    @Option(help: "Subject contains this text (case-insensitive, decoded).")
    var subject: String?

    @Option(name: .customLong("message-id"), help: "The Message-ID (with or without angle brackets).")
    var messageID: String?

    @Option(help: "Date header on or after this time (YYYY-MM-DD = midnight UTC, or RFC 3339); INTERNALDATE when there is no Date.")
    var since: String?

    @Option(help: "Date header before this time (as --since).")
    var before: String?

    @Option(help: "All these words in From, To/Cc/Bcc, Subject or the first text part (word* for a prefix).")
    var text: String?

    @Option(help: "The blob ID, or its first hex digits.")
    var blob: String?

    /// Checks the values; a bad one is a usage error (exit 2, CONTRACT.md). Call first in `run()`.
    func check() throws {
        if let since, Self.instant(since) == nil { throw UsageError(message: "--since must be YYYY-MM-DD or an RFC 3339 time, e.g. 2001-05-14T16:39:00Z") }
        if let before, Self.instant(before) == nil { throw UsageError(message: "--before must be YYYY-MM-DD or an RFC 3339 time, e.g. 2001-05-14T16:39:00Z") }
        if let text, MessageQuery.ftsQuery(text) == nil { throw UsageError(message: "--text needs at least one word") }
        if let blob, blob.isEmpty || blob.count > 64 || !blob.allSatisfy(\.isHexDigit) {
            throw UsageError(message: "--blob must be hexadecimal digits of a blob ID (up to 64)")
        }
    }

    /// The index query these options describe, with the command's recipient filter.
    func query(recipient: String?) -> MessageQuery {
        var q = MessageQuery()
        q.to = recipient
        q.base.accounts = accounts
        q.base.mailboxes = mailboxes
        q.from = from
        q.subject = subject
        q.messageID = messageID
        q.since = since.flatMap(Self.instant)
        q.before = before.flatMap(Self.instant)
        q.text = text
        if let blob {
            if blob.count == 64 { q.base.blob = BlobID(hex: blob) } else { q.blobPrefix = blob.lowercased() }
        }
        return q
    }

    /// The filters as given, for an export's manifest.
    func selection(recipient: String?) -> [String: String] {
        var s: [String: String] = [:]
        if let recipient { s["recipient"] = recipient }
        if !accounts.isEmpty { s["account"] = accounts.joined(separator: "\n") }
        if !mailboxes.isEmpty { s["mailbox"] = mailboxes.joined(separator: "\n") }
        for (key, value) in [("from", from), ("subject", subject), ("message-id", messageID), ("since", since),
                             ("before", before), ("text", text), ("blob", blob)] {
            if let value { s[key] = value }
        }
        return s
    }

    /// `YYYY-MM-DD` (midnight UTC) or RFC 3339, as UTC seconds.
    static func instant(_ text: String) -> Int64? {
        guard text.first?.isNumber == true, text.count >= 10 else { return nil }
        return MessageDate.parse(text)
    }
}
