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

/// Counters of one mailbox's batches, filled in by the writer as they commit.
final class WriteTally: @unchecked Sendable {
    private let lock = NSLock()
    private var blobs = 0
    private var bytes: UInt64 = 0
    var newBlobs: Int { lock.withLock { blobs } }
    var newBytes: UInt64 { lock.withLock { bytes } }
    func add(blobs: Int, bytes: UInt64) { lock.withLock { self.blobs += blobs; self.bytes += bytes } }
}

/// The one writer of packs and index rows, on a thread of its own.
///
/// Fetch threads `submit` batches and go on fetching; the writer takes every batch queued so far
/// and commits them together (group commit): dedup check → pack append → one fsync → one index
/// transaction. Rows never point at pack data that is not durable. Memory is bounded: `submit`
/// blocks while more than `maxInFlightBytes` of compressed payload wait (backpressure).
/// A blob already in the store (or appended earlier in this run) is never written again.
final class ArchiveWriter: @unchecked Sendable {
    private struct Job {
        let messages: [StagedMessage]
        let pending: [PendingRow]
        let tally: WriteTally
        let bytes: Int
    }

    private let packs: PackStore
    private let catalog: Catalog
    private let writer: PackWriter
    private let runID: Int64?
    private let maxInFlightBytes: Int
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var inFlightBytes = 0
    private var submitted = 0
    private var completed = 0
    private var closing = false
    private var failure: Error?
    private var thread: Thread?

    init(packs: PackStore, catalog: Catalog, runID: Int64?, maxInFlightBytes: Int = 48 << 20) {
        self.packs = packs
        self.catalog = catalog
        self.runID = runID
        self.maxInFlightBytes = maxInFlightBytes
        writer = packs.makeWriter()
        let thread = Thread { [self] in loop() }
        thread.name = "coffer-writer"
        self.thread = thread
        thread.start()
    }

    /// Queues a batch for commit. Blocks while the writer is too far behind.
    /// - Throws: `WriteFailure` once the writer has failed (nothing after the failure is indexed).
    func submit(_ messages: [StagedMessage], pending: [PendingRow], tally: WriteTally) throws {
        let bytes = messages.reduce(0) { total, m in
            if case .memory(let b) = m.blob.payload { return total + b.count }
            return total + 4096
        }
        condition.lock()
        defer { condition.unlock() }
        while failure == nil && inFlightBytes > 0 && inFlightBytes + bytes > maxInFlightBytes { condition.wait() }
        if let failure {
            messages.forEach { $0.blob.discard() }
            throw WriteFailure(underlying: failure)
        }
        queue.append(Job(messages: messages, pending: pending, tally: tally, bytes: bytes))
        inFlightBytes += bytes
        submitted += 1
        condition.broadcast()
    }

    /// Waits until every batch submitted so far is committed.
    /// - Throws: `WriteFailure` if the writer failed.
    func flush() throws {
        condition.lock()
        defer { condition.unlock() }
        let target = submitted
        while completed < target && failure == nil { condition.wait() }
        if let failure { throw WriteFailure(underlying: failure) }
    }

    /// Commits what is queued, seals the open pack, makes everything durable, stops the thread.
    func close() throws {
        condition.lock()
        closing = true
        condition.broadcast()
        while thread != nil { condition.wait() }
        let failed = failure
        condition.unlock()
        if let failed { throw failed }
        try writer.close()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !closing { condition.wait() }
            if queue.isEmpty && closing {
                thread = nil
                condition.broadcast()
                condition.unlock()
                return
            }
            let jobs = queue
            queue.removeAll()
            condition.unlock()
            let error = commit(jobs)
            condition.lock()
            if let error, failure == nil { failure = error }
            inFlightBytes -= jobs.reduce(0) { $0 + $1.bytes }
            completed += jobs.count
            condition.broadcast()
            condition.unlock()
        }
    }

    /// One group commit. Returns the error instead of throwing so the loop can record it.
    private func commit(_ jobs: [Job]) -> Error? {
        let all = jobs.flatMap(\.messages)
        defer { all.forEach { $0.blob.discard() } }
        do {
            let existing = try catalog.existingBlobs(Array(Set(all.map { $0.blob.id })))
            var newRows: [BlobID: BlobRow] = [:]
            for job in jobs {
                var blobs = 0
                var bytes: UInt64 = 0
                for staged in job.messages where !existing.contains(staged.blob.id) && newRows[staged.blob.id] == nil {
                    let l = try writer.append(staged.blob)
                    newRows[staged.blob.id] = BlobRow(id: staged.blob.id, pack: l.pack.hex, offset: l.offset, storedLength: l.storedLength,
                                                      rawLength: l.rawLength, dictionary: l.dictionary)
                    blobs += 1
                    bytes += l.storedLength
                }
                job.tally.add(blobs: blobs, bytes: bytes)
            }
            if !newRows.isEmpty { try writer.sync() }
            let rows = all.map {
                MessageRow(mailboxID: $0.mailboxID, uidValidity: $0.uidValidity, uid: $0.uid, blob: $0.blob.id,
                           size: $0.blob.rawLength, serverSize: $0.serverSize, internalDate: $0.internalDate, flags: $0.flags)
            }
            try catalog.commit(blobs: Array(newRows.values), messages: rows, pending: jobs.flatMap(\.pending), runID: runID)
            _ = try writer.sealIfFull()
            return nil
        } catch {
            return error
        }
    }
}
