import Foundation
import XCTest

/// PROTOCOL cases of `../shared/cases` (B17, B19, B21, B23, B24, B25) replayed by the scripted server
/// against the real `coffer backfill`, each whole, one byte per write, and cut at every byte.
final class CaseProtocolTests: XCTestCase {
    /// A backfill over one account per split of the case's bytes; the server is stopped afterwards.
    private func splitRun(_ scenario: String, length: Int, regions: [Range<Int>]? = nil, step: Int = 1,
                          extra: [String] = []) throws -> (ScriptedServer, CaseRun, ProcessResult, CaseReport, [String]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-\(scenario)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let server = try ScriptedServer(scenario, in: dir)
        let accounts = splitAccounts(length: length, regions: regions, step: step) + extra
        let run = try CaseRun(scenario, port: server.port, accounts: accounts)
        let (result, report) = try run.run()
        return (server, run, result, report, accounts)
    }

    /// B17: LIST names as a `{10}` literal, a quoted string with `\"` and `\\`, a numeric atom and an
    /// atom; every mailbox is archived under its unescaped name and EXAMINEd quoted with escapes.
    func testB17MailboxNamesAsLiteralQuotedAndAtom() throws {
        let (server, run, result, _, accounts) = try splitRun("B17-list-literal-names", length: 193)
        defer { server.stop() }
        XCTAssertEqual(result.code, 0, result.stderr)
        let names: Set = ["Legal\"2019", "Archive \"old\" \\ 2018", "200", "Drafts"]
        let rows = try run.ls(), events = try server.events()
        for account in accounts {
            let mailboxes = rows.filter { $0["account"] as? String == account }.map { $0["mailbox"] as! String }
            XCTAssertEqual(mailboxes.sorted(), names.sorted(), account)
            let examined = ScriptedServer.commands(events, user: account, "EXAMINE").map { ($0["line"] as! String).split(separator: " ", maxSplits: 2)[2] }
            XCTAssertEqual(Set(examined.map(String.init)), ["\"Legal\\\"2019\"", "\"Archive \\\"old\\\" \\\\ 2018\"", "200", "Drafts"], account)
        }
        let wire = Set(try run.ls(account: "u.whole").map { $0["mailbox_wire"] as! String })
        XCTAssertEqual(wire, names, "the wire name is the unescaped name")
    }

    /// B19: FETCH responses for other messages (UID 402782, 402784, flags only) inside the UID FETCH
    /// are state updates, never archive rows; UID 14300's 64 octets are the one result.
    func testB19UnsolicitedFetchResponsesAreNotResults() throws {
        let (server, run, result, report, accounts) = try splitRun("B19-unsolicited-fetch", length: 245)
        defer { server.stop() }
        XCTAssertEqual(result.code, 0, result.stderr)
        let byAccount = archivedByAccount(try run.ls())
        let states = try run.uidStates(), events = try server.events()
        for account in accounts {
            XCTAssertEqual(byAccount[account]?.count, 1, account)
            XCTAssertEqual(byAccount[account]?[14300]?.blob, "b672fb12569fc1939aba2eb1f14b37a88b0607c0d19f574b0e98c7cda7ea6ba5", account)
            XCTAssertEqual(byAccount[account]?[14300]?.size, 64, account)
            XCTAssertEqual(report.mailbox(account, "INBOX")?["new"] as? Int, 1, account)
        }
    }

    /// B21: a literal announcing 44 octets followed by 48: detected right after the literal, the 44
    /// bytes are not stored, the connection is dropped, UID 77 is `failed`, 76 and 78 are archived, exit 1.
    func testB21ShortLiteralIsDetectedAndIsolated() throws {
        let (server, run, result, report, accounts) = try splitRun("B21-short-literal", length: 97)
        defer { server.stop() }
        XCTAssertEqual(result.code, 1, result.stderr)
        let byAccount = archivedByAccount(try run.ls())
        let states = try run.uidStates(), events = try server.events()
        for account in accounts {
            XCTAssertEqual(byAccount[account]?[76]?.blob, "d7d1489f1ed7d0ccdeb66c49f24c5168becb6808f7187707a7cbe1d4476508a2", account)
            XCTAssertEqual(byAccount[account]?[78]?.blob, "dc9292d7ffa50c0667269e36d84347aaa8167ff555a6d5ddad99632b0871ca40", account)
            XCTAssertNil(byAccount[account]?[77], account)
            let state = (states[account] ?? [:])
            XCTAssertEqual(state.keys.sorted(), [77], account)
            XCTAssertEqual(state[77]?.state, "failed", account)
            XCTAssertTrue(state[77]?.error.contains("literal octet count does not match") == true, state[77]?.error ?? "")
            XCTAssertEqual(report.pending(account, "INBOX"), ["failed": 1], account)
            let logins = events.filter { $0["event"] as? String == "login" && $0["user"] as? String == account }
            XCTAssertEqual(logins.count, 3, "\(account): first try, UID 77 alone, then UID 78 on a fresh connection")
        }
        XCTAssertFalse(try run.ls().contains { $0["blob"] as? String == "45fb1a90a5be52ded3362f98e5057a770b1e4c4153ea8e0d815bb6b3fa30ab9f" },
                       "the 44 octets are never stored")
        XCTAssertTrue(result.stderr.contains("pending: failed 1"), result.stderr)
    }

