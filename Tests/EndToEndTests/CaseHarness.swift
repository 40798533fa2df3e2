import Foundation
import PackStore
import XCTest

/// `tools/scripted-imap.py` playing one scenario of `tools/scenarios/` on loopback.
///
/// The cases' byte-exact fixtures come from `../shared/cases/fixtures` when present, else from the
/// copies embedded in the scenario files.
final class ScriptedServer {
    static let casesDir = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/cases")
    static var haveSharedCases: Bool { FileManager.default.fileExists(atPath: casesDir.appendingPathComponent("fixtures").path) }

    let dir: URL
    let port: Int
    let log: URL
    private let process: Process

    /// Starts the server on a free port and waits until it listens.
    init(_ scenario: String, in dir: URL, sharedFixtures: Bool = true) throws {
        self.dir = dir
        log = dir.appendingPathComponent("server-\(scenario).jsonl")
        let portFile = dir.appendingPathComponent("port-\(UUID().uuidString)")
        var args = [repoRoot.appendingPathComponent("tools/scripted-imap.py").path,
                    "--scenario", repoRoot.appendingPathComponent("tools/scenarios/\(scenario).json").path,
                    "--port-file", portFile.path, "--log", log.path,
                    "--manifest", dir.appendingPathComponent("manifest-\(scenario).json").path]
        if sharedFixtures && Self.haveSharedCases { args += ["--cases-dir", Self.casesDir.path] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = args
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: portFile.path) {
            guard process.isRunning, Date() < deadline else { throw TestbedError(text: "scripted-imap.py did not start for \(scenario)") }
            Thread.sleep(forTimeInterval: 0.02)
        }
        port = Int(try String(contentsOf: portFile, encoding: .utf8))!
    }

    /// Starts `scenario` with a fresh temporary folder for its log and manifest.
    static func start(_ scenario: String, sharedFixtures: Bool = true) throws -> ScriptedServer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-\(scenario)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try ScriptedServer(scenario, in: dir, sharedFixtures: sharedFixtures)
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Every logged event (connect, login, command, rule, stall, server-close, close), in order.
    func events() throws -> [[String: Any]] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// The command lines the client sent (LOGIN passwords masked), optionally of one user and one command.
    func commands(user: String? = nil, _ command: String? = nil) throws -> [[String: Any]] {
        Self.commands(try events(), user: user, command)
    }

    /// The same, from events already read.
    static func commands(_ events: [[String: Any]], user: String? = nil, _ command: String? = nil) -> [[String: Any]] {
        events.filter {
            $0["event"] as? String == "command" && (user == nil || $0["user"] as? String == user)
                && (command == nil || $0["command"] as? String == command)
        }
    }

    /// (mailbox wire name, uid) → (sha256, size) of every message body in the scenario.
    func manifest(_ scenario: String) throws -> [String: (sha256: String, size: Int)] {
        let data = try Data(contentsOf: dir.appendingPathComponent("manifest-\(scenario).json"))
        var out: [String: (String, Int)] = [:]
        for row in try JSONSerialization.jsonObject(with: data) as! [[String: Any]] {
            out["\(row["mailbox"] as! String)/\(row["uid"] as! Int)"] = (row["sha256"] as! String, row["size"] as! Int)
        }
        return out
    }
}

/// A coffer config and store talking to a scripted server (`tls = "none"` on 127.0.0.1, password "pw").
struct CaseRun {
    let dir: URL
    let config: String
    var store: String { dir.appendingPathComponent("archive").path }

