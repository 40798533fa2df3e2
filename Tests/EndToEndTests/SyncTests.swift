import Foundation
import XCTest

/// `coffer sync` against the real testbed while the server's mailboxes change under it.
final class SyncTests: XCTestCase {
    var dir: URL!
    var user = ""
    var config = ""

    override func setUpWithError() throws {
        _ = try fixture()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        user = "sync-\(UUID().uuidString.prefix(8).lowercased())"
        let corpus = dir.appendingPathComponent("corpus")
        try Testbed.run(["gen-corpus", corpus.path, "--messages", "120", "--seed", "11"])
        try Testbed.run(["load", user, corpus.appendingPathComponent("u1").path])
        config = try Fixture.writeConfig(in: dir, users: [user], name: "c.toml")
        let first = try Coffer.run(["backfill", "--config", config])
        XCTAssertEqual(first.code, 0, first.stderr)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Runs IMAP commands as the test user with Python's imaplib (an independent client).
    func imap(_ body: String) throws {
        let script = """
        import imaplib, ssl, sys
        ctx = ssl.create_default_context(cafile=sys.argv[1])
        M = imaplib.IMAP4_SSL('localhost', int(sys.argv[2]), ssl_context=ctx)
        M.login(sys.argv[3], open(sys.argv[4]).read())
        \(body)
        M.logout()
        """
        let r = try runProcess("/usr/bin/python3", ["-c", script, Testbed.caFile, String(Testbed.imapsPort), user, Testbed.secretFile(user)])
        XCTAssertEqual(r.code, 0, r.stderr)
    }

    func sync(_ extra: [String] = []) throws -> (code: Int32, mailboxes: [[String: Any]], stderr: String) {
        let r = try Coffer.run(["sync", "--config", config, "--json"] + extra)
        let report = (try? JSONSerialization.jsonObject(with: r.stdout) as? [String: Any]) ?? [:]
        return (r.code, (report["mailboxes"] as? [[String: Any]]) ?? [], r.stderr)
    }

    func total(_ mailboxes: [[String: Any]], _ key: String) -> Int { mailboxes.reduce(0) { $0 + (($1[key] as? Int) ?? 0) } }

    func archived() throws -> [[String: Any]] { try listed(try Coffer.run(["ls", "--config", config, "--json"])) }

    func testUnchangedMailboxesFetchNothing() throws {
        let s = try sync()
        XCTAssertEqual(s.code, 0, s.stderr)
        XCTAssertFalse(s.mailboxes.isEmpty)
        XCTAssertTrue(s.mailboxes.allSatisfy { $0["unchanged"] as? Bool == true }, "\(s.mailboxes)")
        XCTAssertEqual(total(s.mailboxes, "new"), 0)
        XCTAssertEqual(total(s.mailboxes, "bytes_fetched"), 0)
    }

    func testNewMessagesAreTheOnlyOnesFetched() throws {
        let before = try archived().count
        try imap("""
        for i in range(3):
            M.append('INBOX', None, None, ('Subject: added %d\\r\\nMessage-ID: <added-%d@sync.test>\\r\\n\\r\\nbody %d\\r\\n' % (i, i, i)).encode())
        """)
        let s = try sync()
        XCTAssertEqual(s.code, 0, s.stderr)
        XCTAssertEqual(total(s.mailboxes, "new"), 3)
        let inbox = s.mailboxes.first { $0["mailbox"] as? String == "INBOX" }!
        XCTAssertEqual(inbox["new"] as? Int, 3)
        XCTAssertEqual(s.mailboxes.filter { $0["unchanged"] as? Bool == true }.count, s.mailboxes.count - 1)
        XCTAssertEqual(try archived().count, before + 3)
    }

    func testExpungedMessagesAreRecordedAndStayRetrievable() throws {
        let inbox = try archived().filter { $0["mailbox"] as? String == "INBOX" }.sorted { ($0["uid"] as! Int) < ($1["uid"] as! Int) }
        XCTAssertGreaterThan(inbox.count, 2)
        let victims = [inbox[0], inbox[1]]
        try imap("""
        M.select('INBOX')
        M.uid('STORE', '\(victims[0]["uid"]!),\(victims[1]["uid"]!)', '+FLAGS', '(\\\\Deleted)')
        M.expunge()
        """)
        let s = try sync()
        XCTAssertEqual(s.code, 0, s.stderr)
        XCTAssertEqual(total(s.mailboxes, "expunged"), 2)
        XCTAssertEqual(total(s.mailboxes, "new"), 0)
        for v in victims {
            let got = try Coffer.run(["get", "--config", config, "--account", user, "--mailbox", "INBOX", "--uid", String(v["uid"] as! Int)])
            XCTAssertEqual(got.code, 0, got.stderr)
            XCTAssertEqual(got.stdout.count, v["size"] as! Int)
        }
        XCTAssertEqual(try archived().count, try archived().count)
        let again = try sync()
        XCTAssertEqual(total(again.mailboxes, "expunged"), 0, "an expunge is recorded once")
    }

    func testFlagChangesAreRecordedWithCondstore() throws {
        let inbox = try archived().filter { $0["mailbox"] as? String == "INBOX" }.sorted { ($0["uid"] as! Int) < ($1["uid"] as! Int) }
        _ = try sync()
        try imap("""
        M.select('INBOX')
        M.uid('STORE', '\(inbox[0]["uid"]!)', '+FLAGS', '(\\\\Flagged)')
        """)
        let s = try sync()
        XCTAssertEqual(s.code, 0, s.stderr)
        let box = s.mailboxes.first { $0["mailbox"] as? String == "INBOX" }!
        XCTAssertEqual(box["flag_changes"] as? Int, 1, "\(box)")
        XCTAssertEqual(box["new"] as? Int, 0)
        let row = try archived().first { $0["mailbox"] as? String == "INBOX" && $0["uid"] as? Int == inbox[0]["uid"] as? Int }!
        XCTAssertEqual(row["flags"] as? [String], inbox[0]["flags"] as? [String], "the archived row is never changed")
        XCTAssertTrue(s.stderr.contains("INBOX: ") && s.stderr.contains("1 flag change recorded as events"), s.stderr)
        XCTAssertFalse(try archived().contains { ($0["flags"] as? [String] ?? []).contains("\\Recent") },
                       "\\Recent is session state, never archived as a flag")
    }

    func testUIDValidityChangeStartsANewGenerationWithoutNewBlobs() throws {
        let before = try archived()
        let inboxRows = before.filter { $0["mailbox"] as? String == "INBOX" }
        let oldValidity = inboxRows[0]["uidvalidity"] as! Int
        let maildir = Testbed.dir.appendingPathComponent("mail/\(user)").resolvingSymlinksInPath()
        for name in try FileManager.default.contentsOfDirectory(atPath: maildir.path) where name.hasPrefix("dovecot-uidlist") || name.hasPrefix("dovecot.index") || name.hasPrefix("dovecot-uidvalidity") {
            try FileManager.default.removeItem(at: maildir.appendingPathComponent(name))
        }
        Thread.sleep(forTimeInterval: 1.1)
        let s = try sync()
        XCTAssertEqual(s.code, 0, s.stderr)
        let inbox = s.mailboxes.first { $0["mailbox"] as? String == "INBOX" }!
        XCTAssertEqual(inbox["uidvalidity_changed"] as? Bool, true, "\(inbox)")
        XCTAssertEqual(inbox["new"] as? Int, inboxRows.count)
        XCTAssertEqual(inbox["blobs_new"] as? Int, 0, "identical bytes cost no new blob")
        let after = try archived()
        XCTAssertEqual(after.count, before.count + inboxRows.count, "old generation rows are kept")
        XCTAssertEqual(after.filter { $0["mailbox"] as? String == "INBOX" && $0["uidvalidity"] as! Int == oldValidity }.count, inboxRows.count)
    }

    func testRenamedAndNewMailboxes() throws {
        let before = try archived()
        let sent = before.filter { $0["mailbox"] as? String == "Sent" }
        XCTAssertFalse(sent.isEmpty)
        try imap("""
        M.rename('Sent', 'Sent-2024')
        M.create('Brand-New')
        M.append('Brand-New', None, None, b'Subject: fresh\\r\\nMessage-ID: <fresh@sync.test>\\r\\n\\r\\nnew mailbox\\r\\n')
        """)
        let s = try sync()
        XCTAssertEqual(s.code, 0, s.stderr)
        let renamed = s.mailboxes.first { $0["mailbox"] as? String == "Sent-2024" }!
        XCTAssertEqual(renamed["new"] as? Int, sent.count)
        XCTAssertEqual(renamed["blobs_new"] as? Int, 0)
        let fresh = s.mailboxes.first { $0["mailbox"] as? String == "Brand-New" }!
        XCTAssertEqual(fresh["new"] as? Int, 1)
        let after = try archived()
        XCTAssertEqual(after.filter { $0["mailbox"] as? String == "Sent" }.count, sent.count, "rows of the old name stay")
        XCTAssertEqual(after.count, before.count + sent.count + 1)
    }
}
