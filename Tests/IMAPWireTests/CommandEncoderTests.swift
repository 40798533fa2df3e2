import ArchiveModel
import Testing
@testable import IMAPWire

/// Command encoding: atom / quoted / literal choices, escaping, LITERAL+ versus synchronizing pieces.
struct CommandEncoderTests {
    let sync = CommandEncoder(literalPlus: false)
    let plus = CommandEncoder(literalPlus: true)

    func text(_ pieces: [[UInt8]]) -> [String] { pieces.map { String(decoding: $0, as: UTF8.self) } }

    @Test func simpleCommands() {
        #expect(text(sync.encode(tag: "a1", .capability)) == ["a1 CAPABILITY\r\n"])
        #expect(text(sync.encode(tag: "a2", .noop)) == ["a2 NOOP\r\n"])
        #expect(text(sync.encode(tag: "a3", .logout)) == ["a3 LOGOUT\r\n"])
        #expect(text(sync.encode(tag: "a4", .starttls)) == ["a4 STARTTLS\r\n"])
        #expect(text(sync.encode(tag: "a5", .enable(["CONDSTORE", "QRESYNC"]))) == ["a5 ENABLE CONDSTORE QRESYNC\r\n"])
        #expect(text(sync.encode(tag: "a6", .uidSearch("UID 5:*"))) == ["a6 UID SEARCH UID 5:*\r\n"])
        #expect(text(sync.encode(tag: "a7", .unselect)) == ["a7 UNSELECT\r\n"])
    }

