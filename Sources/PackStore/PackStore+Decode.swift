import ArchiveModel
import CZstd
import Foundation

extension PackStore {
    /// Decompresses the payload of the entry at `offset` whose header is `header`.
    ///
    /// Output goes either straight into `destination` (exactly `rawLength` bytes, no copy) or, when
    /// `destination` is nil, through a 128 KiB buffer to `sink` (unused otherwise). Checks that the payload is exactly one
    /// zstd frame (zstd verifies its content checksum) holding exactly `rawLength` bytes.
    ///
    /// An entry with a dictionary ID is decoded with that dictionary from `<packs>/dictionaries`.
    ///
    /// - Throws: `.corruptPayload`, `.truncatedEntry`, `.unsupportedEntry`, `.dictionaryMissing`,
    ///   `.badDictionary`, `.io`, or what `sink` throws.
    func decodePayload(_ file: PackFile, at offset: UInt64, header: EntryHeader,
                       into destination: UnsafeMutableRawBufferPointer?,
                       sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let pack = file.pack!
        guard header.compression == PackFormat.compressionZstd || header.compression == PackFormat.compressionBlock else {
            throw PackStoreError.unsupportedEntry(pack, offset: offset, reason: "compression kind \(header.compression)")
        }
        let dictionary = try dictionary(for: header, pack: pack, offset: offset)
        var source = PayloadSource(file: file, start: offset + UInt64(EntryHeader.size),
                                   length: header.storedLength, chunk: Self.readChunk)
        defer { source.deallocate() }
        let scratch = destination == nil ? UnsafeMutableRawBufferPointer.allocate(byteCount: ZSTD_DStreamOutSize(), alignment: 16) : nil
        defer { scratch?.deallocate() }
        func corrupt(_ reason: String) -> PackStoreError { .corruptPayload(pack, offset: offset, reason: reason) }

        try withDecompressor { context in
            context.refDictionary(dictionary?.decompressionDictionaryPointer)
            defer { withExtendedLifetime(dictionary) { context.refDictionary(nil) } }
            var produced: UInt64 = 0
            while true {
                guard try source.refillIfEmpty() else { throw PackStoreError.truncatedEntry(pack, offset: offset) }
                let output = destination.map { UnsafeMutableRawBufferPointer(rebasing: $0[Int(produced)...]) } ?? scratch!
                let step: (written: Int, consumed: Int, hint: Int)
                do throws(ZstdError) {
                    step = try context.stream(source.available, from: source.position, into: output)
                } catch {
                    throw corrupt(error.reason)
                }
                source.position += step.consumed
                produced += UInt64(step.written)
                if destination == nil, step.written > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<step.written])) }
                if step.hint == 0 {
                    guard source.isExhausted else { throw corrupt("bytes follow the end of the zstd frame") }
                    guard produced == header.rawLength else {
                        throw corrupt("frame holds \(produced) bytes, the header records \(header.rawLength)")
                    }
                    return
                }
                if step.consumed == 0 && step.written == 0 {
                    if destination != nil && output.isEmpty { throw corrupt("frame holds more than the recorded \(header.rawLength) bytes") }
                    throw corrupt(source.isExhausted ? "the zstd frame is cut short" : "zstd made no progress")
                }
            }
        }
    }
}

/// Reads a payload of known length from a pack in chunks into one reusable buffer.
struct PayloadSource {
    let file: PackFile
    let start: UInt64
    let length: UInt64
    private let buffer: UnsafeMutableRawBufferPointer
    private var loaded = 0
    private var consumed: UInt64 = 0
    /// Position of the next unread byte inside `available`.
    var position = 0

    init(file: PackFile, start: UInt64, length: UInt64, chunk: Int) {
        self.file = file
        self.start = start
        self.length = length
        buffer = .allocate(byteCount: max(1, Int(min(length, UInt64(chunk)))), alignment: 16)
    }

    func deallocate() { buffer.deallocate() }

    /// The loaded bytes.
    var available: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[..<loaded]) }

    /// True when every payload byte has been loaded and consumed.
    var isExhausted: Bool { position == loaded && consumed == length }

    /// Loads the next chunk when the current one is used up.
    ///
    /// - Returns: false when the file ended before `length` bytes were read.
    mutating func refillIfEmpty() throws -> Bool {
        guard position == loaded, consumed < length else { return true }
        let want = Int(min(length - consumed, UInt64(buffer.count)))
        let got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<want]), at: start + consumed)
        consumed += UInt64(got)
        loaded = got
        position = 0
        return got == want
    }
}
