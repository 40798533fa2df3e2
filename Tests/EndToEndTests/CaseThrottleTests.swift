import Foundation
import XCTest

/// SERVER-QUIRK cases about the server refusing to serve for a while: throttling (B09), `Server
/// Unavailable` (B10) and "authenticated but not connected" (B11), against the real `coffer backfill`.
final class CaseThrottleTests: XCTestCase {
    static func isEvent(_ kind: String, _ user: String, conn: Int? = nil) -> ([String: Any]) -> Bool {
        { $0["event"] as? String == kind && $0["user"] as? String == user && (conn == nil || $0["user_conn"] as? Int == conn) }
    }

    /// B09: `NO`, `BAD` or `BYE … Request is throttled. Suggested Backoff Time: 1500 milliseconds` after
    /// two messages, then the server disconnects: coffer waits at least 1.5 s (plus at most 20 %
    /// jitter), reconnects and resumes after the last committed UID; no failure, exit 0.
    func testB09ThrottledWaitsAtLeastTheBackoffAndResumes() throws {
        let server = try ScriptedServer.start("B09-throttled")
        defer { server.stop() }
        let manifest = try server.manifest("B09-throttled")
        let run = try CaseRun("B09", port: server.port, accounts: ["no", "bad", "bye"], sourcePerAccount: true)
        let (result, report) = try run.run()
        XCTAssertEqual(result.code, 0, result.stderr)
        let events = try server.events()
        let byAccount = archivedByAccount(try run.ls())
        for account in ["no", "bad", "bye"] {
            XCTAssertEqual(byAccount[account]?.mapValues(\.blob), Dictionary(uniqueKeysWithValues: (93470...93474).map {
                ($0, manifest["INBOX/\($0)"]!.sha256)
            }), account)
            let fetches = ScriptedServer.commands(events, user: account, "UID FETCH")
            XCTAssertEqual(fetches.map { $0["user_conn"] as! Int }, [1, 2], account)
            XCTAssertTrue((fetches[1]["line"] as! String).contains(" UID FETCH 93472:93474 "), "resumes after UID 93471: \(fetches[1])")
            let gap = try XCTUnwrap(secondsBetween(events, Self.isEvent("server-close", account), Self.isEvent("login", account, conn: 2)))
            XCTAssertGreaterThanOrEqual(gap, 1.5, account)
            XCTAssertLessThan(gap, 1.5 * 1.2 + 1, account)
            let waited = try XCTUnwrap(report.mailbox(account, "INBOX")?["throttle_wait_seconds"] as? Double)
            XCTAssertTrue((1.5...1.8).contains(waited), "\(account) waited \(waited) s")
            XCTAssertNil(report.mailbox(account, "INBOX")?["error"] as? String)
            XCTAssertEqual(report.pending(account, "INBOX"), [:])
        }
        XCTAssertTrue(result.stderr.contains("waited 1."), result.stderr)
    }

    /// B09 with each throttle line (NO, BAD, BYE; 10 ms back-off) cut at every byte.
    func testB09ThrottleLinesSplitAtEveryByte() throws {
        let server = try ScriptedServer.start("B09-throttled-split")
        defer { server.stop() }
        let accounts = splitAccounts("no", length: 72) + splitAccounts("bad", length: 73) + splitAccounts("bye", length: 70)
        let run = try CaseRun("B09split", port: server.port, accounts: accounts, sourcePerAccount: true)
        let (result, report) = try run.run()
        XCTAssertEqual(result.code, 0, result.stderr)
        let logins = try server.events().filter { $0["event"] as? String == "login" }
        for account in accounts {
            XCTAssertEqual(report.mailbox(account, "INBOX")?["new"] as? Int, 5, account)
            XCTAssertEqual(logins.filter { $0["user"] as? String == account }.count, 2, "\(account): throttled once, then resumed")
        }
    }

