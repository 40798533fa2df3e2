import ArchiveModel
import Catalog
import Foundation
import PackStore

/// What `verify` learned about the chain.
public struct ChainReport: Sendable {
    public var findings: [ChainFinding] = []
    /// Facts that are not problems (runs not chained yet, an empty chain).
    public var notes: [String] = []
    /// The last record of the log, if it is sound.
    public var head: ChainRecord?
    public var records = 0
}

/// Recomputes the chain against the index and the packs.
///
/// Checks, in order: each record's hash and link to the one before (`chain/log.jsonl`); the
/// index's copy of the chain; each record's rows against the index rows of its run (naming every
/// row deleted, re-pointed or added, from the record's rows file, when they differ); runs and rows no record covers;
/// the packs each record lists (present, still sealed with the recorded checksum); sealed packs no
/// record lists; and, when asked, that a given head is one of the records.
public struct ChainVerifier {
    let log: ChainLog
    let catalog: Catalog
    let packs: PackStore

    public init(store: URL, catalog: Catalog, packs: PackStore) {
        log = ChainLog(store: store)
        self.catalog = catalog
        self.packs = packs
    }

    /// - Parameters:
    ///   - expectHead: a head hash written down earlier; a finding when no record has it.
    ///   - writerActive: another process holds the store's write lock (a run is going on), so
    ///     unchained runs and packs are expected.
    /// - Throws: `ChainError.io`, `CatalogError`.
    public func verify(expectHead: String?, writerActive: Bool) throws -> ChainReport {
        var report = ChainReport()
        let records = try checkLinks(&report)
        let mirror = try catalog.chainMirror()
        checkMirror(records, mirror, &report)
        for record in records where record.hash == record.computedHash { try checkRows(record, &report) }
        let pending = try checkRuns(records, mirror, &report)
        try checkPacks(records, expectUnchained: pending || writerActive, &report)
        if let expectHead, !records.contains(where: { $0.hash == expectHead.lowercased() && $0.hash == $0.computedHash }) {
            report.findings.append(.headNotFound(expectHead))
        }
        if records.isEmpty && mirror.isEmpty { report.notes.append("the store has no hash chain yet; the next backfill or sync starts it") }
        return report
    }

    /// Parses the log and checks hashes, numbering and links; returns the readable records.
    func checkLinks(_ report: inout ChainReport) throws -> [ChainRecord] {
        var records: [ChainRecord] = []
        var prev: String? = ChainRecord.genesis
        var expected = 1
        let lines = try log.lines()
        let torn = log.hasTornTail()
        for line in lines {
            guard let r = line.record else {
                if torn && line.number == lines.last?.number {
                    report.notes.append("the last line of chain/log.jsonl is an append cut short by a crash; the next backfill or sync replaces it")
                    continue
                }
                report.findings.append(.unreadableRecord(line: line.number))
                prev = nil
                continue
            }
            if r.computedHash != r.hash { report.findings.append(.alteredRecord(seq: r.seq, line: line.number)) }
            if r.seq != expected {
                report.findings.append(.outOfOrder(line: line.number, expected: expected, found: r.seq))
            } else if let p = prev, r.prev != p {
                report.findings.append(.brokenLink(seq: r.seq, line: line.number))
            }
            prev = r.hash
            expected = r.seq + 1
            records.append(r)
        }
        report.records = records.count
        if let last = records.last, last.hash == last.computedHash, report.findings.isEmpty { report.head = last }
        return records
    }

    func checkMirror(_ records: [ChainRecord], _ mirror: [ChainMirrorRow], _ report: inout ChainReport) {
        let bySeq = Dictionary(records.map { ($0.seq, $0) }, uniquingKeysWith: { a, _ in a })
        for m in mirror {
            guard let r = bySeq[m.seq] else { report.findings.append(.missingRecord(seq: m.seq, run: m.run)); continue }
            if r.hash != m.hash { report.findings.append(.replacedRecord(seq: m.seq, run: m.run)) }
        }
    }

