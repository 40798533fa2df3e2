import ArchiveModel
import CZstd
import Foundation
import Testing
@testable import PackStore

/// Mail-like messages of 1–6 KB for training and compressing.
func mailMessages(_ count: Int, seed: UInt64) -> [[UInt8]] {
    var rng = SplitMix64(state: seed)
    return (0..<count).map { i in mailText(1_000 + Int(rng.next() % 5_000), seed: seed &+ UInt64(i)) }
}

/// Trains a dictionary for `store` on 400 mail-like messages.
func trainedDictionary(_ store: PackStore, seed: UInt64 = 1) throws -> CompressionDictionary {
    let samples = mailMessages(400, seed: seed)
    return try store.addDictionary(trainingOn: samples.flatMap { $0 }, sizes: samples.map(\.count), capacity: 16 << 10)
}

@Suite struct DictionaryTests {
    @Test func trainedDictionaryRoundTripAndFile() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let dictionary = try trainedDictionary(store)
        #expect(dictionary.id >= 32_768 && dictionary.id < 1 << 31)
        #expect(dictionary.sequence == 1)
        #expect(dictionary.content.count > 1_000 && dictionary.content.count <= 16 << 10)
        #expect(try store.dictionaryIDs() == [dictionary.id])

        // The file: an 80-byte header, then the zstd dictionary itself.
        let url = dir.packs.appendingPathComponent("dictionaries/\(dictionary.id).zdict")
        #expect(store.url(ofDictionary: dictionary.id).standardizedFileURL == url.standardizedFileURL)
        let file = try fileBytes(url)
        #expect(file.count == 80 + dictionary.content.count)
        #expect(Array(file[0..<12]) == Array("COFFDICT".utf8) + [1, 0, 0, 0])
        #expect(ByteReader(file).u32(12) == dictionary.id)
        #expect(ByteReader(file).u32(16) == 1)
        #expect(ByteReader(file).u32(20) == 3)
        #expect(ByteReader(file).u64(32) == UInt64(dictionary.content.count))
        #expect(Hex.encode(file[40..<72]) == (try systemSHA256(Array(file[80...]), in: dir.url)))
        #expect(ByteReader(file).u32(76) == CRC32C.checksum(Array(file[0..<76])))
        #expect(Array(file[80..<84]) == [0x37, 0xA4, 0x30, 0xEC])
        #expect(file[80...].withUnsafeBytes { ZDICT_getDictID($0.baseAddress, $0.count) } == dictionary.id)

        let message = mailText(3_000, seed: 99)
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        let plain = try encoder.encode(message)
        encoder.use(dictionary)
        let blob = try encoder.encode(message)
        #expect(plain.dictionary == 0 && blob.dictionary == dictionary.id)
        #expect(blob.id == plain.id)
        #expect(blob.storedLength < plain.storedLength)
        guard case .memory(let payload) = blob.payload else { Issue.record("spilled"); return }
        #expect(payload.withUnsafeBytes { ZSTD_getDictID_fromFrame($0.baseAddress, $0.count) } == dictionary.id)

        let writer = store.makeWriter()
        let location = try writer.append(blob)
        #expect(location.dictionary == dictionary.id)
        try writer.close()
        // A fresh reader loads the dictionary from its file.
        let reader = try PackStore(directory: dir.packs, access: .readOnly)
        #expect(try reader.read(location, expected: blob.id) == message)
        var streamed: [UInt8] = []
        try reader.stream(location, expected: blob.id) { streamed.append(contentsOf: $0) }
        #expect(streamed == message)
        #expect(reader.verifyBlob(location, id: blob.id) == .ok)
        #expect(reader.verifyStructure(location.pack) == [])
        #expect(try reader.entries(of: location.pack).map(\.location.dictionary) == [dictionary.id])

