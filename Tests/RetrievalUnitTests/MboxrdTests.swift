import Retrieval
import XCTest

/// mboxrd quoting: fed whole, in pieces, and one byte at a time, it gives the same bytes, and unquoting restores the input.
final class MboxrdTests: XCTestCase {
    static let cases: [(String, String)] = [
        ("From me\nbody\n", ">From me\nbody\n"),
        ("a\nFrom x\n>From y\n>>From z\nFrom\nFromage\n", "a\n>From x\n>>From y\n>>>From z\nFrom\nFromage\n"),
        ("x\r\nFrom y\r\n", "x\r\n>From y\r\n"),
        (" From not at line start\n", " From not at line start\n"),
        ("ends in >Fro", "ends in >Fro"),
        ("\nFrom ", "\n>From "),
        (">", ">"),
        ("", ""),
    ]

    private func quote(_ input: [UInt8], chunk: Int) -> [UInt8] {
        var q = MboxrdQuoter()
        var out: [UInt8] = []
        var i = 0
        while i < input.count {
            q.feed(input[i..<min(i + chunk, input.count)]) { out += $0 }
            i += chunk
        }
        q.finish { out += $0 }
        return out
    }

    func testQuotingWholeInPiecesAndByteAtATime() {
        for (input, expected) in Self.cases {
            let bytes = Array(input.utf8)
            for chunk in [max(1, bytes.count), 3, 1] {
                XCTAssertEqual(String(decoding: quote(bytes, chunk: chunk), as: UTF8.self), expected, "\(input.debugDescription) in chunks of \(chunk)")
            }
            XCTAssertEqual(MboxrdQuoter.unquote(Array(expected.utf8)), bytes)
        }
    }

    func testRandomBytesRoundTrip() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("From >\n\r x".utf8)
        for _ in 0..<200 {
            let input = (0..<Int.random(in: 0..<60, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            XCTAssertEqual(MboxrdQuoter.unquote(quote(input, chunk: Int.random(in: 1...7, using: &rng))), input)
        }
    }
}
