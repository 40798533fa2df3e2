import ArchiveModel
import Foundation
import Testing
@testable import PackStore

/// Damages real sealed packs on purpose and expects the exact finding.
@Suite struct DamageTests {
    /// A sealed pack of three random (incompressible) 5 000-byte blobs.
    func sealedPack(_ dir: TempDirectory) throws -> (PackStore, PackID, [RecoveredEntry]) {
        let store = try PackStore(directory: dir.packs)
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        let writer = store.makeWriter()
        var rng = SplitMix64(state: 77)
        var entries: [RecoveredEntry] = []
        for _ in 0..<3 {
            let blob = try encoder.encode(rng.bytes(5_000))
            entries.append(RecoveredEntry(id: blob.id, location: try writer.append(blob)))
        }
        try writer.close()
        return (store, entries[0].location.pack, entries)
    }

    @Test func payloadBitFlip() throws {
        let dir = try TempDirectory()
        let (store, pack, entries) = try sealedPack(dir)
        let hit = entries[1].location
        try flipBit(store.url(of: pack), at: hit.offset + 64 + 2_500)
        #expect(store.verifyBlob(hit, id: entries[1].id)
            == .unreadable(.corruptPayload(pack, offset: hit.offset, reason: "Restored data doesn't match checksum")))
        #expect(store.verifyBlob(entries[0].location, id: entries[0].id) == .ok)
        #expect(store.verifyBlob(entries[2].location, id: entries[2].id) == .ok)
        let findings = store.verifyStructure(pack)
        #expect(findings == [.checksumMismatch(pack)])
        #expect(findings[0].message.contains(pack.hex))
        #expect(throws: PackStoreError.corruptPayload(pack, offset: hit.offset, reason: "Restored data doesn't match checksum")) {
            try store.read(hit)
        }
    }

    @Test func entryHeaderByteFlip() throws {
        let dir = try TempDirectory()
        let (store, pack, entries) = try sealedPack(dir)
        let hit = entries[1].location
        try flipBit(store.url(of: pack), at: hit.offset + 40, mask: 0x80)   // inside the raw length
        #expect(store.verifyStructure(pack) == [.badEntryHeader(pack, offset: hit.offset), .checksumMismatch(pack)])
        #expect(throws: PackStoreError.badEntryHeader(pack, offset: hit.offset)) { try store.read(hit) }
        #expect(store.verifyBlob(hit, id: entries[1].id) == .unreadable(.badEntryHeader(pack, offset: hit.offset)))
        #expect(throws: PackStoreError.badEntryHeader(pack, offset: hit.offset)) { try store.entries(of: pack) }
        // The index still reaches the entries on either side.
        #expect(store.verifyBlob(entries[2].location, id: entries[2].id) == .ok)
        let finding = PackFinding.badEntryHeader(pack, offset: hit.offset)
        #expect(finding.message.contains(pack.hex) && finding.message.contains("offset \(hit.offset)"))
    }

    @Test func deletedPack() throws {
        let dir = try TempDirectory()
        let (store, pack, entries) = try sealedPack(dir)
        try FileManager.default.removeItem(at: store.url(of: pack))
        #expect(throws: PackStoreError.packMissing(pack)) { try store.read(entries[0].location) }
        #expect(store.verifyBlob(entries[0].location, id: entries[0].id) == .unreadable(.packMissing(pack)))
        #expect(store.verifyStructure(pack) == [.missing(pack)])
        #expect(throws: PackStoreError.packMissing(pack)) { try store.entries(of: pack) }
        #expect(PackStoreError.packMissing(pack).description.contains(pack.hex))
        #expect(try store.packIDs() == [])
    }

    @Test func trailerDamage() throws {
        let dir = try TempDirectory()
        let (store, pack, entries) = try sealedPack(dir)
        let url = store.url(of: pack)
        let original = try fileBytes(url)
        let tableStart = entries[2].location.endOffset
        // The second table row's offset field.
        try flipBit(url, at: tableStart + 64 + 32)
        #expect(store.verifyStructure(pack) == [.tableMismatch(pack, offset: entries[1].location.offset), .checksumMismatch(pack)])
        // The trailer length no longer matches the entry count.
        try writeFile(url, original)
        try flipBit(url, at: UInt64(original.count - 16))
        #expect(store.verifyStructure(pack) == [.badTrailer(pack)])
        // The pack checksum itself.
        try writeFile(url, original)
        try flipBit(url, at: UInt64(original.count - 48))
        #expect(store.verifyStructure(pack) == [.checksumMismatch(pack)])
        // The pack header.
        try writeFile(url, original)
        try flipBit(url, at: 20)
        #expect(store.verifyStructure(pack) == [.badPackHeader(pack)])
        #expect(throws: PackStoreError.badPackHeader(pack)) { try store.entries(of: pack) }
        try writeFile(url, original)
        #expect(store.verifyStructure(pack) == [])
    }

    @Test func contentThatHashesDifferently() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let writer = store.makeWriter()
        let blob = try BlobEncoder(spillDirectory: dir.spill).encode(Array("abc".utf8))
        let claimed = SHA256Hasher.hash(Array("abd".utf8))
        let location = try writer.append(EncodedBlob(id: claimed, rawLength: 3, payload: blob.payload))
        try writer.close()
        #expect(store.verifyBlob(location, id: claimed) == .hashMismatch(actual: blob.id))
        #expect(throws: PackStoreError.hashMismatch(location.pack, offset: 32, expected: claimed, actual: blob.id)) {
            try store.read(location, expected: claimed)
        }
        #expect(store.verifyStructure(location.pack) == [])   // structure alone cannot see it
    }

    @Test func unsealedPackIsNotAFinding() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let writer = store.makeWriter()
        let location = try writer.append(try BlobEncoder(spillDirectory: dir.spill).encode(mailText(1_000, seed: 3)))
        try writer.sync()
        #expect(store.verifyStructure(location.pack) == [])
        #expect(try !store.isSealed(location.pack))
        // A torn tail seen by a read-only check names the offset of the cut entry.
        let url = store.url(of: location.pack)
        try writeFile(url, Array(try fileBytes(url).dropLast(5)))
        let reader = try PackStore(directory: dir.packs, access: .readOnly)
        #expect(reader.verifyStructure(location.pack) == [.truncated(location.pack, at: 32)])
        #expect(throws: PackStoreError.truncatedEntry(location.pack, offset: 32)) { try reader.read(location) }
    }
}
