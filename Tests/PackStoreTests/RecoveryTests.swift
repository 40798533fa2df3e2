import ArchiveModel
import Foundation
import Testing
@testable import PackStore

@Suite struct RecoveryTests {
    /// A pack as a crash left it: three synced entries, never sealed. Returns its bytes and entries.
    func crashedPack(_ dir: TempDirectory, seal: Bool = false) throws -> (PackID, [UInt8], [RecoveredEntry]) {
        let store = try PackStore(directory: dir.packs)
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        let writer = store.makeWriter()
        var entries: [RecoveredEntry] = []
        for (i, size) in [120, 2_000, 180].enumerated() {
            let blob = try encoder.encode(mixedBytes(size, seed: UInt64(40 + i)))
            entries.append(RecoveredEntry(id: blob.id, location: try writer.append(blob)))
        }
        if seal { try writer.close() } else { try writer.sync() }
        let pack = entries[0].location.pack
        return (pack, try fileBytes(store.url(of: pack)), entries)
    }

    /// Writes `bytes` as the pack file, opens the store, and returns what recovery reported.
    func reopen(_ dir: TempDirectory, _ pack: PackID, _ bytes: [UInt8]) throws -> (PackStore, [RecoveredEntry], UInt64) {
        let url = dir.packs.appendingPathComponent(String(pack.hex.prefix(2))).appendingPathComponent(pack.hex + ".pack")
        try writeFile(url, bytes)
        let store = try PackStore(directory: dir.packs)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! UInt64
        return (store, store.recovered, size)
    }

    /// Bad bytes before an entry the index names are damage, not a torn write: recovery leaves the
    /// pack whole (for verify and a restore) instead of cutting off the good entries after them.
    @Test func damageBelowTheIndexedEndIsNeverCut() throws {
        let dir = try TempDirectory()
        let (pack, bytes, entries) = try crashedPack(dir)
        var damaged = bytes
        let e1 = entries[1].location
        damaged[Int(e1.offset) + 64 + 10] ^= 0x40
        let url = dir.packs.appendingPathComponent(String(pack.hex.prefix(2))).appendingPathComponent(pack.hex + ".pack")
        try writeFile(url, damaged)
        do {
            let store = try PackStore(directory: dir.packs, indexedEnds: [pack: entries[2].location.endOffset])
            #expect(store.recovered.isEmpty)
            #expect(store.recoveredPacks.isEmpty)
            #expect(store.recoveryFindings == [.badEntryHeader(pack, offset: e1.offset)])
        }
        #expect(try fileBytes(url) == damaged, "nothing cut, nothing sealed")
        // Without the index's word (entries 1 and 2 never indexed) it is a torn write: cut after entry 0.
        let (_, recovered, size) = try reopen(dir, pack, damaged)
        #expect(recovered == [entries[0]])
        #expect(size == entries[0].location.endOffset)
    }

    @Test func truncationAtEveryByteOfTheLastEntry() throws {
        let dir = try TempDirectory()
        let (pack, bytes, entries) = try crashedPack(dir)
        let last = entries[2].location
        #expect(UInt64(bytes.count) == last.endOffset)
        for cut in Int(last.offset)...bytes.count {
            let (_, recovered, size) = try reopen(dir, pack, Array(bytes.prefix(cut)))
            let complete = cut == bytes.count ? 3 : 2
            #expect(recovered == Array(entries.prefix(complete)), "cut at \(cut)")
            #expect(size == (complete == 3 ? last.endOffset : last.offset), "cut at \(cut)")
        }
    }

    @Test func truncationAtBoundariesOfEarlierEntriesAndHeader() throws {
        let dir = try TempDirectory()
        let (pack, bytes, entries) = try crashedPack(dir)
        let e0 = entries[0].location, e1 = entries[1].location
        let cases: [(cut: UInt64, complete: Int)] = [
            (32, 0), (33, 0), (95, 0), (96, 0), (e0.endOffset - 1, 0), (e0.endOffset, 1), (e0.endOffset + 1, 1),
            (e1.offset + 64, 1), (e1.offset + 1_000, 1), (e1.endOffset - 1, 1), (e1.endOffset, 2),
        ]
        for (cut, complete) in cases {
            let (store, recovered, size) = try reopen(dir, pack, Array(bytes.prefix(Int(cut))))
            #expect(recovered == Array(entries.prefix(complete)), "cut at \(cut)")
            #expect(size == (complete == 0 ? 32 : entries[complete - 1].location.endOffset), "cut at \(cut)")
            #expect(store.recoveredPacks == [pack])
        }
    }

