import Foundation
import XCTest

/// Configs for the testbed (``Testbed`` honours TESTBED_DIR and the port variables).
enum RetTestbed {
    static func run(_ args: [String]) throws { try Testbed.run(args) }

    static func writeConfig(in dir: URL, users: [String], name: String = "coffer.toml") throws -> String {
        try Fixture.writeConfig(in: dir, users: users, name: name)
    }
}

/// A store built for these tests.
struct BuiltStore {
    let root: URL
    let config: String
    let store: URL
    /// The folder of per-user message folders that was loaded (what Python reads for expectations).
    let users: URL
    let userNames: [String]

    /// A copy of the store with its own config (same accounts), to run more backfills on.
    func copyWithConfig(_ label: String) throws -> (config: String, store: URL) {
        let dir = root.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let dest = dir.appendingPathComponent("archive")
        try FileManager.default.copyItem(at: store, to: dest)
        try? FileManager.default.removeItem(at: dest.appendingPathComponent("lock"))
        return (try RetTestbed.writeConfig(in: dir, users: userNames), dest)
    }

    /// A copy of the store in a fresh folder, to damage.
    func copy(_ label: String) throws -> URL {
        let dest = root.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(6))")
        try FileManager.default.copyItem(at: store, to: dest)
        try? FileManager.default.removeItem(at: dest.appendingPathComponent("lock"))
        return dest
    }
}

/// The stores the retrieval tests share, built once per test process.
final class RetrievalStores: @unchecked Sendable {
    static let shared: Result<RetrievalStores, Error> = Result { try RetrievalStores() }
    /// ../shared/corpus/enron archived (when present, and COFFER_TEST_CORPUS is not `generated`), else
    /// `small`: the corpus the filter tests query. Built on first use.
    static let corpus: Result<(store: BuiltStore, isEnron: Bool), Error> = Result {
        let small = try shared.get().small
        let enron = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/enron")
        guard FileManager.default.fileExists(atPath: enron.path),
              ProcessInfo.processInfo.environment["COFFER_TEST_CORPUS"] != "generated" else { return (small, false) }
        return (try buildEnron(small.root.deletingLastPathComponent().appendingPathComponent("enron"), enron), true)
    }

    /// A generated corpus (400 messages, 3 users) archived in three runs, one per user: three chain
    /// records, three packs.
    let small: BuiltStore
    /// The chain head after each of the three runs of `small`.
    let headsOfSmall: [String]

    init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-ret-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try RetTestbed.run(["up"])
        (small, headsOfSmall) = try Self.buildSmall(root.appendingPathComponent("small"))
    }

    private static func buildSmall(_ dir: URL) throws -> (BuiltStore, [String]) {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let generated = dir.appendingPathComponent("generated")
        try RetTestbed.run(["gen-corpus", generated.path, "--messages", "400", "--seed", "11"])
        let tag = UUID().uuidString.prefix(6).lowercased()
        let users = dir.appendingPathComponent("users")
        try FileManager.default.createDirectory(at: users, withIntermediateDirectories: true)
        var names: [String] = []
        for user in ["u1", "u2", "u3"] {
            names.append("r\(tag)-\(user)")
            try FileManager.default.copyItem(at: generated.appendingPathComponent(user), to: users.appendingPathComponent(names.last!))
        }
        try RetTestbed.run(["load-users", users.path])
        let config = try RetTestbed.writeConfig(in: dir, users: names)
        let store = dir.appendingPathComponent("archive")
        var heads: [String] = []
        for name in names {
            let r = try Coffer.run(["backfill", "--config", config, "--account", name])
            guard r.code == 0 else { throw TestbedError(text: "backfill of \(name) exited \(r.code): \(r.stderr)") }
            let stats = try JSONSerialization.jsonObject(with: try Coffer.run(["stats", "--config", config, "--json"]).stdout) as! [String: Any]
            heads.append((stats["chain_head"] as! [String: Any])["hash"] as! String)
        }
        return (BuiltStore(root: dir, config: config, store: store, users: users, userNames: names), heads)
    }

    private static func buildEnron(_ dir: URL, _ enron: URL) throws -> BuiltStore {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try RetTestbed.run(["load-users", enron.path])
        let names = try FileManager.default.contentsOfDirectory(atPath: enron.path).filter { !$0.hasPrefix(".") }.sorted()
        let config = try RetTestbed.writeConfig(in: dir, users: names)
        let r = try Coffer.run(["backfill", "--config", config, "--connections", "4"])
        guard r.code == 0 else { throw TestbedError(text: "backfill of the Enron corpus exited \(r.code): \(r.stderr)") }
        return BuiltStore(root: dir, config: config, store: dir.appendingPathComponent("archive"), users: enron, userNames: names)
    }
}

func retrievalStores() throws -> RetrievalStores {
    try RetrievalStores.shared.get()
}

/// Runs Tests/Scripts/corpus_summary.py (Python's `email` package, independent of coffer).
func pythonReference(_ args: [String]) throws -> Data {
    let r = try runProcess("/usr/bin/env", ["python3", repoRoot.appendingPathComponent("Tests/Scripts/corpus_summary.py").path] + args)
    guard r.code == 0 else { throw TestbedError(text: "corpus_summary.py \(args.first ?? "") exited \(r.code): \(r.stderr)") }
    return r.stdout
}

/// Runs `sqlite3 DB SQL` (to damage an index the way an operator or attacker could).
@discardableResult
func sqlite(_ db: URL, _ sql: String) throws -> String {
    let r = try runProcess("/usr/bin/sqlite3", [db.path, sql])
    guard r.code == 0 else { throw TestbedError(text: "sqlite3 exited \(r.code): \(r.stderr)") }
    return r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// SHA-256 of many files with one `sha256sum` run (independent of coffer's own hashing), in the order given.
func sha256(ofFiles paths: [String]) throws -> [String] {
    guard !paths.isEmpty else { return [] }
    let list = FileManager.default.temporaryDirectory.appendingPathComponent("files-\(UUID().uuidString)")
    try Data(paths.joined(separator: "\0").utf8).write(to: list)
    defer { try? FileManager.default.removeItem(at: list) }
    let r = try runProcess("/usr/bin/xargs", ["-0", "-a", list.path, "/usr/bin/sha256sum", "-z"])
    guard r.code == 0 else { throw TestbedError(text: "sha256sum exited \(r.code): \(r.stderr)") }
    return r.stdout.split(separator: 0).map { String(decoding: $0.prefix(64), as: UTF8.self) }
}
