import Foundation
import Retrieval
import XCTest

/// The hand-written JSON of `ls --json` and the manifests parses back to the same strings.
final class JSONTextTests: XCTestCase {
    func testStringsRoundTripThroughJSONSerialization() throws {
        let samples = ["plain", "quote \" and \\ backslash", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1F}", "Entwürfe/Отчёты 📁", "a/b", ""]
        for s in samples {
            let text = JSONText.object([("k", JSONText.quote(s)), ("n", JSONText.quote(nil as String?))])
            let back = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
            XCTAssertEqual(back["k"] as? String, s)
            XCTAssertTrue(back["n"] is NSNull)
        }
        XCTAssertEqual(JSONText.quote("\u{1}"), "\"\\u0001\"")
    }
}
