import MessageHeaders
import XCTest

/// RFC 2047 decoding: the examples of RFC 2047 §8 and charsets seen in real mail.
final class EncodedWordTests: XCTestCase {
    private func decode(_ s: String) -> String { HeaderText.decode(Array(s.utf8)) }

    func testRFC2047Section8Examples() {
        XCTAssertEqual(decode("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>"), "Keith Moore <moore@cs.utk.edu>")
        XCTAssertEqual(decode("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>"), "Keld Jørn Simonsen <keld@dkuug.dk>")
        XCTAssertEqual(decode("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>"), "André Pirard <PIRARD@vm1.ulg.ac.be>")
        XCTAssertEqual(decode("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?="),
                       "If you can read this you understand the example.")
        XCTAssertEqual(decode("(=?ISO-8859-1?Q?a?=)"), "(a)")
        XCTAssertEqual(decode("(=?ISO-8859-1?Q?a?= b)"), "(a b)")
        XCTAssertEqual(decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"), "(ab)")
        XCTAssertEqual(decode("(=?ISO-8859-1?Q?a?=  \t =?ISO-8859-1?Q?b?=)"), "(ab)")
        XCTAssertEqual(decode("(=?ISO-8859-1?Q?a_b?=)"), "(a b)")
        XCTAssertEqual(decode("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)"), "(a b)")
    }

    func testCharsets() {
        XCTAssertEqual(decode("=?utf-8?B?8J+Sjg==?="), "💎")
        XCTAssertEqual(decode("=?windows-1251?B?z/Do4uXy?="), "Привет")
        XCTAssertEqual(decode("=?koi8-r?B?8NLJ18XU?="), "Привет")
        XCTAssertEqual(decode("=?gb2312?B?xOO6ww==?="), "你好")
        XCTAssertEqual(decode("=?GBK?B?xOO6ww==?="), "你好")
        XCTAssertEqual(decode("=?shift_jis?B?k/qWew==?="), "日本")
        XCTAssertEqual(decode("=?ISO-2022-JP?B?GyRCRnxLXBsoQg==?="), "日本")
        XCTAssertEqual(decode("=?iso-8859-2?Q?=A3=F3d=BC?="), "Łódź")
        XCTAssertEqual(decode("=?iso-8859-15?Q?=A4?="), "€")
        XCTAssertEqual(decode("=?windows-1252?Q?=80_10?="), "€ 10")
        XCTAssertEqual(decode("=?iso-8859-7?B?0cHE3g==?="), "ΡΑΔή")
        XCTAssertEqual(decode("=?UTF-8*en?Q?caf=C3=A9?="), "café", "RFC 2231 language suffix")
    }

    func testUnknownCharsetKeepsBytesAsLatin1() {
        XCTAssertEqual(decode("=?x-unknown?Q?a=E9b?="), "aéb")
    }

    func testMultiByteCharacterSplitAcrossWords() {
        // "é" is C3 A9 in UTF-8; some encoders split it between two words.
        XCTAssertEqual(decode("=?utf-8?Q?caf=C3?= =?utf-8?Q?=A9?="), "café")
        XCTAssertEqual(decode("=?UTF-8?B?w6nDqQ==?= =?utf-8?b?w6k=?="), "ééé")
    }

    func testMalformedWordsStayAsText() {
        XCTAssertEqual(decode("=?utf-8?X?abc?="), "=?utf-8?X?abc?=")
        XCTAssertEqual(decode("=?utf-8?Q?never closed"), "=?utf-8?Q?never closed")
        XCTAssertEqual(decode("a =? b"), "a =? b")
        XCTAssertEqual(decode("=?utf-8?B?w6k?="), "é", "missing base64 padding")
    }

    func testEncodedWordInsideQuotesAndTouchingText() {
        XCTAssertEqual(decode("\"=?utf-8?Q?J=C3=BCrgen?=\" <j@example.com>"), "\"Jürgen\" <j@example.com>")
        XCTAssertEqual(decode("Re:=?utf-8?Q?_hi?="), "Re: hi")
    }

    func testRawUTF8AndLatin1OutsideWords() {
        XCTAssertEqual(HeaderText.decode(Array("Grüße".utf8)), "Grüße")
        XCTAssertEqual(HeaderText.decode([0x47, 0x72, 0xFC, 0xDF, 0x65]), "Grüße")
    }

    func testTransferDecoding() {
        XCTAssertEqual(TransferDecoding.quotedPrintable(Array("a=3Db=\r\nc=\nd =XY".utf8)), Array("a=bcd =XY".utf8))
        XCTAssertEqual(TransferDecoding.base64(Array("aGVs\r\nbG8=\r\n".utf8)), Array("hello".utf8))
    }
}
