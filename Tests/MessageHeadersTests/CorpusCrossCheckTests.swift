import Foundation
import MessageHeaders
import XCTest

/// Compares the summaries with Python's `email` package (Tests/Scripts/corpus_summary.py) on the
/// shared corpus: every Enron message, and the unusual messages of `odd/`. Skipped without ../shared.
final class CorpusCrossCheckTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let corpus = repo.deletingLastPathComponent().appendingPathComponent("shared/corpus")

    func testEnronAgreesWithPythonOnEveryField() throws {
        let mismatches = try compare(Self.corpus.appendingPathComponent("enron"))
        XCTAssertEqual(mismatches, [], mismatches.prefix(20).joined(separator: "\n"))
    }

    /// The unusual messages agree too, except where one of the two is knowingly different (listed with the reason).
    func testOddMessagesAgreeWithPythonExceptKnownDivergences() throws {
        let mismatches = try compare(Self.corpus.appendingPathComponent("odd"))
        let keys = Set(mismatches.map { $0.split(separator: " ").prefix(2).joined(separator: " ").replacingOccurrences(of: ":", with: "") })
        XCTAssertEqual(keys.subtracting(Self.divergences.keys), [], mismatches.joined(separator: "\n"))
        XCTAssertEqual(Set(Self.divergences.keys).subtracting(keys), [], "listed divergences that no longer occur")
    }

    /// (file, field) → why coffer and Python's `email` (compat32) legitimately differ.
    static let divergences: [String: String] = [
        "/enmime/testdata__mail__qp-utf8-header.raw.eml to": "Python pads encoded words inside quotes with spaces",
        "/flanker/enclosed-bad-encoding.eml to": "Python pads encoded words inside quotes with spaces",
        "/flanker/enclosed-broken-body.eml to": "Python pads encoded words inside quotes with spaces",
        "/flanker/enclosed-broken.eml to": "Python pads encoded words inside quotes with spaces",
        "/flanker/enclosed.eml to": "Python pads encoded words inside quotes with spaces",
        "/rspamd/bad_message.eml from": "Python pads encoded words inside quotes with spaces",
        "/flanker/disposition-notification.eml date": "a comment before the zone: Python drops the zone, coffer keeps -0400",
        "/mimekit/messages__disposition-notification.anonymized.eml date": "a comment before the zone, as above",
        "/mimekit/messages__disposition-notification.txt.eml date": "a comment before the zone, as above",
        "/james-mime4j/testmsgs__obsolete.msg.eml subject": "`Subject :` (obs-optional, RFC 5322 §4.5) is a header for coffer, body text for Python",
        "/james-mime4j/testmsgs__obsolete.msg.eml text": "the same: Python's body starts at `Subject :`",
        "/spamassassin/spam__008.eml from": "`From  :` (obs-optional) counts as the first From for coffer",
        "/mimekit/messages__feedback-report.txt.eml from": "coffer skips a leading UTF-8 byte order mark; Python reads no headers",
        "/mimekit/messages__feedback-report.txt.eml to": "byte order mark, as above",
        "/mimekit/messages__feedback-report.txt.eml subject": "byte order mark, as above",
        "/mimekit/messages__feedback-report.txt.eml date": "byte order mark, as above",
        "/mimekit/messages__feedback-report.txt.eml text": "byte order mark, as above",
        "/php-mime-mail-parser/issue149.eml subject": "charset iso-8859-8-i: Python does not know it, coffer reads it as ISO-8859-8",
        "/enmime/testdata__parts__extra-base64-character.raw.eml text": "Python gives up on base64 with a stray character, coffer skips it",
        "/stalwart-mail-parser/legacy__034.eml text": "UTF-7 text: Foundation on Linux has no UTF-7, coffer keeps the bytes",
        "/enmime/dsn__testdata__simple_dsn_with_html.raw.eml text": "coffer reads text/plain inside message/rfc822 of a report; Python's walk stops at text/rfc822-headers",
        "/mimekit/messages__delivery-status.txt.eml text": "as above: text inside the returned message/rfc822",
        "/mimekit/messages__delivery-status-no-blank-line.txt.eml text": "as above",
        "/james-mime4j/mimetools-testmsgs__multi-digest.msg.eml text": "digest parts are message/rfc822 (RFC 2046 §5.1.5); coffer finds their text",
        "/mimekit/partial__rfc2046.1.eml text": "message/partial fragment: Python reads it as text, coffer does not",
    ]

    /// One line per (file, field) where Swift and Python differ (after collapsing whitespace runs).
    private func compare(_ root: URL) throws -> [String] {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: root.path), "\(root.path) is not here")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.repo.appendingPathComponent("Tests/Scripts/corpus_summary.py").path, "summaries", root.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var mismatches: [String] = []
        for line in out.split(separator: UInt8(ascii: "\n")) {
            let py = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            let path = py["path"] as! String
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            let bytes = Array(try handle.read(upToCount: 65_536) ?? Data())
            try handle.close()
            let s = MessageSummary.extract(from: bytes)
            let ours: [String: Any?] = ["message_id": s.messageID, "date": s.date, "from": s.from, "to": s.to, "cc": s.cc,
                                        "bcc": s.bcc, "subject": s.subject, "text": s.text]
            for (key, value) in ours {
                let theirs = py[key].flatMap { $0 is NSNull ? nil : $0 }
                guard !Self.lossy(theirs) else { continue }
                if Self.normal(value as Any?) != Self.normal(theirs) {
                    mismatches.append("\(path.dropFirst(root.path.count)) \(key): ours \(Self.normal(value as Any?).debugDescription) python \(Self.normal(theirs).debugDescription)")
                }
            }
        }
        if let dump = ProcessInfo.processInfo.environment["CROSSCHECK_DUMP"] {
            try mismatches.joined(separator: "\n").write(toFile: dump + "-" + root.lastPathComponent, atomically: true, encoding: .utf8)
        }
        return mismatches
    }

    static func normal(_ v: Any?) -> String? {
        guard let v, !(v is NSNull) else { return nil }
        if let n = v as? NSNumber { return n.stringValue }
        if let i = v as? Int64 { return String(i) }
        let s = "\(v)".split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return s.isEmpty ? nil : s
    }

    /// Where Python's answer is the lossy one: it replaces undecodable bytes (U+FFFD) or leaves
    /// surrogate escapes, while coffer keeps every byte as Latin-1.
    static func lossy(_ python: Any?) -> Bool {
        guard let s = python as? String else { return false }
        return s.unicodeScalars.contains { $0.value == 0xFFFD || (0xDC80...0xDCFF).contains($0.value) }
    }
}
