import ArchiveModel
import Foundation
import PackStore
import Testing

/// Compression-level sweep over a directory of raw messages (one file each), e.g. the Enron corpus.
///
/// Skipped unless `COFFER_BENCH_CORPUS` names the directory. Run in release for meaningful speeds:
/// `COFFER_BENCH_CORPUS=/path/to/enron swift test -c release -Xswiftc -enable-testing --filter LevelBenchmark`
@Suite struct LevelBenchmark {
    static let corpus = ProcessInfo.processInfo.environment["COFFER_BENCH_CORPUS"]

    @Test(.enabled(if: corpus != nil)) func compressionLevels() throws {
        let messages = try Self.loadMessages(URL(fileURLWithPath: Self.corpus!))
        let raw = messages.reduce(0) { $0 + $1.count }
        print("corpus: \(messages.count) messages, \(raw) bytes, median \(messages.map(\.count).sorted()[messages.count / 2]) B")
        print("level | ratio raw/payload | ratio incl. 128 B/entry | encode MB/s (SHA-256 + zstd) | read MB/s (pread + unzstd)")
        for level: Int32 in [1, 3, 6, 9, 19] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = try PackStore(directory: dir.appendingPathComponent("packs"))
            let encoder = BlobEncoder(level: level, spillDirectory: dir.appendingPathComponent("tmp"))
            let writer = store.makeWriter()
            var stored = 0
            var blobs: [EncodedBlob] = []
            blobs.reserveCapacity(messages.count)
            let start = DispatchTime.now()
            for message in messages {
                let blob = try encoder.encode(message)
                stored += Int(blob.storedLength)
                blobs.append(blob)
            }
            let encodeSeconds = Self.seconds(since: start)
            var locations: [BlobLocation] = []
            for blob in blobs {
                locations.append(try writer.append(blob))
                _ = try writer.sealIfFull()
            }
            try writer.close()
            let readStart = DispatchTime.now()
            var check = 0
            for location in locations { check += try store.read(location).count }
            let readSeconds = Self.seconds(since: readStart)
            #expect(check == raw)
            let mb = Double(raw) / 1_000_000
            print(String(format: "%5d | %6.2f | %6.2f | %7.1f | %7.1f", level, Double(raw) / Double(stored),
                         Double(raw) / Double(stored + 128 * messages.count), mb / encodeSeconds, mb / readSeconds))
        }
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    static func loadMessages(_ root: URL) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in walker where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            out.append([UInt8](try Data(contentsOf: url)))
        }
        return out
    }
}
