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
/// Fetch threads `submit` batches and go on fetching. Each account on a connection (and each part
/// of a split mailbox) is a *stream* (``StreamKey``, the identity of its ``BodyCollector``):
/// its small messages (raw, see ``BodyCollector``) are gathered into one open block per stream
/// (``BlockBuilder``), large ones are appended at once as entries of their own. A stream's *group*
/// (its block, the index rows of its messages, their pending states and the actions queued behind
/// them) is committed together once the block holds ``blockTarget`` raw bytes, when the stream ends,
/// when it is ``maxGroupAge`` old, or when memory runs short: block compressed (``BlockCompressor``)
/// → pack append → one fsync → one index transaction → the actions (a mailbox's sync state). Rows
/// never point at pack data that is not durable, and a mailbox's state is never recorded before its
/// messages. Memory is bounded: `submit` blocks while more than `maxInFlightBytes` wait (backpressure).
/// A blob already in the store, or in the stream's open block, is never written again.
final class ArchiveWriter: @unchecked Sendable {
    /// Identifies a stream: one account's messages on one connection, which share blocks.
    typealias StreamKey = ObjectIdentifier

    private enum Job {
        case batch(messages: [StagedMessage], pending: [PendingRow], tally: WriteTally, stream: StreamKey, bytes: Int)
        case action(stream: StreamKey, body: () throws -> Void)
        case end(stream: StreamKey)
        case flushAll
    }

    /// What one stream has waiting for its next commit.
    private final class Group {
        let builder: BlockBuilder
        var messages: [MessageRow] = []
        var blobs: [BlobRow] = []
        var singles: Set<BlobID> = []
        var pending: [PendingRow] = []
        var actions: [() throws -> Void] = []
        /// Other streams' groups holding blobs that messages of this group use: committed together with it.
        var dependencies: [Group] = []
        let started = Date()
        init(spoolDirectory: URL) { builder = BlockBuilder(spoolDirectory: spoolDirectory) }
        var isEmpty: Bool { messages.isEmpty && pending.isEmpty && actions.isEmpty && builder.isEmpty && blobs.isEmpty && dependencies.isEmpty }
    }

    /// Raw bytes at which a stream's block is compressed and committed.
    let blockTarget: Int
    /// Longest a fetched message waits for its group's commit (seconds).
    let maxGroupAge: TimeInterval

    private let packs: PackStore
    private let catalog: Catalog
    private let writer: PackWriter
    private let compressor: BlockCompressor
    private let compression: StoreCompression?
    private let runID: Int64?
    private let spoolDirectory: URL
    private let maxInFlightBytes: Int
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var groups: [StreamKey: Group] = [:]
    private var inFlightBytes = 0
    private var submitted = 0
    private var completed = 0
    private var closing = false
    private var failure: Error?
    private var thread: Thread?

    /// - Parameters:
    ///   - spoolDirectory: where open blocks wait (the store's `tmp/`).
    ///   - maxInFlightBytes: bytes of submitted batches not yet taken by the writer before `submit` blocks.
    init(packs: PackStore, catalog: Catalog, runID: Int64?, spoolDirectory: URL, compression: StoreCompression? = nil,
         maxInFlightBytes: Int = 4 << 20, blockTarget: Int = BlockCompressor.defaultTarget, maxGroupAge: TimeInterval = 5) {
        self.spoolDirectory = spoolDirectory
        self.packs = packs
        self.catalog = catalog
        self.runID = runID
        self.compression = compression
        self.maxInFlightBytes = maxInFlightBytes
        self.blockTarget = blockTarget
        self.maxGroupAge = maxGroupAge
        compressor = BlockCompressor()
        writer = packs.makeWriter()
        let thread = Thread { [self] in
            Thread.current.name = "coffer-writer"   // set from inside: Linux names only the current thread
            loop()
        }
        self.thread = thread
        thread.start()
    }

    /// Queues a batch of `stream` for commit. Blocks while the writer is too far behind.
    /// - Throws: `WriteFailure` once the writer has failed (nothing after the failure is indexed).
    func submit(_ messages: [StagedMessage], pending: [PendingRow], tally: WriteTally, stream: StreamKey) throws {
        let bytes = messages.reduce(0) { total, m in
            switch m.blob.payload {
            case .memory(let b), .raw(let b): return total + b.count
            case .file: return total + 4096
            }
        }
        condition.lock()
        defer { condition.unlock() }
        while failure == nil && inFlightBytes > 0 && inFlightBytes + bytes > maxInFlightBytes { condition.wait() }
        if let failure {
            messages.forEach { $0.blob.discard() }
            throw WriteFailure(underlying: failure)
        }
        enqueue(.batch(messages: messages, pending: pending, tally: tally, stream: stream, bytes: bytes), bytes: bytes)
    }

    /// Runs `body` on the writer thread once everything `stream` submitted so far is committed.
    /// An error it throws fails the writer.
    func afterCommit(of stream: StreamKey, _ body: @escaping () throws -> Void) throws {
        try enqueueChecked(.action(stream: stream, body: body))
    }

    /// Commits what `stream` has waiting (its block is closed even if small); the stream may go on.
    func endStream(_ stream: StreamKey) throws {
        try enqueueChecked(.end(stream: stream))
    }

