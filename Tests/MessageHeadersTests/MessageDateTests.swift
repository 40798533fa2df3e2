import MessageHeaders
import XCTest

/// Date fields (RFC 5322 §3.3 and the obsolete forms of §4.3) to UTC seconds.
final class MessageDateTests: XCTestCase {
    func testRFC5322Forms() {
        XCTAssertEqual(MessageDate.parse("Mon, 14 May 2001 16:39:00 -0700 (PDT)"), 989_883_540)
        XCTAssertEqual(MessageDate.parse("14 May 2001 23:39:00 +0000"), 989_883_540)
        XCTAssertEqual(MessageDate.parse("Tue, 15 May 2001 01:39:00 +0200"), 989_883_540)
        XCTAssertEqual(MessageDate.parse("Fri, 21 Nov 1997 09:55:06 -0600"), 880_127_706)
        XCTAssertEqual(MessageDate.parse("Thu, 13 Feb 1969 23:32:54 -0330"), -27_723_426)
        XCTAssertEqual(MessageDate.parse("Mon, 14 May 2001 16:39 -0700"), 989_883_540, "no seconds")
    }

    func testObsoleteForms() {
        XCTAssertEqual(MessageDate.parse("Mon, 14 May 01 16:39:00 PDT"), 989_883_540, "two-digit year, named zone")
        XCTAssertEqual(MessageDate.parse("Mon, 14 May 101 23:39:00 GMT"), 989_883_540, "three-digit year")
        XCTAssertEqual(MessageDate.parse("21 Nov 97 09:55:06 GMT"), 880_106_106)
        XCTAssertEqual(MessageDate.parse("Mon,14 May 2001 23:39:00 UT"), 989_883_540)
        XCTAssertEqual(MessageDate.parse("Mon, 14 May 2001 23:39:00"), 989_883_540, "no zone: UTC")
        XCTAssertEqual(MessageDate.parse("Mon, 14 May 2001 23:39:00 Z"), 989_883_540, "military zone")
        XCTAssertEqual(MessageDate.parse("Monday, 14-May-01 23:39:00 GMT"), 989_883_540, "RFC 850")
        XCTAssertEqual(MessageDate.parse("Mon May 14 16:39:00 2001 -0700"), 989_883_540, "asctime order")
        XCTAssertEqual(MessageDate.parse("Mon, 14 May 2001 16:39:00-0700"), 989_883_540, "zone glued to time")
        XCTAssertEqual(MessageDate.parse("  Mon ,  14  May  2001  16:39:00  -0700  "), 989_883_540)
        XCTAssertEqual(MessageDate.parse("2001-05-14T23:39:00Z"), 989_883_540, "ISO 8601")
        XCTAssertEqual(MessageDate.parse("14 May 2001 23:39:60 +0000"), 989_883_599, "leap second clamps")
    }

    func testGarbageIsNil() {
        XCTAssertNil(MessageDate.parse(""))
        XCTAssertNil(MessageDate.parse("yesterday"))
        XCTAssertNil(MessageDate.parse("31 Feb 2001 10:00:00 +0000"))
        XCTAssertNil(MessageDate.parse("14 Foo 2001 10:00:00 +0000"))
        XCTAssertNil(MessageDate.parse("14 May 2001"))
    }
}

/// RFC 3339 output, the inverse of the parser on its own output.
final class RFC3339Tests: XCTestCase {
    func testFormatsAndRoundTrips() {
        XCTAssertEqual(MessageDate.rfc3339(989_883_540), "2001-05-14T23:39:00Z")
        XCTAssertEqual(MessageDate.rfc3339(0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(MessageDate.rfc3339(-27_723_426), "1969-02-14T03:02:54Z")
        XCTAssertEqual(MessageDate.rfc3339(951_782_400), "2000-02-29T00:00:00Z")
        for t: Int64 in stride(from: -2_000_000_000, to: 4_000_000_000, by: 7_777_777) {
            XCTAssertEqual(MessageDate.parse(MessageDate.rfc3339(t)), t)
        }
    }
}
