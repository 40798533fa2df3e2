import MessageHeaders
import XCTest

/// The first text/plain part, through multipart nesting and transfer encodings.
final class TextPartTests: XCTestCase {
    private func text(_ message: String) -> String? {
        MessageSummary.extract(from: Array(message.replacingOccurrences(of: "\n", with: "\r\n").utf8)).text
    }

    func testNestedMultipartQuotedPrintable() {
        let m = """
        Content-Type: multipart/mixed; boundary="outer"

        preamble
        --outer
        Content-Type: multipart/alternative; boundary=inner

        --inner
        Content-Type: text/plain; charset="iso-8859-1"
        Content-Transfer-Encoding: quoted-printable

        Gr=FC=DFe, soft=
         break
        --inner
        Content-Type: text/html

        <p>html</p>
        --inner--
        --outer
        Content-Type: text/plain
        Content-Disposition: attachment; filename=a.txt

        attached
        --outer--
        """
        XCTAssertEqual(text(m), "Grüße, soft break")
    }

    func testBase64UTF8AndAttachmentSkipped() {
        let m = """
        Content-Type: multipart/mixed; boundary=b

        --b
        Content-Type: text/plain; name=x.txt
        Content-Disposition: attachment

        not this
        --b
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: base64

        0J/RgNC40LLQtdGC
        --b--
        """
        XCTAssertEqual(text(m), "Привет")
    }

    func testHTMLOnlyHasNoText() {
        XCTAssertNil(text("Content-Type: text/html\n\n<p>x</p>"))
        XCTAssertNil(text("Content-Type: multipart/mixed\n\n--x\n\nno boundary parameter"))
    }

    func testTextIsCapped() {
        let long = String(repeating: "word ", count: 10_000)
        XCTAssertEqual(text("Subject: s\n\n" + long)?.count, MessageSummary.Limits.text)
    }

    func testContentTypeParameters() {
        let t = ContentType("Text/Plain; charset=\"UTF-8\"; format=flowed; name*=utf-8''%E2%82%AC.txt")!
        XCTAssertEqual(t.mimeType, "text/plain")
        XCTAssertEqual(t.parameters["charset"], "UTF-8")
        XCTAssertEqual(t.parameters["name"], "€.txt")
        let c = ContentType("multipart/mixed; boundary*0=\"ab\"; boundary*1=cd")!
        XCTAssertEqual(c.parameters["boundary"], "abcd")
        XCTAssertNil(ContentType("garbage"))
    }
}