        // An auditor needs no coffer: the zstd tool decodes the payload with the file minus its header.
        try #require(try zstdCLIDecodes(payload: payload, dictionary: Array(file[80...]), in: dir.url) == message)
    }

    @Test func blobsBeforeAndAfterADictionaryAllRead() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let encoder = BlobEncoder(spillDirectory: dir.spill)
        let writer = store.makeWriter()
        let before = mailMessages(5, seed: 10)
        var stored = try appendAll(before, to: store, encoder: encoder, writer: writer)
        let dictionary = try trainedDictionary(store)
        encoder.use(dictionary)
        let after = mailMessages(5, seed: 20) + [mixedBytes(300_000, seed: 21), []]
        stored += try appendAll(after, to: store, encoder: encoder, writer: writer)
        encoder.use(nil)
        stored += try appendAll([mailText(2_000, seed: 30)], to: store, encoder: encoder, writer: writer)
        try writer.close()
        // The 300 KB message streamed past the one-call limit, so it went without the dictionary.
        let expected: [UInt32] = Array(repeating: 0, count: 5) + Array(repeating: dictionary.id, count: 5)
            + [0, dictionary.id, 0]
        #expect(stored.map(\.1.dictionary) == expected)

        let reader = try PackStore(directory: dir.packs, access: .readOnly)
        for ((id, location), message) in zip(stored, before + after + [mailText(2_000, seed: 30)]) {
            #expect(try reader.read(location, expected: id) == message)
            #expect(reader.verifyBlob(location, id: id) == .ok)
        }
        let pack = stored[0].1.pack
        #expect(try reader.isSealed(pack))
        #expect(reader.verifyStructure(pack) == [])
        #expect(try reader.entries(of: pack).map(\.location) == stored.map(\.1))
        // The trailer's table rows carry the dictionary IDs too.
        let size = UInt64(try fileBytes(store.url(of: pack)).count)
        let table = try reader.openForReading(pack).read(count: stored.count * 64, at: stored.last!.1.endOffset)
        #expect(PackTrailer.parseTable(table, count: stored.count, pack: pack)?.map(\.location) == stored.map(\.1))
        #expect(size == stored.last!.1.endOffset + PackTrailer.length(count: stored.count))
    }

    @Test func missingOrDamagedDictionaryIsNamed() throws {
        let dir = try TempDirectory()
        let (locations, dictionary) = try {
            let store = try PackStore(directory: dir.packs)
            let encoder = BlobEncoder(spillDirectory: dir.spill)
            let writer = store.makeWriter()
            var stored = try appendAll([mailText(800, seed: 1)], to: store, encoder: encoder, writer: writer)
            let dictionary = try trainedDictionary(store)
            encoder.use(dictionary)
            stored += try appendAll(mailMessages(3, seed: 2), to: store, encoder: encoder, writer: writer)
            try writer.close()
            return (stored, dictionary)
        }()
        let id = dictionary.id
        let url = dir.packs.appendingPathComponent("dictionaries/\(id).zdict")
        let original = try fileBytes(url)
        try FileManager.default.removeItem(at: url)
        let pack = locations[0].1.pack
        let hit = locations[1]

        let reader = try PackStore(directory: dir.packs, access: .readOnly)
        #expect(throws: PackStoreError.dictionaryMissing(id, pack: pack, offset: hit.1.offset)) { try reader.read(hit.1) }
        #expect(reader.verifyBlob(hit.1, id: hit.0) == .unreadable(.dictionaryMissing(id, pack: pack, offset: hit.1.offset)))
        #expect(throws: PackStoreError.dictionaryMissing(id, pack: nil, offset: nil)) { try reader.dictionary(id) }
        let finding = PackFinding.dictionaryMissing(pack, dictionary: id, firstEntry: hit.1.offset, entries: 3)
        #expect(reader.verifyStructure(pack) == [finding])
        #expect(finding.offset == nil)
        #expect(finding.message.contains(pack.hex) && finding.message.contains("packs/dictionaries/\(id).zdict")
            && finding.message.contains("offset \(hit.1.offset)"))
        let error = PackStoreError.dictionaryMissing(id, pack: pack, offset: hit.1.offset)
        #expect(error.description.contains("offset \(hit.1.offset) of pack \(pack.hex)") && error.scope == .blob)
        // The blob without a dictionary in the same pack still reads.
        #expect(try reader.read(locations[0].1, expected: locations[0].0) == mailText(800, seed: 1))
        #expect(try reader.newestDictionary() == nil)

        // A damaged file is named with its reason.
        var damaged = original
        damaged[200] ^= 0x01
        try writeFile(url, damaged)
        let reason = "content does not match its SHA-256"
        let second = try PackStore(directory: dir.packs, access: .readOnly)
        #expect(throws: PackStoreError.badDictionary(id, pack: pack, offset: hit.1.offset, reason: reason)) { try second.read(hit.1) }
        #expect(second.verifyStructure(pack) == [.badDictionary(pack, dictionary: id, firstEntry: hit.1.offset, entries: 3, reason: reason)])

        // Restored from a copy, everything reads again, even through the same store.
        try writeFile(url, original)
        #expect(try reader.read(hit.1, expected: hit.0).count == Int(hit.1.rawLength))
        #expect(reader.verifyStructure(pack) == [])
        #expect(try reader.newestDictionary()?.id == id)
    }

    @Test func recoveryChecksDictionaryEntriesAndKeepsThoseItCannotJudge() throws {
        let dir = try TempDirectory()
        var entries: [RecoveredEntry] = []
        var dictionaryID: UInt32 = 0
        try {
            let store = try PackStore(directory: dir.packs)
            let encoder = BlobEncoder(spillDirectory: dir.spill)
            let dictionary = try trainedDictionary(store)
            dictionaryID = dictionary.id
            let writer = store.makeWriter()
            for (i, message) in mailMessages(4, seed: 50).enumerated() {
                encoder.use(i == 1 ? nil : dictionary)
                let blob = try encoder.encode(message)
                entries.append(RecoveredEntry(id: blob.id, location: try writer.append(blob)))
            }
            try writer.sync()
        }()
        let pack = entries[0].location.pack
        let url = dir.packs.appendingPathComponent(String(pack.hex.prefix(2))).appendingPathComponent(pack.hex + ".pack")
        let bytes = try fileBytes(url)
        let last = entries[3].location

        // The last entry's payload never reached the disk: decoding it with the dictionary fails, it is cut.
        var zeroed = bytes
        for i in Int(last.offset) + 64..<bytes.count { zeroed[i] = 0 }
        try writeFile(url, zeroed)
        var store = try PackStore(directory: dir.packs)
        #expect(store.recovered == Array(entries.prefix(3)))
        #expect(store.recovered.map(\.location.dictionary) == [dictionaryID, 0, dictionaryID])
        #expect(store.recoveryFindings == [])
        #expect(UInt64(try fileBytes(url).count) == last.offset)

        // With the dictionary file gone, recovery cannot judge those payloads: it keeps them on their header.
        store = try PackStore(directory: dir.packs, access: .readOnly)
        try writeFile(url, bytes)
        let dictionaryURL = dir.packs.appendingPathComponent("dictionaries/\(dictionaryID).zdict")
        let dictionaryFile = try fileBytes(dictionaryURL)
        try FileManager.default.removeItem(at: dictionaryURL)
        store = try PackStore(directory: dir.packs)
        #expect(store.recovered == entries)
        #expect(store.recoveryFindings == [.dictionaryMissing(pack, dictionary: dictionaryID, firstEntry: entries[0].location.offset, entries: 3)])
        #expect(UInt64(try fileBytes(url).count) == last.endOffset)

        // Restored, the recovered pack seals and every blob reads.
        try writeFile(dictionaryURL, dictionaryFile)
        #expect(try store.sealRecoveredPacks() == [pack])
        #expect(store.verifyStructure(pack) == [])
        for entry in entries { #expect(store.verifyBlob(entry.location, id: entry.id) == .ok) }
    }

    /// Eight encoders share one `ZSTD_CDict`; each produces exactly the bytes a lone encoder does.
    @Test func concurrentEncodersShareOneDictionary() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let dictionary = try trainedDictionary(store)
        let messages = mailMessages(200, seed: 70)
        let reference = BlobEncoder(spillDirectory: dir.spill)
        reference.use(dictionary)
        let expected = try messages.map { try reference.encode($0) }
        let results = ResultBox(count: messages.count)
        let spill = dir.spill
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let encoder = BlobEncoder(spillDirectory: spill)
            for i in stride(from: worker, to: messages.count, by: 8) {
                encoder.use(i % 5 == 0 ? nil : dictionary)
                encoder.use(dictionary)
                results.set(i, try? encoder.encode(messages[i]))
            }
        }
        let encoded = results.values
        #expect(encoded.map { $0?.payload } == expected.map(\.payload))
        #expect(encoded.map { $0?.dictionary } == Array(repeating: dictionary.id, count: messages.count))
        let writer = store.makeWriter()
        let locations = try encoded.map { try writer.append($0!) }
        try writer.close()
        let failures = ManagedCounter()
        let reader = try PackStore(directory: dir.packs, access: .readOnly)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in stride(from: worker, to: messages.count, by: 8) {
                if (try? reader.read(locations[i], expected: expected[i].id)) != messages[i] { failures.increment() }
            }
        }
        #expect(failures.value == 0)
    }

    @Test func addingDictionariesNumbersThemAndNeverReplacesOne() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let first = try trainedDictionary(store, seed: 1)
        let second = try trainedDictionary(store, seed: 2)
        #expect(first.id != second.id)
        #expect([first.sequence, second.sequence] == [1, 2])
        #expect(try store.newestDictionary() === second)
        #expect(try store.addDictionary(content: first.content) === first)
        // Another dictionary claiming the first one's ID is refused.
        var impostor = second.content
        impostor.replaceSubrange(4..<8, with: withUnsafeBytes(of: first.id.littleEndian) { Array($0) })
        #expect(throws: PackStoreError.dictionaryExists(first.id)) { try store.addDictionary(content: impostor) }
        #expect(throws: PackStoreError.badDictionary(0, pack: nil, offset: nil, reason: "not a zstd dictionary with an ID")) {
            try store.addDictionary(content: Array("not a dictionary".utf8))
        }
        #expect(throws: PackStoreError.trainingFailed(reason: "no samples, or sample sizes that do not add up")) {
            try store.addDictionary(trainingOn: [1, 2, 3], sizes: [2])
        }
        let readOnly = try PackStore(directory: dir.packs, access: .readOnly)
        #expect(throws: PackStoreError.readOnly(path: dir.packs.standardizedFileURL.path)) {
            try readOnly.addDictionary(content: first.content)
        }
        #expect(try readOnly.dictionaryIDs() == [first.id, second.id].sorted())
    }

    @Test func staleTemporaryFileIsRemovedAtOpen() throws {
        let dir = try TempDirectory()
        let id = try { try trainedDictionary(try PackStore(directory: dir.packs)).id }()
        let stale = dir.packs.appendingPathComponent("dictionaries/123456.zdict.tmp")
        try writeFile(stale, [1, 2, 3])
        _ = try PackStore(directory: dir.packs)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.packs.appendingPathComponent("dictionaries").path)
        #expect(names == ["\(id).zdict"])
    }

    @Test func dictionaryFileHeaderBytes() {
        let checksum = SHA256Hasher.hash(Array("abc".utf8))
        let header = DictionaryFileHeader(id: 0x0102_0304, sequence: 7, level: -5, storeBytes: 0x0A0B, contentLength: 3,
                                          checksum: checksum)
        let bytes = header.encoded()
        #expect(bytes.count == 80)
        #expect(Array(bytes[0..<24]) == Array("COFFDICT".utf8) + [1, 0, 0, 0, 4, 3, 2, 1, 7, 0, 0, 0, 0xFB, 0xFF, 0xFF, 0xFF])
        #expect(Array(bytes[24..<40]) == [0x0B, 0x0A, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[40..<72]) == checksum.bytes)
        #expect(Array(bytes[72..<76]) == [0, 0, 0, 0])
        #expect(DictionaryFileHeader.decode(bytes) == header)
        for i in [0, 8, 10, 12, 40, 72, 79] {
            var bad = bytes
            bad[i] ^= 0x20
            #expect(DictionaryFileHeader.decode(bad) == nil, "byte \(i)")
        }
    }
}

/// Per-index results written by worker threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [EncodedBlob?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: EncodedBlob?) { lock.withLock { items[index] = value } }
    var values: [EncodedBlob?] { lock.withLock { items } }
}

/// Decodes a zstd frame with the `zstd` command-line tool and a raw dictionary file.
func zstdCLIDecodes(payload: [UInt8], dictionary: [UInt8], in dir: URL) throws -> [UInt8] {
    let frame = dir.appendingPathComponent("payload.zst"), dict = dir.appendingPathComponent("dict"),
        out = dir.appendingPathComponent("decoded")
    try Data(payload).write(to: frame)
    try Data(dictionary).write(to: dict)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["zstd", "-q", "-f", "-d", "-D", dict.path, frame.path, "-o", out.path]
    try process.run()
    process.waitUntilExit()
    return try fileBytes(out)
}
