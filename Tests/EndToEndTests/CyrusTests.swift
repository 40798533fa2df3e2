import Foundation
import XCTest

/// The main job end to end over TLS against Cyrus IMAP, the second real server (the same checks as
/// `BackfillTests` on Dovecot), so that what coffer relies on is not one server's habit.
final class CyrusTests: XCTestCase {
    /// Cyrus does not allow `"` in mailbox names: the generated corpus's `Notes & "Quotes"` cannot be
    /// created there, so its messages are not on the server and the loader says so, nothing else.
    func testTheLoaderReportsExactlyWhatCyrusRefused() throws {
        let f = try cyrusFixture()
        XCTAssertFalse(f.loadReport.isEmpty)
        for (path, outcome) in f.loadReport {
            XCTAssertTrue(path.contains("/Notes & \"Quotes\"/"), path)
            XCTAssertEqual(outcome.kind, "refused", path)
            XCTAssertTrue(outcome.answer.contains("Invalid mailbox name"), outcome.answer)
        }
    }

    func testBackfillListsExactlyTheServersMessages() throws {
        let f = try cyrusFixture()
        XCTAssertEqual(f.firstRun.code, 0, f.firstRun.stderr)
        let ls = try listed(try Coffer.run(["ls", "--config", f.configPath, "--json"]))
        let archived = Set(ls.map {
            ServerMessage(mailboxWire: $0["mailbox_wire"] as! String, uidValidity: UInt32($0["uidvalidity"] as! Int),
                          uid: UInt32($0["uid"] as! Int), sha256: $0["blob"] as! String, size: $0["size"] as! Int)
        })
        var server = Set<ServerMessage>()
        for user in f.users { server.formUnion(try Cyrus.serverDump(user)) }
        XCTAssertEqual(server.count, f.manifest.count, "Cyrus holds every generated message it accepted")
        XCTAssertEqual(ls.count, server.count)
        XCTAssertEqual(archived, server)
    }

    func testCountsPerMailboxAndBytesMatchTheLoadedFiles() throws {
        let f = try cyrusFixture()
        let ls = try listed(try Coffer.run(["ls", "--config", f.configPath, "--json"]))
        var hashes: [String: [String]] = [:]
        for o in ls { hashes["\(o["account"] as! String)|\(o["mailbox"] as! String)", default: []].append(o["blob"] as! String) }
        var expected: [String: [String]] = [:]
        for row in f.manifest { expected["\(row.user)|\(row.mailbox)", default: []].append(row.sha256) }
        XCTAssertEqual(hashes.mapValues { $0.sorted() }, expected.mapValues { $0.sorted() })
        XCTAssertTrue(hashes.keys.contains { $0.contains("Entwürfe") || $0.contains("Отчёты") }, "a non-ASCII mailbox was archived under its decoded name")
    }

    func testGetReturnsTheExactBytesOfTheLoadedFiles() throws {
        let f = try cyrusFixture()
        let out = f.root.appendingPathComponent("got.eml").path
        var checked = 0
        for row in f.manifest where checked < 40 || row.size > 100_000 {
            let r = try Coffer.run(["get", "--config", f.configPath, row.sha256, "-o", out])
            XCTAssertEqual(r.code, 0, r.stderr)
            XCTAssertEqual(try sha256(ofFile: out), try sha256(ofFile: f.corpus.appendingPathComponent(row.path).path), row.path)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 30)
    }

    func testAMessageInTwoMailboxesIsStoredOnce() throws {
        let f = try cyrusFixture()
        let distinct = Set(f.manifest.map(\.sha256)).count
        XCTAssertLessThan(distinct, f.manifest.count, "the loaded corpus has duplicates")
        let s = try JSONSerialization.jsonObject(with: try Coffer.run(["stats", "--config", f.configPath, "--json"]).stdout) as! [String: Any]
        XCTAssertEqual(s["messages"] as? Int, f.manifest.count)
        XCTAssertEqual(s["unique_blobs"] as? Int, distinct)
    }

    func testSecondBackfillFetchesNothingAndSyncIsUnchanged() throws {
        let f = try cyrusFixture()
        let again = try Coffer.run(["backfill", "--config", f.configPath, "--json"])
        XCTAssertEqual(again.code, 0, again.stderr)
        let mailboxes = (try JSONSerialization.jsonObject(with: again.stdout) as! [String: Any])["mailboxes"] as! [[String: Any]]
        XCTAssertEqual(mailboxes.reduce(0) { $0 + ($1["new"] as! Int) }, 0)
        XCTAssertEqual(mailboxes.reduce(0) { $0 + ($1["bytes_fetched"] as! Int) }, 0)
        XCTAssertEqual(mailboxes.reduce(0) { $0 + ($1["already_archived"] as! Int) }, f.manifest.count)
        let sync = try Coffer.run(["sync", "--config", f.configPath, "--json"])
        XCTAssertEqual(sync.code, 0, sync.stderr)
        let synced = (try JSONSerialization.jsonObject(with: sync.stdout) as! [String: Any])["mailboxes"] as! [[String: Any]]
        XCTAssertTrue(synced.allSatisfy { $0["unchanged"] as? Bool == true }, "STATUS (with CONDSTORE's HIGHESTMODSEQ) shows nothing new")
    }

    func testVerifyReadDataFindsNothing() throws {
        let f = try cyrusFixture()
        let r = try Coffer.run(["verify", "--config", f.configPath, "--read-data"])
        XCTAssertEqual(r.code, 0, r.stderr)
    }
}
