import Foundation
import XCTest

/// `../shared/corpus/odd` (292 malformed, 8-bit, bare-LF, huge-header, nested, S/MIME and TNEF
/// messages) through Cyrus and coffer, byte-exact against what Cyrus serves.
///
/// What Cyrus 3.6 does on delivery, and so what this test expects:
/// - bare LF (or bare CR) line ends: APPEND is refused ("Message contains bare newlines"); the loader
///   sends those messages again with CRLF line ends, so Cyrus holds and serves the CRLF form (Dovecot
///   accepts them and serves CRLF too, see `SharedCorpusTests`);
/// - NUL bytes: refused ("Message contains NUL characters"; Dovecot serves them as 0x80);
/// - a header line without a colon: refused ("Message contains invalid header");
/// - everything else, 8-bit header bytes included (`munge8bit: no`), is stored and served unchanged.
final class CyrusCorpusTests: XCTestCase {
    static let odd = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/odd")

    func testOddCorpusRoundTripsByteExactThroughCyrus() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: Self.odd.path), "../shared/corpus is not here")
        try XCTSkipUnless(Cyrus.usable, "Cyrus needs root")
        try Cyrus.run(["up"])
        let user = "odd-\(UUID().uuidString.prefix(6).lowercased())"
        let report = try Cyrus.load(user, Self.odd)

        // What the server refused or rewrote, and why.
        let converted = report.filter { $0.value.kind == "converted" }, refused = report.filter { $0.value.kind == "refused" }
        XCTAssertTrue(converted.values.allSatisfy { $0.answer == "NO Message contains bare newlines" })
        XCTAssertEqual(refused.filter { $0.value.answer.contains("NUL characters") }.count, 2)
        XCTAssertEqual(refused.filter { $0.value.answer.contains("invalid header") }.count, refused.count - 2)
        let files = try corpusFiles()
        XCTAssertEqual(files.count, 292)
        XCTAssertEqual(converted.count, 189, "bare LF is common in this corpus")
        XCTAssertEqual(refused.count, 10, "2 with NUL bytes, 8 with a malformed header line (4 of them only once their line ends were CRLF)")

        // Cyrus serves each accepted file's bytes (CRLF form for the converted ones), nothing else.
        var expected: [String: Int] = [:]
        var asIs: [String: String] = [:]
        for (path, data) in files where report[path]?.kind != "refused" {
            let served = report[path] == nil ? data : Self.crlf(data)
            let hash = try sha256Hex(served)
            expected[Self.mailbox(path) + " " + hash, default: 0] += 1
            if report[path] == nil { asIs[path] = hash }
        }
        let server = try Cyrus.serverDump(user)
        var onServer: [String: Int] = [:]
        for m in server { onServer["\(m.mailboxWire) \(m.sha256)", default: 0] += 1 }
        XCTAssertEqual(onServer, expected)

        // coffer archives exactly what Cyrus serves.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-cyrus-odd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try Cyrus.writeConfig(in: dir, users: [user], name: "c.toml")
        let run = try Coffer.run(["backfill", "--config", config, "--json"])
        XCTAssertEqual(run.code, 0, run.stderr)
        let ls = try listed(try Coffer.run(["ls", "--config", config, "--json"]))
        XCTAssertEqual(Set(ls.map { ServerMessage(mailboxWire: $0["mailbox_wire"] as! String, uidValidity: UInt32($0["uidvalidity"] as! Int),
                                                  uid: UInt32($0["uid"] as! Int), sha256: $0["blob"] as! String, size: $0["size"] as! Int) }),
                       Set(server))
        let archived = Set(ls.map { $0["blob"] as! String })
        XCTAssertTrue(Set(asIs.values).isSubset(of: archived), "every file Cyrus took unchanged is archived byte-exact")
        XCTAssertEqual(try Coffer.run(["verify", "--config", config, "--read-data"]).code, 0)
        let out = dir.appendingPathComponent("m.eml").path
        for (i, hash) in archived.sorted().enumerated() where i % 23 == 0 {
            XCTAssertEqual(try Coffer.run(["get", "--config", config, hash, "-o", out]).code, 0)
            XCTAssertEqual(try sha256(ofFile: out), hash)
        }
    }

    /// path relative to the corpus → bytes.
    private func corpusFiles() throws -> [(String, Data)] {
        var out: [(String, Data)] = []
        for box in try FileManager.default.contentsOfDirectory(atPath: Self.odd.path).sorted() where !box.hasPrefix(".") {
            for name in try FileManager.default.contentsOfDirectory(atPath: Self.odd.appendingPathComponent(box).path).sorted() {
                out.append(("\(box)/\(name)", try Data(contentsOf: Self.odd.appendingPathComponent(box).appendingPathComponent(name))))
            }
        }
        return out
    }

    /// The mailbox a corpus file is loaded into (its folder; all ASCII in this corpus).
    static func mailbox(_ path: String) -> String { String(path.split(separator: "/")[0]) }

    /// Every line end as CRLF, as the loader sends a message Cyrus refused for bare newlines.
    static func crlf(_ data: Data) -> Data {
        var out = Data(capacity: data.count + data.count / 20)
        var i = data.startIndex
        while i < data.endIndex {
            let b = data[i]
            if b == 0x0D {
                out.append(contentsOf: [0x0D, 0x0A])
                if data.index(after: i) < data.endIndex && data[data.index(after: i)] == 0x0A { i = data.index(after: i) }
            } else if b == 0x0A {
                out.append(contentsOf: [0x0D, 0x0A])
            } else {
                out.append(b)
            }
            i = data.index(after: i)
        }
        return out
    }
}
