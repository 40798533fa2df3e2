import ArchiveModel
import Foundation
import Testing
@testable import PackStore

/// Block entries: several blobs in one zstd frame (compression kind 2).
@Suite struct BlockTests {
    /// Writes one block of `messages` (and seals the pack when asked); returns the members' locations.
    func writeBlock(_ dir: TempDirectory, _ messages: [[UInt8]], seal: Bool = true) throws -> (PackStore, BlobLocation, [RecoveredEntry]) {
        let store = try PackStore(directory: dir.packs)
        let builder = BlockBuilder(spoolDirectory: dir.spill)
        for m in messages { try builder.add(id: SHA256Hasher.hash(m), bytes: m) }
        let (block, members) = try BlockCompressor().compress(builder, dictionary: nil)
        let writer = store.makeWriter()
        let entry = try writer.append(block)
        if seal { try writer.close() } else { try writer.sync() }
        let located = members.map { RecoveredEntry(id: $0.id, location: entry.member(at: $0.offset, length: $0.length)) }
        return (store, entry, located)
    }

    @Test func everyMemberReadsBackByteExactAndTheSpoolFileIsGone() throws {
        let dir = try TempDirectory()
        let messages = (0..<40).map { mailText(200 + 97 * $0, seed: UInt64($0)) } + [[], mixedBytes(300_000, seed: 9)]
        let (store, entry, members) = try writeBlock(dir, messages)
        #expect(entry.compression == 2)
        #expect(members.count == messages.count)
        for (member, message) in zip(members, messages) {
            #expect(try store.read(member.location, expected: member.id) == message)
            #expect(store.verifyBlob(member.location, id: member.id) == .ok)
            var streamed: [UInt8] = []
            try store.stream(member.location, expected: member.id) { streamed += $0 }
            #expect(streamed == message)
        }
        #expect(try store.members(of: entry) == members)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.spill.path).isEmpty)
        // Mail compresses far better together: the block is smaller than the messages' own frames.
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        let alone = try messages.reduce(UInt64(0)) { $0 + (try encoder.encode($1)).storedLength }
        #expect(entry.storedLength < alone)
    }

    @Test func aWrongMemberOffsetOrIDIsRefused() throws {
        let dir = try TempDirectory()
        let messages = (0..<5).map { mailText(500, seed: UInt64(70 + $0)) }
        let (store, _, members) = try writeBlock(dir, messages)
        var shifted = members[2].location
        shifted.member! += 1
        #expect(throws: PackStoreError.self) { try store.read(shifted) }
        #expect(throws: PackStoreError.self) { try store.read(members[2].location, expected: members[3].id) }
    }

    @Test func aDamagedBlockIsReportedForEachMember() throws {
        let dir = try TempDirectory()
        let messages = (0..<5).map { mailText(2_000, seed: UInt64(80 + $0)) }
        let (url, entry, members) = try { () throws -> (URL, BlobLocation, [RecoveredEntry]) in
            let (store, entry, members) = try writeBlock(dir, messages)
            return (store.url(of: entry.pack), entry, members)
        }()
        try flipBit(url, at: entry.offset + 64 + entry.storedLength / 2)
        let reopened = try PackStore(directory: dir.packs, access: .readOnly)
        for member in members {
            guard case .unreadable = reopened.verifyBlob(member.location, id: member.id) else {
                Issue.record("damage not found for \(member.location)")
                continue
            }
        }
        #expect(!reopened.verifyStructure(entry.pack).isEmpty)
    }

    @Test func recoveryKeepsASyncedBlockAndCutsATornOne() throws {
        let dir = try TempDirectory()
        let messages = (0..<8).map { mailText(1_500, seed: UInt64(90 + $0)) }
        // The writing store (and its lock) is gone before the store is opened again.
        let (url, entry, members) = try { () throws -> (URL, BlobLocation, [RecoveredEntry]) in
            let (store, entry, members) = try writeBlock(dir, messages, seal: false)
            return (store.url(of: entry.pack), entry, members)
        }()
        let bytes = try fileBytes(url)
        // Whole: recovery reports the block entry, which expands to its members.
        try {
            let whole = try PackStore(directory: dir.packs)
            #expect(whole.recovered.map(\.location.offset) == [entry.offset])
            #expect(try whole.members(of: whole.recovered[0].location) == members)
        }()
        // Torn inside the frame: the block is cut away, nothing else is invented.
        try writeFile(url, Array(bytes.prefix(Int(entry.offset + 64 + entry.storedLength / 2))))
        let torn = try PackStore(directory: dir.packs)
        #expect(torn.recovered.isEmpty)
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? UInt64 == entry.offset)
    }

    @Test func theMemberTableParsesAndRejectsDamage() {
        var content: [UInt8] = Array("abcdefg".utf8)
        content += BlockLayout.table(lengths: [3, 0, 4])
        let members = content.withUnsafeBytes { BlockLayout.members(of: $0) }
        #expect(members?.map { $0.offset } == [0, 3, 3])
        #expect(members?.map { $0.length } == [3, 0, 4])
        var bad = content
        bad[7] = 9   // first length now 9: the lengths no longer add up to the table's start
        #expect(bad.withUnsafeBytes { BlockLayout.members(of: $0) } == nil)
        #expect(Array(content.dropLast()).withUnsafeBytes { BlockLayout.members(of: $0) } == nil)
    }
}
