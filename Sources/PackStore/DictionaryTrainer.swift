import Foundation

/// Gathers sample messages during a run and trains the store's zstd dictionary from them.
///
/// Fetch threads ``offer(_:)`` the raw bytes of small messages as they complete. Once
/// ``Settings/sampleBytes`` bytes (or ``Settings/maxSamples`` messages) are in, training starts on a
/// thread of its own (about a second for 8 MB of samples), off the fetch threads' path; the
/// dictionary is written to the store durably and only then returned by ``dictionary``, so no entry
/// can name a dictionary that is not on disk. Messages compressed before that have no dictionary.
/// At the end of a run, ``finish(train:)`` trains on a smaller sample if the threshold was never
/// reached, so the next run starts with a dictionary.
///
/// ```swift
/// let trainer = DictionaryTrainer(store: store)
/// if trainer.wantsSample(size: bytes.count) { bytes.withUnsafeBytes { trainer.offer($0) } }
/// encoder.use(trainer.dictionary)
/// ```
///
/// Thread-safe.
public final class DictionaryTrainer: @unchecked Sendable {
    /// What to sample and how big a dictionary to train.
    public struct Settings: Sendable, Equatable {
        /// Largest dictionary in bytes (zstd's default is 112 KiB).
        public var capacity = 112 << 10
        /// Training starts once this many sample bytes are gathered.
        public var sampleBytes = 8 << 20
        /// … or once this many messages are.
        public var maxSamples = 10_000
        /// Messages larger than this are not sampled.
        public var largestSample = 64 << 10
        /// Messages smaller than this are not sampled (they teach zstd nothing).
        public var smallestSample = 64
        /// ``DictionaryTrainer/finish(train:)`` trains on fewer samples when at least this many bytes are in.
        public var minimumSampleBytes = 1 << 20
        /// The compression level the dictionary is tuned for.
        public var level: Int32 = 3

        public init() {}
    }

    /// The settings in use.
    public let settings: Settings
    private let store: PackStore
    private let lock = NSCondition()
    private var samples: [UInt8] = []
    private var sizes: [Int] = []
    private var collecting = true
    private var training = false
    private var trained: CompressionDictionary?
    private var error: PackStoreError?

    /// Creates a trainer that adds its dictionary to `store` (opened read-write).
    public init(store: PackStore, settings: Settings = Settings()) {
        self.store = store
        self.settings = settings
    }

    /// The dictionary trained and stored by this trainer, once it is durable; nil before.
    public var dictionary: CompressionDictionary? { lock.withLock { trained } }

    /// Why training failed, if it did.
    public var failure: PackStoreError? { lock.withLock { error } }

    /// Bytes of samples gathered so far (0 once training has started).
    public var sampleBytesGathered: Int { lock.withLock { samples.count } }

    /// Whether a message of `size` bytes would be taken as a sample now. Cheap; call per message.
    public func wantsSample(size: Int) -> Bool {
        guard size >= settings.smallestSample && size <= settings.largestSample else { return false }
        return lock.withLock { collecting }
    }

    /// Takes a copy of one message's raw bytes as a sample, if still gathering and its size fits.
    ///
    /// Starts training in the background when the sample is complete.
    public func offer(_ message: UnsafeRawBufferPointer) {
        guard message.count >= settings.smallestSample && message.count <= settings.largestSample else { return }
        let full: Bool = lock.withLock {
            guard collecting else { return false }
            if samples.isEmpty { samples.reserveCapacity(settings.sampleBytes + settings.largestSample) }
            samples.append(contentsOf: message)
            sizes.append(message.count)
            guard samples.count >= settings.sampleBytes || sizes.count >= settings.maxSamples else { return false }
            collecting = false
            training = true
            return true
        }
        if full { startTraining() }
    }

    /// Stops gathering and waits for a training in progress.
    ///
    /// - Parameter train: when the sample never filled, train on it now if it holds at least
    ///   ``Settings/minimumSampleBytes`` (runs on the calling thread).
    /// - Returns: the dictionary this trainer stored, if any.
    @discardableResult
    public func finish(train: Bool = true) -> CompressionDictionary? {
        let trainNow: Bool = lock.withLock {
            guard collecting else { return false }
            collecting = false
            guard train && samples.count >= settings.minimumSampleBytes else {
                samples = []
                sizes = []
                return false
            }
            training = true
            return true
        }
        if trainNow { runTraining() }
        lock.lock()
        defer { lock.unlock() }
        while training { lock.wait() }
        return trained
    }

    private func startTraining() {
        let thread = Thread { [self] in runTraining() }
        thread.name = "coffer-dictionary-training"
        thread.start()
    }

    /// Trains on the gathered samples, stores the dictionary, publishes it, and frees the samples.
    private func runTraining() {
        let (input, lengths) = lock.withLock { (samples, sizes) }
        let result: Result<CompressionDictionary, PackStoreError>
        do {
            result = .success(try store.addDictionary(trainingOn: input, sizes: lengths, capacity: settings.capacity,
                                                      level: settings.level))
        } catch let failure as PackStoreError {
            result = .failure(failure)
        } catch {
            result = .failure(.trainingFailed(reason: "\(error)"))
        }
        lock.withLock {
            switch result {
            case .success(let dictionary): trained = dictionary
            case .failure(let failure): error = failure
            }
            samples = []
            sizes = []
            training = false
            lock.broadcast()
        }
    }
}