    /// Recomputes the record's root from the index; on a difference, names each row from the rows
    /// file (read and checked against the record only then: it is a copy for diagnosis, the record
    /// and the index are what is compared; `tools/chain-verify.py` checks every rows file).
    func checkRows(_ record: ChainRecord, _ report: inout ChainReport) throws {
        var now = RowsDigest()
        try catalog.forEachRow(ofRun: record.run) { now.add($0) }
        let rowsFileExists = FileManager.default.fileExists(atPath: log.rowsURL(seq: record.seq).path)
        if !rowsFileExists { report.findings.append(.rowsFileMissing(seq: record.seq)) }
        guard now.root != record.rowsRoot || now.count != record.rows else { return }
        var recorded: [ChainRow]?
        if rowsFileExists {
            recorded = try? log.rows(seq: record.seq)
            var digest = RowsDigest()
            recorded?.forEach { digest.add($0) }
            if recorded == nil || digest.root != record.rowsRoot || digest.count != record.rows {
                report.findings.append(.rowsFileAltered(seq: record.seq))
                recorded = nil
            }
        }
        guard let recorded else {
            report.findings.append(.rowsDiffer(seq: record.seq, run: record.run, recorded: record.rows, now: now.count))
            return
        }
        var current: [String: ChainRow] = [:]
        try catalog.forEachRow(ofRun: record.run) { current[$0.key] = $0 }
        for row in recorded {
            if let c = current.removeValue(forKey: row.key) {
                if c.blob != row.blob { report.findings.append(.rowAltered(seq: record.seq, row: row, now: c.blob)) }
            } else {
                report.findings.append(.rowDeleted(seq: record.seq, row: row))
            }
        }
        for row in current.values.sorted(by: { $0.key < $1.key }) { report.findings.append(.rowAdded(seq: record.seq, row: row)) }
    }

    /// Runs with rows that no record covers. Returns true when some runs are newer than the head (pending).
    func checkRuns(_ records: [ChainRecord], _ mirror: [ChainMirrorRow], _ report: inout ChainReport) throws -> Bool {
        let chained = Set(records.map(\.run) + mirror.map(\.run))
        let last = chained.max() ?? 0
        var pending: [Int64] = []
        for (run, count) in try catalog.rowCountsByRun().sorted(by: { ($0.key ?? -1) < ($1.key ?? -1) }) {
            guard let run else { report.findings.append(.rowsWithoutRun(count: count)); continue }
            if chained.contains(run) { continue }
            if run < last { report.findings.append(.unchainedRun(run: run, rows: count)) } else { pending.append(run) }
        }
        let unchainedRuns = try catalog.runs(after: last)
        if !unchainedRuns.isEmpty {
            report.notes.append("run(s) \(unchainedRuns.map { String($0.id) }.joined(separator: ", ")) not in the chain yet (\(pending.isEmpty ? "no rows" : "with rows")); the next backfill or sync appends their records")
        }
        return !unchainedRuns.isEmpty
    }

    /// Recorded packs present and sealed with the recorded checksum; sealed packs no record lists.
    func checkPacks(_ records: [ChainRecord], expectUnchained: Bool, _ report: inout ChainReport) throws {
        var listed: [String: (seq: Int, sha: String)] = [:]
        for r in records {   // an altered record is reported already; its packs still count as listed
            for p in r.packs where listed[p.id] == nil { listed[p.id] = (r.seq, p.sha256) }
        }
        for (id, entry) in listed.sorted(by: { $0.key < $1.key }) {
            guard let pack = PackID(hex: id) else { continue }
            let url = packs.url(of: pack)
            guard FileManager.default.fileExists(atPath: url.path) else {
                report.findings.append(.packMissing(seq: entry.seq, pack: id))
                continue
            }
            let now = PackSeal.checksum(of: url)
            if now != entry.sha { report.findings.append(.packChanged(seq: entry.seq, pack: id, recorded: entry.sha, now: now)) }
        }
        for pack in try packs.packIDs() where listed[pack.hex] == nil {
            guard PackSeal.checksum(of: packs.url(of: pack)) != nil else { continue }
            if expectUnchained {
                report.notes.append("pack \(pack.hex) is sealed but not in the chain yet; the next record lists it")
            } else {
                report.findings.append(.unchainedPack(pack: pack.hex))
            }
        }
    }
}
