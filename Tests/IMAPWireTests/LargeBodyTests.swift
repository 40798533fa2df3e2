import ArchiveModel
import Testing
@testable import IMAPWire

/// Big message bodies: streamed in pieces, reassembled exactly, memory bounded.
struct LargeBodyTests {
    @Test func fiveMegabyteBodyInRandomChunks() {
        var rng = SplitMix64(seed: 0xC0FFEE)
        let body = (0..<(5 << 20)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let stream = bytes("* 7 FETCH (UID 99 BODY[] {\(body.count)}\r\n") + body + bytes(" RFC822.SIZE 5242880)\r\nf1 OK\r\n")
        let fetch = FetchAttributes(uid: UID(99), rfc822Size: 5_242_880,
                                    bodies: [FetchBody(item: "BODY[]", section: "", content: .streamed(size: body.count))])
        let expected: [TranscriptItem] = [
            .body(announced: body.count, bytes: body, ended: true),
            .response(.untagged(.fetch(SequenceNumber(rawValue: 7), fetch))),
            .response(.tagged(TaggedResponse(tag: "f1", status: .ok, text: ResponseText(text: "")))),
        ]
        for round in 0..<4 {
            let maxPiece = [7, 1500, 65_536, 1 << 20][round]
            let pieces = randomPieces(total: stream.count, maxPiece: maxPiece, using: &rng)
            #expect(transcript(stream, pieces: pieces) == expected, "max piece \(maxPiece)")
        }
    }

    @Test func hundredFiftyMegabyteBodyKeepsMemoryBounded() throws {
        let size = 150 << 20
        var parser = ResponseParser()
        var received = 0
        var events = 0
        var ended = false
        var maxBuffered = 0
        let chunk = [UInt8](repeating: UInt8(ascii: "m"), count: 1 << 20)
        let onEvent: (ParserEvent) -> Void = { event in
            switch event {
            case .bodyBytes(let bytes): received += bytes.count; events += 1
            case .bodyEnd: ended = true
            default: break
            }
        }
        try parser.feed(bytes("* 1 FETCH (UID 5 BODY[] {\(size)}\r\n"), onEvent)
        for _ in 0..<(size / chunk.count) {
            try parser.feed(chunk, onEvent)
            maxBuffered = max(maxBuffered, parser.bufferedByteCount)
        }
        var fetch: FetchAttributes?
        try parser.feed(bytes(")\r\n")) { event in
            onEvent(event)
            if case .response(.untagged(.fetch(_, let f))) = event { fetch = f }
        }
        #expect(received == size)
        #expect(events == 150)
        #expect(ended)
        #expect(maxBuffered < 100)
        #expect(fetch?.body?.content == .streamed(size: size))
    }
}
