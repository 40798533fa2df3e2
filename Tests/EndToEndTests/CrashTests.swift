import Foundation
import XCTest

/// Crash safety: SIGKILL at random moments of a backfill, re-run, and the archive equals a clean run's.
final class CrashTests: XCTestCase {
    /// A small seeded generator (SplitMix64) so the kill moments are reproducible.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func makeCorpus(_ dir: URL, messages: Int) throws -> [String] {
        let corpus = dir.appendingPathComponent("corpus")
        try Testbed.run(["gen-corpus", corpus.path, "--messages", String(messages), "--seed", "23"])
        let tag = UUID().uuidString.prefix(6).lowercased()
        let users = dir.appendingPathComponent("users")
        try FileManager.default.createDirectory(at: users, withIntermediateDirectories: true)
        var names: [String] = []
        for u in ["u1", "u2", "u3"] {
            try FileManager.default.copyItem(at: corpus.appendingPathComponent(u), to: users.appendingPathComponent("crash\(u)-\(tag)"))
            names.append("crash\(u)-\(tag)")
        }
        try Testbed.run(["load-users", users.path])
        return names
    }

    /// The archive's content as a sorted list of (account, mailbox, UIDVALIDITY, UID, blob) lines.
    func content(_ store: URL) throws -> [String] {
        try listed(try Coffer.run(["ls", "--store", store.path, "--json"])).map {
            "\($0["account"]!)|\($0["mailbox_wire"]!)|\($0["uidvalidity"]!)|\($0["uid"]!)|\($0["blob"]!)"
        }.sorted()
    }

    func testKillMinusNineAtRandomMomentsLosesNothing() throws {
        _ = try fixture()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let users = try makeCorpus(dir, messages: 3000)
        let cleanDir = dir.appendingPathComponent("clean"), crashDir = dir.appendingPathComponent("crash")
        for d in [cleanDir, crashDir] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        let cleanConfig = try Fixture.writeConfig(in: cleanDir, users: users, name: "c.toml")
        let crashConfig = try Fixture.writeConfig(in: crashDir, users: users, name: "c.toml")
        let cleanStart = Date()
        let clean = try Coffer.run(["backfill", "--config", cleanConfig])
        let cleanSeconds = Date().timeIntervalSince(cleanStart)
        XCTAssertEqual(clean.code, 0, clean.stderr)
        let expected = try content(cleanDir.appendingPathComponent("archive"))
        XCTAssertGreaterThan(expected.count, 2900)

        var rng = SplitMix(state: 20261129)
        var kills = 0
        var attempts = 0
        // Kill somewhere within the time a run still needs: the window shrinks each time a run
        // finishes before the kill (less work is left), so kills keep landing in start-up,
        // listing, fetching, committing and sealing.
        var window = max(0.1, cleanSeconds * 0.8)
        while kills < 12 && attempts < 120 {
            attempts += 1
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Coffer.binary)
            p.arguments = ["backfill", "--config", crashConfig]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.01...window, using: &rng))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                kills += 1
            } else {
                window = max(0.03, window * 0.6)
            }
            p.waitUntilExit()
        }
        XCTAssertGreaterThanOrEqual(kills, 10, "at least 10 kills landed while coffer was running")
        let final = try Coffer.run(["backfill", "--config", crashConfig])
        XCTAssertEqual(final.code, 0, final.stderr)
        let store = crashDir.appendingPathComponent("archive")
        XCTAssertEqual(try content(store), expected, "after \(kills) kills the archive equals a clean run's")
        let verify = try Coffer.run(["verify", "--store", store.path, "--read-data"])
        XCTAssertEqual(verify.code, 0, verify.stderr)
        let stats = { (s: URL) throws -> Int in
            let j = try JSONSerialization.jsonObject(with: try Coffer.run(["stats", "--store", s.path, "--json"]).stdout) as! [String: Any]
            return j["unique_blobs"] as! Int
        }
        XCTAssertEqual(try stats(store), try stats(cleanDir.appendingPathComponent("archive")), "no blob twice")
        print("crash test: \(kills) SIGKILLs survived (\(attempts) runs)")
    }

    func testCtrlCStopsCleanlyWithExit130() throws {
        _ = try fixture()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-int-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let users = try makeCorpus(dir, messages: 3000)
        let config = try Fixture.writeConfig(in: dir, users: users, name: "c.toml")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Coffer.binary)
        p.arguments = ["backfill", "--config", config]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 0.4)
        XCTAssertTrue(p.isRunning, "the backfill was still running when interrupted")
        let sent = Date()
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(sent), 3, "stopped within a couple of seconds")
        XCTAssertEqual(p.terminationStatus, 130)
        let store = dir.appendingPathComponent("archive")
        let partial = try content(store).count
        let rerun = try Coffer.run(["backfill", "--config", config, "--json"])
        XCTAssertEqual(rerun.code, 0, rerun.stderr)
        let report = try JSONSerialization.jsonObject(with: rerun.stdout) as! [String: Any]
        let already = (report["mailboxes"] as! [[String: Any]]).reduce(0) { $0 + ($1["already_archived"] as! Int) }
        XCTAssertEqual(already, partial, "everything fetched before Ctrl-C was committed and is not fetched again")
    }

    func testASecondProcessOnTheStoreIsRefusedWithExit75() throws {
        let f = try fixture()
        let lock = f.storePath.appendingPathComponent("lock").path
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [lock, "sleep", "5"]
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.3)
        let r = try Coffer.run(["sync", "--config", f.configPath])
        XCTAssertEqual(r.code, 75, r.stderr)
        XCTAssertTrue(r.stderr.contains("another coffer process is using the store"), r.stderr)
    }
}
