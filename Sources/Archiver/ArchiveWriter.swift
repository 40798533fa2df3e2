import ArchiveModel
import Catalog
import Foundation
import PackStore

/// A fetched message waiting to be committed: its index row fields and its encoded blob.
struct StagedMessage {
    let mailboxID: Int64
    let uidValidity: UIDValidity
    let uid: UID
    let blob: EncodedBlob
    let serverSize: UInt64?
    let internalDate: String?
    let flags: [String]
}

/// The one writer of packs and index rows. Many fetch threads hand it batches;
/// it appends new blobs, makes them durable, then commits the rows that point at them.
///
/// Order per batch: dedup check → pack append → fsync → one index transaction.
/// A blob already in the store (or appended earlier in this run) is never written again.
final class ArchiveWriter: @unchecked Sendable {
    private let packs: PackStore
    private let catalog: Catalog
    private var writer: PackWriter
    private let lock = NSLock()
    private let runID: Int64?

    init(packs: PackStore, catalog: Catalog, runID: Int64?) {
        self.packs = packs
        self.catalog = catalog
        self.runID = runID
        writer = packs.makeWriter()
    }

    /// Commits a batch; returns how many blobs were new. Spill files are removed whatever happens.
    /// - Throws: pack or index errors; nothing of the batch is then indexed.
    func commit(_ batch: [StagedMessage]) throws -> (newBlobs: Int, newBytes: UInt64) {
        defer { batch.forEach { $0.blob.discard() } }
        guard !batch.isEmpty else { return (0, 0) }
        lock.lock()
        defer { lock.unlock() }
        let ids = Array(Set(batch.map { $0.blob.id }))
        let existing = try catalog.existingBlobs(ids)
        var newRows: [BlobID: BlobRow] = [:]
        for staged in batch where !existing.contains(staged.blob.id) && newRows[staged.blob.id] == nil {
            let location = try writer.append(staged.blob)
            newRows[staged.blob.id] = BlobRow(id: staged.blob.id, pack: location.pack.hex, offset: location.offset,
                                              storedLength: location.storedLength, rawLength: location.rawLength,
                                              dictionary: location.dictionary)
        }
        if !newRows.isEmpty { try writer.sync() }
        let rows = batch.map {
            MessageRow(mailboxID: $0.mailboxID, uidValidity: $0.uidValidity, uid: $0.uid, blob: $0.blob.id,
                       size: $0.blob.rawLength, serverSize: $0.serverSize, internalDate: $0.internalDate, flags: $0.flags)
        }
        try catalog.commit(blobs: Array(newRows.values), messages: rows, runID: runID)
        _ = try writer.sealIfFull()
        return (newRows.count, newRows.values.reduce(0) { $0 + $1.storedLength })
    }

    /// Seals the open pack and makes everything durable.
    func close() throws {
        lock.lock()
        defer { lock.unlock() }
        try writer.close()
    }
}
