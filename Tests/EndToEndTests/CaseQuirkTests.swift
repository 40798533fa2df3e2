import Foundation
import XCTest

/// SERVER-QUIRK and PROTOCOL cases about what the server sends back (B12, B14, B15, B16, B27, B28,
/// B30, B31), replayed by the scripted server against the real `coffer backfill` / `sync`.
final class CaseQuirkTests: XCTestCase {
    /// A backfill of `scenario` over the split accounts (the server keeps running for later runs).
    private func splitRun(_ scenario: String, length: Int, regions: [Range<Int>]? = nil, step: Int = 1,
                          settings: [String] = []) throws -> (ScriptedServer, CaseRun, ProcessResult, CaseReport, [String]) {
        let server = try ScriptedServer.start(scenario)
        let accounts = splitAccounts(length: length, regions: regions, step: step)
        let run = try CaseRun(scenario, port: server.port, accounts: accounts, settings: settings)
        let (result, report) = try run.run()
        return (server, run, result, report, accounts)
    }

    /// B12: UID 5721 listed by SEARCH, no FETCH data for it: `missing` (asked twice in the run, the
    /// second time alone on a fresh connection), 5722–5724 archived, exit 1; the next run asks for 5721 again.
    func testB12MissingUIDIsRecordedAndRetried() throws {
        let (server, run, result, report, accounts) = try splitRun("B12-missing", length: 483)
        defer { server.stop() }
        XCTAssertEqual(result.code, 1, result.stderr)
        let manifest = try server.manifest("B12-missing")
        let byAccount = archivedByAccount(try run.ls())
        let states = try run.uidStates(), events = try server.events()
        for account in accounts {
            XCTAssertEqual(byAccount[account]?.mapValues(\.blob), Dictionary(uniqueKeysWithValues: (5722...5724).map {
                ($0, manifest["INBOX/\($0)"]!.sha256)
            }), account)
            let state = (states[account] ?? [:])
            XCTAssertEqual(state.keys.sorted(), [5721], account)
            XCTAssertEqual(state[5721]?.state, "missing", account)
            XCTAssertEqual(state[5721]?.attempts, 2, account)
            XCTAssertEqual(report.pending(account, "INBOX"), ["missing": 1], account)
            let fetches = ScriptedServer.commands(events, user: account, "UID FETCH")
            XCTAssertEqual(fetches.map { $0["user_conn"] as! Int }, [1, 2], account)
            XCTAssertTrue((fetches[1]["line"] as! String).contains(" UID FETCH 5721 "), "\(fetches[1])")
        }
        XCTAssertTrue(result.stderr.contains("pending: missing 1"), result.stderr)
        let (again, _) = try run.run("backfill", ["--account", "u.whole"])
        XCTAssertEqual(again.code, 1, again.stderr)
        XCTAssertEqual(try run.uidState("u.whole")[5721]?.attempts, 4, "asked again, from the per-UID table")
    }

    /// B14: RFC822.SIZE 1000 and a 110-octet literal: the literal wins (stored, hashed, `size` 110);
    /// the announced size is kept apart (`server_size` 1000); exit 0.
    func testB14LiteralLengthWinsOverRFC822Size() throws {
        let (server, run, result, _, accounts) = try splitRun("B14-size-mismatch", length: 162)
        defer { server.stop() }
        XCTAssertEqual(result.code, 0, result.stderr)
        let byAccount = archivedByAccount(try run.ls())
        let states = try run.uidStates(), events = try server.events()
        for account in accounts {
            XCTAssertEqual(byAccount[account]?[13]?.blob, "d296aac65c41a74aba99c6940d5611efe395e6580456c49314ed720bab195bf2", account)
            XCTAssertEqual(byAccount[account]?[13]?.size, 110, account)
            XCTAssertEqual(byAccount[account]?.count, 3, account)
        }
        let sizes = try run.sql("SELECT DISTINCT size, server_size FROM messages WHERE uid = 13")
        XCTAssertEqual(sizes.count, 1)
        XCTAssertEqual(sizes.first?["size"] as? Int, 110)
        XCTAssertEqual(sizes.first?["server_size"] as? Int, 1000)
        let body = try run.get("d296aac65c41a74aba99c6940d5611efe395e6580456c49314ed720bab195bf2")
        XCTAssertEqual(body.count, 110)
        XCTAssertTrue(String(decoding: body, as: UTF8.self).hasSuffix("\r\n\r\nbody\r\n"))
    }

