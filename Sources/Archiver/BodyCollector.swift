import ArchiveModel
import Foundation
import PackStore

/// Turns streamed body bytes into a hashed blob as the bytes arrive.
///
/// One collector per account on a fetch thread (its identity names the account's block stream in
/// the ``ArchiveWriter``); the encoder and its buffers are reused for every message. The literal's
/// size, known before its first byte, decides: a message of up to ``BlockLayout/memberLimit`` bytes
/// is kept raw (SHA-256 only) for the account's block; a larger one is compressed alone as it
/// streams (SHA-256 + zstd, bounded memory). While the store has no dictionary, small messages
/// are also handed to the ``DictionaryTrainer`` as samples (see ``StoreCompression``).
final class BodyCollector: BodySink {
    private let encoder: BlobEncoder
    private let compression: StoreCompression?
    private var inBody = false
    /// Whether the current message goes to the trainer when it ends.
    private var sampling = false
    /// The body completed since the last `take()`, if any.
    private var finished: EncodedBlob?

    /// A collector that compresses the way `store` is set up to.
    convenience init(store: ArchiveStore) {
        self.init(spillDirectory: store.spillDirectory, compression: store.compression)
    }

    /// A collector spilling to `spillDirectory`, compressing as `compression` says (nil: plain zstd, no dictionary).
    init(spillDirectory: URL, compression: StoreCompression?) {
        self.compression = compression
        encoder = BlobEncoder(level: compression?.level ?? 3, spillDirectory: spillDirectory)
    }

    func begin(size: Int) throws {
        finished?.discard()
        finished = nil
        encoder.reset()
        prepare(size: size)
        inBody = true
    }

    func bytes(_ chunk: UnsafeRawBufferPointer) throws {
        try encoder.update(chunk)
    }

    func end() throws {
        finished = try finishMessage()
        inBody = false
    }

    /// Encodes a body that came inline rather than as a literal.
    func encodeInline(_ bytes: [UInt8]) throws -> EncodedBlob {
        encoder.reset()
        prepare(size: bytes.count)
        try bytes.withUnsafeBytes { try encoder.update($0) }
        return try finishMessage()
    }

    /// Hands over the completed body and forgets it.
    func take() -> EncodedBlob? {
        defer { finished = nil }
        return finished
    }

    /// Chooses the dictionary for a message of `size` bytes and whether to sample it.
    private func prepare(size: Int) {
        // Small messages go raw into the account's block; the writer compresses the block as a whole.
        if size <= BlockLayout.memberLimit { encoder.keepRaw(size: size) }
        sampling = compression?.trainer?.wantsSample(size: size) ?? false
    }

    /// Offers the message to the trainer when sampling, then finishes the blob.
    private func finishMessage() throws -> EncodedBlob {
        if sampling, let trainer = compression?.trainer {
            sampling = false
            encoder.withHeldMessage { held in if let held { trainer.offer(held) } }
        }
        return try encoder.finish()
    }
}
