import Foundation
import XCTest

/// The private Cyrus IMAP of the tests (`tools/testbed cyrus-*`), sharing the Dovecot testbed's
/// folder and CA; ports 11994 (TLS) / 11144, or TESTBED_CYRUS_IMAPS_PORT / TESTBED_CYRUS_IMAP_PORT.
enum Cyrus {
    static let imapsPort = ProcessInfo.processInfo.environment["TESTBED_CYRUS_IMAPS_PORT"].flatMap { Int($0) } ?? 11994
    static let imapPort = ProcessInfo.processInfo.environment["TESTBED_CYRUS_IMAP_PORT"].flatMap { Int($0) } ?? 11144
    static var env: [String: String] {
        Testbed.env.merging(["TESTBED_CYRUS_IMAPS_PORT": String(imapsPort), "TESTBED_CYRUS_IMAP_PORT": String(imapPort)]) { $1 }
    }

    static func secretFile(_ user: String) -> String { Testbed.dir.appendingPathComponent("cyrus/secrets/\(user).secret").path }

    /// Cyrus needs root: its master drops to the `cyrus` user (the testbed installs what is missing).
    static var usable: Bool { getuid() == 0 }

    /// Runs `tools/testbed cyrus-ARGS…`; fails on a non-zero exit.
    @discardableResult
    static func run(_ args: [String]) throws -> ProcessResult {
        var args = args
        args[0] = "cyrus-" + args[0]
        let r = try runProcess("/bin/bash", [repoRoot.appendingPathComponent("tools/testbed").path] + args, environment: env)
        if r.code != 0 { throw TestbedError(text: "tools/testbed \(args.joined(separator: " ")) exited \(r.code): \(r.stderr)") }
        return r
    }

    /// What `cyrus-load` did not store as is: relative path → ("converted" | "refused", server's answer).
    static func load(_ user: String, _ dir: URL) throws -> [String: (kind: String, answer: String)] {
        try parseLoadReport(run(["load", user, dir.path]).stdoutText)
    }

    static func parseLoadReport(_ text: String) -> [String: (kind: String, answer: String)] {
        var out: [String: (String, String)] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", maxSplits: 2).map(String.init)
            if f.count == 3 { out[f[1]] = (f[0], f[2]) }
        }
        return out
    }

    /// The server's own view, like `Testbed.serverDump`.
    static func serverDump(_ user: String) throws -> [ServerMessage] {
        try run(["serverdump", user]).stdoutText.split(separator: "\n").map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return ServerMessage(mailboxWire: f[0], uidValidity: UInt32(f[1])!, uid: UInt32(f[2])!, sha256: f[3], size: Int(f[4])!)
        }
    }

    /// A config for Cyrus over implicit TLS with the testbed CA.
    static func writeConfig(in dir: URL, users: [String], name: String) throws -> String {
        try Fixture.writeConfig(in: dir, users: users, name: name, port: imapsPort, passwordFile: secretFile)
    }
}

/// The generated corpus loaded into Cyrus (fresh users per run) and one backfill of it, shared by the Cyrus tests.
final class CyrusFixture: @unchecked Sendable {
    static let shared: Result<CyrusFixture, Error> = Result { try CyrusFixture() }

    let root: URL
    let corpus: URL
    /// MANIFEST rows of the messages Cyrus holds (the refused mailbox left out).
    let manifest: [ManifestRow]
    /// What the loader could not store as is.
    let loadReport: [String: (kind: String, answer: String)]
    let users: [String]
    let configPath: String
    let firstRun: ProcessResult

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-cyrus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Cyrus.run(["up"])
        corpus = root.appendingPathComponent("corpus")
        try Testbed.run(["gen-corpus", corpus.path, "--messages", "400", "--seed", "7"])
        let tag = UUID().uuidString.prefix(6).lowercased()
        var report: [String: (String, String)] = [:]
        var names: [String] = []
        for user in ["u1", "u2", "u3"] {
            let name = "\(user)-\(tag)"
            names.append(name)
            for (path, outcome) in try Cyrus.load(name, corpus.appendingPathComponent(user)) { report["\(user)/\(path)"] = outcome }
        }
        users = names
        loadReport = report
        manifest = try ManifestRow.read(corpus.appendingPathComponent("MANIFEST.tsv"))
            .filter { report[$0.path] == nil }
            .map { ManifestRow(user: "\($0.user)-\(tag)", mailbox: $0.mailbox, sha256: $0.sha256, size: $0.size, path: $0.path) }
        configPath = try Cyrus.writeConfig(in: root, users: names, name: "coffer.toml")
        firstRun = try Coffer.run(["backfill", "--config", configPath, "--json"])
    }
}

func cyrusFixture() throws -> CyrusFixture {
    try XCTSkipUnless(Cyrus.usable, "Cyrus needs root")
    return try CyrusFixture.shared.get()
}