    /// B14 again from the copy embedded in the scenario (as when ../shared is absent).
    func testB14FromTheEmbeddedFixture() throws {
        let server = try ScriptedServer.start("B14-size-mismatch", sharedFixtures: false)
        defer { server.stop() }
        let run = try CaseRun("B14embedded", port: server.port, accounts: ["u"])
        XCTAssertEqual(try run.run().0.code, 0)
        XCTAssertEqual(archivedByAccount(try run.ls())["u"]?[13]?.blob, "d296aac65c41a74aba99c6940d5611efe395e6580456c49314ed720bab195bf2")
    }

    /// B15: calendar and contacts folders are tried and reported as non-mail folders (62 and 3
    /// items `missing`), not skipped silently, exit 1; excluded by pattern they are not opened and
    /// the exclusion is logged, exit 0.
    func testB15NonMailFoldersAreTriedReportedAndExcludable() throws {
        let (server, run, result, report, accounts) = try splitRun("B15-non-mail-folders", length: 1)
        defer { server.stop() }
        XCTAssertEqual(result.code, 1, result.stderr)
        for account in accounts {
            XCTAssertEqual(report.pending(account, "Kalender"), ["missing": 62], account)
            XCTAssertEqual(report.pending(account, "Kontakte"), ["missing": 3], account)
            XCTAssertTrue((report.mailbox(account, "Kalender")?["note"] as? String ?? "").hasPrefix("non-mail folder? none of its 62 items"))
            XCTAssertEqual(report.mailbox(account, "INBOX")?["new"] as? Int, 1, account)
        }
        XCTAssertTrue(result.stderr.contains("non-mail folder? none of its 62 items can be fetched over IMAP"), result.stderr)
        let excluding = try CaseRun("B15", port: server.port, accounts: ["u.whole"], settings: ["exclude = [\"Kalender\", \"Kont*\"]"],
                                    reusing: run)
        let examinedBefore = try server.commands(user: "u.whole", "EXAMINE").count
        let (second, secondReport) = try excluding.run()
        XCTAssertEqual(second.code, 0, second.stderr)
        XCTAssertEqual(secondReport.mailboxes.map { $0["mailbox"] as! String }, ["INBOX"])
        XCTAssertTrue(second.stderr.contains("u.whole/Kalender: excluded by the source's include/exclude patterns"), second.stderr)
        XCTAssertTrue(second.stderr.contains("u.whole/Kontakte: excluded by the source's include/exclude patterns"), second.stderr)
        XCTAssertEqual(try server.commands(user: "u.whole", "EXAMINE").count - examinedBefore, 1, "only INBOX opened")
    }

