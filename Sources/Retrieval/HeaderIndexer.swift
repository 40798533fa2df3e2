import ArchiveModel
import Catalog
import Foundation
import MessageHeaders
import PackStore

/// Fills the header index for blobs that have no header row yet.
///
/// Best effort and never in the archiving path: it runs after a run (RunDriver) and lazily from
/// `coffer ls`. Each blob is read only as far as its first ``window`` bytes (decompression stops
/// there), summarised by ``MessageSummary``, and written in batches; a blob that cannot be read
/// gets an `unreadable` row (`verify` reports the damage itself).
public final class HeaderIndexer: @unchecked Sendable {
    /// Bytes of each message read for its headers and first text part (B36: bounded work).
    public static let window = 65_536
    /// Blobs per transaction.
    static let batch = 256

    let catalog: Catalog
    let packs: PackStore

    public init(catalog: Catalog, packs: PackStore) {
        self.catalog = catalog
        self.packs = packs
    }

    /// Indexes every blob without a header row, in pack order, on two threads.
    ///
    /// - Parameters:
    ///   - shouldStop: polled between batches (Ctrl-C); what is indexed stays indexed.
    ///   - progress: (indexed so far, total to index) after each batch.
    /// - Returns: how many blobs were indexed.
    /// - Throws: `CatalogError` when the index cannot be read or written.
    @discardableResult
    public func indexMissing(shouldStop: () -> Bool = { false }, progress: (Int, Int) -> Void = { _, _ in }) throws -> Int {
        let total = try catalog.blobsWithoutHeadersCount()
        guard total > 0 else { return 0 }
        var done = 0
        var after: (pack: String, offset: UInt64, member: Int64)?
        while !shouldStop() {
            let rows = try catalog.blobsWithoutHeaders(after: after, limit: Self.batch)
            guard let last = rows.last else { break }
            let records = Slots<HeaderRecord>(count: rows.count)
            DispatchQueue.concurrentPerform(iterations: 2) { worker in
                for i in stride(from: worker, to: rows.count, by: 2) { records.set(i, summarize(rows[i])) }
            }
            try catalog.insertHeaders(records.values)
            done += rows.count
            after = (last.pack, last.offset, last.member.map { Int64($0) } ?? -1)
            progress(done, total)
        }
        return done
    }

    /// The header row of one blob.
    func summarize(_ row: BlobRow) -> HeaderRecord {
        guard let bytes = firstBytes(row) else { return HeaderRecord(blob: row.id, status: .unreadable) }
        return Self.record(row.id, MessageSummary.extract(from: bytes))
    }

    static func record(_ blob: BlobID, _ s: MessageSummary) -> HeaderRecord {
        var r = HeaderRecord(blob: blob, status: .ok)
        r.messageID = s.messageID
        r.date = s.date
        r.from = s.from
        r.to = s.to
        r.cc = s.cc
        r.bcc = s.bcc
        r.subject = s.subject
        r.text = s.text
        return r
    }

    /// The first ``window`` bytes of a blob; decompression stops there. Nil when it cannot be read.
    func firstBytes(_ row: BlobRow) -> [UInt8]? {
        guard let pack = PackID(hex: row.pack) else { return nil }
        let location = BlobLocation(pack: pack, offset: row.offset, storedLength: row.storedLength,
                                    rawLength: row.rawLength, dictionary: row.dictionary,
                                    compression: row.compression, member: row.member)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(min(row.rawLength, UInt64(Self.window))))
        do {
            try packs.stream(location) { chunk in
                bytes += chunk.prefix(Self.window - bytes.count)
                if bytes.count >= Self.window { throw WindowFull() }
            }
        } catch is WindowFull {
        } catch {
            return nil
        }
        return bytes
    }
}

/// Fixed slots that threads fill at disjoint indices.
final class Slots<T>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<T?>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    func set(_ i: Int, _ value: T) { storage[i] = value }

    var values: [T] { storage.compactMap { $0 } }
}

/// Stops decompression once the window is full.
struct WindowFull: Error {}
