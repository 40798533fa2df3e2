import ArchiveModel
import Catalog
import Foundation
import PackStore

/// Appends hash-chain records for finished runs. Call only while holding the store's write lock.
///
/// ```swift
/// try ChainAppender(store: dir, catalog: catalog, packs: packs).appendPendingRuns()
/// ```
public struct ChainAppender {
    let log: ChainLog
    let catalog: Catalog
    let packs: PackStore

    public init(store: URL, catalog: Catalog, packs: PackStore) {
        log = ChainLog(store: store)
        self.catalog = catalog
        self.packs = packs
    }

    /// Appends one record per run newer than the last chained run (oldest first), so a run whose
    /// process died before its record was written gets one now. Packs sealed since the previous
    /// record go into the last record appended. The index's copy of the chain is brought up to date.
    ///
    /// - Parameter now: the append time (RFC 3339).
    /// - Returns: the records appended (the new head is the last one's hash).
    /// - Throws: `ChainError.io`, `CatalogError`, `PackStoreError.io`.
    @discardableResult
    public func appendPendingRuns(now: String) throws -> [ChainRecord] {
        let existing = try log.lines().compactMap(\.record)
        try catalog.recordChainMirror(existing.map { ChainMirrorRow(seq: $0.seq, run: $0.run, hash: $0.hash) })
        let lastRun = max(existing.map(\.run).max() ?? 0, try catalog.chainMirror().map(\.run).max() ?? 0)
        let runs = try catalog.runs(after: lastRun)
        guard !runs.isEmpty else { return [] }
        let newPacks = try sealedPacks(excluding: Set(existing.flatMap { $0.packs.map(\.id) }))
        var prev = existing.last?.hash ?? ChainRecord.genesis
        var seq = (existing.last?.seq ?? 0) + 1
        var appended: [ChainRecord] = []
        for (i, run) in runs.enumerated() {
            var digest = RowsDigest()
            try log.writeRows(seq: seq) { sink in
                try catalog.forEachRow(ofRun: run.id) { row in
                    digest.add(row)
                    try sink.write(ChainLog.rowLine(row))
                }
            }
            let record = ChainRecord(seq: seq, prev: prev, run: run.id, kind: run.kind, started: run.started, finished: run.finished,
                                     status: run.status, appended: now, rows: digest.count, rowsRoot: digest.root,
                                     packs: i == runs.count - 1 ? newPacks : []).sealed()
            try log.append(record)
            try catalog.recordChainMirror([ChainMirrorRow(seq: record.seq, run: record.run, hash: record.hash)])
            appended.append(record)
            prev = record.hash
            seq += 1
        }
        return appended
    }

    /// Sealed packs of the store not in `known`, sorted, with their trailer checksums.
    func sealedPacks(excluding known: Set<String>) throws -> [ChainRecord.SealedPack] {
        try packs.packIDs().filter { !known.contains($0.hex) }.compactMap { pack in
            PackSeal.checksum(of: packs.url(of: pack)).map { ChainRecord.SealedPack(id: pack.hex, sha256: $0) }
        }
    }
}
