import ArgumentParser
import ArchiveModel
import Archiver
import Catalog
import Foundation
import MessageHeaders
import Retrieval

/// `coffer ls`: list archived messages, optionally filtered by index fields and headers.
struct LsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List archived messages.",
        discussion: "Filters compose (all must match). Header fields come from the header index, which ls and export fill for messages not indexed yet (the first ls after a large backfill takes a moment).")

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var filters: FilterOptions

    @Option(name: [.customLong("to"), .customLong("recipient")], help: "To, Cc or Bcc contains this text (case-insensitive, decoded).")
    var to: String?

    @Flag(help: "One JSON object per line on stdout.")
    var json = false

    func run() throws {
        try filters.check()
        let store = try storeOptions.open()
        HeaderIndexing.ensure(store, quiet: false)
        let out = BufferedOutput()
        if !json { out.write(MessageTable.header + "\n") }
        try store.catalog.forEachMessage(filters.query(recipient: to)) { m, headers in
            out.write((json ? Self.jsonLine(m, headers) : MessageTable.line(m, headers)) + "\n")
        }
        out.flush()
    }

    /// The contract's fields plus the header fields (null when absent or not indexed), keys sorted.
    static func jsonLine(_ m: ListedMessage, _ h: IndexedHeaders?) -> String {
        JSONText.object([
            ("account", JSONText.quote(m.account)), ("bcc", JSONText.quote(h?.bcc)), ("blob", JSONText.quote(m.blob.hex)),
            ("cc", JSONText.quote(h?.cc)), ("date", JSONText.quote(h?.date.map(MessageTable.rfc3339))),
            ("flags", "[" + m.flags.map(JSONText.quote).joined(separator: ",") + "]"), ("from", JSONText.quote(h?.from)),
            ("internaldate", JSONText.quote(m.internalDate)), ("mailbox", JSONText.quote(m.mailbox.display)),
            ("mailbox_wire", JSONText.quote(m.mailbox.wireString)), ("message_id", JSONText.quote(h?.messageID)),
            ("size", "\(m.size)"), ("source", JSONText.quote(m.source)), ("subject", JSONText.quote(h?.subject)),
            ("to", JSONText.quote(h?.to)), ("uid", "\(m.uid)"), ("uidvalidity", "\(m.uidValidity)"),
        ])
    }
}

/// The human table of `ls`: fixed-width columns so it can stream millions of lines.
enum MessageTable {
    static let header = pad("DATE", 16) + "  " + pad("ACCOUNT", 20) + "  " + pad("MAILBOX", 20) + "  " + pad("UID", 7, right: true)
        + "  " + pad("SIZE", 9, right: true) + "  " + pad("FROM", 28) + "  " + pad("SUBJECT", 40) + "  BLOB"

    static func line(_ m: ListedMessage, _ h: IndexedHeaders?) -> String {
        let date = h?.date.map { String(rfc3339($0).prefix(16)).replacingOccurrences(of: "T", with: " ") }
            ?? m.internalDate.map { String($0.prefix(16)).replacingOccurrences(of: "T", with: " ") } ?? "-"
        return pad(date, 16) + "  " + pad(m.account, 20) + "  " + pad(m.mailbox.display, 20) + "  " + pad("\(m.uid)", 7, right: true)
            + "  " + pad("\(m.size)", 9, right: true) + "  " + pad(h?.from ?? "-", 28) + "  " + pad(h?.subject ?? "-", 40)
            + "  " + String(m.blob.hex.prefix(12))
    }

    /// Cut or padded to `width` characters; newlines and tabs become spaces.
    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        var t = String(s.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        if t.count > width { t = String(t.prefix(width - 1)) + "…" }
        let fill = String(repeating: " ", count: width - t.count)
        return right ? fill + t : t + fill
    }

    /// UTC seconds as `2001-05-14T23:39:00Z`.
    static func rfc3339(_ seconds: Int64) -> String { MessageDate.rfc3339(seconds) }
}

/// Buffers stdout writes (ls can print millions of lines).
final class BufferedOutput {
    private var buffer: [UInt8] = []

    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count > 1 << 16 { flush() }
    }

    func flush() {
        StandardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
