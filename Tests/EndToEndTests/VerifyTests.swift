import Foundation
import XCTest

/// `coffer verify` on a real store, clean and damaged.
final class VerifyTests: XCTestCase {
    func testReadDataPassesOnACleanStore() throws {
        let f = try fixture()
        let r = try Coffer.run(["verify", "--config", f.configPath, "--read-data"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("no problems found"), r.stderr)
    }

    func testOneChangedPackByteIsFoundAndNamesTheMessages() throws {
        let f = try fixture()
        let copy = f.root.appendingPathComponent("damaged-\(UUID().uuidString.prefix(4))")
        try FileManager.default.copyItem(at: f.storePath, to: copy)
        let packs = FileManager.default.enumerator(atPath: copy.appendingPathComponent("packs").path)!
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".pack") }.sorted()
        let pack = copy.appendingPathComponent("packs").appendingPathComponent(packs[0])
        var bytes = try Data(contentsOf: pack)
        // Change one byte in the middle of the first blob's payload (past the pack and entry headers).
        let position = min(400, bytes.count / 2)
        bytes[position] ^= 0x5A
        try bytes.write(to: pack)
        let r = try Coffer.run(["verify", "--store", copy.path, "--read-data", "--json"])
        XCTAssertEqual(r.code, 4, r.stderr)
        let findings = try listed(r)
        XCTAssertFalse(findings.isEmpty)
        let named = findings.flatMap { ($0["messages"] as? [[String: Any]]) ?? [] }
        XCTAssertFalse(named.isEmpty, "a finding names the damaged message(s): \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("UID"), r.stderr)
        XCTAssertTrue(named.allSatisfy { f.userNames.contains($0["account"] as! String) })
    }
}
