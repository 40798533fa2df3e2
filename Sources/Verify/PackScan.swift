import ArchiveModel
import Catalog
import Foundation
import PackStore

/// The per-pack part of `verify`: each pack's own structure and checksums and, with data reading,
/// every blob (or a random sample) decompressed and re-hashed. The work is cut into items (a pack's
/// structure; runs of about 4 MiB of its blobs) that `threads` workers take in pack order, so even a
/// single pack keeps every core busy; it stops at a deadline between two blobs and reports which
/// packs it finished completely.
final class PackScan: @unchecked Sendable {
    struct Options {
        /// Decompress and re-hash blobs.
        var readData = false
        /// With `readData`: the chance (0…1] that each blob is read; 1 reads all.
        var sample = 1.0
        /// Stop starting new work after this moment.
        var deadline: Date?
        var threads = 2
    }

    /// What one scan did.
    struct Outcome {
        var findings: [Finding] = []
        /// Packs whose work was completed.
        var done: [PackID] = []
        var blobsRead = 0
        var rawBytes: UInt64 = 0
        var packBytes: UInt64 = 0
        var stoppedAtDeadline = false
    }

    let catalog: Catalog
    let packs: PackStore
    let options: Options
    let progress: (String) -> Void
    private let lock = NSLock()
    private var outcome = Outcome()
    private var queue: [PackID]
    private var items: [Item] = []
    /// Items of each pack not finished yet, and whether one was cut short.
    private var remaining: [PackID: (count: Int, cut: Bool)] = [:]
    private let total: Int
    private var lastProgress = Date()
    private let started = Date()

    /// A unit of work: one pack's structure, or a run of its blobs (so one big pack still keeps every core busy).
    enum Item {
        case structure(PackID)
        case blobs(PackID, ArraySlice<BlobRow>)

        var pack: PackID {
            switch self {
            case .structure(let p), .blobs(let p, _): return p
            }
        }
    }

    /// Blobs per item: about this many raw bytes.
    static let itemBytes: UInt64 = 4 << 20

    init(catalog: Catalog, packs: PackStore, work: [PackID], options: Options, progress: @escaping (String) -> Void) {
        self.catalog = catalog
        self.packs = packs
        self.options = options
        self.progress = progress
        queue = work.reversed()
        total = work.count
    }

