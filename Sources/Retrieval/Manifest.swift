import ArchiveModel
import Catalog
import Foundation
import PackStore

/// One exported message as the manifest lists it.
struct ManifestEntry {
    let message: ListedMessage
    /// Relative to the export folder.
    let file: String
    /// Where the message's bytes are inside `file`: 0 and the size, except in an mbox (after the
    /// `From ` line; `length` counts the quoted bytes).
    let offset: UInt64
    let length: UInt64
}

/// Writes `manifest.csv`, `manifest.json` and `manifest.sha256` (the SHA-256 of the other two, in
/// `sha256sum` format so `sha256sum -c manifest.sha256` checks them). Entries stream to temporary
/// files; nothing in the manifest depends on when the export ran, so the same selection gives the
/// same bytes.
final class ManifestWriter {
    static let columns = ["source", "account", "mailbox", "mailbox_wire", "uidvalidity", "uid", "blob_sha256", "size",
                          "internaldate", "file", "offset", "length"]
    private let directory: URL
    private let csv: OutputFile
    private let json: OutputFile
    private var count = 0
    private var bytes: UInt64 = 0

    init(directory: URL, format: ExportFormat, selection: [String: String]) throws {
        self.directory = directory
        csv = try OutputFile(target: directory.appendingPathComponent("manifest.csv"))
        json = try OutputFile(target: directory.appendingPathComponent("manifest.json"))
        try csv.write(Array((Self.columns.joined(separator: ",") + "\r\n").utf8))
        var head = "{\"format\":\(Self.quote(format.rawValue)),"
        if format == .mbox {
            head += "\"mbox_quoting\":\(Self.quote(Self.mboxNote)),\"mbox_separator\":\(Self.quote(Self.separatorNote)),"
        }
        head += "\"selection\":{" + selection.sorted { $0.key < $1.key }.map { "\(Self.quote($0.key)):\(Self.quote($0.value))" }.joined(separator: ",") + "},"
        head += "\"hash\":\"SHA-256 of the message's raw bytes (the blob ID)\",\"messages\":["
        try json.write(Array(head.utf8))
    }

    static let mboxNote = "mboxrd: inside each message every line matching ^>*From  got one more '>'; remove one '>' from every line matching ^>+From  to get the original bytes back. offset/length give the quoted message's bytes in the mbox file."
    static let separatorNote = "each message is preceded by a line 'From MAILER-DAEMON <INTERNALDATE in UTC, asctime>' and followed by one LF that is not part of the message"

    func add(_ e: ManifestEntry) throws {
        let m = e.message
        let fields = [m.source, m.account, m.mailbox.display, m.mailbox.wireString, "\(m.uidValidity)", "\(m.uid)", m.blob.hex,
                      "\(m.size)", m.internalDate ?? "", e.file, "\(e.offset)", "\(e.length)"]
        try csv.write(Array((fields.map(Self.csvField).joined(separator: ",") + "\r\n").utf8))
        let object = "{\"source\":\(Self.quote(m.source)),\"account\":\(Self.quote(m.account)),\"mailbox\":\(Self.quote(m.mailbox.display)),"
            + "\"mailbox_wire\":\(Self.quote(m.mailbox.wireString)),\"uidvalidity\":\(m.uidValidity),\"uid\":\(m.uid),"
            + "\"blob_sha256\":\"\(m.blob.hex)\",\"size\":\(m.size),\"internaldate\":\(m.internalDate.map(Self.quote) ?? "null"),"
            + "\"file\":\(Self.quote(e.file)),\"offset\":\(e.offset),\"length\":\(e.length)}"
        try json.write(Array(((count == 0 ? "\n" : ",\n") + object).utf8))
        count += 1
        bytes += m.size
    }

    /// Closes both files, renames them into place (fsynced) and writes `manifest.sha256`.
    func finish() throws {
        try json.write(Array("\n],\"count\":\(count),\"bytes\":\(bytes)}\n".utf8))
        try csv.commit(sync: true)
        try json.commit(sync: true)
        var lines = ""
        for name in ["manifest.csv", "manifest.json"] {
            let url = directory.appendingPathComponent(name)
            lines += "\(try Self.sha256(of: url))  \(name)\n"
        }
        let sums = try OutputFile(target: directory.appendingPathComponent("manifest.sha256"))
        try sums.write(Array(lines.utf8))
        try sums.commit(sync: true)
    }

    func abandon() {
        csv.abandon()
        json.abandon()
    }

    static func sha256(of url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw ExportError.io(path: url.path, reason: "cannot open") }
        defer { try? handle.close() }
        var hasher = SHA256Hasher()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(chunk) }
        return hasher.finish().hex
    }

    /// RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A JSON string literal.
    static func quote(_ s: String) -> String { JSONText.quote(s) }
}
