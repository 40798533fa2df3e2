import Foundation
import XCTest

/// `coffer ls` filters over a real archive (the Enron corpus when ../shared is here, the generated
/// corpus otherwise), each compared with what Python's `email` package finds in the corpus files.
final class RetrievalTests: XCTestCase {
    /// Each query the reference picked, run through `ls`: the same messages (by SHA-256, with multiplicity).
    func testEveryFilterReturnsExactlyTheFilesPythonMatches() throws {
        let corpus = try RetrievalStores.corpus.get().store
        let expect = try JSONSerialization.jsonObject(with: try pythonReference(["expect", corpus.users.path, "--served"])) as! [String: Any]
        let queries = expect["queries"] as! [[String: Any]]
        let matches = expect["matches"] as! [[String]]
        XCTAssertEqual(queries.count, 12)
        for (i, (query, expected)) in zip(queries, matches).enumerated() {
            let args = Self.arguments(query)
            let r = try Coffer.run(["ls", "--config", corpus.config, "--json"] + args)
            XCTAssertEqual(r.code, 0, r.stderr)
            let got = try listed(r).map { $0["blob"] as! String }.sorted()
            XCTAssertEqual(got.count, expected.count, "query \(i) (\(query.keys.sorted().joined(separator: "+"))): row count")
            XCTAssertEqual(got, expected, "query \(i) (\(query.keys.sorted().joined(separator: "+"))): the rows")
            XCTAssertFalse(expected.isEmpty, "query \(i) matches something, so the comparison means something")
        }
    }

    /// The reference's query as `ls` flags.
    static func arguments(_ q: [String: Any]) -> [String] {
        var args: [String] = []
        if let v = q["from"] as? String { args += ["--from", v] }
        if let v = q["to"] as? String { args += ["--to", v] }
        if let v = q["subject"] as? String { args += ["--subject", v] }
        if let v = q["message_id"] as? String { args += ["--message-id", "<\(v)>"] }
        if let v = q["since_text"] as? String { args += ["--since", v] }
        if let v = q["before_text"] as? String { args += ["--before", v] }
        if let v = q["text"] as? String { args += ["--text", v] }
        return args
    }

    func testJSONKeepsTheContractFieldsAndAddsHeaders() throws {
        let s = try retrievalStores()
        let rows = try listed(try Coffer.run(["ls", "--config", s.small.config, "--json"]))
        XCTAssertEqual(rows.count, 400)
        for key in ["account", "mailbox", "mailbox_wire", "uidvalidity", "uid", "blob", "size", "internaldate", "flags",
                    "message_id", "date", "from", "to", "cc", "bcc", "subject"] {
            XCTAssertTrue(rows.allSatisfy { $0.keys.contains(key) }, key)
        }
        XCTAssertGreaterThan(rows.filter { $0["subject"] is String }.count, 350)
        XCTAssertTrue(rows.contains { ($0["date"] as? String)?.hasSuffix("Z") == true })
    }

    func testBlobFilterByFullIDAndPrefix() throws {
        let s = try retrievalStores()
        let all = try listed(try Coffer.run(["ls", "--config", s.small.config, "--json"]))
        let blob = all[17]["blob"] as! String
        let expected = all.filter { $0["blob"] as! String == blob }.count
        XCTAssertEqual(try listed(try Coffer.run(["ls", "--config", s.small.config, "--json", "--blob", blob])).count, expected)
        let prefix = String(blob.prefix(10))
        let byPrefix = try listed(try Coffer.run(["ls", "--config", s.small.config, "--json", "--blob", prefix.uppercased()]))
        XCTAssertEqual(byPrefix.count, all.filter { ($0["blob"] as! String).hasPrefix(prefix) }.count)
        XCTAssertEqual(try Coffer.run(["ls", "--config", s.small.config, "--blob", "xyz"]).code, 2)
    }

    /// A store whose header index was lost (or predates it) is indexed by `ls` itself, and gives the same answer.
    func testLsIndexesMissingHeadersLazily() throws {
        let s = try retrievalStores()
        let before = try Coffer.run(["ls", "--config", s.small.config, "--json", "--text", "the"]).stdoutText
        let copy = try s.small.copy("lazy")
        // The header index is derived data in its own file: deleting it loses nothing.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(at: copy.appendingPathComponent("headers.sqlite" + suffix)) }
        let r = try Coffer.run(["ls", "--store", copy.path, "--json", "--text", "the"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("indexed the headers of"), r.stderr)
        XCTAssertEqual(r.stdoutText, before)
        XCTAssertEqual(try sqlite(copy.appendingPathComponent("headers.sqlite"), "SELECT COUNT(*) FROM headers"),
                       try sqlite(copy.appendingPathComponent("index.sqlite"), "SELECT COUNT(*) FROM blob_index"))
        XCTAssertEqual(try sqlite(copy.appendingPathComponent("index.sqlite"), "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'headers%'"), "0",
                       "index.sqlite holds no header tables")
    }

    /// A damaged header index (only a search cache) is set aside and rebuilt; it never stops the store.
    func testADamagedHeaderIndexIsSetAsideAndRebuilt() throws {
        let s = try retrievalStores()
        let before = try Coffer.run(["ls", "--config", s.small.config, "--json", "--text", "the"]).stdoutText
        let copy = try s.small.copy("damaged-headers")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(at: copy.appendingPathComponent("headers.sqlite" + suffix)) }
        try Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }).write(to: copy.appendingPathComponent("headers.sqlite"))
        let stats = try Coffer.run(["stats", "--store", copy.path])
        XCTAssertEqual(stats.code, 0, stats.stderr)
        let r = try Coffer.run(["ls", "--store", copy.path, "--json", "--text", "the"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertEqual(r.stdoutText, before)
        XCTAssertTrue(FileManager.default.fileExists(atPath: copy.appendingPathComponent("headers.sqlite.damaged").path))
    }

    /// An index upgraded by a newer coffer (a migration this version does not know) is refused with a
    /// plain message instead of being misread.
    func testAnIndexFromANewerVersionIsRefused() throws {
        let s = try retrievalStores()
        let copy = try s.small.copy("newer")
        _ = try sqlite(copy.appendingPathComponent("index.sqlite"), "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        let r = try Coffer.run(["ls", "--store", copy.path])
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.stderr.contains("newer version of coffer") && r.stderr.contains("v99-from-the-future"), r.stderr)
    }

    func testHumanTableHasAHeaderAndOneLinePerMessage() throws {
        let s = try retrievalStores()
        let r = try Coffer.run(["ls", "--config", s.small.config, "--account", s.small.userNames[0]])
        XCTAssertEqual(r.code, 0)
        let lines = r.stdoutText.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("DATE"))
        let json = try listed(try Coffer.run(["ls", "--config", s.small.config, "--json", "--account", s.small.userNames[0]]))
        XCTAssertEqual(lines.count - 1, json.count)
    }

    func testBadFilterValuesAreUsageErrors() throws {
        let s = try retrievalStores()
        XCTAssertEqual(try Coffer.run(["ls", "--config", s.small.config, "--since", "last week"]).code, 2)
        XCTAssertEqual(try Coffer.run(["ls", "--config", s.small.config, "--text", "   "]).code, 2)
        let quoted = try Coffer.run(["ls", "--config", s.small.config, "--text", "re: \"x\" OR -y"])
        XCTAssertEqual(quoted.code, 0, "query syntax in --text is taken as words: \(quoted.stderr)")
    }
}
