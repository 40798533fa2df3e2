import Foundation

/// Gathers sample messages during a run and trains the store's zstd dictionaries from them.
///
/// Fetch threads ``offer(_:)`` the raw bytes of small messages as they complete. Each time the
/// sample reaches the next of ``Settings/stages`` (by default 2 MiB, then 8 MiB), a dictionary is
/// trained on everything gathered so far, on a thread of its own and off the fetch threads' path
/// (about 0.05 s for 2 MiB, 0.2 s for 8 MiB). The first stage gives a cold backfill a dictionary
/// early; the last a better one for the rest of the run. Each dictionary is written to the store
/// durably and only then returned by ``dictionary``, so no entry can name a dictionary that is not
/// on disk. At the end of a run, ``finish(train:)`` trains on a short sample if no stage was
/// reached, so the next run starts with a dictionary.
///
/// ```swift
/// let trainer = DictionaryTrainer(store: store)
/// if trainer.wantsSample(size: bytes.count) { bytes.withUnsafeBytes { trainer.offer($0) } }
/// encoder.use(trainer.dictionary)
/// ```
///
/// Thread-safe. Holds at most the last stage's bytes of samples (plus zstd's ~6 MiB while training).
public final class DictionaryTrainer: @unchecked Sendable {
    /// What to sample and how big a dictionary to train.
    public struct Settings: Sendable, Equatable {
        /// Largest dictionary in bytes. 256 KiB compressed Enron 3 % smaller than zstd's default of
        /// 112 KiB at the same speed (docs/benchmarks-compression.md).
        public var capacity = 256 << 10
        /// Sample sizes in bytes, ascending, at which a dictionary is trained. A last stage of
        /// 16 MiB trains a dictionary about 3 % better than 8 MiB, for 8 MiB more peak memory.
        public var stages = [2 << 20, 8 << 20]
        /// Messages larger than this are not sampled.
        public var largestSample = 64 << 10
        /// Messages smaller than this are not sampled (they teach zstd nothing).
        public var smallestSample = 64
        /// ``DictionaryTrainer/finish(train:)`` trains on a sample short of the first stage when it
        /// holds at least this many bytes.
        public var minimumSampleBytes = 1 << 20
        /// The compression level the dictionaries are tuned for.
        public var level: Int32 = 3
        /// Gather up to the last stage but train only in ``DictionaryTrainer/finish(train:)`` (at the
        /// end of a run, when the fetch buffers are gone), never in the background during it.
        public var trainAtEndOnly = false

        public init() {}
    }

    /// The settings in use.
    public let settings: Settings
    private let store: PackStore
    private let lock = NSCondition()
    private var samples: [UInt8] = []
    private var sizes: [Int] = []
    /// Index of the next stage to reach.
    private var stage = 0
    private var collecting: Bool
    private var training = false
    private var trained: CompressionDictionary?
    private var error: PackStoreError?
    private var cpuSeconds = 0.0

    /// Creates a trainer that adds its dictionaries to `store` (opened read-write).
    public init(store: PackStore, settings: Settings = Settings()) {
        self.store = store
        self.settings = settings
        collecting = !settings.stages.isEmpty
    }

    /// The newest dictionary this trainer stored, once it is durable; nil before the first.
    public var dictionary: CompressionDictionary? { lock.withLock { trained } }

    /// Why training failed, if it did (training then stops for this run).
    public var failure: PackStoreError? { lock.withLock { error } }

    /// Whether samples are still being gathered.
    public var isCollecting: Bool { lock.withLock { collecting } }

    /// Whether a dictionary is being trained now.
    public var isTraining: Bool { lock.withLock { training } }

    /// CPU seconds spent training (and writing dictionaries) so far.
    public var trainingCPUSeconds: Double { lock.withLock { cpuSeconds } }

    /// Bytes of samples held now (0 once the last stage has trained or `finish` was called).
    public var sampleBytesGathered: Int { lock.withLock { samples.count } }