    /// B09 for good: every try is throttled (1000 ms suggested); with `max_throttle_wait = 2` coffer
    /// waits twice, then stops: UIDs 1 and 2 committed, INBOX and the unfetched Archive reported, exit 75.
    func testB09GivesUpAfterMaxThrottleWaitWithEverythingCommitted() throws {
        let server = try ScriptedServer.start("B09-throttled-forever")
        defer { server.stop() }
        let manifest = try server.manifest("B09-throttled-forever")
        let run = try CaseRun("B09forever", port: server.port, accounts: ["u"], settings: ["max_throttle_wait = 2"])
        let (result, report) = try run.run()
        XCTAssertEqual(result.code, 75, result.stderr)
        let rows = try run.ls()
        XCTAssertEqual(rows.map { $0["uid"] as! Int }.sorted(), [1, 2])
        XCTAssertEqual(Set(rows.map { $0["blob"] as! String }), [manifest["INBOX/1"]!.sha256, manifest["INBOX/2"]!.sha256])
        let inbox = try XCTUnwrap(report.mailbox("u", "INBOX"))
        XCTAssertEqual(inbox["gave_up"] as? Bool, true)
        XCTAssertTrue((inbox["error"] as? String ?? "").contains("max_throttle_wait = 2 s"), "\(inbox)")
        XCTAssertEqual(report.mailbox("u", "Archive")?["gave_up"] as? Bool, true)
        XCTAssertEqual(try server.events().filter(Self.isEvent("login", "u")).count, 3, "two waits, three connections")
        XCTAssertTrue(result.stderr.contains("gave up waiting on throttling"), result.stderr)
        XCTAssertEqual(try run.uidState("u").count, 0, "throttling is not a message failure")
    }

    /// B09: every throttle halves the source's connections: three sessions at first, then one at a time.
    func testB09ThrottlingLowersConcurrency() throws {
        let server = try ScriptedServer.start("B09-throttled-many")
        defer { server.stop() }
        let accounts = (1...6).map { "a\($0)" }
        let run = try CaseRun("B09many", port: server.port, accounts: accounts, connections: 3)
        let (result, report) = try run.run()
        XCTAssertEqual(result.code, 0, result.stderr)
        for a in accounts { XCTAssertEqual(report.mailbox(a, "INBOX")?["new"] as? Int, 3, a) }
        let events = try server.events()
        let firstThrottle = try XCTUnwrap(events.first { $0["event"] as? String == "server-close" }?["t"] as? Double)
        func maxOpen(_ include: (Double) -> Bool) -> Int {
            var open = Set<Int>(), opened = Set<Int>(), most = 0
            for e in events {
                guard let conn = e["conn"] as? Int, let t = e["t"] as? Double else { continue }
                if e["event"] as? String == "connect" && include(t) { open.insert(conn); opened.insert(conn) }
                if e["event"] as? String == "close" { open.remove(conn) }
                most = max(most, open.count)
            }
            return most
        }
        XCTAssertEqual(maxOpen { $0 < firstThrottle }, 3, "max_connections before throttling")
        XCTAssertLessThanOrEqual(maxOpen { $0 > firstThrottle }, 2, "after throttling: one at a time (one more while the log catches up)")
        XCTAssertTrue(result.stderr.contains("at most 1 connections"), result.stderr)
    }

    /// B10: `NO Server Unavailable. 15` on EXAMINE of two folders: no back-off fits `max_throttle_wait = 2`
    /// (the first would be 30 s), so both are reported incomplete (never as empty), INBOX is archived,
    /// no reconnect, exit 75. The reply line is also cut at every byte.
    func testB10ServerUnavailableFoldersAreIncompleteNotEmpty() throws {
        let server = try ScriptedServer.start("B10-server-unavailable")
        defer { server.stop() }
        let accounts = splitAccounts(length: 31)
        let run = try CaseRun("B10", port: server.port, accounts: accounts, settings: ["max_throttle_wait = 2"], sourcePerAccount: true)
        let (result, report) = try run.run()
        XCTAssertEqual(result.code, 75, result.stderr)
        let byAccount = archivedByAccount(try run.ls())
        let states = try run.uidStates(), events = try server.events()
        for account in accounts {
            XCTAssertEqual(byAccount[account]?.count, 2, account)
            for folder in ["Inbox/Projects", "Inbox/Vendors"] {
                let m = try XCTUnwrap(report.mailbox(account, folder), "\(account) \(folder)")
                XCTAssertEqual(m["gave_up"] as? Bool, true)
                XCTAssertTrue((m["error"] as? String ?? "").contains("Server Unavailable. 15"), "\(m)")
                XCTAssertEqual(ScriptedServer.commands(events, user: account, "EXAMINE").filter { ($0["line"] as! String).hasSuffix(" \(folder)") }.count, 1)
            }
            XCTAssertEqual(try server.events().filter(Self.isEvent("login", account)).count, 1, account)
        }
        let examined = try run.sql("SELECT display_name, uidvalidity FROM mailboxes WHERE display_name LIKE 'Inbox/%'")
        XCTAssertEqual(examined.count, 2 * accounts.count)
        XCTAssertTrue(examined.allSatisfy { $0["uidvalidity"] is NSNull }, "a folder whose EXAMINE failed is not recorded as examined")
    }

