import ArchiveModel

/// Where one blob's entry sits inside a pack.
///
/// This is what an index row stores. Offsets and lengths are in bytes.
public struct BlobLocation: Hashable, Sendable, CustomStringConvertible {
    /// The pack that holds the entry.
    public var pack: PackID
    /// Byte offset of the entry *header* from the start of the pack file.
    public var offset: UInt64
    /// Length of the compressed payload (the zstd frame) in bytes, not counting the entry header.
    public var storedLength: UInt64
    /// Length of the original message in bytes.
    public var rawLength: UInt64
    /// The zstd dictionary the payload was compressed with; 0 means none.
    public var dictionary: UInt32
    /// The entry's compression kind: 1 = one zstd frame holding one blob, 2 = one zstd frame holding a
    /// block of several blobs (docs/store-format.md, "Block entries").
    public var compression: UInt8
    /// For one blob inside a block entry: the byte offset of the blob in the block's decompressed
    /// content (its length is `rawLength`). Nil for a location that names a whole entry.
    public var member: UInt64?

    /// Creates a location from its parts.
    public init(pack: PackID, offset: UInt64, storedLength: UInt64, rawLength: UInt64, dictionary: UInt32 = 0,
                compression: UInt8 = 1, member: UInt64? = nil) {
        self.pack = pack
        self.offset = offset
        self.storedLength = storedLength
        self.rawLength = rawLength
        self.dictionary = dictionary
        self.compression = compression
        self.member = member
    }

    /// The location of the blob at `member` (`length` bytes) inside the block entry at this location.
    public func member(at member: UInt64, length: UInt64) -> BlobLocation {
        BlobLocation(pack: pack, offset: offset, storedLength: storedLength, rawLength: length,
                     dictionary: dictionary, compression: compression, member: member)
    }

    /// Offset of the first byte after this entry (header plus payload).
    public var endOffset: UInt64 { offset + UInt64(EntryHeader.size) + storedLength }

    public var description: String {
        let inBlock = member.map { ", block member at \($0)" } ?? ""
        return "\(pack)@\(offset)+\(storedLength) (raw \(rawLength)\(dictionary == 0 ? "" : ", dict \(dictionary)")\(inBlock))"
    }
}

/// One complete entry found by scanning a pack: the blob's name and where it is.
///
/// Returned by recovery (``PackStore/recovered``) and by ``PackStore/entries(of:)`` so a caller
/// can (re-)create index rows.
public struct RecoveredEntry: Hashable, Sendable {
    /// The SHA-256 of the blob's raw bytes, as recorded in the entry header.
    public var id: BlobID
    /// Where the entry is.
    public var location: BlobLocation

    /// Creates an entry from its parts.
    public init(id: BlobID, location: BlobLocation) {
        self.id = id
        self.location = location
    }
}

/// The result of re-reading one blob and re-hashing it (`verify --read-data`).
public enum BlobCheck: Sendable, Equatable {
    /// The payload decompressed cleanly and its SHA-256 equals the expected blob ID.
    case ok
    /// The payload decompressed, but the bytes hash to `actual` instead of the expected ID.
    case hashMismatch(actual: BlobID)
    /// The entry could not be read or decompressed; the error names the pack and offset.
    case unreadable(PackStoreError)
}
