import Foundation
import XCTest

/// The main job on real mail: `../shared/corpus/enron` (one user per person) and `../shared/corpus/odd`
/// loaded into the testbed and archived; compared message by message with what the server serves.
/// Skipped when `../shared/corpus` is absent (the generated corpus tests cover the same paths then).
final class SharedCorpusTests: XCTestCase {
    static let corpus = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")

    func testEnronAndOddCorporaArchiveExactlyWhatTheServerServes() throws {
        let enron = Self.corpus.appendingPathComponent("enron"), odd = Self.corpus.appendingPathComponent("odd")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: enron.path), "../shared/corpus is not here")
        try Testbed.run(["up"])
        try Testbed.run(["load-users", enron.path])
        try Testbed.run(["load", "odd", odd.path])
        let users = try FileManager.default.contentsOfDirectory(atPath: enron.path).filter { !$0.hasPrefix(".") }.sorted() + ["odd"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-shared-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try Fixture.writeConfig(in: dir, users: users, name: "c.toml")

        let run = try Coffer.run(["backfill", "--config", config, "--connections", "4", "--json"])
        XCTAssertEqual(run.code, 0, run.stderr)

        var server = Set<ServerMessage>()
        for user in users {
            for m in try Testbed.serverDump(user) { server.insert(m) }
        }
        let fileCount = try FileManager.default.subpathsOfDirectory(atPath: enron.path).filter { $0.hasSuffix(".") }.count
            + (try FileManager.default.contentsOfDirectory(atPath: odd.path).flatMap {
                try FileManager.default.contentsOfDirectory(atPath: odd.appendingPathComponent($0).path) }.count)
        XCTAssertEqual(server.count, fileCount, "the server holds one message per corpus file")

        let ls = try listed(try Coffer.run(["ls", "--config", config, "--json"]))
        let archived = Set(ls.map {
            ServerMessage(mailboxWire: $0["mailbox_wire"] as! String, uidValidity: UInt32($0["uidvalidity"] as! Int),
                          uid: UInt32($0["uid"] as! Int), sha256: $0["blob"] as! String, size: $0["size"] as! Int)
        })
        XCTAssertEqual(ls.count, server.count)
        XCTAssertEqual(archived, server, "ls lists exactly the server's (mailbox, UIDVALIDITY, UID, SHA-256) set")

        let stats = try JSONSerialization.jsonObject(with: try Coffer.run(["stats", "--config", config, "--json"]).stdout) as! [String: Any]
        XCTAssertEqual(stats["unique_blobs"] as? Int, Set(server.map(\.sha256)).count, "each distinct message stored once")
        XCTAssertLessThan(Set(server.map(\.sha256)).count, server.count, "the corpus has messages in two mailboxes")

        // Every blob re-hashes to its name; a sample is also fetched with `get` and hashed independently.
        let verify = try Coffer.run(["verify", "--config", config, "--read-data"])
        XCTAssertEqual(verify.code, 0, verify.stderr)
        let out = dir.appendingPathComponent("m.eml").path
        for m in server.sorted(by: { $0.sha256 < $1.sha256 }).enumerated().filter({ $0.offset % 97 == 0 }).map(\.element) {
            XCTAssertEqual(try Coffer.run(["get", "--config", config, m.sha256, "-o", out]).code, 0)
            XCTAssertEqual(try sha256(ofFile: out), m.sha256)
        }

        let again = try Coffer.run(["backfill", "--config", config, "--json"])
        XCTAssertEqual(again.code, 0, again.stderr)
        let report = try JSONSerialization.jsonObject(with: again.stdout) as! [String: Any]
        XCTAssertEqual((report["mailboxes"] as! [[String: Any]]).reduce(0) { $0 + ($1["new"] as! Int) }, 0)
    }
}
