import ArchiveModel
import Testing
@testable import IMAPWire

/// The server streams of `shared/cases/fixtures`, fed whole, split at every offset and one byte
/// at a time, with the values each case names.
@Suite("Case fixtures", .enabled(if: Fixtures.available, "shared/cases/fixtures not present"))
struct FixtureTests {
    @Test("Every split gives the same transcript", arguments: Fixtures.serverStreams)
    func splitInvariance(_ name: String) throws {
        let stream = try #require(Fixtures.load(name))
        let whole = wholeTranscript(stream)
        #expect(!whole.isEmpty)
        #expect(!whole.contains { if case .invariantBroken = $0 { true } else { false } })
        #expect(byteAtATimeTranscript(stream) == whole)
        for offset in 0...stream.count {
            let split = transcript(stream, pieces: [offset])
            #expect(split == whole, "split at \(offset)")
        }
    }

    @Test("B14: the literal length is authoritative, RFC822.SIZE kept apart")
    func b14() throws {
        let stream = try #require(Fixtures.load("B14_size_mismatch.bin"))
        let items = wholeTranscript(stream)
        #expect(items.count == 3)
        guard case .body(110, let body, true) = items[0] else { Issue.record("no body: \(items)"); return }
        #expect(body.count == 110)
        #expect(body.starts(with: bytes("From: sender@example.com\r\n")))
        #expect(body.suffix(6) == bytes("body\r\n")[...])
        let fetch = FetchAttributes(uid: UID(13), rfc822Size: 1000,
                                    bodies: [FetchBody(item: "BODY[]", section: "", content: .streamed(size: 110))])
        #expect(items[1] == .response(.untagged(.fetch(SequenceNumber(rawValue: 1), fetch))))
        #expect(items[2] == .response(.tagged(TaggedResponse(tag: "a7", status: .ok, text: ResponseText(text: "FETCH completed.")))))
    }

    @Test("B17: literal, escaped quoted, numeric atom and atom mailbox names")
    func b17() throws {
        let stream = try #require(Fixtures.load("B17_list_literal_name.bin"))
        let items = wholeTranscript(stream)
        let names = ["Legal\"2019", "Archive \"old\" \\ 2018", "200", "Drafts"]
        let expected = names.map {
            TranscriptItem.response(.untagged(.list(ListEntry(attributes: ["\\HasNoChildren"], delimiter: UInt8(ascii: "/"),
                                                              name: MailboxName(wire: $0)))))
        } + [.response(.tagged(TaggedResponse(tag: "a3", status: .ok, text: ResponseText(text: "LIST completed."))))]
        #expect(items == expected)
        #expect(MailboxName(wire: names[0]).wire.count == 10)
    }

    @Test("B21: a short literal is a desync error, the body never ends")
    func b21() throws {
        let stream = try #require(Fixtures.load("B21_short_literal_DESYNC.bin"))
        let items = wholeTranscript(stream)
        #expect(items == [.body(announced: 44, bytes: bytes("Subject: t\r\nFrom: a@example.com\r\n\r\nhello wor"), ended: false),
                          .error(.literalNotFollowedByDelimiter(found: UInt8(ascii: "l")))])
    }

    @Test("B23: the three reads of the case")
    func b23() throws {
        let stream = try #require(Fixtures.load("B23_split_reads.bin"))
        let items = transcript(stream, pieces: [75, 24, 19])
        #expect(items == wholeTranscript(stream))
        let literal = bytes("Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nSubject: split\r\n\r\nx\r\n")
        #expect(literal.count == 59)
        let fetch = FetchAttributes(uid: UID(345), bodies: [FetchBody(item: "BODY[]", section: "", content: .streamed(size: 59))])
        #expect(items == [.body(announced: 59, bytes: literal, ended: true),
                          .response(.untagged(.fetch(SequenceNumber(rawValue: 12), fetch))),
                          .response(.tagged(TaggedResponse(tag: "a7", status: .ok, text: ResponseText(text: "FETCH completed"))))])
    }

    @Test("B25: a status-looking header inside the body ends nothing")
    func b25() throws {
        let stream = try #require(Fixtures.load("B25_spamflag_no.bin"))
        let items = wholeTranscript(stream)
        #expect(items.count == 3)
        guard case .body(142, let body, true) = items[0] else { Issue.record("no body: \(items)"); return }
        #expect(body.count == 142)
        #expect(String(decoding: body, as: UTF8.self).contains("\r\nX-Spam-Flag: NO\r\n"))
        #expect(body.suffix(22) == bytes("Nothing to see here.\r\n")[...])
        guard case .response(.untagged(.fetch(let seq, let fetch))) = items[1] else { Issue.record("no fetch"); return }
        #expect(seq.rawValue == 5 && fetch.uid == UID(88) && fetch.body?.content == .streamed(size: 142))
        let tagged = responses(items).filter { if case .tagged = $0 { true } else { false } }
        #expect(tagged == [.tagged(TaggedResponse(tag: "a3", status: .ok, text: ResponseText(text: "FETCH completed")))])
    }

    @Test("B28: BODY[] NIL is an absent body, not an empty one")
    func b28() throws {
        let stream = try #require(Fixtures.load("B28_nil_body.bin"))
        let items = wholeTranscript(stream)
        let fetch = FetchAttributes(uid: UID(1956), rfc822Size: 31888,
                                    bodies: [FetchBody(item: "BODY[]", section: "", content: .nil)])
        #expect(items == [.response(.untagged(.fetch(SequenceNumber(rawValue: 1), fetch))),
                          .response(.tagged(TaggedResponse(tag: "a27", status: .ok, text: ResponseText(text: "FETCH Completed"))))])
        #expect(fetch.body?.content != .streamed(size: 0))
    }
}
