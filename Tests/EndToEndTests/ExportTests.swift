import Foundation
import XCTest

/// `coffer export`: raw bytes exactly, a manifest that matches them, the same result when re-run.
final class ExportTests: XCTestCase {
    private func export(_ format: String, to dir: URL, _ extra: [String] = []) throws -> ProcessResult {
        let s = try retrievalStores()
        return try Coffer.run(["export", "--config", s.small.config, "--format", format, "--to", dir.path] + extra)
    }

    private func manifest(_ dir: URL) throws -> [[String: Any]] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json"))) as! [String: Any]
        return json["messages"] as! [[String: Any]]
    }

    /// SHA-256 of every exported eml/maildir file (with sha256sum, independent of coffer) equals its blob ID.
    func testEmlAndMaildirRoundTripByteExact() throws {
        let s = try retrievalStores()
        for format in ["eml", "maildir"] {
            let dir = s.small.root.appendingPathComponent("export-\(format)-\(UUID().uuidString.prefix(4))")
            let r = try export(format, to: dir)
            XCTAssertEqual(r.code, 0, r.stderr)
            let rows = try manifest(dir)
            XCTAssertEqual(rows.count, 400)
            XCTAssertEqual(Set(rows.map { $0["file"] as! String }).count, 400, "one file per message")
            let paths = rows.map { dir.appendingPathComponent($0["file"] as! String).path }
            XCTAssertEqual(try sha256(ofFiles: paths), rows.map { $0["blob_sha256"] as! String })
            let ls = try listed(try Coffer.run(["ls", "--config", s.small.config, "--json"]))
            XCTAssertEqual(rows.map { $0["blob_sha256"] as! String }.sorted(), ls.map { $0["blob"] as! String }.sorted())
            let check = try runProcess("/bin/sh", ["-c", "cd \"$0\" && sha256sum -c manifest.sha256", dir.path])
            XCTAssertEqual(check.code, 0, check.stdoutText)
            XCTAssertEqual(check.stdoutText, "manifest.csv: OK\nmanifest.json: OK\n")
        }
    }

    /// mbox (mboxrd): the documented unquoting of each manifest range gives back the exact message.
    func testMboxRoundTripAfterReversingMboxrd() throws {
        let s = try retrievalStores()
        let dir = s.small.root.appendingPathComponent("export-mbox-\(UUID().uuidString.prefix(4))")
        let r = try export("mbox", to: dir)
        XCTAssertEqual(r.code, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json"))) as! [String: Any]
        XCTAssertTrue((json["mbox_quoting"] as! String).contains("mboxrd"))
        var quotedLines = 0
        let originals = dir.appendingPathComponent("unquoted")
        try FileManager.default.createDirectory(at: originals, withIntermediateDirectories: true)
        var paths: [String] = [], expected: [String] = []
        for (i, row) in try manifest(dir).enumerated() {
            let file = try Data(contentsOf: dir.appendingPathComponent(row["file"] as! String))
            let start = row["offset"] as! Int, length = row["length"] as! Int
            let quoted = file.subdata(in: start..<start + length)
            let original = Self.unquoteMboxrd(quoted)
            quotedLines += quoted.count - original.count
            let path = originals.appendingPathComponent("\(i).eml")
            try original.write(to: path)
            paths.append(path.path)
            expected.append(row["blob_sha256"] as! String)
            XCTAssertEqual(original.count, row["size"] as! Int)
            XCTAssertEqual(file.subdata(in: start - 1..<start), Data("\n".utf8), "the From line ends just before the message")
            XCTAssertEqual(file[start + length], 0x0A, "one LF after each message")
        }
        XCTAssertEqual(try sha256(ofFiles: paths), expected)
        XCTAssertEqual(paths.count, 400)
        XCTAssertGreaterThan(quotedLines, 0, "the corpus has `From ` lines that needed quoting")
    }

    /// The reader side of mboxrd, written here independently of coffer: drop one `>` from `^>+From `.
    static func unquoteMboxrd(_ data: Data) -> Data {
        var out = Data()
        for (i, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if i > 0 { out.append(0x0A) }
            let gt = line.prefix { $0 == UInt8(ascii: ">") }.count
            if gt > 0 && line.dropFirst(gt).starts(with: Data("From ".utf8)) { out.append(line.dropFirst()) } else { out.append(line) }
        }
        return out
    }

    /// Same selection twice: the same files with the same bytes, the same manifest.
    func testReRunIsIdempotent() throws {
        let s = try retrievalStores()
        for format in ["eml", "maildir", "mbox"] {
            let dir = s.small.root.appendingPathComponent("again-\(format)-\(UUID().uuidString.prefix(4))")
            XCTAssertEqual(try export(format, to: dir, ["--account", s.small.userNames[1]]).code, 0)
            let first = try Self.tree(dir)
            let second = try export(format, to: dir, ["--account", s.small.userNames[1]])
            XCTAssertEqual(second.code, 0, second.stderr)
            XCTAssertEqual(try Self.tree(dir), first, format)
            if format != "mbox" { XCTAssertTrue(second.stderr.contains("already there"), second.stderr) }
        }
    }

    /// A filtered export holds exactly what `ls` lists for the same filters, and records the filters.
    func testFilteredExportMatchesLs() throws {
        let s = try retrievalStores()
        let ls = try listed(try Coffer.run(["ls", "--config", s.small.config, "--json", "--text", "the", "--mailbox", "INBOX"]))
        XCTAssertFalse(ls.isEmpty)
        let dir = s.small.root.appendingPathComponent("filtered-\(UUID().uuidString.prefix(4))")
        XCTAssertEqual(try export("eml", to: dir, ["--text", "the", "--mailbox", "INBOX"]).code, 0)
        let rows = try manifest(dir)
        XCTAssertEqual(rows.map { "\($0["account"]!)|\($0["uid"]!)|\($0["blob_sha256"]!)" },
                       ls.map { "\($0["account"]!)|\($0["uid"]!)|\($0["blob"]!)" })
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json"))) as! [String: Any]
        XCTAssertEqual(json["selection"] as? [String: String], ["text": "the", "mailbox": "INBOX"])
        let csv = try String(contentsOf: dir.appendingPathComponent("manifest.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("source,account,mailbox,mailbox_wire,uidvalidity,uid,blob_sha256,size,internaldate,file,offset,length\r\n"))
        XCTAssertEqual(csv.split(separator: "\r\n").count, rows.count + 1)
    }

    /// Every file under `dir` (relative path → SHA-256), hidden temporary files included.
    static func tree(_ dir: URL) throws -> [String: String] {
        var files: [String] = []
        for case let rel as String in FileManager.default.enumerator(atPath: dir.path)! {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(rel).path, isDirectory: &isDir), !isDir.boolValue { files.append(rel) }
        }
        return Dictionary(uniqueKeysWithValues: zip(files, try sha256(ofFiles: files.map { dir.appendingPathComponent($0).path })))
    }
}
