import ArchiveModel
import Foundation
@testable import PackStore

/// A fresh directory under the system temp dir, removed when the value is released.
final class TempDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("packstore-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    var packs: URL { url.appendingPathComponent("packs", isDirectory: true) }
    var spill: URL { url.appendingPathComponent("tmp", isDirectory: true) }
}

/// Deterministic pseudo-random bytes (SplitMix64), so failures reproduce.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Fills `buffer` with random bytes.
    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var i = 0
        while i + 8 <= buffer.count {
            buffer.storeBytes(of: next(), toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < buffer.count {
            buffer[i] = UInt8(truncatingIfNeeded: next())
            i += 1
        }
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }
}

/// Mail-like text: repeated header lines with varying numbers; compresses roughly 4–8×.
func mailText(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(state: seed)
    var out = [UInt8]()
    out.reserveCapacity(count + 128)
    let words = ["Received: from mail", "Subject: Re: quarterly numbers", "To: jeff.dasovich@enron.com",
                 "the gas desk", "Message-ID: <", "please review", "Content-Type: text/plain"]
    while out.count < count {
        out.append(contentsOf: words[Int(rng.next() % UInt64(words.count))].utf8)
        out.append(contentsOf: " \(rng.next() % 100_000)\r\n".utf8)
    }
    return Array(out.prefix(count))
}

/// Half mail text, half random bytes.
func mixedBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(state: seed)
    return mailText(count / 2, seed: seed) + rng.bytes(count - count / 2)
}

/// SHA-256 by the system's `sha256sum`, independent of the code under test.
func systemSHA256(_ bytes: [UInt8], in dir: URL) throws -> String {
    let file = dir.appendingPathComponent("sha-input-\(UUID().uuidString)")
    try Data(bytes).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [file.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: output.prefix(64), as: UTF8.self)
}

/// Reads a whole file.
func fileBytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

/// Overwrites a file with `bytes`.
func writeFile(_ url: URL, _ bytes: [UInt8]) throws { try Data(bytes).write(to: url) }

/// Flips one bit of the byte at `offset` of a file.
func flipBit(_ url: URL, at offset: UInt64, mask: UInt8 = 0x01) throws {
    var bytes = try fileBytes(url)
    bytes[Int(offset)] ^= mask
    try writeFile(url, bytes)
}

/// Appends `blobs` with a fresh writer and syncs; returns their locations.
func appendAll(_ blobs: [[UInt8]], to store: PackStore, encoder: BlobEncoder,
               writer: PackWriter) throws -> [(BlobID, BlobLocation)] {
    try blobs.map { bytes in
        let blob = try encoder.encode(bytes)
        defer { blob.discard() }
        return (blob.id, try writer.append(blob))
    }
}
