import ArchiveModel
import Catalog
import Foundation
import MessageHeaders

/// How archived messages map to files under the export folder.
///
/// | format | file |
/// |---|---|
/// | `eml` | `<account>/<mailbox path>/<UIDVALIDITY>-<UID>.eml` |
/// | `maildir` | `<account>/<mailbox path>/cur/<INTERNALDATE seconds>.V<UIDVALIDITY>U<UID>.coffer:2,<flags>` (plus empty `new/`, `tmp/`) |
/// | `mbox` | `<account>/<mailbox path>.mbox`, one per mailbox, mboxrd |
///
/// The mailbox path is the decoded name split at `/`. Each path component is made safe and
/// unambiguous by percent-encoding `%`, `/`, `\`, control characters, `: * ? " < > |`, a leading `.`,
/// and (for maildir) the names `cur`, `new`, `tmp`; everything else, including non-ASCII letters, is
/// kept. When two sources have an account of the same name, the account folder is `<source>/<account>`.
public enum ExportFormat: String, Sendable, CaseIterable {
    case mbox, maildir, eml
}

struct ExportLayout {
    let format: ExportFormat
    /// Account names that occur under more than one source.
    let ambiguousAccounts: Set<String>

    /// The folder of a message's mailbox, relative to the export folder.
    func mailboxPath(_ m: ListedMessage) -> String {
        var parts: [String] = []
        if ambiguousAccounts.contains(m.account) { parts.append(Self.component(m.source, maildir: false)) }
        parts.append(Self.component(m.account, maildir: false))
        parts += m.mailbox.display.split(separator: "/", omittingEmptySubsequences: false)
            .map { Self.component(String($0), maildir: format == .maildir) }
        return parts.joined(separator: "/")
    }

    /// The message's own file, relative to the export folder (for mbox: the mailbox's file).
    func filePath(_ m: ListedMessage) -> String {
        switch format {
        case .eml: return mailboxPath(m) + "/\(m.uidValidity)-\(m.uid).eml"
        case .mbox: return mailboxPath(m) + ".mbox"
        case .maildir: return mailboxPath(m) + "/cur/" + Self.maildirName(m)
        }
    }

    /// `<seconds>.V<uidvalidity>U<uid>.coffer:2,<flags>`; the part before `:2,` identifies the message.
    static func maildirName(_ m: ListedMessage) -> String {
        maildirUnique(m) + ":2," + maildirFlags(m.flags)
    }

    static func maildirUnique(_ m: ListedMessage) -> String {
        "\(internalDateSeconds(m) ?? 0).V\(m.uidValidity)U\(m.uid).coffer"
    }

    /// IMAP system flags as maildir info letters, in ASCII order (D, F, R, S, T).
    static func maildirFlags(_ flags: [String]) -> String {
        let map = ["\\draft": "D", "\\flagged": "F", "\\answered": "R", "\\seen": "S", "\\deleted": "T"]
        return Set(flags.compactMap { map[$0.lowercased()] }).sorted().joined()
    }

    static func internalDateSeconds(_ m: ListedMessage) -> Int64? {
        m.internalDate.flatMap(MessageDate.parse)
    }

    /// One path component made safe (see the type's documentation).
    static func component(_ name: String, maildir: Bool) -> String {
        if name.isEmpty { return "%00" }
        if maildir && ["cur", "new", "tmp"].contains(name) { return "%" + String(format: "%02X", name.utf8.first!) + name.dropFirst() }
        var out = ""
        for (i, scalar) in name.unicodeScalars.enumerated() {
            let v = scalar.value
            let unsafe = v < 0x20 || v == 0x7F || "%/\\:*?\"<>|".unicodeScalars.contains(scalar) || (i == 0 && scalar == ".")
            if unsafe {
                for byte in String(scalar).utf8 { out += String(format: "%%%02X", byte) }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
