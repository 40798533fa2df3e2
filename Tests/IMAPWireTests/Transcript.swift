import Foundation
@testable import IMAPWire

/// A normalised record of what the parser produced, independent of how the input was split:
/// responses, bodies (their bytes concatenated) and the error that stopped the stream.
enum TranscriptItem: Equatable, CustomStringConvertible {
    case response(Response)
    /// A body literal: announced size, the bytes received, and whether `bodyEnd` came.
    case body(announced: Int, bytes: [UInt8], ended: Bool)
    case error(ParserError)
    /// The event order broke an invariant (bytes outside a body, begin inside a body…).
    case invariantBroken(String)

    var description: String {
        switch self {
        case .response(let r): return "response(\(r))"
        case .body(let n, let bytes, let ended): return "body(\(n), \(bytes.count) bytes, ended: \(ended))"
        case .error(let e): return "error(\(e))"
        case .invariantBroken(let why): return "invariantBroken(\(why))"
        }
    }
}

/// Collects parser events into a transcript, checking the body event protocol on the way.
struct TranscriptRecorder {
    private(set) var items: [TranscriptItem] = []
    private var open: (announced: Int, bytes: [UInt8])?

    mutating func record(_ event: ParserEvent) {
        switch event {
        case .response(let r):
            if open != nil { items.append(.invariantBroken("response inside a body")) }
            items.append(.response(r))
        case .bodyBegin(let size):
            if open != nil { items.append(.invariantBroken("bodyBegin inside a body")) }
            open = (size, [])
        case .bodyBytes(let chunk):
            guard open != nil else { return items.append(.invariantBroken("bodyBytes outside a body")) }
            if chunk.isEmpty { items.append(.invariantBroken("empty bodyBytes")) }
            open!.bytes.append(contentsOf: chunk)
            if open!.bytes.count > open!.announced { items.append(.invariantBroken("more bytes than announced")) }
        case .bodyEnd:
            guard let body = open else { return items.append(.invariantBroken("bodyEnd outside a body")) }
            items.append(.body(announced: body.announced, bytes: body.bytes, ended: true))
            open = nil
        }
    }

    mutating func finish(error: ParserError?) -> [TranscriptItem] {
        if let body = open { items.append(.body(announced: body.announced, bytes: body.bytes, ended: false)) }
        open = nil
        if let error { items.append(.error(error)) }
        return items
    }
}

/// Feeds `bytes` cut into pieces of the given sizes (the last piece takes the rest).
func transcript(_ bytes: [UInt8], pieces: [Int], options: ResponseParser.Options = .init()) -> [TranscriptItem] {
    var parser = ResponseParser(options: options)
    var recorder = TranscriptRecorder()
    var start = 0
    var sizes = pieces[...]
    do {
        while start < bytes.count {
            let size = min(sizes.popFirst() ?? bytes.count, bytes.count - start)
            try bytes[start..<(start + size)].withUnsafeBytes { chunk in try parser.feed(chunk) { recorder.record($0) } }
            start += size
        }
        return recorder.finish(error: nil)
    } catch let error as ParserError {
        return recorder.finish(error: error)
    } catch {
        return [.invariantBroken("unexpected error type \(error)")]
    }
}

func wholeTranscript(_ bytes: [UInt8], options: ResponseParser.Options = .init()) -> [TranscriptItem] {
    transcript(bytes, pieces: [bytes.count], options: options)
}

func byteAtATimeTranscript(_ bytes: [UInt8], options: ResponseParser.Options = .init()) -> [TranscriptItem] {
    transcript(bytes, pieces: Array(repeating: 1, count: bytes.count), options: options)
}

/// Random piece sizes in `1...maxPiece` covering `total` bytes.
func randomPieces(total: Int, maxPiece: Int, using rng: inout SplitMix64) -> [Int] {
    var pieces: [Int] = []
    var covered = 0
    while covered < total {
        let size = Int.random(in: 1...maxPiece, using: &rng)
        pieces.append(size)
        covered += size
    }
    return pieces
}

/// A small seeded generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The shared case fixtures (`../shared/cases/fixtures` beside the repository), when present.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/cases/fixtures").standardizedFileURL

    static var available: Bool { FileManager.default.fileExists(atPath: directory.path) }

    /// The server-stream fixtures (B34/B35 are raw messages, not streams).
    static let serverStreams = ["B14_size_mismatch.bin", "B17_list_literal_name.bin", "B21_short_literal_DESYNC.bin",
                                "B23_split_reads.bin", "B25_spamflag_no.bin", "B28_nil_body.bin"]

    static func load(_ name: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
        return [UInt8](data)
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The responses of a transcript, in order.
func responses(_ items: [TranscriptItem]) -> [Response] {
    items.compactMap { if case .response(let r) = $0 { return r } else { return nil } }
}
