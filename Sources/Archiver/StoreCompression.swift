import Foundation
import PackStore

/// How a store compresses the messages a run archives: the zstd level of large messages, the
/// dictionary for small blocks, and the training of that dictionary.
///
/// Opened with the store. When the store has a dictionary, the newest one is used for blocks of
/// under ``Settings/blockDictionaryLimit`` bytes. When it has none (a first run), or has grown
/// ``Settings/retrainGrowth`` times since its newest dictionary was trained, a ``DictionaryTrainer``
/// samples this run's first small messages and trains one when the run ends (``finishRun(train:)``).
/// Numbers behind the defaults: `docs/benchmarks-compression.md`, `docs/store-format.md`.
///
/// Thread-safe: every fetch thread's ``BodyCollector`` asks it per message.
public final class StoreCompression: @unchecked Sendable {
    /// The knobs, with the defaults measured on the Enron corpus.
    public struct Settings: Sendable {
        /// zstd level for messages compressed alone (those over `BlockLayout.memberLimit`; they stream).
        public var level: Int32 = 3
        /// Train a new dictionary when the packs have grown this many times since the newest one.
        public var retrainGrowth: UInt64 = 10
        /// Whether to train dictionaries at all.
        public var training = true
        /// Sampling and training: since messages go into blocks (`BlockCompressor`), one 112 KiB
        /// dictionary trained at the end of the first run on 4 MiB of its small messages. An 8 MiB block
        /// gains under 1 % from a dictionary, but the small blocks of later incremental runs (tens of
        /// messages) gain 10–12 % (Enron, level 9: 3.46 → 3.87 raw ÷ stored); training during the run
        /// would cost about 25 MB of peak memory for nothing.
        public var trainer: DictionaryTrainer.Settings = {
            var t = DictionaryTrainer.Settings()
            t.capacity = 112 << 10
            t.stages = [4 << 20]
            t.trainAtEndOnly = true
            return t
        }()
        /// Blocks whose raw content is below this many bytes use the dictionary.
        public var blockDictionaryLimit = 1 << 20

        public init() {}
    }

    /// The settings in use.
    public let settings: Settings
    /// The trainer gathering samples in this run, or nil when the store's dictionary is current.
    public let trainer: DictionaryTrainer?
    private let loaded: CompressionDictionary?

    /// Loads the store's newest dictionary and decides whether this run trains a new one.
    ///
    /// - Parameters:
    ///   - packs: the store's packs.
    ///   - writable: false for read-only opens: nothing is loaded and nothing trained.
    /// - Throws: `PackStoreError.io` when the dictionaries or packs cannot be listed.
    public init(packs: PackStore, writable: Bool, settings: Settings = Settings()) throws {
        var settings = settings
        settings.trainer.level = settings.level
        self.settings = settings
        guard writable else {
            loaded = nil
            trainer = nil
            return
        }
        loaded = try packs.newestDictionary()
        let stale = try loaded.map { try packs.packBytes() >= max($0.storeBytes, 1 << 20) * settings.retrainGrowth } ?? true
        var trainerSettings = settings.trainer
        if loaded != nil {
            // Retraining: the store's dictionary serves meanwhile; only a full last-stage sample can beat it.
            trainerSettings.stages = Array(trainerSettings.stages.suffix(1))
            trainerSettings.minimumSampleBytes = trainerSettings.stages.last ?? Int.max
        }
        trainer = settings.training && stale ? DictionaryTrainer(store: packs, settings: trainerSettings) : nil
    }

    /// The zstd level encoders use.
    public var level: Int32 { settings.level }

    /// The dictionary small messages use now: a freshly trained one, else the store's newest.
    public var currentDictionary: CompressionDictionary? { trainer?.dictionary ?? loaded }

    /// The dictionary for a block of `rawBytes` bytes: the current one for a small block, none for a
    /// large one (it gains under 1 % there, and its level-9 tables would cost memory).
    public func dictionary(forBlockOf rawBytes: Int) -> CompressionDictionary? {
        rawBytes < settings.blockDictionaryLimit ? currentDictionary : nil
    }

    /// Ends the run's sampling: trains on a short sample if the run never filled one (unless `train`
    /// is false, for instance after Ctrl-C) and waits for a training in progress.
    public func finishRun(train: Bool = true) {
        trainer?.finish(train: train)
    }
}