    /// B23: a FETCH response arriving in three reads (mid-literal, mid-tag), and cut at every byte.
    func testB23ResponsesSplitAnywhere() throws {
        let fixture = "* 12 FETCH (UID 345 BODY[] {59}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nSubj"
        let read2 = "ect: split\r\n\r\nx\r\n)\r\na7 O"
        let caseReads = "case.at-\(fixture.utf8.count)-\(fixture.utf8.count + read2.utf8.count)"
        let (server, run, result, _, accounts) = try splitRun("B23-split-reads", length: 118, extra: [caseReads])
        defer { server.stop() }
        XCTAssertEqual(result.code, 0, result.stderr)
        let byAccount = archivedByAccount(try run.ls())
        let states = try run.uidStates(), events = try server.events()
        for account in accounts {
            XCTAssertEqual(byAccount[account]?[345]?.blob, "a1b027fd24ab15708340d9dec4c70c08b3f10cf3cf40b7baecbeae2ac662b7aa", account)
            XCTAssertEqual(byAccount[account]?[345]?.size, 59, account)
        }
    }

    /// B24: command lines stay short (UID sets as ranges or lists of at most one batch, far under the
    /// server's 8 KB limit) and a 1,056,010-octet `* SEARCH` line is accepted; 96,000 messages archived.
    func testB24LongSearchLineAndShortCommandLines() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-B24-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let server = try ScriptedServer("B24-long-lines", in: dir)
        defer { server.stop() }
        let run = try CaseRun("B24", port: server.port, accounts: ["big"])
        let (result, report) = try run.run()
        XCTAssertEqual(result.code, 0, result.stderr)
        XCTAssertEqual(report.mailbox("big", "INBOX")?["new"] as? Int, 96_000)
        let search = try server.events().first { $0["event"] as? String == "search" }
        XCTAssertEqual(search?["length"] as? Int, 1_056_010, "the SEARCH answer is one line over 1 MiB")
        let fetches = try server.commands(user: "big", "UID FETCH")
        XCTAssertEqual(fetches.count, 480, "96,000 UIDs in batches of 200")
        XCTAssertLessThanOrEqual(fetches.map { $0["length"] as! Int }.max() ?? 0, 2_400)
        for f in fetches {
            let line = f["line"] as! String
            XCTAssertTrue(line.hasSuffix("(UID RFC822.SIZE INTERNALDATE FLAGS BODY.PEEK[])"), "BODY.PEEK[] only: \(line.suffix(60))")
        }
        let stats = try JSONSerialization.jsonObject(with: try Coffer.run(["stats", "--config", run.config, "--json"]).stdout) as! [String: Any]
        XCTAssertEqual(stats["messages"] as? Int, 96_000)
    }

    /// B24 with a 1,110-octet SEARCH line (100 UIDs) cut at every byte of its start and end and every 7th between.
    func testB24SearchLineSplit() throws {
        let (server, run, result, report, accounts) = try splitRun("B24-long-lines-split", length: 1_110,
                                                                   regions: [0..<40, 1_070..<1_110], step: 7)
        defer { server.stop() }
        XCTAssertEqual(result.code, 0, result.stderr)
        for account in accounts { XCTAssertEqual(report.mailbox(account, "INBOX")?["new"] as? Int, 100, account) }
        XCTAssertEqual(try run.ls().count, 100 * accounts.count)
    }

    /// B25: a message line `X-Spam-Flag: NO` inside the literal is content, never a status: all 142
    /// octets stored, exit 0.
    func testB25StatusWordsInsideALiteralAreContent() throws {
        let (server, run, result, _, accounts) = try splitRun("B25-spam-flag-no", length: 177)
        defer { server.stop() }
        XCTAssertEqual(result.code, 0, result.stderr)
        let byAccount = archivedByAccount(try run.ls())
        let states = try run.uidStates(), events = try server.events()
        for account in accounts {
            XCTAssertEqual(byAccount[account]?[88]?.blob, "7f9c83c8da88499a722e377d0eec33b96f7591a56506d6f544ceab4fb4977cc7", account)
            XCTAssertEqual(byAccount[account]?[88]?.size, 142, account)
            XCTAssertEqual(byAccount[account]?[87]?.blob, "c8aa64a4615f60a0688ce1783557f9332f23b315391e1618bc806a9fb1a4a44d", account)
        }
        let got = try run.get("7f9c83c8da88499a722e377d0eec33b96f7591a56506d6f544ceab4fb4977cc7")
        XCTAssertTrue(String(decoding: got, as: UTF8.self).contains("X-Spam-Flag: NO\r\n"))
    }

    /// Every scenario's embedded fixture copy is byte-identical to `../shared/cases/fixtures`.
    func testEmbeddedFixturesMatchTheSharedCases() throws {
        try XCTSkipUnless(ScriptedServer.haveSharedCases, "../shared/cases is not here")
        let folder = repoRoot.appendingPathComponent("tools/scenarios")
        var checked = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".json") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for match in text.matches(of: /"fixture": "([^"]+)",\s*"embedded_b64": "([^"]+)"/) {
                let shared = try Data(contentsOf: ScriptedServer.casesDir.appendingPathComponent("fixtures/\(match.1)"))
                XCTAssertEqual(Data(base64Encoded: String(match.2)), shared, "\(name): \(match.1)")
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 8)
    }
}