    @Test func atomQuotedAndEscaped() {
        #expect(text(sync.encode(tag: "a1", .login(user: "alice", password: "s3cret"))) == ["a1 LOGIN alice s3cret\r\n"])
        #expect(text(sync.encode(tag: "a1", .login(user: "user@example.com", password: "p a\"s\\s")))
            == ["a1 LOGIN user@example.com \"p a\\\"s\\\\s\"\r\n"])
        #expect(text(sync.encode(tag: "a2", .examine(MailboxName(wire: "Legal\"2019")))) == ["a2 EXAMINE \"Legal\\\"2019\"\r\n"])
        #expect(text(sync.encode(tag: "a3", .select(MailboxName(wire: "INBOX")))) == ["a3 SELECT INBOX\r\n"])
        #expect(text(sync.encode(tag: "a4", .examine(MailboxName(wire: "NIL")))) == ["a4 EXAMINE \"NIL\"\r\n"])
        #expect(text(sync.encode(tag: "a5", .examine(MailboxName(wire: "")))) == ["a5 EXAMINE \"\"\r\n"])
        #expect(text(sync.encode(tag: "a6", .examine(MailboxName(wire: "Sent Items")))) == ["a6 EXAMINE \"Sent Items\"\r\n"])
        #expect(text(sync.encode(tag: "a7", .examine(MailboxName(wire: "a]b")))) == ["a7 EXAMINE \"a]b\"\r\n"])
        #expect(text(sync.encode(tag: "a8", .examine(MailboxName(wire: "&AMQ-rger")))) == ["a8 EXAMINE &AMQ-rger\r\n"])
    }

    @Test func literalsSynchronizingAndPlus() {
        let name = MailboxName(wire: "Müll")
        #expect(sync.encode(tag: "a1", .examine(name)) == [bytes("a1 EXAMINE {5}\r\n"), bytes("Müll\r\n")])
        #expect(plus.encode(tag: "a1", .examine(name)) == [bytes("a1 EXAMINE {5+}\r\nMüll\r\n")])
        let crlf = MailboxName(wire: "a\r\nb")
        #expect(sync.encode(tag: "a2", .select(crlf)) == [bytes("a2 SELECT {4}\r\n"), bytes("a\r\nb\r\n")])
        #expect(sync.encode(tag: "a3", .login(user: "jörg", password: "pässword"))
            == [bytes("a3 LOGIN {5}\r\n"), bytes("jörg {9}\r\n"), bytes("pässword\r\n")])
        #expect(plus.encode(tag: "a3", .login(user: "jörg", password: "pässword")) == [bytes("a3 LOGIN {5+}\r\njörg {9+}\r\npässword\r\n")])
        let minus = CommandEncoder(literalPlus: true, maxNonSynchronizingLiteral: 4)
        #expect(minus.encode(tag: "a4", .examine(name)) == [bytes("a4 EXAMINE {5}\r\n"), bytes("Müll\r\n")])
        #expect(minus.encode(tag: "a4", .examine(MailboxName(wire: "Mü"))) == [bytes("a4 EXAMINE {3+}\r\nMü\r\n")])
    }

    @Test func listStatusAndFetch() {
        #expect(text(sync.encode(tag: "a1", .list(reference: MailboxName(wire: ""), pattern: "*"))) == ["a1 LIST \"\" *\r\n"])
        #expect(text(sync.encode(tag: "a1", .list(reference: MailboxName(wire: ""), pattern: "Archive/%"))) == ["a1 LIST \"\" Archive/%\r\n"])
        #expect(text(sync.encode(tag: "a1", .list(reference: MailboxName(wire: ""), pattern: "Sent *"))) == ["a1 LIST \"\" \"Sent *\"\r\n"])
        #expect(text(sync.encode(tag: "a2", .listStatus(reference: MailboxName(wire: ""), pattern: "*", items: ["UIDVALIDITY", "MESSAGES"])))
            == ["a2 LIST \"\" * RETURN (STATUS (UIDVALIDITY MESSAGES))\r\n"])
        #expect(text(sync.encode(tag: "a3", .status(MailboxName(wire: "INBOX"), ["UIDNEXT", "MESSAGES"]))) == ["a3 STATUS INBOX (UIDNEXT MESSAGES)\r\n"])
        let set = UIDSet([9, 1, 2, 3, 5, 7, 8, 2].map { UID($0) })
        #expect(text(sync.encode(tag: "a4", .uidFetch(set, ["UID", "RFC822.SIZE", "BODY.PEEK[]"])))
            == ["a4 UID FETCH 1:3,5,7:9 (UID RFC822.SIZE BODY.PEEK[])\r\n"])
    }

    @Test func authenticateAndID() {
        #expect(text(sync.encode(tag: "a1", .authenticate(mechanism: "PLAIN", initialResponse: [0] + bytes("user") + [0] + bytes("pass"))))
            == ["a1 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n"])
        #expect(text(sync.encode(tag: "a2", .authenticate(mechanism: "EXTERNAL", initialResponse: []))) == ["a2 AUTHENTICATE EXTERNAL =\r\n"])
        #expect(text(sync.encode(tag: "a3", .authenticate(mechanism: "XOAUTH2", initialResponse: nil))) == ["a3 AUTHENTICATE XOAUTH2\r\n"])
        #expect(text(sync.encode(tag: "a4", .id([("name", "coffer"), ("version", "1.0")]))) == ["a4 ID (\"name\" \"coffer\" \"version\" \"1.0\")\r\n"])
        #expect(text(sync.encode(tag: "a5", .id([]))) == ["a5 ID NIL\r\n"])
        #expect(Command.uidFetch(UIDSet(), []).name == "UID FETCH")
        #expect(Command.login(user: "u", password: "secret").name == "LOGIN")
    }

    @Test func encodedNamesParseBackToTheSameBytes() throws {
        for wire in ["Legal\"2019", "Archive \"old\" \\ 2018", "200", "Drafts", "Müll", "a b", "x]y"] {
            let pieces = plus.encode(tag: "a1", .examine(MailboxName(wire: wire)))
            #expect(pieces.count == 1)
            // The argument is an astring, as is a LIST name: parse it back through the LIST grammar.
            let argument = pieces[0][bytes("a1 EXAMINE ").count...]
            let items = wholeTranscript(bytes("* LIST () \"/\" ") + argument)
            #expect(items == [.response(.untagged(.list(ListEntry(attributes: [], delimiter: UInt8(ascii: "/"), name: MailboxName(wire: wire)))))],
                    "\(wire)")
        }
    }
}
