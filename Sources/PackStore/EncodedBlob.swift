import ArchiveModel
import Foundation

/// One message, hashed and compressed, ready for ``PackWriter/append(_:)``.
///
/// The payload is one complete zstd frame (content checksum on). Small payloads stay in memory;
/// a payload larger than the encoder's spill threshold lives in a temporary file that the caller
/// deletes with ``discard()`` once the blob is appended (or not needed).
public struct EncodedBlob: Sendable {
    /// Where the compressed bytes are.
    public enum Payload: Sendable, Equatable {
        /// The whole zstd frame in memory.
        case memory([UInt8])
        /// The zstd frame in a spill file of `length` bytes.
        case file(URL, length: UInt64)
        /// The raw (uncompressed) message, to be added to a block (``BlockBuilder``); never appended alone.
        case raw([UInt8])
    }

    /// SHA-256 of the raw message bytes.
    public let id: BlobID
    /// Length of the raw message in bytes.
    public let rawLength: UInt64
    /// The compressed bytes.
    public let payload: Payload
    /// The ID of the store's zstd dictionary the payload was compressed with; 0 means none.
    public let dictionary: UInt32
    /// The entry's compression kind: 1 for one message, 2 for a block (``BlockCompressor``).
    public let compression: UInt8

    /// Creates a blob from parts; `payload` must be one zstd frame of exactly `rawLength` bytes of content
    /// (or the raw bytes themselves for `.raw`).
    public init(id: BlobID, rawLength: UInt64, payload: Payload, dictionary: UInt32 = 0, compression: UInt8 = 1) {
        self.id = id
        self.rawLength = rawLength
        self.payload = payload
        self.dictionary = dictionary
        self.compression = compression
    }

    /// Length of the compressed payload in bytes.
    public var storedLength: UInt64 {
        switch payload {
        case .memory(let bytes): return UInt64(bytes.count)
        case .file(_, let length): return length
        case .raw(let bytes): return UInt64(bytes.count)
        }
    }

    /// Deletes the spill file, if there is one. Safe to call more than once.
    public func discard() {
        if case .file(let url, _) = payload {
            unlink(url.path)
        }
    }
}
