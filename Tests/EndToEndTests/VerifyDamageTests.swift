import Foundation
import XCTest

/// A store damaged on purpose, one way at a time: `verify` names exactly what is wrong (pack, blob,
/// messages) and exits 4. The store is the small one: three runs, three chain records, three packs.
final class VerifyDamageTests: XCTestCase {
    struct Outcome {
        let code: Int32
        let findings: [[String: Any]]
        let stderr: String
        var kinds: [String] { findings.map { $0["kind"] as! String }.sorted() }
    }

    private func verify(_ store: URL, _ args: [String] = []) throws -> Outcome {
        let r = try Coffer.run(["verify", "--store", store.path, "--json"] + args)
        return Outcome(code: r.code, findings: try listed(r), stderr: r.stderr)
    }

    /// The chain's records as JSON objects, in file order.
    private func records(_ store: URL) throws -> [[String: Any]] {
        try String(contentsOf: store.appendingPathComponent("chain/log.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// The pack first listed by chain record `seq` (each run of the small store sealed one).
    private func pack(_ store: URL, record seq: Int) throws -> String {
        ((try records(store)[seq - 1]["packs"] as! [[String: Any]])[0]["id"] as! String)
    }

    /// The lines of a chain log, and writing them back (one record per line).
    private func logLines(_ log: URL) throws -> [String] {
        try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    private func writeLog(_ log: URL, _ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(to: log, atomically: true, encoding: .utf8)
    }

    private func packURL(_ store: URL, _ pack: String) -> URL {
        store.appendingPathComponent("packs/\(pack.prefix(2))/\(pack).pack")
    }

    /// (blob hex, offset, stored length, member offset or -1) of each blob row of a pack, by offset and member.
    private func blobs(_ store: URL, _ pack: String) throws -> [(blob: String, offset: Int, stored: Int, member: Int)] {
        try sqlite(store.appendingPathComponent("index.sqlite"), """
            SELECT lower(hex(id)), offset, stored_length, COALESCE(member, -1) FROM blobs WHERE pack = '\(pack)'
            ORDER BY offset, COALESCE(member, -1)
            """)
            .split(separator: "\n").map { line in
                let f = line.split(separator: "|").map(String.init)
                return (f[0], Int(f[1])!, Int(f[2])!, Int(f[3])!)
            }
    }

    /// "account|uidvalidity|uid" of the messages that use a blob, from the index itself.
    private func messages(_ store: URL, blob: String) throws -> Set<String> {
        Set(try sqlite(store.appendingPathComponent("index.sqlite"), """
            SELECT a.name || '|' || m.uidvalidity || '|' || m.uid FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id
            JOIN accounts a ON a.id = mb.account_id WHERE lower(hex(m.blob)) = '\(blob)'
            """).split(separator: "\n").map(String.init))
    }

    private func named(_ finding: [String: Any]) -> Set<String> {
        Set((finding["messages"] as! [[String: Any]]).map { "\($0["account"]!)|\($0["uidvalidity"]!)|\($0["uid"]!)" })
    }

    func testCleanStorePassesEveryCheck() throws {
        let s = try retrievalStores()
        let r = try verify(s.small.store, ["--read-data"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertEqual(r.findings.count, 0)
        XCTAssertTrue(r.stderr.contains("3 of 3 packs checked"), r.stderr)
        XCTAssertTrue(r.stderr.contains("chain of 3 records, head \(s.headsOfSmall[2])"), r.stderr)
        XCTAssertTrue(r.stderr.contains("no problems found"), r.stderr)
    }

    func testBitFlipInAPackPayload() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("bitflip")
        let p = try pack(store, record: 2)
        let rows = try blobs(store, p)
        let victim = rows[rows.count / 2]
        var bytes = try Data(contentsOf: packURL(store, p))
        bytes[victim.offset + 64 + victim.stored / 2] ^= 0x01
        try bytes.write(to: packURL(store, p))

        let structure = try verify(store)
        XCTAssertEqual(structure.code, 4)
        XCTAssertEqual(structure.kinds, ["pack-structure"], structure.stderr)
        XCTAssertEqual(structure.findings[0]["pack"] as? String, p)
        XCTAssertTrue((structure.findings[0]["detail"] as! String).contains("does not match its SHA-256 checksum"))

        // The flipped bit is inside a block: every message of that block is unreadable, and each is named.
        let sameEntry = rows.filter { $0.offset == victim.offset }
        let data = try verify(store, ["--read-data"])
        XCTAssertEqual(data.code, 4)
        XCTAssertEqual(Set(data.kinds), ["pack-structure", "unreadable"], data.stderr)
        let unreadable = data.findings.filter { $0["kind"] as! String == "unreadable" }
        XCTAssertEqual(Set(unreadable.map { $0["blob"] as! String }), Set(sameEntry.map(\.blob)))
        XCTAssertTrue(unreadable.allSatisfy { $0["pack"] as? String == p })
        let blobFinding = unreadable.first { $0["blob"] as? String == victim.blob }!
        XCTAssertEqual(named(blobFinding), try messages(store, blob: victim.blob))
        XCTAssertFalse(named(blobFinding).isEmpty)
        XCTAssertTrue(data.stderr.contains("UID"), data.stderr)
    }

    /// While another process holds the store's writer lock (a backfill or sync is running), verify
    /// waits for nothing and judges nothing: exit 75, try again later.
    func testVerifyWhileTheStoreIsLockedExits75() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("locked")
        let fd = open(store.appendingPathComponent("lock").path, O_RDWR | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)
        let r = try Coffer.run(["verify", "--store", store.path])
        XCTAssertEqual(r.code, 75, r.stderr)
        XCTAssertTrue(r.stderr.contains("another coffer process is using the store"), r.stderr)
        flock(fd, LOCK_UN)
        XCTAssertEqual(try Coffer.run(["verify", "--store", store.path]).code, 0)
    }

    func testTruncatedPack() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("truncated")
        let p = try pack(store, record: 3)
        let rows = try blobs(store, p)
        let cut = rows[rows.count / 2]
        let handle = try FileHandle(forWritingTo: packURL(store, p))
        try handle.truncate(atOffset: UInt64(cut.offset + 100))
        try handle.close()

        let r = try verify(store)
        XCTAssertEqual(r.code, 4)
        let lost = rows.filter { $0.offset >= cut.offset }
        XCTAssertEqual(r.kinds, ["chain-pack-changed"] + Array(repeating: "entry-lost", count: lost.count) + ["pack-structure"], r.stderr)
        XCTAssertEqual(Set(r.findings.filter { $0["kind"] as! String == "entry-lost" }.map { $0["blob"] as! String }), Set(lost.map(\.blob)))
        for f in r.findings where f["kind"] as! String == "entry-lost" {
            XCTAssertEqual(named(f), try messages(store, blob: f["blob"] as! String))
        }
        let structure = r.findings.first { $0["kind"] as! String == "pack-structure" }!
        XCTAssertTrue((structure["detail"] as! String).contains("ends inside the entry at offset \(cut.offset)"), structure["detail"] as! String)
        XCTAssertTrue(r.findings.allSatisfy { $0["pack"] as? String == p })
    }

    func testDeletedPack() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("deleted")
        let p = try pack(store, record: 1)
        let rows = try blobs(store, p)
        try FileManager.default.removeItem(at: packURL(store, p))

        let r = try verify(store)
        XCTAssertEqual(r.code, 4)
        XCTAssertEqual(r.kinds, ["chain-pack-missing"] + Array(repeating: "missing-pack", count: rows.count), r.stderr)
        XCTAssertEqual(Set(r.findings.compactMap { $0["blob"] as? String }), Set(rows.map(\.blob)))
        XCTAssertTrue(r.findings.allSatisfy { $0["pack"] as? String == p })
        let one = r.findings.first { $0["kind"] as! String == "missing-pack" }!
        XCTAssertEqual(named(one), try messages(store, blob: one["blob"] as! String))
    }

    func testIndexRowDeleted() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("row-deleted")
        let db = store.appendingPathComponent("index.sqlite")
        let row = try sqlite(db, """
            SELECT a.name, m.mailbox_id, m.uidvalidity, m.uid, lower(hex(m.blob)) FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id
            JOIN accounts a ON a.id = mb.account_id WHERE m.run_id = 2 ORDER BY m.mailbox_id, m.uid LIMIT 1 OFFSET 5
            """).split(separator: "|").map(String.init)
        try sqlite(db, "DELETE FROM messages WHERE mailbox_id = \(row[1]) AND uidvalidity = \(row[2]) AND uid = \(row[3])")

        let r = try verify(store)
        XCTAssertEqual(r.code, 4)
        XCTAssertEqual(r.kinds, ["row-deleted"], r.stderr)
        XCTAssertEqual(r.findings[0]["blob"] as? String, row[4])
        XCTAssertEqual(named(r.findings[0]), ["\(row[0])|\(row[2])|\(row[3])"])
        XCTAssertTrue((r.findings[0]["detail"] as! String).contains("chain record 2"))
    }

    func testIndexRowPointingAtAnotherBlob() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("row-altered")
        let db = store.appendingPathComponent("index.sqlite")
        let row = try sqlite(db, """
            SELECT a.name, m.mailbox_id, m.uidvalidity, m.uid, lower(hex(m.blob)) FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id
            JOIN accounts a ON a.id = mb.account_id WHERE m.run_id = 1 ORDER BY m.mailbox_id, m.uid LIMIT 1 OFFSET 3
            """).split(separator: "|").map(String.init)
        let other = try sqlite(db, "SELECT lower(hex(id)) FROM blobs WHERE lower(hex(id)) <> '\(row[4])' ORDER BY id LIMIT 1")
        try sqlite(db, "UPDATE messages SET blob = x'\(other)' WHERE mailbox_id = \(row[1]) AND uidvalidity = \(row[2]) AND uid = \(row[3])")

        let r = try verify(store)
        XCTAssertEqual(r.code, 4)
        XCTAssertEqual(r.kinds, ["row-altered"], r.stderr)
        XCTAssertEqual(r.findings[0]["blob"] as? String, row[4], "the blob the chain recorded")
        XCTAssertTrue((r.findings[0]["detail"] as! String).contains("now points at blob \(other)"))
        XCTAssertEqual(named(r.findings[0]), ["\(row[0])|\(row[2])|\(row[3])"])
    }

