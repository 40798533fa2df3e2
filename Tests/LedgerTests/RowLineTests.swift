import ArchiveModel
import Catalog
import Foundation
@testable import Ledger
import PackStore
import XCTest

/// Rows-file lines: the direct writer must give exactly the bytes `JSONSerialization` gives, since
/// the lines are hashed into the chain and read back by `tools/chain-verify.py`.
final class RowLineTests: XCTestCase {
    private func viaJSONSerialization(_ r: ChainRow) throws -> [UInt8] {
        let array: [Any] = [r.source, r.account, r.mailboxWire, Int(r.uidValidity), Int(r.uid), r.blob.hex]
        return Array(try JSONSerialization.data(withJSONObject: array, options: [.withoutEscapingSlashes])) + [0x0A]
    }

    func testLinesEqualJSONSerializationForPlainAndEscapedNames() throws {
        let blob = SHA256Hasher.hash(Array("x".utf8))
        let names = ["INBOX", "Sent Items/2024", "&BB4EQgRHBDUEQgRL-", "a'b~c|d", "with \"quote\"", "back\\slash",
                     "tab\there", "Entwürfe", ""]
        for (i, name) in names.enumerated() {
            let row = ChainRow(source: "testbed", account: "user\(i)@example.com", mailboxWire: name,
                               uidValidity: UInt32.max - UInt32(i), uid: UInt32(i * 1000), blob: blob)
            XCTAssertEqual(ChainLog.rowLine(row), try viaJSONSerialization(row), name)
        }
    }
}
