import ArchiveModel
import Catalog

/// A problem `verify` found in the hash chain or in what it covers. Each says what is wrong and what to do.
public enum ChainFinding: Sendable, Equatable {
    /// Line `line` of the log is not a record (edited by hand, or a torn write).
    case unreadableRecord(line: Int)
    /// The record's content no longer gives its hash: it was edited after it was written.
    case alteredRecord(seq: Int, line: Int)
    /// The record does not name the hash of the record before it: a record was removed, inserted or re-ordered.
    case brokenLink(seq: Int, line: Int)
    /// Records are not numbered 1, 2, 3… in file order.
    case outOfOrder(line: Int, expected: Int, found: Int)
    /// The index's copy names a record the log no longer holds, or holds with another hash.
    case missingRecord(seq: Int, run: Int64)
    case replacedRecord(seq: Int, run: Int64)
    /// The record's rows file is gone or does not give the record's root.
    case rowsFileMissing(seq: Int)
    case rowsFileAltered(seq: Int)
    /// A row the record covers is no longer in the index.
    case rowDeleted(seq: Int, row: ChainRow)
    /// A row the record covers now points at another blob.
    case rowAltered(seq: Int, row: ChainRow, now: BlobID)
    /// The index has a row for the run that its record does not cover.
    case rowAdded(seq: Int, row: ChainRow)
    /// The run's rows differ from the record and the rows file cannot say how.
    case rowsDiffer(seq: Int, run: Int64, recorded: Int, now: Int)
    /// A run older than the chain head that has no record.
    case unchainedRun(run: Int64, rows: Int)
    /// Message rows with no run at all.
    case rowsWithoutRun(count: Int)
    /// A pack a record lists is missing, no longer sealed, or sealed with another checksum.
    case packMissing(seq: Int, pack: String)
    case packChanged(seq: Int, pack: String, recorded: String, now: String?)
    /// A sealed pack no record lists although every run is chained.
    case unchainedPack(pack: String)
    /// `--expect-head`: no record has this hash.
    case headNotFound(String)

    /// A stable name for JSON output.
    public var kind: String {
        switch self {
        case .unreadableRecord: return "chain-record-unreadable"
        case .alteredRecord: return "chain-record-altered"
        case .brokenLink: return "chain-link-broken"
        case .outOfOrder: return "chain-record-out-of-order"
        case .missingRecord: return "chain-record-missing"
        case .replacedRecord: return "chain-record-replaced"
        case .rowsFileMissing: return "chain-rows-file-missing"
        case .rowsFileAltered: return "chain-rows-file-altered"
        case .rowDeleted: return "row-deleted"
        case .rowAltered: return "row-altered"
        case .rowAdded: return "row-added"
        case .rowsDiffer: return "rows-differ"
        case .unchainedRun: return "run-unchained"
        case .rowsWithoutRun: return "rows-without-run"
        case .packMissing: return "chain-pack-missing"
        case .packChanged: return "chain-pack-changed"
        case .unchainedPack: return "pack-unchained"
        case .headNotFound: return "expected-head-not-found"
        }
    }

    /// The pack involved, if any.
    public var pack: String? {
        switch self {
        case .packMissing(_, let p), .packChanged(_, let p, _, _), .unchainedPack(let p): return p
        default: return nil
        }
    }

    /// The rows involved (with the blob each one was recorded with).
    public var rows: [ChainRow] {
        switch self {
        case .rowDeleted(_, let r), .rowAltered(_, let r, _), .rowAdded(_, let r): return [r]
        default: return []
        }
    }

    /// What is wrong and what to do.
    public var message: String {
        let restoreLog = "Restore chain/log.jsonl from a backup copy of the store, or investigate who changed it; records cannot be re-created."
        switch self {
        case .unreadableRecord(let line):
            return "Line \(line) of chain/log.jsonl is not a chain record. \(restoreLog)"
        case let .alteredRecord(seq, line):
            return "Chain record \(seq) (line \(line)) was edited after it was written: its content no longer gives its hash. \(restoreLog)"
        case let .brokenLink(seq, line):
            return "Chain record \(seq) (line \(line)) does not follow the record before it: a record was removed, inserted or re-ordered. \(restoreLog)"
        case let .outOfOrder(line, expected, found):
            return "Line \(line) of chain/log.jsonl holds record \(found) where record \(expected) belongs: records were removed or re-ordered. \(restoreLog)"
        case let .missingRecord(seq, run):
            return "Chain record \(seq) (run \(run)) is in the index's copy but not in chain/log.jsonl: the log was cut or records were removed. \(restoreLog)"
        case let .replacedRecord(seq, run):
            return "Chain record \(seq) (run \(run)) in chain/log.jsonl has another hash than the index's copy: the record was replaced. \(restoreLog)"
        case .rowsFileMissing(let seq):
            return "The rows file of chain record \(seq) (chain/\(ChainLog.rowsFileName(seq: seq))) is missing, so changed rows cannot be named. Restore it from a backup copy of the store."
        case .rowsFileAltered(let seq):
            return "The rows file of chain record \(seq) does not give the record's root: it was changed. Restore it from a backup copy of the store."
        case let .rowDeleted(seq, row):
            return "The index row \(Self.describe(row)) (blob \(row.blob.hex)) recorded by chain record \(seq) is gone from the index. Restore index.sqlite from a backup copy, or re-run `coffer backfill` if the server still has the message."
        case let .rowAltered(seq, row, now):
            return "The index row \(Self.describe(row)) now points at blob \(now.hex), but chain record \(seq) recorded blob \(row.blob.hex). Restore index.sqlite from a backup copy of the store."
        case let .rowAdded(seq, row):
            return "The index row \(Self.describe(row)) (blob \(row.blob.hex)) claims to come from the run of chain record \(seq), which did not record it: it was added to the index afterwards. Investigate and restore index.sqlite from a backup copy."
        case let .rowsDiffer(seq, run, recorded, now):
            return "The rows of run \(run) differ from chain record \(seq) (\(recorded) recorded, \(now) now). Restore index.sqlite from a backup copy of the store."
        case let .unchainedRun(run, rows):
            return "Run \(run) (\(rows) rows) is older than the chain head but has no chain record: its record was removed, or its rows were inserted later. Restore chain/log.jsonl and index.sqlite from a backup copy."
        case .rowsWithoutRun(let count):
            return "\(count) index rows belong to no run, so no chain record covers them: they were inserted outside coffer. Investigate and restore index.sqlite from a backup copy."
        case let .packMissing(seq, pack):
            return "Pack \(pack), recorded by chain record \(seq), is missing. Restore the pack file from a backup copy of the store."
        case let .packChanged(seq, pack, recorded, now):
            let what = now.map { "its trailer now records checksum \($0)" } ?? "it no longer ends in a valid trailer"
            return "Pack \(pack) was sealed with checksum \(recorded) (chain record \(seq)), but \(what): the pack was rewritten or cut. Restore the pack file from a backup copy of the store."
        case .unchainedPack(let pack):
            return "Pack \(pack) is sealed but no chain record lists it although every run is chained: it was added to the store afterwards. Investigate where it came from."
        case .headNotFound(let head):
            return "No chain record has the hash \(head): the archive is not a continuation of the state with that head (records were removed or replaced), or the head was copied wrongly. Compare with the head you wrote down."
        }
    }

    /// `account/mailbox UIDVALIDITY v UID u`.
    static func describe(_ row: ChainRow) -> String {
        "\(row.account)/\(MailboxName(wire: row.mailboxWire).display) UIDVALIDITY \(row.uidValidity) UID \(row.uid)"
    }
}
