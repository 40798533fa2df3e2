import Foundation
import XCTest

/// A generated corpus loaded into the testbed and one backfill of it, shared by the end-to-end tests.
final class Fixture: @unchecked Sendable {
    static let shared: Result<Fixture, Error> = Result { try Fixture() }

    let root: URL
    let corpus: URL
    let users = ["u1", "u2", "u3"]
    /// user → MANIFEST rows of the generated corpus.
    let manifest: [ManifestRow]
    let configPath: String
    let storePath: URL
    /// Result of the first backfill.
    let firstRun: ProcessResult

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Testbed.run(["up"])
        corpus = root.appendingPathComponent("corpus")
        try Testbed.run(["gen-corpus", corpus.path, "--messages", "400", "--seed", "7"])
        let tag = UUID().uuidString.prefix(6).lowercased()
        // Fresh users per test run so the server state is exactly the generated corpus.
        let renamed = root.appendingPathComponent("users")
        try FileManager.default.createDirectory(at: renamed, withIntermediateDirectories: true)
        var rows: [ManifestRow] = []
        for row in try ManifestRow.read(corpus.appendingPathComponent("MANIFEST.tsv")) {
            rows.append(ManifestRow(user: "\(row.user)-\(tag)", mailbox: row.mailbox, sha256: row.sha256, size: row.size, path: row.path))
        }
        for user in users {
            try FileManager.default.copyItem(at: corpus.appendingPathComponent(user), to: renamed.appendingPathComponent("\(user)-\(tag)"))
        }
        try Testbed.run(["load-users", renamed.path])
        manifest = rows
        storePath = root.appendingPathComponent("archive")
        configPath = try Fixture.writeConfig(in: root, users: users.map { "\($0)-\(tag)" }, name: "coffer.toml")
        firstRun = try Coffer.run(["backfill", "--config", configPath, "--json"])
    }

    var userNames: [String] { Array(Set(manifest.map(\.user))).sorted() }

    /// Writes a config for the testbed; `mutate` may change the source table's lines.
    static func writeConfig(in dir: URL, users: [String], name: String, port: Int = Testbed.imapsPort, tls: String = "implicit",
                            caFile: String? = Testbed.caFile, passwordFile: ((String) -> String)? = nil) throws -> String {
        var lines = ["[store]", "path = \"archive\"", "", "[[source]]", "name = \"testbed\"", "host = \"localhost\"",
                     "port = \(port)", "tls = \"\(tls)\"", "auth = \"password\"", "max_connections = 3"]
        if let caFile { lines.append("ca_file = \"\(caFile)\"") }
        lines.append("accounts = [")
        for u in users { lines.append("  { user = \"\(u)\", password = { file = \"\((passwordFile ?? Testbed.secretFile)(u))\" } },") }
        lines.append("]")
        let path = dir.appendingPathComponent(name).path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// One line of the generated corpus's MANIFEST.tsv.
struct ManifestRow: Hashable {
    var user: String
    var mailbox: String
    var sha256: String
    var size: Int
    var path: String

    static func read(_ url: URL) throws -> [ManifestRow] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 5, let size = Int(f[3]) else { return nil }
            return ManifestRow(user: f[0], mailbox: f[1], sha256: f[2], size: size, path: f[4])
        }
    }
}

/// Gets the shared fixture or fails the calling test.
func fixture() throws -> Fixture {
    try Fixture.shared.get()
}