    func testBlobRowPointingAtAnotherEntry() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("blob-moved")
        let p = try pack(store, record: 2)
        let rows = try blobs(store, p)
        // Two messages of one block: x's row is made to point at y's place in the block.
        let (x, y) = (rows[2], rows[7])
        XCTAssertEqual(x.offset, y.offset, "both in one block")
        try sqlite(store.appendingPathComponent("index.sqlite"),
                   "UPDATE blob_index SET member = \(y.member) WHERE lower(hex(id)) = '\(x.blob)'")

        let r = try verify(store, ["--read-data"])
        XCTAssertEqual(r.code, 4, r.stderr)
        let wrong = try XCTUnwrap(r.findings.first { $0["blob"] as? String == x.blob }, r.stderr)
        XCTAssertEqual(wrong["pack"] as? String, p)
        XCTAssertEqual(named(wrong), try messages(store, blob: x.blob))
        XCTAssertFalse(r.findings.contains { $0["blob"] as? String == y.blob }, "y itself is intact")
    }

    func testChainRecordEdited() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("chain-edited")
        let log = store.appendingPathComponent("chain/log.jsonl")
        var lines = try logLines(log)
        XCTAssertTrue(lines[0].contains("\"rows\":"))
        lines[0] = lines[0].replacingOccurrences(of: "\"kind\":\"backfill\"", with: "\"kind\":\"sync\"")
        try writeLog(log, lines)

        let r = try verify(store)
        XCTAssertEqual(r.code, 4)
        XCTAssertEqual(r.kinds, ["chain-record-altered"], r.stderr)
        XCTAssertTrue((r.findings[0]["detail"] as! String).hasPrefix("Chain record 1 (line 1) was edited"))
    }

    /// Edited and re-hashed with the documented canonical form: the next link and the index's copy give it away.
    func testChainRecordEditedAndRehashed() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("chain-rehashed")
        let log = store.appendingPathComponent("chain/log.jsonl")
        var objects = try records(store)
        objects[0]["appended"] = "2000-01-01T00:00:00Z"
        objects[0]["hash"] = try ChainCanonical.hash(objects[0])
        var lines = try logLines(log)
        lines[0] = String(decoding: try JSONSerialization.data(withJSONObject: objects[0], options: [.sortedKeys]), as: UTF8.self)
        try writeLog(log, lines)

        let r = try verify(store)
        XCTAssertEqual(r.code, 4)
        XCTAssertEqual(r.kinds, ["chain-link-broken", "chain-record-replaced"], r.stderr)
    }

    func testChainRecordsReordered() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("chain-reordered")
        let log = store.appendingPathComponent("chain/log.jsonl")
        var lines = try logLines(log)
        lines.swapAt(1, 2)
        try writeLog(log, lines)
        let r = try verify(store)
        XCTAssertEqual(r.code, 4)
        XCTAssertEqual(r.kinds, ["chain-record-out-of-order", "chain-record-out-of-order"], r.stderr)
    }

    func testLastChainRecordRemovedAndExpectHead() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("chain-cut")
        XCTAssertEqual(try verify(store, ["--expect-head", s.headsOfSmall[0]]).code, 0, "the first head is part of the chain")
        XCTAssertEqual(try verify(store, ["--expect-head", s.headsOfSmall[2]]).code, 0)
        let unknown = try verify(store, ["--expect-head", String(repeating: "ab", count: 32)])
        XCTAssertEqual(unknown.code, 4)
        XCTAssertEqual(unknown.kinds, ["expected-head-not-found"])

        let log = store.appendingPathComponent("chain/log.jsonl")
        let lines = try logLines(log)
        try writeLog(log, Array(lines.dropLast()))
        let r = try verify(store, ["--expect-head", s.headsOfSmall[2]])
        XCTAssertEqual(r.code, 4)
        XCTAssertEqual(r.kinds, ["chain-record-missing", "expected-head-not-found", "pack-unchained"], r.stderr)
        XCTAssertEqual(r.findings.first { $0["kind"] as! String == "pack-unchained" }?["pack"] as? String, try pack(s.small.store, record: 3),
                       "the pack the removed record listed")
    }

    func testStatsShowsTheHeadVerifyChecks() throws {
        let s = try retrievalStores()
        let text = try Coffer.run(["stats", "--config", s.small.config]).stdoutText
        XCTAssertTrue(text.contains("chain head      \(s.headsOfSmall[2]) (record 3"), text)
        let objects = try records(s.small.store)
        XCTAssertEqual(objects.map { $0["hash"] as! String }, s.headsOfSmall)
        for (i, o) in objects.enumerated() {
            XCTAssertEqual(try ChainCanonical.hash(o), o["hash"] as! String, "record \(i + 1) hashes as docs/evidence.md says")
            XCTAssertEqual(o["prev"] as? String, i == 0 ? String(repeating: "0", count: 64) : objects[i - 1]["hash"] as? String)
        }
    }
}

