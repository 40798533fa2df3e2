import Foundation
import XCTest

/// B07: Exchange ends a session whose access token expired (`* BYE Session invalidated -
/// AccessTokenExpired`). That is a resumable event: reconnect, re-EXAMINE, check UIDVALIDITY,
/// continue after the last committed UID; every message archived once, exit 0.
final class CaseSessionEndTests: XCTestCase {
    func testB07SessionEndedByTokenExpiryResumesAfterTheLastCommittedUID() throws {
        let server = try ScriptedServer.start("B07-token-expired")
        defer { server.stop() }
        let manifest = try server.manifest("B07-token-expired")
        let run = try CaseRun("B07", port: server.port, accounts: ["expired"], sourcePerAccount: true)
        let (result, report) = try run.run()
        XCTAssertEqual(result.code, 0, result.stderr)
        let rows = try run.ls()
        XCTAssertEqual(rows.count, 5, "each message archived once")
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: rows.map { ($0["uid"] as! Int, $0["blob"] as! String) }),
                       Dictionary(uniqueKeysWithValues: (93470...93474).map { ($0, manifest["INBOX/\($0)"]!.sha256) }))
        let events = try server.events()
        let examines = ScriptedServer.commands(events, user: "expired", "EXAMINE")
        XCTAssertEqual(examines.map { $0["user_conn"] as! Int }, [1, 2], "the mailbox is examined again on the new session")
        let fetches = ScriptedServer.commands(events, user: "expired", "UID FETCH")
        XCTAssertEqual(fetches.last?["user_conn"] as? Int, 2)
        XCTAssertTrue((fetches.last?["line"] as? String ?? "").contains(" UID FETCH 93472:93474 "), "resumes after UID 93471: \(fetches)")
        XCTAssertNil(report.mailbox("expired", "INBOX")?["error"] as? String)
    }
}