    /// Writes the config: one source with every account, or (`sourcePerAccount`) one source per
    /// account, so that throttling budgets and connection limits do not couple the accounts.
    /// - Parameter reusing: write a second config (`coffer-N.toml`) for the store of that run.
    init(_ name: String, port: Int, accounts: [String], settings: [String] = [], sourcePerAccount: Bool = false,
         connections: Int = 8, reusing earlier: CaseRun? = nil) throws {
        dir = earlier?.dir ?? FileManager.default.temporaryDirectory.appendingPathComponent("coffer-case-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let secret = dir.appendingPathComponent("pw.secret")
        try "pw".write(to: secret, atomically: true, encoding: .utf8)
        func source(_ name: String, _ accounts: [String]) -> [String] {
            ["", "[[source]]", "name = \"\(name)\"", "host = \"127.0.0.1\"", "port = \(port)", "tls = \"none\"",
             "auth = \"password\"", "max_connections = \(connections)"] + settings
                + ["accounts = ["] + accounts.map { "  { user = \"\($0)\", password = { file = \"\(secret.path)\" } }," } + ["]"]
        }
        var lines = ["[store]", "path = \"archive\""]
        if sourcePerAccount {
            for (i, a) in accounts.enumerated() { lines += source("s\(i)", [a]) }
        } else {
            lines += source("scripted", accounts)
        }
        config = dir.appendingPathComponent(earlier == nil ? "coffer.toml" : "coffer-\(UUID().uuidString.prefix(6)).toml").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
    }

    /// Runs `coffer backfill` (or `sync`) with `--json`; returns the process result and the parsed report.
    func run(_ kind: String = "backfill", _ args: [String] = []) throws -> (ProcessResult, CaseReport) {
        let r = try Coffer.run([kind, "--config", config, "--json"] + args)
        let json = (try? JSONSerialization.jsonObject(with: r.stdout)) as? [String: Any] ?? [:]
        return (r, CaseReport(json: json))
    }

    /// `coffer ls --json` rows.
    func ls(account: String? = nil) throws -> [[String: Any]] {
        try listed(try Coffer.run(["ls", "--config", config, "--json"] + (account.map { ["--account", $0] } ?? [])))
    }

    /// `coffer get BLOB`: the stored bytes.
    func get(_ blob: String) throws -> Data {
        let r = try Coffer.run(["get", "--config", config, blob])
        guard r.code == 0 else { throw TestbedError(text: "coffer get \(blob) exited \(r.code): \(r.stderr)") }
        return r.stdout
    }

    /// Rows of a query on the index (sqlite3 -json), e.g. the per-UID state table `uid_state`.
    func sql(_ query: String) throws -> [[String: Any]] {
        let r = try runProcess("/usr/bin/sqlite3", ["-json", "-readonly", dir.appendingPathComponent("archive/index.sqlite").path, query])
        guard r.code == 0 else { throw TestbedError(text: "sqlite3 exited \(r.code): \(r.stderr)") }
        let text = r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? [] : try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [[String: Any]]
    }

    /// `uid_state` of one account: uid → (state, attempts, last_error).
    func uidState(_ account: String) throws -> [Int: UIDState] { try uidStates()[account] ?? [:] }

    /// `uid_state` of every account.
    func uidStates() throws -> [String: [Int: UIDState]] {
        var out: [String: [Int: UIDState]] = [:]
        for row in try sql("""
            SELECT a.name, s.uid, s.state, s.attempts, s.last_error FROM uid_state s JOIN mailboxes m ON m.id = s.mailbox_id
            JOIN accounts a ON a.id = m.account_id
            """) {
            out[row["name"] as! String, default: [:]][row["uid"] as! Int] =
                UIDState(state: row["state"] as! String, attempts: row["attempts"] as! Int, error: row["last_error"] as? String ?? "")
        }
        return out
    }
}

/// One row of the index's per-UID state.
struct UIDState: Equatable {
    var state: String
    var attempts: Int
    var error: String
}

/// The `--json` run summary, by account and mailbox.
struct CaseReport {
    let json: [String: Any]
    var mailboxes: [[String: Any]] { json["mailboxes"] as? [[String: Any]] ?? [] }

    func mailbox(_ account: String, _ name: String) -> [String: Any]? {
        mailboxes.first { $0["account"] as? String == account && $0["mailbox"] as? String == name }
    }

    func pending(_ account: String, _ name: String) -> [String: Int] {
        mailbox(account, name)?["pending"] as? [String: Int] ?? [:]
    }
}

/// Account names that make the scripted server replay the case's bytes whole, one byte per write,
/// and cut at every chosen offset (`name.at-K1-K2-…`): each offset is a cut point in exactly one
/// account, which cuts at `cuts` offsets spread over the bytes (so the pieces stay long).
/// - Parameters:
///   - length: bytes of the injected response.
///   - regions: offsets cut at every byte; outside them every `step`-th offset (all when nil).
func splitAccounts(_ prefix: String = "u", length: Int, regions: [Range<Int>]? = nil, step: Int = 1, cuts: Int = 4) -> [String] {
    var offsets: [Int] = []
    for k in 1..<max(2, length) {
        if let regions, !regions.contains(where: { $0.contains(k) }) && k % step != 0 { continue }
        offsets.append(k)
    }
    let accounts = (offsets.count + cuts - 1) / max(1, cuts)
    let groups = (0..<accounts).map { i in stride(from: i, to: offsets.count, by: accounts).map { String(offsets[$0]) } }
    return ["\(prefix).whole", "\(prefix).bytes"] + groups.map { "\(prefix).at-" + $0.joined(separator: "-") }
}

/// Per account of `ls`: uid → (blob, size, mailbox).
func archivedByAccount(_ rows: [[String: Any]]) -> [String: [Int: (blob: String, size: Int, mailbox: String)]] {
    var out: [String: [Int: (String, Int, String)]] = [:]
    for r in rows {
        out[r["account"] as! String, default: [:]][r["uid"] as! Int] = (r["blob"] as! String, r["size"] as! Int, r["mailbox"] as! String)
    }
    return out
}

/// Seconds between the first events matching `a` and `b` in the server log.
func secondsBetween(_ events: [[String: Any]], _ a: ([String: Any]) -> Bool, _ b: ([String: Any]) -> Bool) -> Double? {
    guard let ta = events.first(where: a)?["t"] as? Double, let tb = events.first(where: b)?["t"] as? Double else { return nil }
    return tb - ta
}

/// Hex SHA-256 of bytes (OpenSSL through PackStore's hasher; `sha256(ofFile:)` is the independent one).
func sha256Hex(_ data: Data) throws -> String {
    var hasher = SHA256Hasher()
    hasher.update(data)
    return hasher.finish().hex
}
