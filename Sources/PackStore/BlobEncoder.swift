import ArchiveModel
import CZstd
import Foundation

/// Hashes and compresses one message as its bytes arrive, with bounded memory.
///
/// Messages up to ``singleCallLimit`` bytes are gathered in a reusable buffer and compressed with
/// one `ZSTD_compress2` call (the frame then records the content size). Longer messages switch to
/// `ZSTD_compressStream2`; once the compressed output passes `spillThreshold` bytes it goes to a
/// temporary file in `spillDirectory`, so a 150 MB message never sits in memory. Above level 6, a
/// streamed message's match-finder tables are capped so the encoder stays under about 16 MiB at any
/// level (level 3: about 10 MiB, level 19 uncapped would need over 100 MiB). The zstd context,
/// the SHA-256 context and both work buffers are allocated once and reused for every message.
///
/// With ``use(_:)`` the encoder compresses with one of the store's trained dictionaries (sharing its
/// digested form with every other encoder); the blob then records the dictionary's ID.
///
/// ```swift
/// let encoder = BlobEncoder(spillDirectory: tmp)
/// for chunk in literalChunks { try encoder.update(chunk) }
/// let blob = try encoder.finish()
/// ```
///
/// Not thread-safe: use one encoder per task.
public final class BlobEncoder {
    /// Messages up to this many bytes (256 KiB) are compressed with a single call.
    public static let singleCallLimit = 256 << 10

    /// Highest level whose own tables are used for streamed messages; above it they are capped.
    static let uncappedLevel: Int32 = 6

    /// zstd level (clamped to `ZSTD_minCLevel()...19`).
    public let level: Int32
    /// Directory for spill files.
    public let spillDirectory: URL
    /// Compressed size in bytes above which the payload goes to a spill file.
    public let spillThreshold: Int

    private let compressor: ZstdCompressor
    private var hasher = SHA256Hasher()
    private let input: UnsafeMutableRawBufferPointer
    private let output: UnsafeMutableRawBufferPointer
    private var inputCount = 0
    private var streaming = false
    private var rawLength: UInt64 = 0
    private var memory: [UInt8] = []
    private var spill: (file: PackFile, url: URL, length: UInt64)?
    /// The dictionary chosen with ``use(_:)``; nil when none.
    public private(set) var dictionary: CompressionDictionary?
    /// Whether the zstd context references `dictionary` now (not while a message streams).
    private var dictionaryActive = false
    /// Whether the current message is kept raw (hashed, not compressed) for a block.
    private var keepingRaw = false

    /// Creates an encoder.
    ///
    /// - Parameters:
    ///   - level: zstd compression level; 3 is zstd's default and the measured sweet spot for mail.
    ///   - spillDirectory: where payloads larger than `spillThreshold` are written; created if missing.
    ///     Put it on the same file system as the store.
    ///   - spillThreshold: compressed bytes kept in memory before spilling (default 4 MiB).
    public init(level: Int32 = 3, spillDirectory: URL, spillThreshold: Int = 4 << 20) {
        self.level = level
        self.spillDirectory = spillDirectory
        self.spillThreshold = spillThreshold
        compressor = ZstdCompressor(level: level)
        input = .allocate(byteCount: Self.singleCallLimit, alignment: 16)
        output = .allocate(byteCount: ZSTD_compressBound(Self.singleCallLimit), alignment: 16)
    }

    deinit {
        reset()
        input.deallocate()
        output.deallocate()
    }

    /// Feeds the next raw bytes of the current message.
    ///
    /// - Parameter bytes: a chunk of any size, including empty.
    /// - Throws: `.compressionFailed`, or `.io` when the spill file cannot be written.
    public func update(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        if keepingRaw {
            if memory.count + bytes.count <= BlockLayout.memberLimit {
                rawLength += UInt64(bytes.count)
                hasher.update(bytes)
                memory.append(contentsOf: bytes)
                return
            }
            // Longer than announced: compress it alone after all.
            keepingRaw = false
            let held = memory
            memory = []
            hasher.reset()
            rawLength = 0
            try held.withUnsafeBytes { try update($0) }
        }
        rawLength += UInt64(bytes.count)
        hasher.update(bytes)
        if !streaming {
            if inputCount + bytes.count <= input.count {
                UnsafeMutableRawBufferPointer(rebasing: input[inputCount...]).copyMemory(from: bytes)
                inputCount += bytes.count
                return
            }
            streaming = true
            if dictionaryActive {
                compressor.refDictionary(nil)
                dictionaryActive = false
            }
            if level > Self.uncappedLevel { compressor.capTables(true) }
            try compress(UnsafeRawBufferPointer(rebasing: input[..<inputCount]), end: false)
            inputCount = 0
        }
        try compress(bytes, end: false)
    }

    /// Feeds an array (or any contiguous bytes).
    public func update(_ bytes: some ContiguousBytes) throws {
        try bytes.withUnsafeBytes { try update($0) }
    }

