import ArchiveModel
import Testing
@testable import IMAPWire

/// The grammar stage, one response at a time.
struct GrammarTests {
    func parse(_ line: String) -> [Response] { responses(wholeTranscript(bytes(line + "\r\n"))) }

    func untagged(_ line: String) -> UntaggedResponse? {
        guard case .untagged(let u)? = parse(line).first else { return nil }
        return u
    }

    @Test func greetingWithCapabilityCode() {
        #expect(untagged("* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR auth=XOAUTH2] Ready.")
            == .condition(.ok, ResponseText(code: .capability(["IMAP4REV1", "LITERAL+", "SASL-IR", "AUTH=XOAUTH2"]), text: "Ready.")))
    }

    @Test func mailboxCounters() {
        #expect(untagged("* 3 EXISTS") == .exists(3))
        #expect(untagged("* 0 RECENT") == .recent(0))
        #expect(untagged("* 12 expunge") == .expunge(SequenceNumber(rawValue: 12)))
        #expect(parse("* 4294967296 EXISTS").isEmpty)
    }

    @Test func responseCodes() {
        #expect(untagged("* OK [UIDVALIDITY 123] UIDs valid") == .condition(.ok, ResponseText(code: .uidValidity(UIDValidity(123)), text: "UIDs valid")))
        #expect(untagged("* OK [UIDNEXT 4392] Predicted next UID")?.code == .uidNext(UID(4392)))
        #expect(untagged("* OK [UNSEEN 12] x")?.code == .unseen(12))
        #expect(untagged("* OK [HIGHESTMODSEQ 715194045007] x")?.code == .highestModSeq(715_194_045_007))
        #expect(untagged("* OK [NOMODSEQ] x")?.code == .noModSeq)
        #expect(untagged("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited")?.code == .permanentFlags(["\\Deleted", "\\Seen", "\\*"]))
        #expect(untagged("* OK [READ-ONLY] x")?.code == .readOnly)
        #expect(untagged("* NO [UNAVAILABLE] busy")?.code == .unavailable)
        #expect(untagged("* OK [COPYUID 38505 304 3956] Done")?.code == .other(name: "COPYUID", text: "38505 304 3956"))
        #expect(untagged("* OK [UIDVALIDITY abc] x")?.code == .other(name: "UIDVALIDITY", text: "abc"))
        #expect(untagged("* OK [CLOSED] x")?.code == .other(name: "CLOSED", text: nil))
        #expect(untagged("* OK [unterminated code") == .condition(.ok, ResponseText(text: "[unterminated code")))
    }

    @Test func taggedResponses() {
        #expect(parse("a1 ok done") == [.tagged(TaggedResponse(tag: "a1", status: .ok, text: ResponseText(text: "done")))])
        #expect(parse("C12 NO [AUTHENTICATIONFAILED] Invalid credentials")
            == [.tagged(TaggedResponse(tag: "C12", status: .no, text: ResponseText(code: .authenticationFailed, text: "Invalid credentials")))])
        #expect(parse("a2 BAD") == [.tagged(TaggedResponse(tag: "a2", status: .bad, text: ResponseText(text: "")))])
        #expect(wholeTranscript(bytes("a3 BYE x\r\n")) == [.error(.malformed("response-tagged: OK, NO or BAD expected"))])
        #expect(untagged("* BYE Logging out") == .condition(.bye, ResponseText(text: "Logging out")))
    }

    @Test func listNames() {
        let stream = "* LIST (\\Noselect \\HasChildren) \".\" \"Archive \\\"q\\\" \\\\ x\"\r\n"
            + "* LIST () NIL {4}\r\nA)B\"\r\n* LSUB (\\Sent) \"/\" &AMQ-rger\r\n* LIST () \"\\\\\" INBOX (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
        #expect(responses(wholeTranscript(bytes(stream))) == [
            .untagged(.list(ListEntry(attributes: ["\\Noselect", "\\HasChildren"], delimiter: UInt8(ascii: "."),
                                      name: MailboxName(wire: "Archive \"q\" \\ x")))),
            .untagged(.list(ListEntry(attributes: [], delimiter: nil, name: MailboxName(wire: "A)B\"")))),
            .untagged(.list(ListEntry(attributes: ["\\Sent"], delimiter: UInt8(ascii: "/"), name: MailboxName(wire: "&AMQ-rger")))),
            .untagged(.list(ListEntry(attributes: [], delimiter: UInt8(ascii: "\\"), name: MailboxName(wire: "INBOX"),
                                      extended: [.string(bytes("CHILDINFO")), .list([.string(bytes("SUBSCRIBED"))])]))),
        ])
        if case .untagged(.list(let e))? = parse("* LSUB (\\Sent) \"/\" &AMQ-rger").first { #expect(e.name.display == "Ärger") }
    }

    @Test func mailboxData() {
        #expect(untagged("* STATUS \"Sent Items\" (MESSAGES 231 UIDNEXT 44292 HIGHESTMODSEQ 7011231777)")
            == .status(MailboxName(wire: "Sent Items"), ["MESSAGES": 231, "UIDNEXT": 44292, "HIGHESTMODSEQ": 7_011_231_777]))
        #expect(untagged("* SEARCH 2 84 882") == .search([UID(2), UID(84), UID(882)]))
        #expect(untagged("* SEARCH") == .search([]))
        #expect(untagged("* SEARCH 2 5 (MODSEQ 917162500)") == .search([UID(2), UID(5)]))
        #expect(untagged("* FLAGS (\\Answered \\Flagged $Forwarded)") == .flags(["\\Answered", "\\Flagged", "$Forwarded"]))
        #expect(untagged("* ENABLED CONDSTORE qresync") == .enabled(["CONDSTORE", "QRESYNC"]))
        #expect(untagged("* CAPABILITY IMAP4rev1 ID") == .capability(["IMAP4REV1", "ID"]))
        #expect(untagged("* ID (\"name\" \"Dovecot\" \"os\" NIL)") == .id(["name": "Dovecot"]))
        #expect(untagged("* ID NIL") == .id(nil))
        #expect(untagged("* VANISHED (EARLIER) 41,43:116,118") == .vanished(earlier: true, UIDSet(wire: "41,43:116,118")!))
        #expect(untagged("* VANISHED 405") == .vanished(earlier: false, UIDSet([UID(405)])))
        #expect(untagged("* NAMESPACE ((\"\" \"/\")) NIL NIL") == .other(keyword: "NAMESPACE", raw: bytes("* NAMESPACE ((\"\" \"/\")) NIL NIL")))
        #expect(untagged("* 5 XTHING a") == .other(keyword: "XTHING", raw: bytes("* 5 XTHING a")))
    }

    @Test func esearch() {
        let e = ESearchResponse(tag: "a5", uid: true, all: UIDSet(wire: "1:3,5,17:19"), count: 7, min: 1, max: 19)
        #expect(untagged("* ESEARCH (TAG \"a5\") UID MIN 1 MAX 19 ALL 1:3,5,17:19 COUNT 7") == .esearch(e))
        #expect(e.uids == [1, 2, 3, 5, 17, 18, 19].map { UID($0) })
        #expect(untagged("* ESEARCH (TAG \"a6\") UID") == .esearch(ESearchResponse(tag: "a6", uid: true)))
        #expect(untagged("* ESEARCH COUNT 0 MODSEQ 12") == .esearch(ESearchResponse(count: 0)))
    }

    @Test func fetchAttributes() {
        let line = "* 2 FETCH (UID 7 INTERNALDATE \" 7-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 MODSEQ (12121231000) "
            + "FLAGS (\\Seen $Junk) X-GM-LABELS (\"\\\\Inbox\" foo) BINARY.SIZE[1] 31 BODYSTRUCTURE (\"text\" \"plain\" NIL))"
        let date = InternalDate(secondsSince1970: 836_732_665, utcOffsetMinutes: -420)
        let expected = FetchAttributes(uid: UID(7), rfc822Size: 4286, internalDate: date, flags: ["\\Seen", "$Junk"], modSeq: 12_121_231_000,
                                       other: ["X-GM-LABELS": .list([.string(bytes("\\Inbox")), .atom("foo")]),
                                               "BINARY.SIZE[1]": .number(31),
                                               "BODYSTRUCTURE": .list([.string(bytes("text")), .string(bytes("plain")), .nil])])
        #expect(untagged(line) == .fetch(SequenceNumber(rawValue: 2), expected))
        #expect(date.rfc3339 == "1996-07-07T02:44:25-07:00")
    }

    @Test func unsolicitedFetchHasNoBody() {
        guard case .fetch(let seq, let f)? = untagged("* 350602 FETCH (UID 402782 MODSEQ (10000934) FLAGS (\\Seen))") else {
            Issue.record("no FETCH")
            return
        }
        #expect(seq.rawValue == 350_602 && f.uid == UID(402_782) && f.modSeq == 10_000_934 && f.body == nil)
    }

    @Test func quotedAndNilBodies() {
        #expect(untagged("* 1 FETCH (UID 2 BODY[] \"\")") == .fetch(SequenceNumber(rawValue: 1), FetchAttributes(
            uid: UID(2), bodies: [FetchBody(item: "BODY[]", section: "", content: .quoted([]))])))
        #expect(untagged("* 1 FETCH (BODY[TEXT]<0> \"a\\\"b\")") == .fetch(SequenceNumber(rawValue: 1), FetchAttributes(
            bodies: [FetchBody(item: "BODY[TEXT]", section: "TEXT", origin: 0, content: .quoted(bytes("a\"b")))])))
        #expect(untagged("* 1 FETCH (RFC822.TEXT nil)")?.fetchBody == FetchBody(item: "RFC822.TEXT", section: "", content: .nil))
    }

    @Test func malformedFetchIsAnError() {
        #expect(wholeTranscript(bytes("* 1 FETCH (UID x)\r\n")) == [.error(.malformed("uniqueid: number expected"))])
        #expect(wholeTranscript(bytes("* 1 FETCH (UID 1\r\n")) == [.error(.malformed("msg-att: unterminated list"))])
        #expect(wholeTranscript(bytes("* 1 FETCH (UID 1) junk\r\n")) == [.error(.malformed("FETCH: data after the attribute list"))])
        #expect(wholeTranscript(bytes("* 1 FETCH (INTERNALDATE \"30-Feb-2020 00:00:00 +0000\")\r\n"))
            == [.error(.malformed("INTERNALDATE: bad date-time"))])
        #expect(wholeTranscript(bytes("\r\n")) == [.error(.malformed("empty response line"))])
    }

    @Test func liberalSpacingAndCase() {
        #expect(untagged("*  3  exists") == .exists(3))
        #expect(untagged("* 1 fetch ( uid 5  flags ( \\Seen  \\* ) ) ") == .fetch(SequenceNumber(rawValue: 1),
                                                                                 FetchAttributes(uid: UID(5), flags: ["\\Seen", "\\*"])))
        #expect(untagged("* LIST (\\Marked \\HasNoChildren) \"/\" Inbox ")
            == .list(ListEntry(attributes: ["\\Marked", "\\HasNoChildren"], delimiter: UInt8(ascii: "/"), name: MailboxName(wire: "Inbox"))))
        #expect(untagged("* OK The Microsoft Exchange IMAP4 service is ready. [TQBOADIA]")
            == .condition(.ok, ResponseText(text: "The Microsoft Exchange IMAP4 service is ready. [TQBOADIA]")))
    }

    @Test func otherKeepsTheRawResponseWithLiterals() {
        #expect(responses(wholeTranscript(bytes("* XFOO {3}\r\nabc (1)\r\n"))) == [.untagged(.other(keyword: "XFOO", raw: bytes("* XFOO {3}\r\nabc (1)")))])
    }

    @Test func defaultLimits() {
        let options = ResponseParser.Options()
        #expect(options.maxLineLength == 1 << 20 && options.maxBufferedLiteral == 1 << 20)
    }

    @Test func deepNestingIsRejectedNotCrashed() {
        let line = "* 1 FETCH (BODYSTRUCTURE " + String(repeating: "(", count: 5000) + String(repeating: ")", count: 5000) + ")\r\n"
        #expect(wholeTranscript(bytes(line)) == [.error(.malformed("value: nesting too deep"))])
    }
}

extension UntaggedResponse {
    var code: ResponseCode? {
        if case .condition(_, let text) = self { return text.code }
        return nil
    }

    var fetchBody: FetchBody? {
        if case .fetch(_, let f) = self { return f.body }
        return nil
    }
}
