import ArchiveModel
import Foundation
import Testing
@testable import PackStore

@Suite struct SealingTests {
    @Test func sealingAtTargetSizeMakesSeveralVerifiedPacks() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        let target: UInt64 = 200_000
        let writer = store.makeWriter(targetPackSize: target)
        var appended: [RecoveredEntry] = []
        var sealedByCall: [PackID] = []
        var expectedSeals: [PackID] = []
        for i in 0..<40 {
            let message = mixedBytes(20_000, seed: UInt64(100 + i))
            let blob = try encoder.encode(message)
            let location = try writer.append(blob)
            appended.append(RecoveredEntry(id: blob.id, location: location))
            try writer.sync()
            if location.endOffset >= target { expectedSeals.append(location.pack) }
            if let sealed = try writer.sealIfFull() { sealedByCall.append(sealed) }
            #expect(writer.currentPack == (location.endOffset >= target ? nil : location.pack))
        }
        #expect(sealedByCall == expectedSeals)
        try writer.close()
        var packs: [PackID] = []
        for entry in appended where packs.last != entry.location.pack { packs.append(entry.location.pack) }
        #expect(writer.sealedPacks == packs)
        #expect(packs.count >= 3)
        #expect(try store.packIDs() == packs.sorted())
        for pack in packs {
            #expect(try store.isSealed(pack))
            #expect(store.verifyStructure(pack) == [])
            let mine = appended.filter { $0.location.pack == pack }
            #expect(try store.entries(of: pack) == mine)
            let size = try FileManager.default.attributesOfItem(atPath: store.url(of: pack).path)[.size] as! UInt64
            #expect(size == mine.last!.location.endOffset + PackTrailer.length(count: mine.count))
        }
        // A sealed pack is never written again: the next append starts a new pack.
        let after = try writer.append(try encoder.encode(Array("abc".utf8)))
        #expect(!packs.contains(after.pack))
        #expect(after.offset == 32)
    }

    @Test func closeSealsSmallPackAndEmptyWriterDoesNothing() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let idle = store.makeWriter()
        try idle.close()
        try idle.sync()
        #expect(idle.sealedPacks == [])
        #expect(try store.packIDs() == [])
        let writer = store.makeWriter()
        let location = try writer.append(try BlobEncoder(spillDirectory: dir.spill).encode(mailText(10, seed: 1)))
        #expect(try writer.sealIfFull() == nil)
        try writer.close()
        #expect(writer.sealedPacks == [location.pack])
        #expect(try store.isSealed(location.pack))
    }

    @Test func storeLockAndReadOnlyAccess() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        #expect(throws: PackStoreError.storeLocked(path: dir.packs.standardizedFileURL.path)) {
            _ = try PackStore(directory: dir.packs)
        }
        let writer = store.makeWriter()
        let blob = try BlobEncoder(spillDirectory: dir.spill).encode(Array("abc".utf8))
        let location = try writer.append(blob)
        try writer.sync()
        // A read-only store beside the writer: reads work, writes and recovery do not happen.
        let reader = try PackStore(directory: dir.packs, access: .readOnly)
        #expect(try reader.read(location, expected: blob.id) == Array("abc".utf8))
        #expect(reader.recovered == [])
        #expect(throws: PackStoreError.readOnly(path: dir.packs.standardizedFileURL.path)) {
            try reader.makeWriter().append(blob)
        }
        #expect(reader.verifyStructure(location.pack) == [])
        #expect(try !reader.isSealed(location.pack))
    }
}
