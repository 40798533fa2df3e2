import Foundation
import XCTest

/// `verify` in parts: `--max-duration` stops and the next run resumes; `--read-data-subset` samples.
final class VerifyScaleTests: XCTestCase {
    /// With a deadline already past, each run still finishes one pack; the cycle covers every pack exactly once.
    func testMaxDurationStopsAndResumesUntilTheCycleIsComplete() throws {
        let s = try retrievalStores()
        let store = try s.small.copy("resume")
        let state = store.appendingPathComponent("verify-state.json")
        var checked: [Int] = []
        var runs = 0
        while runs < 5 {
            runs += 1
            let r = try Coffer.run(["verify", "--store", store.path, "--read-data", "--max-duration", "0.000001"])
            XCTAssertEqual(r.code, 0, r.stderr)
            let n = try XCTUnwrap(r.stderr.firstMatch(of: /verify: (\d+) of 3 packs checked/)).1
            checked.append(Int(n)!)
            if r.stderr.contains("is complete: every pack was checked") {
                XCTAssertFalse(FileManager.default.fileExists(atPath: state.path), "a completed cycle leaves no state")
                break
            }
            XCTAssertTrue(r.stderr.contains("stopped at --max-duration"), r.stderr)
            let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: state)) as! [String: Any]
            XCTAssertEqual(saved["mode"] as? String, "read-data")
            XCTAssertEqual((saved["done"] as! [String]).count, checked.reduce(0, +))
        }
        XCTAssertEqual(checked.reduce(0, +), 3, "every pack once: \(checked)")
        XCTAssertTrue(checked.allSatisfy { $0 >= 1 }, "each run makes progress: \(checked)")
        XCTAssertGreaterThan(runs, 1, "the deadline cut the first run short")
    }

    func testSubsetReadsASampleAndAFullSubsetFindsDamage() throws {
        let s = try retrievalStores()
        let r = try Coffer.run(["verify", "--config", s.small.config, "--read-data-subset", "50%"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let n = Int(try XCTUnwrap(r.stderr.firstMatch(of: /(\d+) blobs re-hashed/)).1)!
        let total = Int(try sqlite(s.small.store.appendingPathComponent("index.sqlite"), "SELECT COUNT(*) FROM blobs"))!
        XCTAssertGreaterThan(n, total / 4)
        XCTAssertLessThan(n, total * 3 / 4)
        XCTAssertEqual(try Coffer.run(["verify", "--config", s.small.config, "--read-data-subset", "0%"]).code, 2)
        XCTAssertEqual(try Coffer.run(["verify", "--config", s.small.config, "--read-data", "--read-data-subset", "5%"]).code, 2)
    }
}
