import ArchiveModel
import Foundation
import Testing
@testable import PackStore

@Suite struct EncoderTests {
    func spillFiles(_ dir: TempDirectory) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.spill.path)) ?? []).sorted()
    }

    @Test func bigMessageSpillsToFile() throws {
        let dir = try TempDirectory()
        let encoder = BlobEncoder(spillDirectory: dir.spill, spillThreshold: 64 << 10)
        var rng = SplitMix64(state: 21)
        let message = rng.bytes(3 << 20)
        let blob = try encoder.encode(message)
        guard case .file(let url, let length) = blob.payload else {
            Issue.record("expected a spilled payload, got \(blob.payload)")
            return
        }
        #expect(url.deletingLastPathComponent().standardizedFileURL == dir.spill.standardizedFileURL)
        #expect(spillFiles(dir) == [url.lastPathComponent])
        #expect(length == blob.storedLength)
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? UInt64 == length)
        // Random bytes do not compress: zstd stores raw blocks plus a few bytes of framing.
        #expect(length > UInt64(message.count) && length < UInt64(message.count) + 1024)

        let store = try PackStore(directory: dir.packs)
        let writer = store.makeWriter()
        let location = try writer.append(blob)
        blob.discard()
        #expect(spillFiles(dir) == [])
        try writer.sync()
        #expect(try store.read(location, expected: blob.id) == message)
        #expect(blob.id == SHA256Hasher.hash(message))

        // Small and compressible messages stay in memory, on both the one-call and the streaming path.
        let defaults = BlobEncoder(spillDirectory: dir.spill)
        for size in [100, 1 << 20] {
            let small = try defaults.encode(mailText(size, seed: UInt64(size)))
            guard case .memory(let bytes) = small.payload else { Issue.record("size \(size) spilled"); continue }
            #expect(bytes.count < size / 2 + 64)
        }
    }

    @Test func resetDropsPartialSpillAndEncoderIsReusable() throws {
        let dir = try TempDirectory()
        let encoder = BlobEncoder(spillDirectory: dir.spill, spillThreshold: 32 << 10)
        var rng = SplitMix64(state: 22)
        try encoder.update(rng.bytes(1 << 20))
        #expect(spillFiles(dir).count == 1)
        encoder.reset()
        #expect(spillFiles(dir) == [])
        let next = try encoder.encode(Array("abc".utf8))
        #expect(next.id.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(next.rawLength == 3)
    }

    @Test func spillFileChangedIsDetected() throws {
        let dir = try TempDirectory()
        let encoder = BlobEncoder(spillDirectory: dir.spill, spillThreshold: 1 << 10)
        var rng = SplitMix64(state: 23)
        let blob = try encoder.encode(rng.bytes(100_000))
        guard case .file(let url, let length) = blob.payload else { Issue.record("not spilled"); return }
        try writeFile(url, Array(try fileBytes(url).prefix(10)))
        let store = try PackStore(directory: dir.packs)
        let writer = store.makeWriter()
        #expect(throws: PackStoreError.spillFileChanged(path: url.path, expected: length, actual: 10)) {
            try writer.append(blob)
        }
        // The failed append left no partial entry: the next one starts right after the pack header.
        let next = try writer.append(try encoder.encode(Array("abc".utf8)))
        #expect(next.offset == 32)
        blob.discard()
    }

    /// A 150 MB message encodes and decodes holding well under 32 MiB.
    @Test func hugeMessageHasBoundedFootprint() throws {
        let dir = try TempDirectory()
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        var rng = SplitMix64(state: 24)
        var hasher = SHA256Hasher()
        var chunk = mailText(1 << 20, seed: 25)
        var peak = 0
        for _ in 0..<150 {
            chunk.withUnsafeMutableBytes { rng.fill(UnsafeMutableRawBufferPointer(rebasing: $0[..<(512 << 10)])) }
            hasher.update(chunk)
            try encoder.update(chunk)
            peak = max(peak, encoder.footprint)
        }
        let blob = try encoder.finish()
        defer { blob.discard() }
        #expect(blob.id == hasher.finish())
        #expect(blob.rawLength == 150 << 20)
        guard case .file = blob.payload else { Issue.record("150 MB payload stayed in memory"); return }
        #expect(peak < 16 << 20, "encoder footprint \(peak) bytes")

        let store = try PackStore(directory: dir.packs)
        let writer = store.makeWriter()
        let location = try writer.append(blob)
        try writer.close()
        var total: UInt64 = 0
        var check = SHA256Hasher()
        try store.stream(location) { piece in
            total += UInt64(piece.count)
            check.update(piece)
        }
        #expect(total == 150 << 20)
        #expect(check.finish() == blob.id)
        #expect(store.decoderFootprint < 16 << 20, "decoder footprint \(store.decoderFootprint) bytes")
        #expect(store.verifyStructure(location.pack) == [])
    }

    /// High levels stream large messages with capped tables; small messages keep the level's own.
    @Test func highLevelStreamingStaysBounded() throws {
        let dir = try TempDirectory()
        let encoder = BlobEncoder(level: 19, spillDirectory: dir.spill)
        var rng = SplitMix64(state: 26)
        var peak = 0
        var hasher = SHA256Hasher()
        for i in 0..<6 {
            let chunk = i % 2 == 0 ? mailText(1 << 20, seed: UInt64(i)) : rng.bytes(1 << 20)
            hasher.update(chunk)
            try encoder.update(chunk)
            peak = max(peak, encoder.footprint)
        }
        let big = try encoder.finish()
        defer { big.discard() }
        #expect(big.id == hasher.finish())
        #expect(peak < 16 << 20, "level 19 encoder footprint \(peak) bytes")
        let small = try encoder.encode(mailText(5_000, seed: 27))
        let store = try PackStore(directory: dir.packs)
        let writer = store.makeWriter()
        let a = try writer.append(big), b = try writer.append(small)
        #expect(store.verifyBlob(a, id: big.id) == .ok)
        #expect(try store.read(b, expected: small.id) == mailText(5_000, seed: 27))
    }
}
