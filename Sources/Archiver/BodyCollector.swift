import ArchiveModel
import Foundation
import PackStore

/// Turns streamed body bytes into an encoded blob (SHA-256 + zstd as the bytes arrive).
///
/// One collector per fetch thread; the encoder and its buffers are reused for every message.
final class BodyCollector: BodySink {
    private let encoder: BlobEncoder
    private var inBody = false
    /// The body completed since the last `take()`, if any.
    private var finished: EncodedBlob?

    init(spillDirectory: URL) {
        encoder = BlobEncoder(spillDirectory: spillDirectory)
    }

    func begin(size: Int) throws {
        finished?.discard()
        finished = nil
        encoder.reset()
        inBody = true
    }

    func bytes(_ chunk: UnsafeRawBufferPointer) throws {
        try encoder.update(chunk)
    }

    func end() throws {
        finished = try encoder.finish()
        inBody = false
    }

    /// Encodes a body that came inline rather than as a literal.
    func encodeInline(_ bytes: [UInt8]) throws -> EncodedBlob {
        encoder.reset()
        try bytes.withUnsafeBytes { try encoder.update($0) }
        return try encoder.finish()
    }

    /// Hands over the completed body and forgets it.
    func take() -> EncodedBlob? {
        defer { finished = nil }
        return finished
    }
}
