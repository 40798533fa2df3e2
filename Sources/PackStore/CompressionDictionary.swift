import ArchiveModel
import CZstd
import Foundation

/// A trained zstd dictionary of the store, kept forever in `<packs>/dictionaries/<id>.zdict`.
///
/// Blobs compressed with it record its ``id`` in their entry header (and zstd records it in the
/// frame header); they cannot be decoded without it. The digested forms zstd works with are made
/// once and shared: one `ZSTD_CDict` per compression level and one `ZSTD_DDict`. Both are read-only
/// after creation, so any number of encoders and readers on any threads may use them at once.
///
/// Obtain one from ``PackStore/dictionary(_:)``, ``PackStore/newestDictionary()`` or
/// ``PackStore/addDictionary(trainingOn:sizes:capacity:level:)``.
public final class CompressionDictionary: @unchecked Sendable, CustomStringConvertible {
    /// The zstd dictionary ID (RFC 8878 §5): the name of the file and the value entry headers record.
    public let id: UInt32
    /// 1 for the store's first dictionary, then 2, 3, …: the newest has the highest.
    public let sequence: UInt32
    /// The compression level the dictionary's statistics were tuned for.
    public let level: Int32
    /// Bytes of pack files in the store when the dictionary was trained (decides when to retrain).
    public let storeBytes: UInt64
    /// The zstd dictionary itself (magic `37 A4 30 EC`), as `zstd -D` reads it.
    public let content: [UInt8]

    private let lock = NSLock()
    private var compressionDictionaries: [Int32: OpaquePointer] = [:]
    private var decompressionDictionary: OpaquePointer?

    init(id: UInt32, sequence: UInt32, level: Int32, storeBytes: UInt64, content: [UInt8]) {
        self.id = id
        self.sequence = sequence
        self.level = level
        self.storeBytes = storeBytes
        self.content = content
    }

    deinit {
        for cdict in compressionDictionaries.values { ZSTD_freeCDict(cdict) }
        if let decompressionDictionary { ZSTD_freeDDict(decompressionDictionary) }
    }

    public var description: String { "zstd dictionary \(id) (#\(sequence), \(content.count) bytes)" }

    /// The shared `ZSTD_CDict` for `level`, created on first use.
    func compressionDictionary(level: Int32) -> OpaquePointer {
        lock.withLock {
            if let cdict = compressionDictionaries[level] { return cdict }
            let cdict = content.withUnsafeBytes { ZSTD_createCDict($0.baseAddress, $0.count, level) }
            guard let cdict else { fatalError("ZSTD_createCDict failed for dictionary \(id): out of memory") }
            compressionDictionaries[level] = cdict
            return cdict
        }
    }

    /// The shared `ZSTD_DDict`, created on first use.
    var decompressionDictionaryPointer: OpaquePointer {
        lock.withLock {
            if let decompressionDictionary { return decompressionDictionary }
            let ddict = content.withUnsafeBytes { ZSTD_createDDict($0.baseAddress, $0.count) }
            guard let ddict else { fatalError("ZSTD_createDDict failed for dictionary \(id): out of memory") }
            decompressionDictionary = ddict
            return ddict
        }
    }

    /// The file name of dictionary `id` inside `<packs>/dictionaries`: the decimal ID and `.zdict`.
    static func fileName(_ id: UInt32) -> String { "\(id).zdict" }
}

/// The 80-byte header of a dictionary file, followed by the zstd dictionary.
///
/// `magic "COFFDICT" | version u16 | flags u16 | dictionary ID u32 | sequence u32 | level i32 |
/// store bytes u64 | content length u64 | SHA-256[32] of the content | reserved u32 | crc32c u32 of bytes 0..<76`
struct DictionaryFileHeader: Equatable {
    static let size = 80
    static let version: UInt16 = 1
    static let magic: [UInt8] = Array("COFFDICT".utf8)
    /// The first four bytes of every zstd dictionary (0xEC30A437 little-endian).
    static let zstdMagic: [UInt8] = [0x37, 0xA4, 0x30, 0xEC]

    var id: UInt32
    var sequence: UInt32
    var level: Int32
    var storeBytes: UInt64
    var contentLength: UInt64
    var checksum: BlobID

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: Self.size)
        w.append(Self.magic)
        w.append(Self.version)
        w.append(UInt16(0))
        w.append(id)
        w.append(sequence)
        w.append(UInt32(bitPattern: level))
        w.append(storeBytes)
        w.append(contentLength)
        w.append(checksum.bytes)
        w.zeros(4)
        w.appendCRC()
        return w.bytes
    }

    /// Decodes a header; nil when magic, version, flags, reserved bytes or CRC are wrong.
    static func decode(_ bytes: [UInt8]) -> DictionaryFileHeader? {
        guard bytes.count >= size else { return nil }
        let r = ByteReader(bytes)
        guard r.slice(0, 8) == magic, r.u16(8) == version, r.u16(10) == 0, r.u32(72) == 0, r.crcMatches(at: 76),
              let checksum = BlobID(bytes: r.slice(40, 32)) else { return nil }
        return DictionaryFileHeader(id: r.u32(12), sequence: r.u32(16), level: Int32(bitPattern: r.u32(20)),
                                    storeBytes: r.u64(24), contentLength: r.u64(32), checksum: checksum)
    }

    /// Checks a whole dictionary file and returns the dictionary, or the reason it is unusable.
    static func parse(_ bytes: [UInt8], expectedID: UInt32) -> Result<CompressionDictionary, DictionaryDamage> {
        guard let header = decode(bytes) else { return .failure(DictionaryDamage("damaged file header")) }
        guard header.id == expectedID else {
            return .failure(DictionaryDamage("the file header names dictionary \(header.id)"))
        }
        guard header.contentLength == UInt64(bytes.count - size) else {
            return .failure(DictionaryDamage("\(bytes.count - size) content bytes, the header records \(header.contentLength)"))
        }
        let content = Array(bytes[size...])
        guard SHA256Hasher.hash(content) == header.checksum else {
            return .failure(DictionaryDamage("content does not match its SHA-256"))
        }
        let zstdID = content.withUnsafeBytes { ZDICT_getDictID($0.baseAddress, $0.count) }
        guard content.starts(with: zstdMagic), zstdID == expectedID else {
            return .failure(DictionaryDamage("content is not zstd dictionary \(expectedID)"))
        }
        return .success(CompressionDictionary(id: header.id, sequence: header.sequence, level: header.level,
                                              storeBytes: header.storeBytes, content: content))
    }
}

/// Why a dictionary file cannot be used.
struct DictionaryDamage: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
