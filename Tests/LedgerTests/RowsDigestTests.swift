import ArchiveModel
import Catalog
import Ledger
import PackStore
import XCTest

/// The rows root is RFC 6962's Merkle tree hash; the expected values come from a 12-line Python
/// implementation of RFC 6962 §2.1 (hashlib), not from coffer.
final class RowsDigestTests: XCTestCase {
    private func row(_ i: Int) -> ChainRow {
        ChainRow(source: "src", account: "acct", mailboxWire: "INBOX", uidValidity: 42, uid: UInt32(i),
                 blob: SHA256Hasher.hash(Array(String(i).utf8)))
    }

    func testRootsMatchAnIndependentRFC6962Implementation() {
        let expected = [
            0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            1: "c01a049bddbda171992bbce26772ce252ae5b5bd36e92cb244704eecd78222e4",
            2: "79045009f261452a4d863f1fae48d095bcdd6c3023f8d7a85b6e4b8426d8524f",
            3: "fded7b0eb65604aac147790f06de5e2b878aca41d8049b536f0d02fc2d1e28a0",
            7: "de008a4474d829242aa27bf961a0a2ba9d3b8a8617de5ebb21852b93d7587577",
        ]
        for (n, root) in expected {
            var d = RowsDigest()
            for i in 0..<n { d.add(row(i + 1)) }
            XCTAssertEqual(d.root, root, "\(n) rows")
            XCTAssertEqual(d.count, n)
        }
    }

    func testLeafDataIsTheDocumentedForm() {
        XCTAssertEqual(String(decoding: RowsDigest.leafData(row(5)), as: UTF8.self),
                       "src\u{0}acct\u{0}INBOX\u{0}42\u{0}5\u{0}" + SHA256Hasher.hash(Array("5".utf8)).hex)
    }

    func testAnyChangeChangesTheRoot() {
        var a = RowsDigest(), b = RowsDigest(), c = RowsDigest()
        for i in 1...5 { a.add(row(i)) }
        for i in [1, 2, 4, 3, 5] { b.add(row(i)) }
        for i in 1...4 { c.add(row(i)) }
        XCTAssertNotEqual(a.root, b.root, "order matters")
        XCTAssertNotEqual(a.root, c.root, "a missing row changes it")
    }
}

/// The record's canonical text and hash (docs/evidence.md).
final class ChainRecordTests: XCTestCase {
    let record = ChainRecord(seq: 2, prev: String(repeating: "a", count: 64), run: 7, kind: "sync",
                             started: "2026-01-02T03:04:05.000Z", finished: nil, status: nil, appended: "2026-01-02T03:05:00.000Z",
                             rows: 3, rowsRoot: String(repeating: "b", count: 64),
                             packs: [.init(id: String(repeating: "c", count: 32), sha256: String(repeating: "d", count: 64))])

    func testCanonicalText() {
        XCTAssertEqual(record.canonicalText, """
            coffer-chain 1
            seq 2
            prev \(String(repeating: "a", count: 64))
            run 7
            kind sync
            started 2026-01-02T03:04:05.000Z
            finished -
            status -
            appended 2026-01-02T03:05:00.000Z
            rows 3
            rows-root \(String(repeating: "b", count: 64))
            pack \(String(repeating: "c", count: 32)) \(String(repeating: "d", count: 64))

            """)
        XCTAssertEqual(record.sealed().hash, SHA256Hasher.hash(Array(record.canonicalText.utf8)).hex)
    }

    func testJSONLineRoundTrips() {
        let sealed = record.sealed()
        XCTAssertEqual(ChainRecord(jsonLine: Substring(sealed.jsonLine)), sealed)
        XCTAssertNil(ChainRecord(jsonLine: "{\"v\":2}"))
        XCTAssertNil(ChainRecord(jsonLine: "not json"))
    }
}