/// The canonical text of docs/evidence.md, rebuilt from a record's JSON, hashed with sha256sum.
enum ChainCanonical {
    static func text(_ o: [String: Any]) -> String {
        func s(_ key: String) -> String { (o[key] as? String) ?? "-" }
        var lines = ["coffer-chain 1", "seq \(o["seq"]!)", "prev \(s("prev"))", "run \(o["run"]!)", "kind \(s("kind"))",
                     "started \(s("started"))", "finished \(s("finished"))", "status \(s("status"))", "appended \(s("appended"))",
                     "rows \(o["rows"]!)", "rows-root \(s("rows_root"))"]
        lines += (o["packs"] as! [[String: Any]]).map { "pack \($0["id"]!) \($0["sha256"]!)" }
        return lines.joined(separator: "\n") + "\n"
    }

    static func hash(_ o: [String: Any]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("canonical-\(UUID().uuidString)")
        try Data(text(o).utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try sha256(ofFile: file.path)
    }
}

/// tools/chain-verify.py checks the chain without coffer, from docs/evidence.md alone.
final class IndependentChainCheckTests: XCTestCase {
    private func check(_ store: URL) throws -> ProcessResult {
        try runProcess("/usr/bin/env", ["python3", repoRoot.appendingPathComponent("tools/chain-verify.py").path, store.path])
    }