    /// Waits until every batch submitted so far is committed (closing every open block).
    /// - Throws: `WriteFailure` if the writer failed.
    func flush() throws {
        condition.lock()
        defer { condition.unlock() }
        if failure == nil { enqueue(.flushAll, bytes: 0) }
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

    /// Appends a job; the caller holds the lock.
    private func enqueue(_ job: Job, bytes: Int) {
        queue.append(job)
        inFlightBytes += bytes
        submitted += 1
        condition.broadcast()
    }

    private func enqueueChecked(_ job: Job) throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw WriteFailure(underlying: failure) }
        enqueue(job, bytes: 0)
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !closing {
                if groups.isEmpty { condition.wait() } else if !condition.wait(until: Date().addingTimeInterval(1)) { break }
            }
            let jobs = queue
            queue.removeAll()
            let finishing = closing && jobs.isEmpty
            condition.unlock()
            var error: Error?
            do {
                for job in jobs { try handle(job) }
                try commitDue(all: finishing)
            } catch let e {
                error = e
            }
            condition.lock()
            if let error, failure == nil { failure = error }
            if failure != nil { releaseAll() }
            completed += jobs.count
            if finishing || (closing && failure != nil) {
                thread = nil
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Applies one job to its stream's group, committing the group when its block is full.
    private func handle(_ job: Job) throws {
        switch job {
        case .batch(let messages, let pending, let tally, let stream, let bytes):
            let group = groups[stream] ?? Group(spoolDirectory: spoolDirectory)
            groups[stream] = group
            do { try add(messages, pending: pending, tally: tally, to: group) } catch { release(bytes); throw error }
            release(bytes)   // spooled: fetching may go on while the block is compressed
            if group.builder.rawCount >= blockTarget { try commit(stream) }
        case .action(let stream, let body):
            if let group = groups[stream], !group.isEmpty { group.actions.append(body) } else { try body() }
        case .end(let stream):
            try commit(stream)
        case .flushAll:
            for stream in Array(groups.keys) { try commit(stream) }
        }
    }

    private func add(_ messages: [StagedMessage], pending: [PendingRow], tally: WriteTally, to group: Group) throws {
        defer { messages.forEach { $0.blob.discard() } }
        group.pending += pending
        let existing = try catalog.existingBlobs(Array(Set(messages.map { $0.blob.id })))
        var blobs = 0
        var stored: UInt64 = 0
        for staged in messages {
            let id = staged.blob.id
            let row = MessageRow(mailboxID: staged.mailboxID, uidValidity: staged.uidValidity, uid: staged.uid, blob: id,
                                 size: staged.blob.rawLength, serverSize: staged.serverSize,
                                 internalDate: staged.internalDate, flags: staged.flags)
            // The same bytes waiting in another account's block: the row goes with that block, and the two
            // groups are committed together (so this mailbox's state is never recorded before it).
            if !existing.contains(id), !group.builder.contains(id), !group.singles.contains(id),
               let other = groups.values.first(where: { $0 !== group && ($0.builder.contains(id) || $0.singles.contains(id)) }) {
                other.messages.append(row)
                if !group.dependencies.contains(where: { $0 === other }) { group.dependencies.append(other) }
                continue
            }
            group.messages.append(row)
            guard !existing.contains(id), !group.builder.contains(id), !group.singles.contains(id) else { continue }
            blobs += 1
            if case .raw(let raw) = staged.blob.payload {
                try group.builder.add(id: id, bytes: raw)
                stored += staged.blob.rawLength
            } else {
                let l = try writer.append(staged.blob)
                group.singles.insert(id)
                group.blobs.append(BlobRow(id: id, pack: l.pack.hex, offset: l.offset, storedLength: l.storedLength,
                                           rawLength: l.rawLength, dictionary: l.dictionary))
                stored += l.storedLength
            }
        }
        tally.add(blobs: blobs, bytes: stored)
    }

    /// Commits the groups that are ``maxGroupAge`` old; every group when `all`.
    private func commitDue(all: Bool) throws {
        for (stream, group) in groups where all || Date().timeIntervalSince(group.started) >= maxGroupAge {
            try commit(stream)
        }
    }

    /// Lets submitters waiting on `bytes` go on: the batch's messages are now in their group's spool file.
    private func release(_ bytes: Int) {
        condition.withLock {
            inFlightBytes -= bytes
            condition.broadcast()
        }
    }

    /// One group commit of `stream`'s group and every group it depends on (transitively): blocks
    /// compressed and appended, one fsync, one index transaction, then the groups' actions.
    private func commit(_ stream: StreamKey) throws {
        guard let first = groups.removeValue(forKey: stream) else { return }
        var committing = [first]
        var i = 0
        while i < committing.count {
            for dependency in committing[i].dependencies {
                if let key = groups.first(where: { $0.value === dependency })?.key { committing.append(groups.removeValue(forKey: key)!) }
            }
            i += 1
        }
        var blobs: [BlobRow] = []
        for group in committing {
            blobs += group.blobs
            guard !group.builder.isEmpty else { continue }
            let dictionary = compression?.dictionary(forBlockOf: group.builder.rawCount)
            let (block, members) = try compressor.compress(group.builder, dictionary: dictionary)
            let l = try writer.append(block)
            blobs += members.map {
                BlobRow(id: $0.id, pack: l.pack.hex, offset: l.offset, storedLength: l.storedLength, rawLength: $0.length,
                        dictionary: l.dictionary, member: $0.offset)
            }
        }
        if !blobs.isEmpty { try writer.sync() }
        try catalog.commit(blobs: blobs, messages: committing.flatMap(\.messages), pending: committing.flatMap(\.pending), runID: runID)
        for group in committing {
            for action in group.actions { try action() }
        }
        _ = try writer.sealIfFull()
    }

    /// After a failure: forgets every open group (deleting its spool file); nothing of it is indexed.
    private func releaseAll() {
        for group in groups.values { group.builder.discard() }
        groups.removeAll()
    }
}
