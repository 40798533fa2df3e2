import ArchiveModel
import Testing
@testable import IMAPWire

struct UIDSetTests {
    @Test func compression() {
        #expect(UIDSet([1, 2, 3, 5, 7, 8, 9].map { UID($0) }).wire == "1:3,5,7:9")
        #expect(UIDSet([9, 3, 1, 2, 3, 7, 8, 5].map { UID($0) }).wire == "1:3,5,7:9")
        #expect(UIDSet(ranges: [1...3, 4...6, 10...12, 11...20]).wire == "1:6,10:20")
        #expect(UIDSet([UID(42)]).wire == "42")
        #expect(UIDSet().wire == "" && UIDSet().isEmpty)
        #expect(UIDSet(ranges: [5...UInt32.max, UInt32.max...UInt32.max]).wire == "5:*")
    }

    @Test func parsing() {
        #expect(UIDSet(wire: "1:5,7,9:12")?.ranges == [1...5, 7...7, 9...12])
        #expect(UIDSet(wire: "12:9,3")?.ranges == [3...3, 9...12])
        #expect(UIDSet(wire: "5:*")?.ranges == [5...UInt32.max])
        #expect(UIDSet(wire: "*")?.wire == "*")
        #expect(UIDSet(wire: "4294967295")?.ranges == [UInt32.max...UInt32.max])
        for bad in ["", "1:2:3", "a", "1,,2", "4294967296", "1:", ",1", "-1"] { #expect(UIDSet(wire: bad) == nil, "\(bad)") }
    }

    @Test func membershipAndCount() {
        let set = UIDSet(wire: "1:3,5,7:9")!
        #expect(set.count == 7)
        #expect(Array(set) == [1, 2, 3, 5, 7, 8, 9].map { UID($0) })
        #expect(set.contains(UID(5)) && set.contains(UID(9)) && set.contains(UID(1)))
        #expect(!set.contains(UID(4)) && !set.contains(UID(10)) && !set.contains(UID(0)))
        #expect(UIDSet(wire: "1:*")!.count == UInt64(UInt32.max))
    }
}

struct Base64Tests {
    @Test func rfc4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(base64Encode(bytes(plain)) == encoded)
            #expect(base64Decode(encoded) == bytes(plain))
        }
        #expect(base64Encode([0xFF, 0xFE, 0x00]) == "//4A")
        #expect(base64Decode("Zm8") == bytes("fo"))
    }

    @Test func invalidInput() {
        for bad in ["Zm9v!", "Z", "Zm9v====", "Zm 9v", "Zg=a"] { #expect(base64Decode(bad) == nil, "\(bad)") }
    }
}

struct InternalDateTests {
    @Test func parsesAndFormats() throws {
        let date = try #require(InternalDate(imapText: bytes("17-Jul-1996 02:44:25 -0700")))
        #expect(date.secondsSince1970 == 837_596_665)
        #expect(date.utcOffsetMinutes == -420)
        #expect(date.rfc3339 == "1996-07-17T02:44:25-07:00")
        let padded = try #require(InternalDate(imapText: bytes(" 7-jul-1996 02:44:25 -0700")))
        #expect(padded.secondsSince1970 == 836_732_665)
        let india = try #require(InternalDate(imapText: bytes("29-Feb-2024 23:59:59 +0530")))
        #expect(india.secondsSince1970 == 1_709_231_399)
        #expect(india.rfc3339 == "2024-02-29T23:59:59+05:30")
        #expect(InternalDate(imapText: bytes("01-Jan-1970 00:00:00 +0000"))?.rfc3339 == "1970-01-01T00:00:00+00:00")
        #expect(InternalDate(imapText: bytes("31-Dec-1969 23:59:59 +0000"))?.secondsSince1970 == -1)
        #expect(InternalDate(imapText: bytes("31-Dec-1969 23:59:59 +0000"))?.rfc3339 == "1969-12-31T23:59:59+00:00")
    }

    @Test func rejectsMalformed() {
        for bad in ["32-Jul-1996 02:44:25 -0700", "29-Feb-2023 00:00:00 +0000", "17-Foo-1996 02:44:25 -0700",
                    "17-Jul-96 02:44:25 -0700", "17-Jul-1996 24:00:00 -0700", "17-Jul-1996 02:44:25", "17-Jul-1996 02:44:25 -0760",
                    "17-Jul-1996 02:44:25 -0700 x", ""] {
            #expect(InternalDate(imapText: bytes(bad)) == nil, "\(bad)")
        }
    }
}
