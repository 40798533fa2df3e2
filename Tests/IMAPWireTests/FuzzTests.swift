import Foundation
import Testing
@testable import IMAPWire

/// Seeded random splits and mutations of known streams: the parser must not crash or hang,
/// and however the bytes are split it must tell the same story.
struct FuzzTests {
    static let embedded: [String] = [
        "* OK [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n* 1 FETCH (UID 3 BODY[] {5}\r\nhello FLAGS (\\Seen))\r\na1 OK done\r\n",
        "* LIST (\\HasNoChildren) \"/\" {10}\r\nLegal\"2019\r\n* LIST () \"/\" \"a\\\"b\"\r\na3 OK LIST completed.\r\n",
        "* 5 FETCH (UID 88 BODY[] {17}\r\nX-Spam-Flag: NO\r\n)\r\na3 OK FETCH completed\r\n",
        "* 1 FETCH (UID 1956 RFC822.SIZE 31888 BODY[] NIL INTERNALDATE \" 7-Jul-1996 02:44:25 -0700\")\r\n",
        "* ESEARCH (TAG \"a5\") UID ALL 1:3,5 COUNT 4\r\n* ID (\"k\" {3}\r\nabc)\r\n+ go\r\n* 3 EXISTS\r\n",
        "* 2 FETCH (ENVELOPE (\"d\" {3}\r\nsub NIL) BODY[HEADER.FIELDS (FROM)]<0> {4}\r\nab\r\n BINARY[1] ~{1}\r\nz)\r\n",
    ]

    static let tokens: [String] = ["{", "}", "{5}\r\n", "{0}\r\n", "{999999}\r\n", "{99999999999999999999}\r\n", "\"", "\\",
                                   "\r\n", "\n", "\r", ")", "(", "[", "]", "NIL", " BODY[] ", "* 1 FETCH (", "~{3}\r\n", " ", "0",
                                   "4294967296", "a1 OK ", "+ ", "<1>"]

    static func corpus() -> [[UInt8]] {
        let fixtures = Fixtures.serverStreams.compactMap(Fixtures.load)
        return embedded.map { Array($0.utf8) } + fixtures
    }

    static func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var out = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let at = Int.random(in: 0...out.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where at < out.count: out[at] = UInt8.random(in: 0...255, using: &rng)
            case 1: out.insert(contentsOf: Array(tokens.randomElement(using: &rng)!.utf8), at: at)
            case 2 where at < out.count: out.removeSubrange(at..<min(out.count, at + Int.random(in: 1...8, using: &rng)))
            case 3 where at < out.count:
                let piece = out[at..<min(out.count, at + Int.random(in: 1...40, using: &rng))]
                out.insert(contentsOf: piece, at: Int.random(in: 0...out.count, using: &rng))
            default: out = Array(out.prefix(at))
            }
        }
        return out
    }

    @Test func randomSplitsAndMutationsAgree() {
        var rng = SplitMix64(seed: 20_240_101)
        let corpus = Self.corpus()
        var small = ResponseParser.Options()
        small.maxLineLength = 48
        small.maxBufferedLiteral = 16
        // COFFER_FUZZ_SECONDS=600 turns this into a long run (docs/fuzzing.md); 4 s and 20,000 inputs otherwise.
        let long = ProcessInfo.processInfo.environment["COFFER_FUZZ_SECONDS"].flatMap(Double.init)
        let deadline = Date().addingTimeInterval(long ?? 4)
        var iterations = 0
        while (long != nil || iterations < 20_000) && Date() < deadline {
            let base = corpus[iterations % corpus.count]
            let input = iterations < corpus.count ? base : Self.mutate(base, using: &rng)
            let options = iterations % 5 == 4 ? small : ResponseParser.Options()
            let whole = wholeTranscript(input, options: options)
            let pieces = randomPieces(total: input.count, maxPiece: Int.random(in: 1...32, using: &rng), using: &rng)
            let split = transcript(input, pieces: pieces, options: options)
            #expect(split == whole, "iteration \(iterations): \(input)")
            if iterations % 10 == 0 { #expect(byteAtATimeTranscript(input, options: options) == whole) }
            #expect(!whole.contains { if case .invariantBroken = $0 { true } else { false } })
            if split != whole { break }
            iterations += 1
        }
        #expect(iterations >= corpus.count)
        if long != nil { print("FuzzTests: \(iterations) inputs in \(Int(long!)) s, no difference, crash or hang") }
    }
}
