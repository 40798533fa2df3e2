import Foundation
import XCTest

/// One large mailbox and spare connections: its UID range is split across sessions (issue 6, item 1).
final class SplitTests: XCTestCase {
    /// 1 500 messages in one INBOX of one account, `max_connections = 4`: three connections fetch
    /// contiguous parts; the archive equals the server's mailbox exactly, and the mailbox's sync
    /// state is recorded (the next `sync` finds it unchanged and fetches nothing).
    func testALargeMailboxIsFetchedOnSeveralConnections() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-split-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Testbed.run(["up"])
        let corpus = root.appendingPathComponent("corpus")
        try Testbed.run(["gen-corpus", corpus.path, "--messages", "1500", "--seed", "11"])
        let user = "big-\(UUID().uuidString.prefix(6).lowercased())"
        let inbox = root.appendingPathComponent("users/\(user)/INBOX")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let rows = try ManifestRow.read(corpus.appendingPathComponent("MANIFEST.tsv"))
        for (i, row) in rows.enumerated() {
            try FileManager.default.copyItem(at: corpus.appendingPathComponent(row.path), to: inbox.appendingPathComponent("\(i + 1).eml"))
        }
        try Testbed.run(["load-users", root.appendingPathComponent("users").path])
        let config = try Fixture.writeConfig(in: root, users: [user], name: "coffer.toml")
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "max_connections = 3", with: "max_connections = 4")
        try text.write(toFile: config, atomically: true, encoding: .utf8)

        let run = try Coffer.run(["backfill", "--config", config, "--json"])
        XCTAssertEqual(run.code, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("INBOX: \(rows.count) UIDs on 3 connections"), run.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any])
        let mailboxes = try XCTUnwrap(report["mailboxes"] as? [[String: Any]])
        XCTAssertEqual(mailboxes.count, 1)
        XCTAssertEqual(mailboxes[0]["new"] as? Int, rows.count)

        var archived = Set<ServerMessage>()
        for o in try listed(try Coffer.run(["ls", "--config", config, "--json"])) {
            archived.insert(ServerMessage(mailboxWire: o["mailbox_wire"] as! String, uidValidity: UInt32(o["uidvalidity"] as! Int),
                                          uid: UInt32(o["uid"] as! Int), sha256: o["blob"] as! String, size: o["size"] as! Int))
        }
        let server = Set(try Testbed.serverDump(user))
        XCTAssertEqual(server.count, rows.count)
        XCTAssertEqual(archived, server, "every UID once, with the server's bytes")

        let sync = try Coffer.run(["sync", "--config", config, "--json"])
        XCTAssertEqual(sync.code, 0, sync.stderr)
        let again = try XCTUnwrap(try JSONSerialization.jsonObject(with: sync.stdout) as? [String: Any])
        let state = try XCTUnwrap((again["mailboxes"] as? [[String: Any]])?.first)
        XCTAssertEqual(state["unchanged"] as? Bool, true, "the mailbox's state was recorded after all three parts: \(state)")
        let verify = try Coffer.run(["verify", "--config", config, "--read-data"])
        XCTAssertEqual(verify.code, 0, verify.stderr)
    }
}