    func testCleanStoreAndTheSameHeadAsCoffer() throws {
        let s = try retrievalStores()
        let r = try check(s.small.store)
        XCTAssertEqual(r.code, 0, r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains("3 records, head \(s.headsOfSmall[2]); no problems found"), r.stdoutText)
    }

    func testDamageCofferReportsIsReportedToo() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("independent")
        let db = store.appendingPathComponent("index.sqlite")
        try sqlite(db, "DELETE FROM messages WHERE run_id = 3 AND uid = (SELECT MIN(uid) FROM messages WHERE run_id = 3)")
        let r = try check(store)
        XCTAssertEqual(r.code, 1, r.stdoutText)
        XCTAssertTrue(r.stdoutText.contains("the index rows of run 3"), r.stdoutText)
    }
}

/// A crash while a record is appended leaves half a line: not a problem, and the next run replaces it.
final class ChainCrashTests: XCTestCase {
    func testTornLastLineIsANoteAndTheNextRunRepairsIt() throws {
        let s = try retrievalStores()
        let (config, store) = try s.small.copyWithConfig("torn")
        let log = store.appendingPathComponent("chain/log.jsonl")
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"v\":1,\"seq\":4,\"pre".utf8))
        try handle.close()

        let before = try Coffer.run(["verify", "--store", store.path])
        XCTAssertEqual(before.code, 0, before.stderr)
        XCTAssertTrue(before.stderr.contains("cut short by a crash"), before.stderr)

        let run = try Coffer.run(["backfill", "--config", config])
        XCTAssertEqual(run.code, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("chain: record 4 appended"), run.stderr)
        let after = try Coffer.run(["verify", "--store", store.path, "--expect-head", s.headsOfSmall[2]])
        XCTAssertEqual(after.code, 0, after.stderr)
        XCTAssertTrue(after.stderr.contains("chain of 4 records"), after.stderr)
        XCTAssertEqual(try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count, 4)
    }
}
