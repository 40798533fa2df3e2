import ArchiveModel
import Foundation
import PackStore

/// One way of compressing the corpus into a fresh store.
struct StoreConfig {
    enum Dictionary {
        /// No dictionary.
        case none
        /// A dictionary trained before the first message (what every run after the first sees).
        case warm(size: Int, sample: Int)
        /// A cold backfill: a `DictionaryTrainer` samples the first messages and trains at each of
        /// `stages` in the background while messages keep arriving at `networkMBps` (they go with
        /// the previous dictionary, or none).
        case cold(size: Int, stages: [Int], networkMBps: Double)
    }

    var level: Int32
    var dictionary: Dictionary = .none
    /// Messages up to this size use the dictionary.
    var threshold = 64 << 10
}

/// What one configuration produced.
struct StoreResult {
    var payloadBytes = 0
    var packBytes = 0
    var dictionaryBytes = 0
    var entries = 0
    var withDictionary = 0
    var encodeSeconds = 0.0
    var readSeconds = 0.0
    var trainSeconds = 0.0
    /// Raw bytes encoded before the dictionary was ready (cold runs).
    var bytesBeforeDictionary = 0

    var storedBytes: Int { packBytes + dictionaryBytes }
}

/// Runs every message through `BlobEncoder` and `PackWriter` into a temporary store, then reads
/// every blob back (SHA-256 checked), exactly as a backfill and `coffer get` would.
func runStore(_ corpus: Corpus, _ config: StoreConfig) throws -> StoreResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-compress-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let store = try PackStore(directory: dir.appendingPathComponent("packs"))
    let encoder = BlobEncoder(level: config.level, spillDirectory: dir.appendingPathComponent("tmp"))
    let writer = store.makeWriter()
    var result = StoreResult()
    var dictionary: CompressionDictionary?
    var trainer: DictionaryTrainer?
    var networkMBps = 0.0
    switch config.dictionary {
    case .none: break
    case let .warm(size, sampleLimit):
        let sample = corpus.sample(limit: sampleLimit)
        let start = threadCPUSeconds()
        dictionary = try store.addDictionary(trainingOn: sample.bytes, sizes: sample.sizes, capacity: size, level: config.level)
        result.trainSeconds = threadCPUSeconds() - start
    case let .cold(size, stages, rate):
        var settings = DictionaryTrainer.Settings()
        settings.capacity = size
        settings.stages = stages
        settings.level = config.level
        trainer = DictionaryTrainer(store: store, settings: settings)
        networkMBps = rate
    }
    var locations: [(BlobID, BlobLocation)] = []
    locations.reserveCapacity(corpus.messages.count)
    /// Bytes still to arrive while a dictionary trains (cold runs), and the dictionary that then takes over.
    var waiting: (bytes: Int, next: CompressionDictionary?)?
    for message in corpus.messages {
        encoder.use(message.count <= config.threshold ? dictionary : nil)
        try message.withUnsafeBytes { try encoder.update($0) }
        if let trainer, trainer.wantsSample(size: message.count) {
            encoder.withHeldMessage { held in if let held { trainer.offer(held) } }
        }
        let blob = try encoder.finish()
        if let trainer {
            if dictionary == nil { result.bytesBeforeDictionary += message.count }
            if waiting == nil && trainer.isTraining {
                // A stage is full: wait for the training, then let the bytes the network delivers
                // meanwhile (its CPU time, so that other load on the machine does not count) go with
                // the previous dictionary, as they would in a real run.
                let before = result.trainSeconds
                let next = trainer.waitUntilTrained()
                result.trainSeconds = trainer.trainingCPUSeconds
                waiting = (Int((result.trainSeconds - before) * networkMBps * 1_000_000), next)
                if next == nil { print("training failed: \(trainer.failure.map { "\($0)" } ?? "?")") }
            } else if let (bytes, next) = waiting {
                waiting = (bytes - message.count, next)
            }
            if let (bytes, next) = waiting, bytes <= 0 {
                dictionary = next
                waiting = nil
            }
        }
        result.payloadBytes += Int(blob.storedLength)
        if blob.dictionary != 0 { result.withDictionary += 1 }
        locations.append((blob.id, try writer.append(blob)))
        _ = try writer.sealIfFull()
        blob.discard()
    }
    try writer.close()
    result.entries = locations.count
    // Speeds in CPU seconds of this thread, best of three passes, with the dictionary the run ended with.
    result.encodeSeconds = try (0..<3).map { _ in try timeEncoding(corpus, encoder, dictionary, threshold: config.threshold) }.min()!
    result.readSeconds = try (0..<3).map { _ in
        let start = threadCPUSeconds()
        var check = 0
        for (id, location) in locations { check += try store.read(location, expected: id).count }
        guard check == corpus.rawBytes else { throw BenchError("read back \(check) bytes, expected \(corpus.rawBytes)") }
        return threadCPUSeconds() - start
    }.min()!
    for pack in try store.packIDs() {
        result.packBytes += try FileManager.default.attributesOfItem(atPath: store.url(of: pack).path)[.size] as! Int
    }
    for id in try store.dictionaryIDs() {
        result.dictionaryBytes += try FileManager.default.attributesOfItem(atPath: store.url(ofDictionary: id).path)[.size] as! Int
    }
    return result
}

/// CPU seconds to hash and compress every message once (SHA-256 + zstd, nothing written).
func timeEncoding(_ corpus: Corpus, _ encoder: BlobEncoder, _ dictionary: CompressionDictionary?, threshold: Int) throws -> Double {
    let start = threadCPUSeconds()
    for message in corpus.messages {
        encoder.use(message.count <= threshold ? dictionary : nil)
        try message.withUnsafeBytes { try encoder.update($0) }
        try encoder.finish().discard()
    }
    return threadCPUSeconds() - start
}
