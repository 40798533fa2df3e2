import Foundation
import XCTest

/// Runs the exact commands of docs/scheduling.md (with the binary and config paths substituted).
final class SchedulingTests: XCTestCase {
    static let doc = repoRoot.appendingPathComponent("docs/scheduling.md")

    /// The command of the service's ExecStart line and of the cron line.
    func commands() throws -> (service: String, cron: String) {
        let text = try String(contentsOf: Self.doc, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let exec = lines.first { $0.hasPrefix("ExecStart=/usr/local/bin/coffer sync") }!
        let cronLine = lines.first { $0.hasPrefix("*/15 * * * * coffer ") }!
        let cronCommand = cronLine.components(separatedBy: " ").dropFirst(6).joined(separator: " ")
        return (String(exec.dropFirst("ExecStart=".count)), cronCommand)
    }

    func substitute(_ command: String, _ f: Fixture, log: String) -> String {
        command.replacingOccurrences(of: "/usr/local/bin/coffer", with: Coffer.binary)
            .replacingOccurrences(of: "/etc/coffer/coffer.toml", with: f.configPath)
            .replacingOccurrences(of: "/var/log/coffer/sync.log", with: log)
    }

    func testServiceAndCronCommandsRunAndOverlapsExit75() throws {
        let f = try fixture()
        let (service, cron) = try commands()
        let log = f.root.appendingPathComponent("sync.log").path
        let s = try runProcess("/bin/sh", ["-c", substitute(service, f, log: log)])
        XCTAssertEqual(s.code, 0, s.stderr)
        let c = try runProcess("/bin/sh", ["-c", substitute(cron, f, log: log)])
        XCTAssertEqual(c.code, 0)
        XCTAssertTrue(try String(contentsOfFile: log, encoding: .utf8).contains("sync:"), "the cron line logs the run summary")

        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [f.storePath.appendingPathComponent("lock").path, "sleep", "5"]
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.3)
        let overlapping = try runProcess("/bin/sh", ["-c", substitute(cron, f, log: log)])
        XCTAssertEqual(overlapping.code, 75, "an overlapping run is refused with 75, not stacked")
    }
}
