import MessageHeaders
import XCTest

/// Header sections as real mailboxes hold them: the shared cases B32, B34, B35 and B36, and worse.
final class HeaderSectionTests: XCTestCase {
    static let cases = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/cases/fixtures")

    func testCRLFFoldedFieldsAndBody() {
        let raw = Array("From: a@example.com\r\nSubject: one\r\n two\r\n\tthree\r\n\r\nbody\r\n".utf8)
        let h = HeaderSection.parse(raw)
        XCTAssertEqual(h.fields.map(\.name), ["From", "Subject"])
        XCTAssertEqual(String(decoding: h.first("SUBJECT")!.value, as: UTF8.self), "one two\tthree")
        XCTAssertEqual(h.bodyStart, raw.count - 6)
        XCTAssertTrue(h.isComplete)
    }

    /// B35: bare LF headers, CR CR LF in the body.
    func testBareLFMessage() throws {
        let raw = Array("Subject: lf test\nFrom: a@example.com\n\nline one\r\r\nline two\n".utf8)
        let s = MessageSummary.extract(from: raw)
        XCTAssertEqual(s.subject, "lf test")
        XCTAssertEqual(s.from, "a@example.com")
        XCTAssertEqual(s.text, "line one\r\r\nline two\n")
        let fixture = Self.cases.appendingPathComponent("B35_bare_lf_message_raw.bin")
        if let bytes = try? Data(contentsOf: fixture) {
            XCTAssertEqual(MessageSummary.extract(from: Array(bytes)), s)
        }
    }

    /// B34: raw ISO-8859-1 bytes in Subject and body, no RFC 2047 encoding.
    func testRaw8BitHeaderFallsBackToLatin1() throws {
        var raw = Array("From: shop@example.com\r\nTo: user@example.com\r\nSubject: Bestellung n".utf8) + [0xB0]
        raw += Array(" 193\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr".utf8)
        raw += [0xFC, 0xDF, 0x65]
        let s = MessageSummary.extract(from: raw)
        XCTAssertEqual(s.subject, "Bestellung n° 193")
        XCTAssertEqual(s.text, "Grüße")
        XCTAssertEqual(s.to, "user@example.com")
        let fixture = Self.cases.appendingPathComponent("B34_8bit_message_raw.bin")
        if let bytes = try? Data(contentsOf: fixture) {
            XCTAssertEqual(MessageSummary.extract(from: Array(bytes)).subject, "Bestellung n° 193")
        }
    }

    /// B32: no Date, no Message-ID: the summary says so rather than failing.
    func testNoMessageIDNoDate() {
        let raw = Array("From: postmaster@example.com\r\nTo: user@example.com\r\nSubject: quota warning\r\n\r\nYour mailbox is 80% full.\r\n".utf8)
        XCTAssertEqual(raw.count, 105)
        let s = MessageSummary.extract(from: raw)
        XCTAssertNil(s.messageID)
        XCTAssertNil(s.date)
        XCTAssertEqual(s.subject, "quota warning")
        XCTAssertEqual(s.text, "Your mailbox is 80% full.\r\n")
    }

    /// B36: a 17 003-octet References line; Subject after it is still found, long values are capped.
    func testVeryLongHeaderLine() {
        var refs = "References:"
        var n = 1
        while refs.utf8.count < 17_003 { refs += " <m\(n)@example.com>"; n += 1 }
        let longTo = "To: " + (1...3000).map { "user\($0)@example.com" }.joined(separator: ", ")
        let raw = Array("\(refs)\r\n\(longTo)\r\nSubject: after\r\n\r\nx".utf8)
        let s = MessageSummary.extract(from: raw)
        XCTAssertEqual(s.subject, "after")
        XCTAssertEqual(s.to?.count, MessageSummary.Limits.recipients)
        XCTAssertTrue(s.to!.hasPrefix("user1@example.com, user2@"))
    }

    func testNoHeadersAtAll() {
        let s = MessageSummary.extract(from: Array("just text, no colon line\r\nmore\r\n".utf8))
        XCTAssertNil(s.subject)
        XCTAssertEqual(s.text, "just text, no colon line\r\nmore\r\n")
        XCTAssertEqual(MessageSummary.extract(from: []), MessageSummary())
    }

    func testLeadingMboxFromLineAndWhitespaceLineAreSkipped() {
        let mbox = Array("From jdoe@example.com Mon Jan  1 00:00:00 2001\nSubject: s\n\nb".utf8)
        XCTAssertEqual(MessageSummary.extract(from: mbox).subject, "s")
        let spaces = Array((String(repeating: " ", count: 255) + "\r\nSubject: t\r\n\r\nb").utf8)
        XCTAssertEqual(MessageSummary.extract(from: spaces).subject, "t")
    }

    func testNonHeaderLineStartsTheBody() {
        let raw = Array("Subject: s\r\nthis is not a header\r\nX-Later: y\r\n".utf8)
        let h = HeaderSection.parse(raw)
        XCTAssertEqual(h.fields.map(\.name), ["Subject"])
        XCTAssertEqual(h.bodyStart, 12)
    }

    func testCutOffWindowIsIncomplete() {
        let h = HeaderSection.parse(Array("Subject: s\r\nFrom: a".utf8))
        XCTAssertFalse(h.isComplete)
        XCTAssertEqual(h.fields.count, 2)
    }

    func testSeveralToFieldsAreJoined() {
        let s = MessageSummary.extract(from: Array("To: a@x\r\nTo: b@x\r\nCc: c@x\r\nBcc: d@x\r\n\r\n".utf8))
        XCTAssertEqual(s.to, "a@x, b@x")
        XCTAssertEqual(s.cc, "c@x")
        XCTAssertEqual(s.bcc, "d@x")
    }
}