    /// Whether a message of `size` bytes would be taken as a sample now. Cheap; call per message.
    public func wantsSample(size: Int) -> Bool {
        guard size >= settings.smallestSample && size <= settings.largestSample else { return false }
        return lock.withLock { collecting }
    }

    /// Takes a copy of one message's raw bytes as a sample, if still gathering and its size fits.
    ///
    /// Starts training in the background when the sample reaches the next stage.
    public func offer(_ message: UnsafeRawBufferPointer) {
        guard message.count >= settings.smallestSample && message.count <= settings.largestSample else { return }
        let start: Bool = lock.withLock {
            // While a training runs, gather up to the last stage; the training then trains again.
            guard collecting, samples.count < settings.stages.last! else { return false }
            if samples.isEmpty { samples.reserveCapacity(settings.stages[0] + settings.largestSample) }
            samples.append(contentsOf: message)
            sizes.append(message.count)
            if settings.trainAtEndOnly {
                if samples.count >= settings.stages.last! { collecting = false }
                return false
            }
            return !training && advanceStage()
        }
        if start {
            let thread = Thread { [self] in train() }
            thread.name = "coffer-dictionary-training"
            thread.start()
        }
    }

    /// Stops gathering and waits for a training in progress.
    ///
    /// - Parameter train: when no dictionary was trained yet, train on the sample gathered if it
    ///   holds at least ``Settings/minimumSampleBytes`` (on the calling thread).
    /// - Returns: the newest dictionary this trainer stored, if any.
    @discardableResult
    public func finish(train: Bool = true) -> CompressionDictionary? {
        let trainNow: Bool = lock.withLock {
            while training { lock.wait() }
            collecting = false
            guard train, trained == nil, error == nil, samples.count >= settings.minimumSampleBytes else {
                release()
                return false
            }
            training = true
            return true
        }
        if trainNow { self.train() }
        return waitUntilTrained()
    }

    /// Waits while a dictionary is being trained; returns the newest dictionary this trainer stored.
    @discardableResult
    public func waitUntilTrained() -> CompressionDictionary? {
        lock.lock()
        defer { lock.unlock() }
        while training { lock.wait() }
        return trained
    }

    /// Moves past every stage the sample has reached; true when one was (training is then marked
    /// started). Caller holds the lock.
    private func advanceStage() -> Bool {
        var reached = false
        while stage < settings.stages.count && samples.count >= settings.stages[stage] {
            stage += 1
            reached = true
        }
        if stage == settings.stages.count { collecting = false }
        if reached {
            training = true
            // The training holds the sample as it is; the next append copies it once, into room for the next stage.
            if stage < settings.stages.count { samples.reserveCapacity(settings.stages[stage] + settings.largestSample) }
        }
        return reached
    }

    /// Trains on the sample as it is now, publishes the dictionary, and trains again if a later
    /// stage was reached meanwhile. Runs with `training` set; clears it when done.
    private func train() {
        while true {
            let (input, lengths) = lock.withLock { (samples, sizes) }
            let started = Self.threadCPUSeconds()
            let result: Result<CompressionDictionary, PackStoreError>
            do {
                result = .success(try store.addDictionary(trainingOn: input, sizes: lengths, capacity: settings.capacity,
                                                          level: settings.level))
            } catch let failure as PackStoreError {
                result = .failure(failure)
            } catch {
                result = .failure(.trainingFailed(reason: "\(error)"))
            }
            let spent = Self.threadCPUSeconds() - started
            let again: Bool = lock.withLock {
                cpuSeconds += spent
                switch result {
                case .success(let dictionary):
                    trained = dictionary
                    if collecting && advanceStage() { return true }
                case .failure(let failure):
                    error = failure
                    collecting = false
                }
                if !collecting { release() }
                training = false
                lock.broadcast()
                return false
            }
            if !again { return }
        }
    }

    /// CPU seconds the calling thread has used.
    private static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Frees the samples. Caller holds the lock.
    private func release() {
        samples = []
        sizes = []
    }
}
