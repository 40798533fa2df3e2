import Foundation
import XCTest

/// The main job end to end over TLS against the real Dovecot testbed.
final class BackfillTests: XCTestCase {
    func testBackfillListsExactlyTheServersMessages() throws {
        let f = try fixture()
        XCTAssertEqual(f.firstRun.code, 0, f.firstRun.stderr)
        let ls = try listed(try Coffer.run(["ls", "--config", f.configPath, "--json"]))
        var archived = Set<ServerMessage>()
        for object in ls {
            archived.insert(ServerMessage(mailboxWire: object["mailbox_wire"] as! String, uidValidity: UInt32(object["uidvalidity"] as! Int),
                                          uid: UInt32(object["uid"] as! Int), sha256: object["blob"] as! String, size: object["size"] as! Int))
        }
        var server = Set<ServerMessage>()
        for user in f.userNames { server.formUnion(try Testbed.serverDump(user)) }
        XCTAssertEqual(server.count, f.manifest.count, "the server holds every generated message")
        XCTAssertEqual(archived, server)
    }

    func testCountsPerMailboxAndBytesMatchTheLoadedFiles() throws {
        let f = try fixture()
        let ls = try listed(try Coffer.run(["ls", "--config", f.configPath, "--json"]))
        var counts: [String: Int] = [:]
        var hashes: [String: [String]] = [:]
        for o in ls {
            let key = "\(o["account"] as! String)|\(o["mailbox"] as! String)"
            counts[key, default: 0] += 1
            hashes[key, default: []].append(o["blob"] as! String)
        }
        var expectedCounts: [String: Int] = [:]
        var expectedHashes: [String: [String]] = [:]
        for row in f.manifest {
            expectedCounts["\(row.user)|\(row.mailbox)", default: 0] += 1
            expectedHashes["\(row.user)|\(row.mailbox)", default: []].append(row.sha256)
        }
        XCTAssertEqual(counts, expectedCounts)
        XCTAssertEqual(hashes.mapValues { $0.sorted() }, expectedHashes.mapValues { $0.sorted() })
        XCTAssertTrue(counts.keys.contains { $0.contains("Entwürfe") || $0.contains("Отчёты") }, "a non-ASCII mailbox was archived under its decoded name")
    }

    func testGetReturnsTheExactBytesOfEveryLoadedFile() throws {
        let f = try fixture()
        let out = f.root.appendingPathComponent("got.eml").path
        var checked = 0
        for row in f.manifest where checked < 60 || row.size > 100_000 {
            let r = try Coffer.run(["get", "--config", f.configPath, row.sha256, "-o", out])
            XCTAssertEqual(r.code, 0, r.stderr)
            let file = f.corpus.appendingPathComponent(row.path)
            XCTAssertEqual(try sha256(ofFile: out), try sha256(ofFile: file.path), row.path)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 50)
    }

    /// `ls` shows 12-digit blob prefixes; `get` takes them (and any unique prefix), and refuses
    /// ambiguous or unknown ones with a usage error.
    func testGetTakesAUniqueBlobPrefix() throws {
        let f = try fixture()
        let row = f.manifest[0]
        let out = f.root.appendingPathComponent("prefix.eml").path
        let r = try Coffer.run(["get", "--config", f.configPath, String(row.sha256.prefix(12)).uppercased(), "-o", out])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertEqual(try sha256(ofFile: out), row.sha256)
        let firstDigits = Dictionary(grouping: f.manifest.map(\.sha256), by: { $0.prefix(1) }).first { Set($0.value).count > 1 }!.key
        let ambiguous = try Coffer.run(["get", "--config", f.configPath, String(firstDigits)])
        XCTAssertEqual(ambiguous.code, 2)
        XCTAssertTrue(ambiguous.stderr.contains("more than one blob"), ambiguous.stderr)
        let absent = f.manifest.map(\.sha256).contains { $0.hasPrefix("0000000") } ? "ffffffff" : "0000000"
        let none = try Coffer.run(["get", "--config", f.configPath, absent])
        XCTAssertEqual(none.code, 2)
        XCTAssertTrue(none.stderr.contains("no blob in the store starts with"), none.stderr)
        XCTAssertEqual(try Coffer.run(["get", "--config", f.configPath, "xyz"]).code, 2)
    }

    /// Progress lines name accounts `source/account`; `--account` takes that form as well as the plain name.
    func testAccountFilterTakesTheProgressLineForm() throws {
        let f = try fixture()
        let user = f.userNames[0]
        let plain = try Coffer.run(["ls", "--config", f.configPath, "--json", "--account", user])
        let qualified = try Coffer.run(["ls", "--config", f.configPath, "--json", "--account", "testbed/\(user)"])
        XCTAssertEqual(plain.code, 0, plain.stderr)
        XCTAssertEqual(qualified.stdoutText, plain.stdoutText)
        XCTAssertEqual(try listed(plain).count, f.manifest.filter { $0.user == user }.count)
    }

    func testGetByAccountMailboxAndUID() throws {
        let f = try fixture()
        let first = try listed(try Coffer.run(["ls", "--config", f.configPath, "--json", "--mailbox", "INBOX"]))[0]
        let r = try Coffer.run(["get", "--config", f.configPath, "--account", first["account"] as! String,
                                "--mailbox", "INBOX", "--uid", String(first["uid"] as! Int)])
        XCTAssertEqual(r.code, 0, r.stderr)
        let path = f.root.appendingPathComponent("byuid.eml")
        try r.stdout.write(to: path)
        XCTAssertEqual(try sha256(ofFile: path.path), first["blob"] as! String)
        XCTAssertEqual(r.stdout.count, first["size"] as! Int)
    }

    func testAMessageInTwoMailboxesIsStoredOnce() throws {
        let f = try fixture()
        let distinct = Set(f.manifest.map(\.sha256)).count
        XCTAssertLessThan(distinct, f.manifest.count, "the generated corpus has duplicates")
        let stats = try Coffer.run(["stats", "--config", f.configPath, "--json"])
        let s = try JSONSerialization.jsonObject(with: stats.stdout) as! [String: Any]
        XCTAssertEqual(s["messages"] as? Int, f.manifest.count)
        XCTAssertEqual(s["unique_blobs"] as? Int, distinct)
    }

    func testSecondBackfillFetchesNothing() throws {
        let f = try fixture()
        let again = try Coffer.run(["backfill", "--config", f.configPath, "--json"])
        XCTAssertEqual(again.code, 0, again.stderr)
        let report = try JSONSerialization.jsonObject(with: again.stdout) as! [String: Any]
        let mailboxes = report["mailboxes"] as! [[String: Any]]
        XCTAssertEqual(mailboxes.reduce(0) { $0 + ($1["new"] as! Int) }, 0)
        XCTAssertEqual(mailboxes.reduce(0) { $0 + ($1["bytes_fetched"] as! Int) }, 0)
        XCTAssertEqual(mailboxes.reduce(0) { $0 + ($1["already_archived"] as! Int) }, f.manifest.count)
    }
}
