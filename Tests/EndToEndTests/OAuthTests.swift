import Foundation
import XCTest

/// OAuth 2.0 end to end: the testbed's stand-in token endpoint issues Entra-shaped app-only tokens,
/// Dovecot validates them (XOAUTH2 / OAUTHBEARER), coffer archives through them.
final class OAuthTests: XCTestCase {
    var dir: URL!
    var user = ""
    var env: [String: String] = [:]

    override func setUpWithError() throws {
        _ = try fixture()
        env = try Self.oauthUp()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-oauth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        user = "oauth-\(UUID().uuidString.prefix(8).lowercased())@coffer-test.example"
        let corpus = dir.appendingPathComponent("corpus")
        try Testbed.run(["gen-corpus", corpus.path, "--messages", "90", "--seed", "31"])
        try Testbed.run(["load", user, corpus.appendingPathComponent("u1").path])
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Starts (or keeps) the token endpoint and OAuth in Dovecot; returns the testbed's oauth/env.
    static func oauthUp(lifetime: Int? = nil) throws -> [String: String] {
        var e = Testbed.env
        if let lifetime { e["TESTBED_TOKEN_LIFETIME"] = String(lifetime) }
        let r = try runProcess("/bin/bash", [repoRoot.appendingPathComponent("tools/testbed").path, "oauth-up"], environment: e)
        if r.code != 0 { throw TestbedError(text: "oauth-up: \(r.stderr)") }
        var out: [String: String] = [:]
        for line in try String(contentsOf: Testbed.dir.appendingPathComponent("oauth/env"), encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { out[parts[0]] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
        }
        return out
    }

    func config(app: String = "GOOD", sasl: String = "xoauth2", clientID: String? = nil, tenant: String? = nil,
                secretFile: String? = nil, users: [String]? = nil, name: String = "c.toml") throws -> String {
        let lines = [
            "[store]", "path = \"archive-\(name)\"", "", "[[source]]", "name = \"tenant\"", "host = \"localhost\"",
            "port = \(Testbed.imapsPort)", "tls = \"implicit\"", "ca_file = \"\(Testbed.caFile)\"", "auth = \"oauth2\"",
            "sasl = \"\(sasl)\"", "tenant_id = \"\(tenant ?? env["TENANT_ID"]!)\"",
            "client_id = \"\(clientID ?? env["\(app)_CLIENT_ID"]!)\"",
            "client_secret = { file = \"\(secretFile ?? env["\(app)_SECRET_FILE"]!)\" }",
            "authority = \"\(env["AUTHORITY"]!)\"", "max_connections = 2",
            "accounts = [" + (users ?? [user]).map { "\"\($0)\"" }.joined(separator: ", ") + "]",
        ]
        let path = dir.appendingPathComponent(name).path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func assertArchivedEverything(_ configPath: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let server = Set(try Testbed.serverDump(user).map { "\($0.mailboxWire)|\($0.uidValidity)|\($0.uid)|\($0.sha256)" })
        let ls = try listed(try Coffer.run(["ls", "--config", configPath, "--json"]))
        let archived = Set(ls.map { "\($0["mailbox_wire"]!)|\($0["uidvalidity"]!)|\($0["uid"]!)|\($0["blob"]!)" })
        XCTAssertEqual(ls.count, server.count, "each message archived once", file: file, line: line)
        XCTAssertEqual(archived, server, file: file, line: line)
        XCTAssertGreaterThan(server.count, 20, file: file, line: line)
    }

    func testBackfillThroughXOAUTH2() throws {
        let c = try config()
        let r = try Coffer.run(["backfill", "--config", c])
        XCTAssertEqual(r.code, 0, r.stderr)
        try assertArchivedEverything(c)
    }

    func testBackfillThroughOAUTHBEARER() throws {
        let c = try config(sasl: "oauthbearer")
        let r = try Coffer.run(["backfill", "--config", c])
        XCTAssertEqual(r.code, 0, r.stderr)
        try assertArchivedEverything(c)
    }

    func tokenRequests() throws -> Int {
        let data = try runProcess("/usr/bin/python3", ["-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
                                                       "http://127.0.0.1:\(Testbed.tokenPort)/_stats"]).stdout
        return (try JSONSerialization.jsonObject(with: data) as! [String: Any])["token_requests"] as! Int
    }

    func testShortLivedTokensAreRenewedAndEveryMessageArchivedOnce() throws {
        env = try Self.oauthUp(lifetime: 4)
        defer { _ = try? Self.oauthUp() }
        let before = try tokenRequests()
        let c = try config()
        let r = try Coffer.run(["backfill", "--config", c, "--connections", "1"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertGreaterThan(try tokenRequests() - before, 2, "tokens were renewed during the run")
        try assertArchivedEverything(c)
    }

    func testTokenEndpointErrorsNameTheCauseExit3AndNeverConnect() throws {
        let wrong = dir.appendingPathComponent("wrong.secret").path
        try "Wrong~secret+with%odd&chars".write(toFile: wrong, atomically: true, encoding: .utf8)
        let idAsSecret = dir.appendingPathComponent("id.secret").path
        try env["GOOD_SECRET_ID"]!.write(toFile: idAsSecret, atomically: true, encoding: .utf8)
        let cases: [(String, String, [String])] = [
            ("wrong-secret", try config(secretFile: wrong, name: "a.toml"), ["7000215", "secret"]),
            ("secret-id", try config(secretFile: idAsSecret, name: "b.toml"), ["7000215", "secret's ID"]),
            ("expired", try config(app: "EXPIRED", name: "c.toml"), ["7000222", "expired"]),
            ("no-app", try config(clientID: "c0ffe000-9999-4000-a000-000000000099", name: "d.toml"), ["700016"]),
            ("no-tenant", try config(tenant: "c0ffe000-0000-4000-a000-00000000dead", name: "e.toml"), ["90002", "tenant"]),
        ]
        let goodSecret = try String(contentsOfFile: env["GOOD_SECRET_FILE"]!, encoding: .utf8)
        for (name, c, words) in cases {
            for verbose in [false, true] {
                let r = try Coffer.run(["backfill", "--config", c] + (verbose ? ["--verbose"] : []))
                XCTAssertEqual(r.code, 3, "\(name): \(r.stderr)")
                for w in words { XCTAssertTrue(r.stderr.contains(w), "\(name): \(w) in \(r.stderr)") }
                for secret in [goodSecret, "Wrong~secret+with%odd&chars", env["GOOD_SECRET_ID"]!] {
                    XCTAssertFalse(r.stderr.contains(secret) || r.stdoutText.contains(secret), "\(name): a secret leaked")
                }
                XCTAssertFalse(r.stderr.contains("listed"), "\(name): no mailbox was touched")
                let store = dir.appendingPathComponent("archive-" + URL(fileURLWithPath: c).lastPathComponent)
                XCTAssertFalse(FileManager.default.fileExists(atPath: store.path), "\(name): no store created, no IMAP connection")
            }
        }
    }

    func testAuthCheckDiagnoses() throws {
        let good = try Coffer.run(["auth", "check", "--config", try config(name: "g.toml")])
        XCTAssertEqual(good.code, 0, good.stdoutText + good.stderr)
        XCTAssertTrue(good.stdoutText.contains("roles: IMAP.AccessAsApp"), good.stdoutText)
        XCTAssertTrue(good.stdoutText.contains("aud=https://outlook.office365.com"), good.stdoutText)
        XCTAssertTrue(good.stdoutText.contains("  OK"), good.stdoutText)

        let norole = try Coffer.run(["auth", "check", "--config", try config(app: "NOROLE", name: "n.toml")])
        XCTAssertEqual(norole.code, 3, norole.stdoutText)
        XCTAssertTrue(norole.stdoutText.contains("roles: (none)"), norole.stdoutText)
        XCTAssertTrue(norole.stdoutText.contains("WARNING") && norole.stdoutText.contains("IMAP.AccessAsApp"), norole.stdoutText)

        let unknownMailbox = "nobody-\(UUID().uuidString.prefix(6).lowercased())@coffer-test.example"
        let refused = try Coffer.run(["auth", "check", "--config", try config(users: [unknownMailbox], name: "r.toml")])
        XCTAssertEqual(refused.code, 3, refused.stdoutText)
        XCTAssertTrue(refused.stdoutText.contains("FAIL login"), refused.stdoutText)
        XCTAssertTrue(refused.stdoutText.contains("New-ServicePrincipal") || refused.stdoutText.contains("Get-ServicePrincipal"), refused.stdoutText)
        XCTAssertTrue(refused.stdoutText.contains("Get-MailboxPermission"), refused.stdoutText)
        XCTAssertTrue(refused.stdoutText.contains("Get-CASMailbox"), refused.stdoutText)

        let wrong = dir.appendingPathComponent("w.secret").path
        try "not-the-secret".write(toFile: wrong, atomically: true, encoding: .utf8)
        let badSecret = try Coffer.run(["auth", "check", "--config", try config(secretFile: wrong, name: "s.toml")])
        XCTAssertEqual(badSecret.code, 3)
        XCTAssertTrue(badSecret.stdoutText.contains("FAIL token") && badSecret.stdoutText.contains("7000215"), badSecret.stdoutText)

        let expired = try Coffer.run(["auth", "check", "--config", try config(app: "EXPIRED", name: "x.toml")])
        XCTAssertEqual(expired.code, 3)
        XCTAssertTrue(expired.stdoutText.contains("7000222"), expired.stdoutText)
    }
}