    /// B16: modified UTF-7 names from LIST: archived under the decoded names, EXAMINEd with the exact wire names.
    func testB16ModifiedUTF7NamesDecodedForDisplayExactOnTheWire() throws {
        let (server, run, result, _, accounts) = try splitRun("B16-utf7-names", length: 329)
        defer { server.stop() }
        XCTAssertEqual(result.code, 0, result.stderr)
        let expected = ["Gel&APY-schte Elemente": "Gelöschte Elemente", "Entw&APw-rfe": "Entwürfe",
                        "&AMk-l&AOk-ments supprim&AOk-s": "Éléments supprimés",
                        "&AMk-l&AOk-ments supprim&AOk-s/Projekt &ANw-bersicht": "Éléments supprimés/Projekt Übersicht",
                        "Vertr&AOQ-ge &- Angebote": "Verträge & Angebote"]
        let rows = try run.ls(), events = try server.events()
        for account in accounts {
            let mine = rows.filter { $0["account"] as? String == account }
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: mine.map { ($0["mailbox_wire"] as! String, $0["mailbox"] as! String) }), expected, account)
            let examined = ScriptedServer.commands(events, user: account, "EXAMINE").map { ($0["line"] as! String).split(separator: " ", maxSplits: 2)[2] }
            XCTAssertEqual(Set(examined.map(String.init)), ["\"Gel&APY-schte Elemente\"", "Entw&APw-rfe", "\"&AMk-l&AOk-ments supprim&AOk-s\"",
                                                             "\"&AMk-l&AOk-ments supprim&AOk-s/Projekt &ANw-bersicht\"", "\"Vertr&AOQ-ge &- Angebote\""])
        }
    }

    /// B27: UIDVALIDITY 2 → 3 between two runs: the five old rows stay as history, generation 3 is
    /// archived whole (812 messages), only the 807 new bodies are new blobs, the change is an event and
    /// is reported "2→3". The EXAMINE answer is cut at every byte of the UIDVALIDITY line and every 9th elsewhere.
    func testB27UIDValidityChangeStartsANewGenerationAndKeepsTheOld() throws {
        let first = try ScriptedServer.start("B27-uidvalidity-2")
        let accounts = splitAccounts(length: 136, regions: [31..<66], step: 9)
        let run = try CaseRun("B27", port: first.port, accounts: accounts)
        XCTAssertEqual(try run.run().0.code, 0)
        first.stop()
        let second = try ScriptedServer.start("B27-uidvalidity-3")
        defer { second.stop() }
        let manifest = try second.manifest("B27-uidvalidity-3")
        let rerun = try CaseRun("B27", port: second.port, accounts: accounts, reusing: run)
        let (result, report) = try rerun.run("sync")
        XCTAssertEqual(result.code, 0, result.stderr)
        let rows = try run.ls()
        for account in accounts {
            let m = try XCTUnwrap(report.mailbox(account, "INBOX"))
            XCTAssertEqual(m["uidvalidity_changed"] as? Bool, true, account)
            XCTAssertEqual(m["previous_uidvalidity"] as? Int, 2, account)
            XCTAssertEqual(m["uidvalidity"] as? Int, 3, account)
            XCTAssertEqual(m["new"] as? Int, 812, account)
            let mine = rows.filter { $0["account"] as? String == account }
            XCTAssertEqual(mine.filter { $0["uidvalidity"] as? Int == 2 }.count, 5, account)
            let gen3 = mine.filter { $0["uidvalidity"] as? Int == 3 }
            XCTAssertEqual(Dictionary(uniqueKeysWithValues: gen3.map { ($0["uid"] as! Int, $0["blob"] as! String) }),
                           manifest.reduce(into: [Int: String]()) { $0[Int($1.key.split(separator: "/")[1])!] = $1.value.sha256 }, account)
        }
        XCTAssertEqual(report.mailboxes.reduce(0) { $0 + ($1["blobs_new"] as! Int) }, 807, "re-fetched identical bytes are not stored again")
        XCTAssertTrue(result.stderr.contains("UIDVALIDITY changed 2→3"), result.stderr)
        XCTAssertEqual(try run.sql("SELECT detail FROM events WHERE kind = 'uidvalidity-changed'").map { $0["detail"] as? String },
                       Array(repeating: "was 2", count: accounts.count))
    }

    /// B28: `BODY[] NIL` with a tagged OK is not an empty message: UID 1956 is `nil-body` (asked twice),
    /// the empty blob e3b0c442… is never stored, exit 1.
    func testB28NilBodyIsPendingNeverAnEmptyBlob() throws {
        let (server, run, result, report, accounts) = try splitRun("B28-nil-body", length: 51)
        defer { server.stop() }
        XCTAssertEqual(result.code, 1, result.stderr)
        let byAccount = archivedByAccount(try run.ls())
        let states = try run.uidStates(), events = try server.events()
        for account in accounts {
            XCTAssertEqual(byAccount[account]?.keys.sorted(), [1955, 1957], account)
            XCTAssertEqual((states[account] ?? [:])[1956]?.state, "nil-body", account)
            XCTAssertEqual((states[account] ?? [:])[1956]?.attempts, 2, account)
            XCTAssertEqual(report.pending(account, "INBOX"), ["nil-body": 1], account)
        }
        XCTAssertEqual(try run.sql("SELECT count(*) AS n FROM blobs WHERE raw_length = 0").first?["n"] as? Int ?? 0, 0)
        XCTAssertFalse(try run.ls().contains { ($0["blob"] as! String).hasPrefix("e3b0c442") })
    }

    /// B30: a 150 MiB message streamed with two 1.5 s pauses under `idle_timeout = 3`: stored whole
    /// (SHA-256 of all 157,286,400 octets) although the transfer outlasts the timeout, with bounded memory.
    func testB30HugeMessageWithPausesShorterThanTheIdleTimeout() throws {
        let server = try ScriptedServer.start("B30-huge-message")
        defer { server.stop() }
        let expected = try XCTUnwrap(try server.manifest("B30-huge-message")["INBOX/9001"])
        let run = try CaseRun("B30", port: server.port, accounts: ["u"], settings: ["idle_timeout = 3"])
        let small = try ScriptedServer.start("B14-size-mismatch")
        defer { small.stop() }
        let baseline = try peakRSS(CaseRun("B30base", port: small.port, accounts: ["u"]))
        let (result, peak) = try peakRSSRun(run)
        XCTAssertEqual(result.code, 0, result.stderr)
        let row = try XCTUnwrap(try run.ls().first { $0["uid"] as? Int == 9001 })
        XCTAssertEqual(row["size"] as? Int, 157_286_400)
        XCTAssertEqual(row["blob"] as? String, expected.sha256)
        let report = try JSONSerialization.jsonObject(with: result.stdout) as! [String: Any]
        XCTAssertGreaterThan(report["seconds"] as! Double, 3, "the transfer took longer than the idle timeout")
        let out = run.dir.appendingPathComponent("big.eml").path
        XCTAssertEqual(try Coffer.run(["get", "--config", run.config, expected.sha256, "-o", out]).code, 0)
        XCTAssertEqual(try sha256(ofFile: out), expected.sha256)
        XCTAssertLessThan(peak - baseline, 32 << 20, "peak RSS \(peak >> 20) MiB vs baseline \(baseline >> 20) MiB")
    }

    /// B30: a 6 s stall mid-literal on the first connection trips the 3 s inactivity timeout: the partial
    /// message is discarded, a fresh connection fetches it whole; nothing is left in the spill folder.
    func testB30StallLongerThanTheIdleTimeoutReconnects() throws {
        let server = try ScriptedServer.start("B30-huge-message-stalled")
        defer { server.stop() }
        let expected = try XCTUnwrap(try server.manifest("B30-huge-message-stalled")["INBOX/9001"])
        let run = try CaseRun("B30stall", port: server.port, accounts: ["u"], settings: ["idle_timeout = 3"])
        let (result, _) = try run.run()
        XCTAssertEqual(result.code, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("inactivity timeout"), result.stderr)
        XCTAssertEqual(try server.events().filter { $0["event"] as? String == "login" }.count, 2)
        XCTAssertEqual(try run.ls().first { $0["uid"] as? Int == 9001 }?["blob"] as? String, expected.sha256)
        let spill = (try? FileManager.default.contentsOfDirectory(atPath: run.dir.appendingPathComponent("archive/tmp").path)) ?? []
        XCTAssertEqual(spill, [])
    }

    /// B31: `{1749}` announced, 1744 octets, then the connection closes: nothing of UID 13 is stored,
    /// it is `failed` ("truncated by the server"), UID 14 is archived on a fresh connection, exit 1.
    func testB31ConnectionClosedMidLiteral() throws {
        let (server, run, result, report, accounts) = try splitRun("B31-cut-mid-literal", length: 1_845,
                                                                   regions: [0..<110, 1_780..<1_845], step: 97)
        defer { server.stop() }
        XCTAssertEqual(result.code, 1, result.stderr)
        let manifest = try server.manifest("B31-cut-mid-literal")
        let byAccount = archivedByAccount(try run.ls())
        let states = try run.uidStates(), events = try server.events()
        for account in accounts {
            XCTAssertEqual(byAccount[account]?.mapValues(\.blob), [14: manifest["INBOX/14"]!.sha256], account)
            let state = (states[account] ?? [:])[13]
            XCTAssertEqual(state?.state, "failed", account)
            XCTAssertTrue(state?.error.hasPrefix("truncated by the server: the connection closed after 1744 of 1749") == true, state?.error ?? "")
            XCTAssertEqual(report.pending(account, "INBOX"), ["failed": 1], account)
        }
    }
}

/// Peak resident memory (bytes) of a `coffer backfill` of `run`, measured by a Python parent.
func peakRSS(_ run: CaseRun) throws -> Int { try peakRSSRun(run).1 }

func peakRSSRun(_ run: CaseRun) throws -> (ProcessResult, Int) {
    let file = run.dir.appendingPathComponent("maxrss")
    let script = "import resource,subprocess,sys; r=subprocess.run(sys.argv[2:]); "
        + "open(sys.argv[1],'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); sys.exit(r.returncode)"
    let r = try runProcess("/usr/bin/python3", ["-c", script, file.path, Coffer.binary, "backfill", "--config", run.config, "--json"])
    let kb = Int(try String(contentsOf: file, encoding: .utf8)) ?? 0
    return (r, kb * 1024)
}