    /// Ends the current message and returns it encoded; the encoder is then ready for the next one.
    ///
    /// - Returns: the blob; its payload is `.file` when the compressed size passed `spillThreshold`.
    /// - Throws: `.compressionFailed` or `.io`; the partial message is dropped either way.
    public func finish() throws -> EncodedBlob {
        if keepingRaw {
            let blob = EncodedBlob(id: hasher.finish(), rawLength: rawLength, payload: .raw(memory))
            memory = []
            reset()
            return blob
        }
        do {
            if streaming {
                try compress(UnsafeRawBufferPointer(start: nil, count: 0), end: true)
            } else {
                let n = try compressor.compressFrame(UnsafeRawBufferPointer(rebasing: input[..<inputCount]), into: output)
                try emit(UnsafeRawBufferPointer(rebasing: output[..<n]))
            }
            let payload: EncodedBlob.Payload
            if let spill {
                payload = .file(spill.url, length: spill.length)
                self.spill = nil
            } else {
                payload = .memory(memory)
                memory = []
            }
            let blob = EncodedBlob(id: hasher.finish(), rawLength: rawLength, payload: payload,
                                   dictionary: dictionaryActive ? dictionary?.id ?? 0 : 0)
            reset()
            return blob
        } catch {
            reset()
            throw error
        }
    }

    /// Encodes a whole message held in memory: `update` then `finish`.
    public func encode(_ bytes: some ContiguousBytes) throws -> EncodedBlob {
        try update(bytes)
        return try finish()
    }

    /// Keeps the next message raw (hashed but not compressed) for a ``BlockBuilder``; its blob's
    /// payload is then `.raw`. Call between messages, before the first byte, for a message of at most
    /// ``BlockLayout/memberLimit`` bytes; one that turns out longer is compressed alone after all.
    ///
    /// - Parameter size: the message's announced length, reserved up front so its bytes are copied once.
    public func keepRaw(size: Int) {
        precondition(rawLength == 0 && !streaming, "BlobEncoder.keepRaw(size:) called in the middle of a message")
        keepingRaw = true
        memory.reserveCapacity(min(size, BlockLayout.memberLimit))
    }

    /// Compresses the following messages with `dictionary`, or without one when nil.
    ///
    /// Call between messages, before the first byte of one. A message that grows past
    /// ``singleCallLimit`` bytes is compressed without the dictionary (its blob records dictionary 0),
    /// so every dictionary frame records its content size and large messages keep their memory bound.
    /// Use a dictionary of the store the blobs go to; it stays referenced until the next call.
    ///
    /// - Parameter dictionary: one of the store's dictionaries, or nil.
    public func use(_ dictionary: CompressionDictionary?) {
        precondition(rawLength == 0 && !streaming, "BlobEncoder.use(_:) called in the middle of a message")
        guard dictionary !== self.dictionary else { return }
        compressor.refDictionary(dictionary?.compressionDictionary(level: compressor.level))
        self.dictionary = dictionary   // the old one (and its CDict) may go only once unreferenced
        dictionaryActive = dictionary != nil
    }

    /// Runs `body` with the raw bytes of the current message so far while the encoder holds them
    /// whole (up to ``singleCallLimit`` bytes), or with nil once the message streams.
    ///
    /// Lets a caller take a dictionary training sample without copying every message.
    /// The buffer is valid only during the call.
    public func withHeldMessage<T>(_ body: (UnsafeRawBufferPointer?) throws -> T) rethrows -> T {
        if keepingRaw { return try memory.withUnsafeBytes { try body($0) } }
        return try body(streaming ? nil : UnsafeRawBufferPointer(rebasing: input[..<inputCount]))
    }

    /// Abandons the current message (deleting a partial spill file) and keeps the contexts for the next.
    public func reset() {
        compressor.resetSession()
        if streaming && level > Self.uncappedLevel { compressor.capTables(false) }
        if let dictionary, !dictionaryActive {
            compressor.refDictionary(dictionary.compressionDictionary(level: compressor.level))
            dictionaryActive = true
        }
        hasher.reset()
        keepingRaw = false
        inputCount = 0
        streaming = false
        rawLength = 0
        memory = []
        if let spill {
            unlink(spill.url.path)
            self.spill = nil
        }
    }

    /// Bytes this encoder holds now: zstd context, both work buffers and the in-memory payload's capacity.
    var footprint: Int {
        ZSTD_sizeof_CCtx(compressor.context) + input.count + output.count + memory.capacity
    }

    /// Streams `bytes` through zstd, handing every produced chunk to `emit`.
    private func compress(_ bytes: UnsafeRawBufferPointer, end: Bool) throws {
        var position = 0
        while true {
            let step = try compressor.stream(bytes, from: position, into: output, end: end)
            position += step.consumed
            if step.written > 0 { try emit(UnsafeRawBufferPointer(rebasing: output[..<step.written])) }
            if end ? step.remaining == 0 : position == bytes.count { return }
        }
    }

    /// Appends compressed bytes to memory, or to the spill file once past the threshold.
    private func emit(_ chunk: UnsafeRawBufferPointer) throws {
        if spill == nil, memory.count + chunk.count > spillThreshold {
            try PackFile.makeDirectory(spillDirectory.path)
            let url = spillDirectory.appendingPathComponent("coffer-spill-\(PackID.random().hex).zst")
            let file = try PackFile(path: url.path, flags: O_WRONLY | O_CREAT | O_EXCL, pack: nil, mode: 0o600)
            spill = (file, url, 0)
            try file.write(memory)
            spill!.length = UInt64(memory.count)
            memory = []
        }
        if spill != nil {
            try spill!.file.write(chunk)
            spill!.length += UInt64(chunk.count)
        } else {
            memory.append(contentsOf: chunk)
        }
    }
}