    /// B11 / B08: `BAD User is authenticated but not connected` on EXAMINE. Once (connection churn):
    /// one delayed retry on a fresh connection succeeds. Always: after the retry the mailbox is
    /// permission-denied in the index and the report, the account's next mailbox without another
    /// delay, LOGOUT sent, exit 1.
    func testB11NotConnectedRetriesOnceThenPermissionDenied() throws {
        let server = try ScriptedServer.start("B11-not-connected")
        defer { server.stop() }
        let run = try CaseRun("B11", port: server.port, accounts: ["churn", "denied"], settings: ["max_throttle_wait = 2"],
                              sourcePerAccount: true)
        let (result, report) = try run.run()
        XCTAssertEqual(result.code, 1, result.stderr)
        XCTAssertEqual(report.mailbox("churn", "INBOX")?["new"] as? Int, 2)
        XCTAssertEqual(report.mailbox("churn", "Archive")?["new"] as? Int, 1)
        for mailbox in ["INBOX", "Archive"] {
            let m = try XCTUnwrap(report.mailbox("denied", mailbox))
            XCTAssertEqual(m["permission_denied"] as? Bool, true)
            XCTAssertTrue((m["error"] as? String ?? "").hasPrefix("permission denied: "), "\(m)")
        }
        let events = try server.events()
        for account in ["churn", "denied"] {
            XCTAssertEqual(events.filter(Self.isEvent("login", account)).count, 2, account)
            let delay = try XCTUnwrap(secondsBetween(events, Self.isEvent("login", account, conn: 1), Self.isEvent("login", account, conn: 2)))
            XCTAssertGreaterThanOrEqual(delay, 2, "\(account): the retry waits (here max_throttle_wait = 2 s caps the minute)")
        }
        XCTAssertEqual(try server.commands(user: "denied", "EXAMINE").count, 3, "INBOX twice, Archive once")
        XCTAssertEqual(try server.commands(user: "denied", "LOGOUT").count, 2, "each connection is logged out cleanly")
        let status = try run.sql("SELECT a.name, m.display_name, m.status FROM mailboxes m JOIN accounts a ON a.id = m.account_id ORDER BY 1, 2")
        XCTAssertEqual(status.map { "\($0["name"]!)/\($0["display_name"]!)=\($0["status"]!)" },
                       ["churn/Archive=active", "churn/INBOX=active", "denied/Archive=permission-denied", "denied/INBOX=permission-denied"])
    }

    /// B11 with the BAD line cut at every byte (no delay: `max_throttle_wait = 0`).
    func testB11NotConnectedLineSplitAtEveryByte() throws {
        let server = try ScriptedServer.start("B11-not-connected")
        defer { server.stop() }
        let accounts = splitAccounts("churn", length: 53) + splitAccounts("denied", length: 53)
        let run = try CaseRun("B11split", port: server.port, accounts: accounts, settings: ["max_throttle_wait = 0"], sourcePerAccount: true)
        let (result, report) = try run.run()
        XCTAssertEqual(result.code, 1, result.stderr)
        for account in accounts where account.hasPrefix("churn") {
            XCTAssertEqual(report.mailbox(account, "INBOX")?["new"] as? Int, 2, account)
        }
        for account in accounts where account.hasPrefix("denied") {
            XCTAssertEqual(report.mailbox(account, "INBOX")?["permission_denied"] as? Bool, true, account)
            XCTAssertEqual(report.mailbox(account, "Archive")?["permission_denied"] as? Bool, true, account)
        }
    }
}
