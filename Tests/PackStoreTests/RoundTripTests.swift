import ArchiveModel
import Foundation
import Testing
@testable import PackStore

@Suite struct RoundTripTests {
    /// Feeds `bytes` to the encoder in chunks of `chunk` bytes.
    func encode(_ bytes: [UInt8], _ encoder: BlobEncoder, chunk: Int) throws -> EncodedBlob {
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            try bytes[start..<end].withUnsafeBytes { try encoder.update($0) }
            start = end
        }
        return try encoder.finish()
    }

    @Test func manySizesRoundTrip() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        let writer = store.makeWriter()
        let messages: [[UInt8]] = [[], [0x41], mailText(100, seed: 1), Array("abc".utf8),
                                   mixedBytes(1 << 20, seed: 2), mixedBytes(20 << 20, seed: 3)]
        let chunks = [1, 1, 7, 2, 4096, 1 << 20]
        var stored: [(EncodedBlob, BlobLocation)] = []
        for (message, chunk) in zip(messages, chunks) {
            let blob = try encode(message, encoder, chunk: chunk)
            stored.append((blob, try writer.append(blob)))
            blob.discard()
        }
        try writer.sync()
        // Entries sit back to back after the 32-byte pack header.
        #expect(stored[0].1.offset == 32)
        for i in 1..<stored.count { #expect(stored[i].1.offset == stored[i - 1].1.endOffset) }
        #expect(stored[3].0.id.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(stored[0].0.id.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        for (message, (blob, location)) in zip(messages, stored) {
            #expect(blob.id.hex == (try systemSHA256(message, in: dir.url)))
            #expect(location.rawLength == UInt64(message.count))
            #expect(try store.read(location, expected: blob.id) == message)
            var streamed: [UInt8] = []
            var largestChunk = 0
            try store.stream(location, expected: blob.id) { chunk in
                streamed.append(contentsOf: chunk)
                largestChunk = max(largestChunk, chunk.count)
            }
            #expect(streamed == message)
            #expect(largestChunk <= 128 << 10 + 3)
            #expect(store.verifyBlob(location, id: blob.id) == .ok)
        }
        // The 20 MB half-random message compresses to a bit over half.
        #expect(stored[5].1.storedLength > 10 << 20 && stored[5].1.storedLength < 14 << 20)
        try writer.close()
        #expect(store.verifyStructure(writer.sealedPacks[0]) == [])
        #expect(try store.entries(of: writer.sealedPacks[0]).map(\.location) == stored.map(\.1))
    }

    @Test func byteAtATimeFeedingMatchesWholeBuffer() throws {
        let dir = try TempDirectory()
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        for message in [mailText(3_000, seed: 11), mixedBytes(300_000, seed: 12)] {
            let whole = try encoder.encode(message)
            let pieces = try encode(message, encoder, chunk: message.count < 10_000 ? 1 : 997)
            #expect(whole.id == pieces.id)
            #expect(whole.rawLength == UInt64(message.count) && pieces.rawLength == UInt64(message.count))
            let store = try PackStore(directory: dir.url.appendingPathComponent("p\(message.count)"))
            let writer = store.makeWriter()
            let a = try writer.append(whole), b = try writer.append(pieces)
            #expect(try store.read(a, expected: whole.id) == message)
            #expect(try store.read(b, expected: whole.id) == message)
        }
    }

    @Test func wrongExpectationsAreRejected() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        let writer = store.makeWriter()
        let first = try encoder.encode(mailText(500, seed: 4))
        let second = try encoder.encode(mailText(700, seed: 5))
        let a = try writer.append(first)
        _ = try writer.append(second)
        #expect(throws: PackStoreError.locationMismatch(a.pack, offset: 32)) {
            try store.read(a, expected: second.id)
        }
        var wrongLength = a
        wrongLength.rawLength += 1
        #expect(throws: PackStoreError.locationMismatch(a.pack, offset: 32)) { try store.read(wrongLength) }
        var notAnEntry = a
        notAnEntry.offset += 1
        #expect(throws: PackStoreError.badEntryHeader(a.pack, offset: 33)) { try store.read(notAnEntry) }
        #expect(store.verifyBlob(a, id: second.id) == .unreadable(.locationMismatch(a.pack, offset: 32)))
    }

    @Test func concurrentReadersShareOneStore() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        let writer = store.makeWriter(targetPackSize: 50_000)
        var stored: [(BlobID, BlobLocation)] = []
        for i in 0..<60 {
            let blob = try encoder.encode(mixedBytes(1_000 + 97 * i, seed: UInt64(500 + i)))
            stored.append((blob.id, try writer.append(blob)))
            _ = try writer.sealIfFull()
        }
        try writer.close()
        let failures = ManagedCounter()
        let all = stored
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for (n, (id, location)) in all.enumerated() where (n + worker) % 2 == 0 {
                if store.verifyBlob(location, id: id) != .ok { failures.increment() }
                if (try? store.read(location, expected: id))?.count != Int(location.rawLength) { failures.increment() }
            }
        }
        #expect(failures.value == 0)
        #expect(writer.sealedPacks.count > 1)
    }
}

/// A counter that worker threads can bump.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