    /// Runs the workers to the end or the deadline.
    func run() -> Outcome {
        let group = DispatchGroup()
        for _ in 0..<max(1, options.threads) {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                while let item = next() { work(item) }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return lock.withLock { outcome }
    }

    /// The next item; loads the next pack's blob rows when the current pack's items are handed out.
    /// Past the deadline only the first pack's items are still handed out, so every run finishes at
    /// least one pack and a cycle always advances.
    private func next() -> Item? {
        lock.withLock {
            if items.isEmpty, let pack = queue.popLast() {
                if pastDeadline && firstPack != nil {
                    queue.append(pack)
                } else {
                    items = makeItems(pack).reversed()
                    firstPack = firstPack ?? pack
                }
            }
            if pastDeadline, let item = items.last, item.pack != firstPack {
                outcome.stoppedAtDeadline = true
                return nil
            }
            if items.isEmpty && !queue.isEmpty { outcome.stoppedAtDeadline = true }
            return items.popLast()
        }
    }

    /// The pack every run completes, deadline or not.
    private var firstPack: PackID?

    /// The structure item, then the (sampled) blobs in runs of about ``itemBytes``.
    private func makeItems(_ pack: PackID) -> [Item] {
        var out: [Item] = [.structure(pack)]
        if options.readData {
            var rng = SystemRandomNumberGenerator()
            let rows = ((try? catalog.blobs(inPack: pack.hex)) ?? [])
                .filter { _ in options.sample >= 1 || Double.random(in: 0..<1, using: &rng) < options.sample }
            var start = 0, bytes: UInt64 = 0
            for (i, row) in rows.enumerated() {
                bytes += row.rawLength
                if bytes >= Self.itemBytes || i == rows.count - 1 {
                    out.append(.blobs(pack, rows[start...i]))
                    start = i + 1
                    bytes = 0
                }
            }
        }
        remaining[pack] = (out.count, false)
        return out
    }

    private var pastDeadline: Bool { options.deadline.map { Date() >= $0 } ?? false }

    /// One item. A run of blobs stops between two blobs at the deadline; its pack is then not done.
    private func work(_ item: Item) {
        var findings: [Finding] = []
        var read = 0
        var bytes: UInt64 = 0
        var packBytes: UInt64 = 0
        var complete = true
        switch item {
        case .structure(let pack):
            findings = structureFindings(pack)
            packBytes = (try? FileManager.default.attributesOfItem(atPath: packs.url(of: pack).path)[.size] as? UInt64) ?? 0
        case .blobs(let pack, let rows):
            let mayStop = lock.withLock { pack != firstPack }
            for row in rows {
                if mayStop && pastDeadline { complete = false; break }
                if let f = check(row, pack) { findings.append(f) }
                read += 1
                bytes += row.rawLength
            }
        }
        lock.withLock {
            outcome.findings += findings
            outcome.blobsRead += read
            outcome.rawBytes += bytes
            outcome.packBytes += packBytes
            var state = remaining[item.pack] ?? (1, false)
            state.count -= 1
            state.cut = state.cut || !complete
            remaining[item.pack] = state
            if state.count == 0 {
                if state.cut { outcome.stoppedAtDeadline = true } else { outcome.done.append(item.pack) }
            }
            reportProgress()
        }
    }

    private func structureFindings(_ pack: PackID) -> [Finding] {
        packs.verifyStructure(pack).compactMap { finding in
            if case .missing = finding { return nil }   // the index check reports each blob of a missing pack
            let rows = (try? catalog.blobs(inPack: pack.hex)) ?? []
            let affected = finding.offset.map { o in rows.filter { $0.offset >= o } } ?? []
            var messages: [MessageRef] = []
            for row in affected.prefix(50) { messages += ((try? catalog.messages(referencing: row.id)) ?? []).map(MessageRef.init) }
            let hint = affected.isEmpty && !rows.isEmpty ? " \(rows.count) blob(s) are in this pack; `coffer verify --read-data` names the damaged ones." : ""
            return Finding(kind: "pack-structure", pack: pack.hex, blob: affected.first?.id.hex, messages: messages,
                           detail: finding.message + hint)
        }
    }

    private func check(_ row: BlobRow, _ pack: PackID) -> Finding? {
        let location = BlobLocation(pack: pack, offset: row.offset, storedLength: row.storedLength, rawLength: row.rawLength, dictionary: row.dictionary,
                                    compression: row.compression, member: row.member)
        let detail: String
        let kind: String
        switch packs.verifyBlob(location, id: row.id) {
        case .ok: return nil
        case .hashMismatch(let actual):
            kind = "hash-mismatch"
            detail = "The stored bytes decompress but hash to \(actual.hex), not to the blob's name: the pack is damaged. Restore the pack file from a second copy of the store (packs are never rewritten, so any copy that has it will do)."
        case .unreadable(let error):
            if case .packMissing = error { return nil }   // reported by the index check
            kind = "unreadable"
            detail = "The blob cannot be read: \(error)"
        }
        let messages = ((try? catalog.messages(referencing: row.id)) ?? []).map(MessageRef.init)
        return Finding(kind: kind, pack: pack.hex, blob: row.id.hex, messages: messages, detail: detail)
    }

    /// A progress line every few seconds (caller holds the lock).
    private func reportProgress() {
        let now = Date()
        guard now.timeIntervalSince(lastProgress) >= 2 || outcome.done.count == total else { return }
        lastProgress = now
        let seconds = max(0.001, now.timeIntervalSince(started))
        let mb = Double(options.readData ? outcome.rawBytes : outcome.packBytes) / 1_000_000
        progress(String(format: "verify: %d/%d packs, %.1f MB %@ (%.0f MB/s)", outcome.done.count, total, mb,
                        options.readData ? "of messages re-hashed" : "of packs read", mb / seconds))
    }
}
