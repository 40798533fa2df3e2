import Foundation
import XCTest

/// MESSAGE-SHAPE cases (B32, B34, B35, B36): the stored bytes are exactly the literal's, whatever
/// the message looks like; each FETCH response is replayed whole, one byte per write and cut at every byte.
final class CaseShapeTests: XCTestCase {
    /// Runs `scenario` over split accounts and checks that every account archived exactly `expected`
    /// (uid → (sha256, size)), exit 0; returns the run for further checks.
    @discardableResult
    private func assertArchivedExactly(_ scenario: String, length: Int, regions: [Range<Int>]? = nil, step: Int = 1,
                                       _ expected: [Int: (String, Int)], file: StaticString = #filePath, line: UInt = #line) throws -> CaseRun {
        let server = try ScriptedServer.start(scenario)
        defer { server.stop() }
        let accounts = splitAccounts(length: length, regions: regions, step: step)
        let run = try CaseRun(scenario, port: server.port, accounts: accounts)
        let (result, _) = try run.run()
        XCTAssertEqual(result.code, 0, result.stderr, file: file, line: line)
        let byAccount = archivedByAccount(try run.ls())
        for account in accounts {
            XCTAssertEqual(byAccount[account]?.mapValues { "\($0.blob) \($0.size)" }, expected.mapValues { "\($0.0) \($0.1)" },
                           account, file: file, line: line)
        }
        for (blob, size) in expected.values {
            let bytes = try run.get(blob)
            XCTAssertEqual(bytes.count, size, file: file, line: line)
            XCTAssertEqual(try sha256Hex(bytes), blob, "get returns the bytes named by the hash", file: file, line: line)
        }
        return run
    }

    /// The bytes of a shared fixture, or nil without ../shared.
    private func fixture(_ name: String) -> Data? {
        try? Data(contentsOf: ScriptedServer.casesDir.appendingPathComponent("fixtures/\(name)"))
    }

    /// B32: two messages without Message-ID or Date, differing only in the body: both stored, two blobs
    /// (c9ac5d9a…62bb38 and 1792c582…9a1651, 105 octets each); nothing added or required.
    func testB32MessagesWithoutMessageIDAreBothKept() throws {
        let run = try assertArchivedExactly("B32-no-message-id", length: 206, [
            1: ("c9ac5d9aadf14ee37532ba02915b22896efeb21f6f5e0798bffd6b1ebc62bb38", 105),
            2: ("1792c5824d3deaca284558aadebf188e342830077bff01395ce2373ccb9a1651", 105),
        ])
        let stats = try JSONSerialization.jsonObject(with: try Coffer.run(["stats", "--config", run.config, "--json"]).stdout) as! [String: Any]
        XCTAssertEqual(stats["unique_blobs"] as? Int, 2)
    }

    /// B34: raw ISO-8859-1 bytes in the Subject and body: the 162 octets are kept byte for byte.
    func testB34EightBitHeadersAreKeptByteForByte() throws {
        let run = try assertArchivedExactly("B34-8bit-headers", length: 263, [
            1: ("81bb11ee0273a8fb02af0079622484e6db576d797c571e23642c78a76d41958f", 162),
        ])
        let got = try run.get("81bb11ee0273a8fb02af0079622484e6db576d797c571e23642c78a76d41958f")
        XCTAssertTrue(got.contains(Data("Subject: Bestellung n\u{B0} 193".unicodeScalars.map { UInt8($0.value) })))
        if let shared = fixture("B34_8bit_message_raw.bin") { XCTAssertEqual(got, shared) }
    }

    /// B35: bare LF and CR CR LF line ends are stored as served (58 octets), never normalised.
    func testB35BareLFAndCRCRLFAreNotNormalised() throws {
        let run = try assertArchivedExactly("B35-bare-lf", length: 157, [
            1: ("fa351015410a9162d28caf13d23a750f1c93d76950baf6849d5dd916e9fdb9aa", 58),
        ])
        let got = try run.get("fa351015410a9162d28caf13d23a750f1c93d76950baf6849d5dd916e9fdb9aa")
        XCTAssertEqual(Array(got.prefix(17)), Array("Subject: lf test\n".utf8))
        XCTAssertTrue(got.contains(Data("line one\r\r\n".utf8)))
        if let shared = fixture("B35_bare_lf_message_raw.bin") { XCTAssertEqual(got, shared) }
    }

    /// B36: a 17,003-octet References line: read by count, stored whole (17,079 octets). Cut at every
    /// byte of the response's first 140 and last 64 octets and every 499th between.
    func testB36VeryLongHeaderLine() throws {
        let run = try assertArchivedExactly("B36-long-header-line", length: 17_184, regions: [0..<140, 17_120..<17_184], step: 499, [
            1: ("9e025bac91f6308d5b898cf57ed65e0dfa03d784534f4f89c547dd55b1c060da", 17_079),
        ])
        let got = String(decoding: try run.get("9e025bac91f6308d5b898cf57ed65e0dfa03d784534f4f89c547dd55b1c060da"), as: UTF8.self)
        let references = got.split(separator: "\r\n").first { $0.hasPrefix("References:") }
        XCTAssertEqual(references?.utf8.count, 17_003)
    }
}
