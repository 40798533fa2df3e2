import Foundation
import XCTest

/// Bad input of each kind: one clear line, the contract's exit code, and the store left unchanged.
final class ErrorTests: XCTestCase {
    /// What the store holds: every pack's SHA-256 and every archived (account, mailbox, UIDVALIDITY, UID → blob) row.
    private func snapshot(_ store: URL) throws -> [String: String] {
        var out: [String: String] = [:]
        guard let e = FileManager.default.enumerator(atPath: store.path) else { return [:] }
        for case let rel as String in e where rel.hasSuffix(".pack") {
            out[rel] = try sha256(ofFile: store.appendingPathComponent(rel).path)
        }
        out["ls"] = try Coffer.run(["ls", "--store", store.path, "--json"]).stdoutText
        return out
    }

    private func assertOneLineError(_ r: ProcessResult, code: Int32, contains words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.code, code, r.stderr, file: file, line: line)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errors.count, 1, r.stderr, file: file, line: line)
        for w in words { XCTAssertTrue(r.stderr.lowercased().contains(w.lowercased()), "\(w) in: \(r.stderr)", file: file, line: line) }
    }

    func testWrongPasswordExits3AndLeavesTheStoreUnchanged() throws {
        let f = try fixture()
        let bad = f.root.appendingPathComponent("bad.secret")
        try "not-the-password".write(to: bad, atomically: true, encoding: .utf8)
        let before = try snapshot(f.storePath)
        let config = try Fixture.writeConfig(in: f.root, users: [f.userNames[0]], name: "wrongpw.toml", passwordFile: { _ in bad.path })
        let r = try Coffer.run(["backfill", "--config", config])
        assertOneLineError(r, code: 3, contains: ["login", f.userNames[0], "password"])
        XCTAssertFalse(r.stderr.contains("not-the-password"))
        XCTAssertEqual(try snapshot(f.storePath), before)
    }

    func testUnreachableHostExits75() throws {
        let f = try fixture()
        let dir = f.root.appendingPathComponent("unreachable")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = try Fixture.writeConfig(in: dir, users: [f.userNames[0]], name: "c.toml", port: 1)
        let r = try Coffer.run(["backfill", "--config", config])
        XCTAssertEqual(r.code, 75, r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot connect to localhost:1"), r.stderr)
    }

    /// A server that accepts and closes at once (Dovecot does this when `imap-login` hits its process
    /// limit): a temporary server problem, exit 75, not a certificate problem (exit 2).
    func testConnectionClosedDuringTheTLSHandshakeExits75() throws {
        let f = try fixture()
        let dir = f.root.appendingPathComponent("closing")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        XCTAssertEqual(listen(listener, 8), 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let closer = Thread {
            while true {
                let c = accept(listener, nil, nil)
                if c < 0 { return }
                close(c)
            }
        }
        closer.start()
        let config = try Fixture.writeConfig(in: dir, users: [f.userNames[0]], name: "c.toml", port: port)
        let r = try Coffer.run(["backfill", "--config", config])
        XCTAssertEqual(r.code, 75, r.stderr)
        XCTAssertTrue(r.stderr.contains("closed the connection during the TLS handshake"), r.stderr)
        XCTAssertFalse(r.stderr.contains("ca_file"), r.stderr)
        shutdown(listener, Int32(SHUT_RDWR))
    }

    /// A stderr that cannot be written (a full disk, a reader that went away) loses the message but
    /// not the exit code: no trap (it was exit 132 with nothing said).
    func testUnwritableStderrKeepsTheExitCode() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Coffer.binary)
        process.arguments = ["stats", "--store", "/nonexistent-\(UUID().uuidString)"]
        process.standardError = try XCTUnwrap(FileHandle(forWritingAtPath: "/dev/full"))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 2)
    }

    func testUntrustedCertificateExits2() throws {
        let f = try fixture()
        let dir = f.root.appendingPathComponent("untrusted")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = try Fixture.writeConfig(in: dir, users: [f.userNames[0]], name: "c.toml", caFile: nil)
        let r = try Coffer.run(["backfill", "--config", config])
        assertOneLineError(r, code: 2, contains: ["certificate", "ca_file"])
    }

    func testStartTLSWorks() throws {
        let f = try fixture()
        let dir = f.root.appendingPathComponent("starttls")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = try Fixture.writeConfig(in: dir, users: [f.userNames[1]], name: "c.toml", port: Testbed.imapPort, tls: "starttls")
        let r = try Coffer.run(["backfill", "--config", config, "--json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let expected = f.manifest.filter { $0.user == f.userNames[1] }.count
        let ls = try listed(try Coffer.run(["ls", "--store", dir.appendingPathComponent("archive").path, "--json"]))
        XCTAssertEqual(ls.count, expected)
    }

    func testMalformedConfigNamesFileLineAndKey() throws {
        let f = try fixture()
        let dir = f.root.appendingPathComponent("malformed")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("c.toml").path
        try "[store]\npath = \"archive\"\n\n[[source]]\nname = \"x\"\nhost = \"localhost\"\nport = \"993\"\nauth = \"password\"\naccounts = []\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try Coffer.run(["backfill", "--config", path])
        assertOneLineError(r, code: 2, contains: ["c.toml:7", "port", "integer"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("archive").path), "no store created")
        try "[store\npath = 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        assertOneLineError(try Coffer.run(["backfill", "--config", path]), code: 2, contains: ["c.toml:1", "TOML"])
        try "[store]\npath = \"a\"\n[[source]]\nname = \"x\"\nhost = \"localhost\"\naccounts = [{ user = \"u\", password = \"inline\" }]\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let inline = try Coffer.run(["backfill", "--config", path])
        assertOneLineError(inline, code: 2, contains: ["never written inline"])
        XCTAssertFalse(inline.stderr.contains("\"inline\""))
    }
}
