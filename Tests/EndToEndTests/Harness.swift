import Foundation
import XCTest

/// The repository root (this file is Tests/EndToEndTests/Harness.swift).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The result of running a process.
struct ProcessResult {
    var code: Int32
    var stdout: Data
    var stderr: String
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs `executable` with `arguments`; stdout and stderr are captured (through files, so large output never blocks).
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-proc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: out)
    p.standardError = try FileHandle(forWritingTo: err)
    p.standardInput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return ProcessResult(code: p.terminationStatus, stdout: try Data(contentsOf: out),
                         stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
}

/// The private Dovecot of the tests (tools/testbed), state in .testbed-test, ports 11993 (TLS) / 11143.
enum Testbed {
    /// Overridable with TESTBED_DIR / TESTBED_IMAPS_PORT / TESTBED_IMAP_PORT / TESTBED_TOKEN_PORT so that
    /// several checkouts or scratch builds can run their suites side by side.
    static let dir = ProcessInfo.processInfo.environment["TESTBED_DIR"].map { URL(fileURLWithPath: $0) }
        ?? repoRoot.appendingPathComponent(".testbed-test")
    static let imapsPort = ProcessInfo.processInfo.environment["TESTBED_IMAPS_PORT"].flatMap { Int($0) } ?? 11993
    static let imapPort = ProcessInfo.processInfo.environment["TESTBED_IMAP_PORT"].flatMap { Int($0) } ?? 11143
    static let tokenPort = ProcessInfo.processInfo.environment["TESTBED_TOKEN_PORT"].flatMap { Int($0) } ?? 11080
    static var env: [String: String] {
        ["TESTBED_DIR": dir.path, "TESTBED_IMAPS_PORT": String(imapsPort), "TESTBED_IMAP_PORT": String(imapPort),
         "TESTBED_TOKEN_PORT": String(tokenPort)]
    }
    static var caFile: String { dir.appendingPathComponent("ca.pem").path }

    static func secretFile(_ user: String) -> String { dir.appendingPathComponent("secrets/\(user).secret").path }

    /// Runs `tools/testbed ARGS`; fails the test on a non-zero exit.
    @discardableResult
    static func run(_ args: [String]) throws -> ProcessResult {
        let r = try runProcess("/bin/bash", [repoRoot.appendingPathComponent("tools/testbed").path] + args, environment: env)
        if r.code != 0 { throw TestbedError(text: "tools/testbed \(args.joined(separator: " ")) exited \(r.code): \(r.stderr)") }
        // Dovecot re-reads its passwd-file at most about once a second: let a new user become visible.
        if ["load", "load-users", "adduser"].contains(args.first ?? "") { Thread.sleep(forTimeInterval: 1.1) }
        return r
    }

    /// The server's own view: (mailbox_wire, uidvalidity, uid, sha256, size) per message of `user`.
    static func serverDump(_ user: String) throws -> [ServerMessage] {
        try run(["serverdump", user]).stdoutText.split(separator: "\n").map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return ServerMessage(mailboxWire: f[0], uidValidity: UInt32(f[1])!, uid: UInt32(f[2])!, sha256: f[3], size: Int(f[4])!)
        }
    }
}

struct TestbedError: Error, CustomStringConvertible { let text: String; var description: String { text } }

struct ServerMessage: Hashable {
    var mailboxWire: String
    var uidValidity: UInt32
    var uid: UInt32
    var sha256: String
    var size: Int
}

/// Runs the coffer binary built next to the test bundle.
enum Coffer {
    static var binary: String {
        let candidates = [Bundle.main.bundleURL.appendingPathComponent("coffer"),
                          Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("coffer")]
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c.path }
        for product in Bundle.allBundles.map(\.bundleURL) {
            let c = product.deletingLastPathComponent().appendingPathComponent("coffer")
            if FileManager.default.isExecutableFile(atPath: c.path) { return c.path }
        }
        return repoRoot.appendingPathComponent(".build/debug/coffer").path
    }

    static func run(_ args: [String], env: [String: String] = [:]) throws -> ProcessResult {
        try runProcess(binary, args, environment: env)
    }
}

/// SHA-256 of a file, with the system's sha256sum (independent of coffer's own hashing).
func sha256(ofFile path: String) throws -> String {
    let r = try runProcess("/usr/bin/sha256sum", [path])
    return String(r.stdoutText.prefix(64))
}

/// Parses `coffer ls --json` output.
func listed(_ result: ProcessResult) throws -> [[String: Any]] {
    try result.stdoutText.split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
}
