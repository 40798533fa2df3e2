import ArchiveModel
import Testing
@testable import IMAPWire

/// Framing: literals, streaming, limits, delimiters — on streams of our own, so these run
/// without the shared fixtures.
struct FramingTests {
    /// Checks whole, byte-at-a-time and every two-piece split agree, and returns the transcript.
    func stable(_ stream: [UInt8], options: ResponseParser.Options = .init()) -> [TranscriptItem] {
        let whole = wholeTranscript(stream, options: options)
        #expect(byteAtATimeTranscript(stream, options: options) == whole)
        for offset in stride(from: 0, through: stream.count, by: max(1, stream.count / 200)) {
            #expect(transcript(stream, pieces: [offset], options: options) == whole, "split at \(offset)")
        }
        return whole
    }

    @Test func bodyThenUIDAfterTheLiteral() {
        let items = stable(bytes("* 1 FETCH (BODY[] {5}\r\nhello UID 42 FLAGS (\\Seen))\r\nA1 OK done\r\n"))
        let fetch = FetchAttributes(uid: UID(42), flags: ["\\Seen"],
                                    bodies: [FetchBody(item: "BODY[]", section: "", content: .streamed(size: 5))])
        #expect(items == [.body(announced: 5, bytes: bytes("hello"), ended: true),
                          .response(.untagged(.fetch(SequenceNumber(rawValue: 1), fetch))),
                          .response(.tagged(TaggedResponse(tag: "A1", status: .ok, text: ResponseText(text: "done"))))])
    }

    @Test func statusLinesAndBracesInsideABodyAreOpaque() {
        let body = "X: {3}\r\n\"\r\na1 OK fake\r\n* BYE fake\r\n)"
        let stream = bytes("* 9 FETCH (UID 3 RFC822 {\(body.utf8.count)}\r\n\(body))\r\na1 OK real\r\n")
        let items = stable(stream)
        #expect(items.count == 3)
        #expect(items[0] == .body(announced: body.utf8.count, bytes: bytes(body), ended: true))
        #expect(items[2] == .response(.tagged(TaggedResponse(tag: "a1", status: .ok, text: ResponseText(text: "real")))))
        if case .response(.untagged(.fetch(_, let f))) = items[1] {
            #expect(f.body == FetchBody(item: "RFC822", section: "", content: .streamed(size: body.utf8.count)))
        } else {
            Issue.record("no FETCH")
        }
    }

    @Test func emptyBodyLiteralIsStreamedAsEmpty() {
        let items = stable(bytes("* 2 FETCH (BODY[] {0}\r\n UID 8)\r\n"))
        let fetch = FetchAttributes(uid: UID(8), bodies: [FetchBody(item: "BODY[]", section: "", content: .streamed(size: 0))])
        #expect(items == [.body(announced: 0, bytes: [], ended: true),
                          .response(.untagged(.fetch(SequenceNumber(rawValue: 2), fetch)))])
    }

    @Test func partialAndHeaderFieldSectionsStream() {
        let stream = bytes("* 4 FETCH (BODY[HEADER.FIELDS (FROM \"TO\")] {4}\r\nab\r\n BODY[]<100> {2}\r\nxy BINARY[1] ~{1}\r\nz)\r\n")
        let items = stable(stream)
        let fetch = FetchAttributes(bodies: [
            FetchBody(item: "BODY[HEADER.FIELDS (FROM \"TO\")]", section: "HEADER.FIELDS (FROM \"TO\")", content: .streamed(size: 4)),
            FetchBody(item: "BODY[]", section: "", origin: 100, content: .streamed(size: 2)),
            FetchBody(item: "BINARY[1]", section: "1", content: .streamed(size: 1)),
        ])
        #expect(items == [.body(announced: 4, bytes: bytes("ab\r\n"), ended: true),
                          .body(announced: 2, bytes: bytes("xy"), ended: true),
                          .body(announced: 1, bytes: bytes("z"), ended: true),
                          .response(.untagged(.fetch(SequenceNumber(rawValue: 4), fetch)))])
    }

    @Test func nonBodyLiteralsAreBufferedNotStreamed() {
        let stream = bytes("* 1 FETCH (ENVELOPE (\"d\" {3}\r\nsub NIL) BODY[] {2}\r\nhi)\r\n")
        let items = stable(stream)
        let fetch = FetchAttributes(bodies: [FetchBody(item: "BODY[]", section: "", content: .streamed(size: 2))],
                                    other: ["ENVELOPE": .list([.string(bytes("d")), .string(bytes("sub")), .nil])])
        #expect(items == [.body(announced: 2, bytes: bytes("hi"), ended: true),
                          .response(.untagged(.fetch(SequenceNumber(rawValue: 1), fetch)))])
    }

    @Test func braceAtLineEndInsideQuotesIsNoLiteral() {
        let items = stable(bytes("* OK \"x {5}\r\nA2 OK y\r\n"))
        #expect(responses(items) == [.untagged(.condition(.ok, ResponseText(text: "\"x {5}"))),
                                     .tagged(TaggedResponse(tag: "A2", status: .ok, text: ResponseText(text: "y")))])
    }

    @Test func escapedBackslashClosesTheQuoteBeforeALiteral() {
        let items = stable(bytes("* ID (\"k\\\\\" {3}\r\nabc)\r\n"))
        #expect(responses(items) == [.untagged(.id(["k\\": "abc"]))])
    }

    @Test func literalFollowedByOtherByteIsADesync() {
        let items = stable(bytes("* 1 FETCH (BODY[] {3}\r\nabcd)\r\n"))
        #expect(items == [.body(announced: 3, bytes: bytes("abc"), ended: false),
                          .error(.literalNotFollowedByDelimiter(found: UInt8(ascii: "d")))])
        let listItems = stable(bytes("* LIST () \"/\" {2}\r\nabc\r\n"))
        #expect(listItems == [.error(.literalNotFollowedByDelimiter(found: UInt8(ascii: "c")))])
    }

    @Test func errorsAreSticky() throws {
        var parser = ResponseParser()
        #expect(throws: ParserError.literalNotFollowedByDelimiter(found: UInt8(ascii: "x"))) {
            try parser.feed(bytes("* LIST () \"/\" {1}\r\nax\r\n")) { _ in }
        }
        #expect(throws: ParserError.literalNotFollowedByDelimiter(found: UInt8(ascii: "x"))) {
            try parser.feed(bytes("A1 OK\r\n")) { _ in }
        }
    }

    @Test func lineTooLong() {
        var options = ResponseParser.Options()
        options.maxLineLength = 64
        let long = bytes("* OK " + String(repeating: "x", count: 100) + "\r\n")
        #expect(stable(long, options: options) == [.error(.lineTooLong(limit: 64))])
        let exact = bytes("* OK " + String(repeating: "x", count: 59) + "\r\n")
        #expect(stable(exact, options: options) == [.response(.untagged(.condition(.ok, ResponseText(text: String(repeating: "x", count: 59)))))])
    }

    @Test func bufferedLiteralLimit() {
        var options = ResponseParser.Options()
        options.maxBufferedLiteral = 8
        #expect(stable(bytes("* LIST () \"/\" {9}\r\n123456789\r\n"), options: options) == [.error(.literalTooLarge(size: 9, limit: 8))])
        let two = bytes("* ID ({5}\r\n12345 {5}\r\n12345)\r\n")
        #expect(stable(two, options: options) == [.error(.literalTooLarge(size: 5, limit: 8))])
    }

    @Test func megabyteUntaggedLineIsAccepted() {
        let numbers = (1...120_000).map(String.init).joined(separator: " ")
        let stream = bytes("* SEARCH " + numbers + "\r\n")
        #expect(stream.count > 700_000)
        #expect(responses(transcript(stream, pieces: [1000, 4096, 65536, 7])) == [.untagged(.search((1...120_000).map { UID($0) }))])
    }

    @Test func continuationRequests() {
        let items = stable(bytes("+ \r\n+\r\n+ Ready for literal data\r\n+ dGVzdA==\r\n+ [ALERT] hi\r\n"))
        #expect(responses(items) == [
            .continuation(ContinuationRequest(text: ResponseText(text: ""))),
            .continuation(ContinuationRequest(text: ResponseText(text: ""))),
            .continuation(ContinuationRequest(text: ResponseText(text: "Ready for literal data"))),
            .continuation(ContinuationRequest(text: ResponseText(text: "dGVzdA=="))),
            .continuation(ContinuationRequest(text: ResponseText(code: .alert, text: "hi"))),
        ])
        if case .continuation(let c) = responses(items)[3] { #expect(c.decodedBase64 == bytes("test")) }
    }

    @Test func bodyBytesAreSlicesOfTheFedBuffer() throws {
        let stream = bytes("* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n")
        var parser = ResponseParser()
        var inside = false
        try stream.withUnsafeBytes { buffer in
            try parser.feed(buffer) { event in
                if case .bodyBytes(let chunk) = event {
                    inside = chunk.baseAddress! >= buffer.baseAddress! && chunk.baseAddress! + chunk.count <= buffer.baseAddress! + buffer.count
                }
            }
        }
        #expect(inside)
    }
}
