import ArchiveModel
import Foundation
import Testing
@testable import PackStore

/// Pins the on-disk bytes documented in docs/store-format.md.
@Suite struct FormatTests {
    let pack = PackID(hex: "000102030405060708090a0b0c0d0e0f")!
    let abc = SHA256Hasher.hash(Array("abc".utf8))

    @Test func packHeaderBytes() {
        let bytes = PackHeader(pack: pack).encoded()
        #expect(bytes.count == 32)
        #expect(Array(bytes[0..<8]) == Array("COFFPACK".utf8))
        #expect(Array(bytes[8..<12]) == [1, 0, 0, 0])
        #expect(Array(bytes[12..<28]) == Array(0..<16))
        let crc = CRC32C.checksum(Array(bytes[0..<28]))
        #expect(Array(bytes[28..<32]) == [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)])
        #expect(PackHeader.decode(bytes) == PackHeader(pack: pack))
        var bad = bytes
        bad[9] = 1   // version 0x0101
        #expect(PackHeader.decode(bad) == nil)
    }

    @Test func entryHeaderBytes() {
        let header = EntryHeader(id: abc, rawLength: 3, storedLength: 0x0102, dictionary: 0x0A0B_0C0D)
        let bytes = header.encoded()
        #expect(bytes.count == 64)
        #expect(Array(bytes[0..<4]) == Array("BLOB".utf8))
        #expect(Array(bytes[4..<36]) == abc.bytes)
        #expect(Array(bytes[36..<44]) == [3, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[44..<52]) == [0x02, 0x01, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[52..<56]) == [1, 0, 0, 0])
        #expect(Array(bytes[56..<60]) == [0x0D, 0x0C, 0x0B, 0x0A])
        #expect(ByteReader(bytes).u32(60) == CRC32C.checksum(Array(bytes[0..<60])))
        #expect(EntryHeader.decode(bytes) == header)
        for i in [0, 4, 40, 52, 53, 60] {
            var bad = bytes
            bad[i] ^= 0x10
            #expect(EntryHeader.decode(bad) == nil, "byte \(i)")
        }
    }

    /// One blob "abc" in a sealed pack, checked byte by byte against the documented layout.
    @Test func sealedPackLayout() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        let writer = store.makeWriter()
        let blob = try encoder.encode(Array("abc".utf8))
        let location = try writer.append(blob)
        try writer.close()
        let id = try #require(writer.sealedPacks.first)
        #expect(location == BlobLocation(pack: id, offset: 32, storedLength: blob.storedLength, rawLength: 3))
        let file = store.url(of: id)
        #expect(file.path == dir.packs.path + "/\(id.hex.prefix(2))/\(id.hex).pack")
        let bytes = try fileBytes(file)
        let stored = Int(blob.storedLength)
        #expect(bytes.count == 32 + 64 + stored + 64 + 56)
        #expect(Array(bytes[12..<28]) == id.bytes)
        #expect(Array(bytes[96..<100]) == [0x28, 0xB5, 0x2F, 0xFD])   // zstd frame magic
        #expect(bytes[100] & 0x04 == 0x04)                              // frame descriptor: content checksum flag
        let row = ByteReader(bytes, at: 96 + stored)
        #expect(row.slice(0, 32) == abc.bytes)
        #expect(row.u64(32) == 32 && row.u64(40) == 3 && row.u64(48) == UInt64(stored))
        #expect(row.u8(56) == 1 && row.u32(60) == 0)
        let tail = ByteReader(bytes, at: bytes.count - 56)
        #expect(tail.u64(0) == 1)
        #expect(tail.u64(40) == 64 + 56)
        #expect(tail.slice(48, 8) == Array("COFFSEAL".utf8))
        let covered = Array(bytes[0..<(bytes.count - 48)])
        #expect(tail.slice(8, 32) == Array(try #require(BlobID(hex: try systemSHA256(covered, in: dir.url))).bytes))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd")))
    func payloadIsAStandardZstdFrame() throws {
        let dir = try TempDirectory()
        let message = mixedBytes(300_000, seed: 7)
        let blob = try BlobEncoder(spillDirectory: dir.spill).encode(message)
        guard case .memory(let frame) = blob.payload else { Issue.record("expected memory payload"); return }
        let input = dir.url.appendingPathComponent("m.zst")
        try writeFile(input, frame)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zstd")
        process.arguments = ["-q", "-d", "-f", input.path, "-o", dir.url.appendingPathComponent("m").path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try fileBytes(dir.url.appendingPathComponent("m")) == message)
    }
}