    @Test func tornHeaderAndEmptyPacksAreDeletedWhenSealing() throws {
        let dir = try TempDirectory()
        let (pack, bytes, _) = try crashedPack(dir)
        for cut in [0, 1, 31, 32] {
            let (store, recovered, _) = try reopen(dir, pack, Array(bytes.prefix(cut)))
            #expect(recovered == [])
            #expect(store.recoveredPacks == [pack])
            #expect(try store.sealRecoveredPacks() == [])
            #expect(try store.packIDs() == [])
            #expect(store.recoveredPacks == [])
        }
    }

    @Test func garbageAfterLastSyncIsCutAndPackSealsCleanly() throws {
        let dir = try TempDirectory()
        let (pack, bytes, entries) = try crashedPack(dir)
        let last = entries[2].location
        // The file grew but the last entry's data never reached the disk (zeros), header intact.
        var zeroedPayload = bytes
        for i in Int(last.offset) + 64..<bytes.count { zeroedPayload[i] = 0 }
        // Or the header itself is zeros.
        var zeroedHeader = bytes
        for i in Int(last.offset)..<Int(last.offset) + 64 { zeroedHeader[i] = 0 }
        for damaged in [zeroedPayload, zeroedHeader] {
            let (store, recovered, size) = try reopen(dir, pack, damaged)
            #expect(recovered == Array(entries.prefix(2)))
            #expect(size == last.offset)
            #expect(try store.sealRecoveredPacks() == [pack])
            #expect(store.recovered == [])
            #expect(try store.isSealed(pack))
            #expect(store.verifyStructure(pack) == [])
            #expect(try store.entries(of: pack) == Array(entries.prefix(2)))
            #expect(try store.read(entries[1].location, expected: entries[1].id).count == 2_000)
        }
        // Once sealed, the next open recovers nothing.
        let store = try PackStore(directory: dir.packs)
        #expect(store.recovered == [] && store.recoveredPacks == [])
    }

    @Test func entryWithWrongBlobIDIsNotRecovered() throws {
        let dir = try TempDirectory()
        let (_, _, crashed) = try crashedPack(dir)
        var good = RecoveredEntry(id: crashed[0].id, location: crashed[0].location)
        try {
            let store = try PackStore(directory: dir.packs)
            #expect(store.recovered == crashed)
            let writer = store.makeWriter()
            // A second unsealed pack whose last entry claims another blob's ID.
            let blob = try BlobEncoder(spillDirectory: dir.spill).encode(mailText(300, seed: 9))
            let liar = EncodedBlob(id: crashed[0].id, rawLength: blob.rawLength, payload: blob.payload)
            good = RecoveredEntry(id: blob.id, location: try writer.append(blob))
            _ = try writer.append(liar)
            try writer.sync()
        }()
        let reopened = try PackStore(directory: dir.packs)
        let fresh = reopened.recovered.filter { $0.location.pack == good.location.pack }
        #expect(fresh == [good])
        #expect(try reopened.entries(of: good.location.pack) == [good])
    }

    @Test func crashWhileWritingTrailerRecoversAllEntries() throws {
        let dir = try TempDirectory()
        let (pack, bytes, entries) = try crashedPack(dir, seal: true)
        let entriesEnd = entries[2].location.endOffset
        #expect(UInt64(bytes.count) == entriesEnd + PackTrailer.length(count: 3))
        for cut in Int(entriesEnd)..<bytes.count {
            let cutBytes = Array(bytes.prefix(cut))
            if cut == Int(entriesEnd) + 40 {
                // Before recovery a read-only check sees a cut-off trailer.
                let url = dir.packs.appendingPathComponent(String(pack.hex.prefix(2))).appendingPathComponent(pack.hex + ".pack")
                try writeFile(url, cutBytes)
                #expect(try PackStore(directory: dir.packs, access: .readOnly).verifyStructure(pack) == [.missingTrailer(pack)])
            }
            let (_, recovered, size) = try reopen(dir, pack, cutBytes)
            #expect(recovered == entries, "cut at \(cut)")
            #expect(size == entriesEnd, "cut at \(cut)")
        }
        let (store, recovered, size) = try reopen(dir, pack, bytes)
        #expect(recovered == [] && store.recoveredPacks == [])
        #expect(size == UInt64(bytes.count))
        #expect(store.verifyStructure(pack) == [])
    }
}
