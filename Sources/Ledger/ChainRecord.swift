import ArchiveModel
import Foundation
import PackStore

/// One record of the store's hash chain: what one backfill or sync run added, linked to the record before.
///
/// The record's hash is the SHA-256 of its ``canonicalText``, a fixed line format documented in
/// `docs/evidence.md` so that anyone can recompute it without coffer. `prev` is the previous
/// record's hash (64 zeros for the first), so changing, removing, inserting or re-ordering any
/// record breaks every later link.
public struct ChainRecord: Sendable, Equatable {
    /// A sealed pack first seen by this record, with the SHA-256 its trailer records.
    public struct SealedPack: Sendable, Equatable, Hashable {
        /// 32 hex characters.
        public var id: String
        /// 64 hex characters: the pack checksum of the trailer (docs/store-format.md).
        public var sha256: String

        public init(id: String, sha256: String) {
            self.id = id
            self.sha256 = sha256
        }
    }

    /// The format version of the canonical text.
    public static let version = 1
    /// `prev` of the first record.
    public static let genesis = String(repeating: "0", count: 64)

    /// 1 for the first record, then +1.
    public var seq: Int
    /// The hash of the record before (``genesis`` for the first).
    public var prev: String
    /// The `runs.id` of the run.
    public var run: Int64
    /// `backfill` or `sync`.
    public var kind: String
    /// RFC 3339 times from the runs table; `finished` and `status` are nil for a run that never finished (a crash).
    public var started: String
    public var finished: String?
    public var status: String?
    /// When the record was appended (RFC 3339, UTC).
    public var appended: String
    /// How many message rows the run added.
    public var rows: Int
    /// RFC 6962 Merkle tree hash over those rows in canonical order (see ``RowsDigest``).
    public var rowsRoot: String
    /// Packs sealed since the previous record, sorted by ID.
    public var packs: [SealedPack]
    /// SHA-256 of ``canonicalText``; set by ``sealed()``, checked by the verifier.
    public var hash: String

    public init(seq: Int, prev: String, run: Int64, kind: String, started: String, finished: String?, status: String?,
                appended: String, rows: Int, rowsRoot: String, packs: [SealedPack], hash: String = "") {
        self.seq = seq
        self.prev = prev
        self.run = run
        self.kind = kind
        self.started = started
        self.finished = finished
        self.status = status
        self.appended = appended
        self.rows = rows
        self.rowsRoot = rowsRoot
        self.packs = packs
        self.hash = hash
    }

    /// The exact text that is hashed: one `key value` line each, `\n` line ends, `-` for none.
    public var canonicalText: String {
        var lines = ["coffer-chain \(Self.version)", "seq \(seq)", "prev \(prev)", "run \(run)", "kind \(kind)",
                     "started \(started)", "finished \(finished ?? "-")", "status \(status ?? "-")", "appended \(appended)",
                     "rows \(rows)", "rows-root \(rowsRoot)"]
        lines += packs.map { "pack \($0.id) \($0.sha256)" }
        return lines.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n") + "\n"
    }

    /// The hash this record's content gives.
    public var computedHash: String { SHA256Hasher.hash(Array(canonicalText.utf8)).hex }

    /// A copy with ``hash`` set from the content.
    public func sealed() -> ChainRecord {
        var copy = self
        copy.hash = computedHash
        return copy
    }

    /// The record as one line of `chain/log.jsonl` (keys sorted, no spaces).
    public var jsonLine: String {
        var object: [String: Any] = [
            "v": Self.version, "seq": seq, "prev": prev, "run": run, "kind": kind, "started": started,
            "finished": finished ?? NSNull(), "status": status ?? NSNull(), "appended": appended, "rows": rows,
            "rows_root": rowsRoot, "packs": packs.map { ["id": $0.id, "sha256": $0.sha256] }, "hash": hash,
        ]
        object["rows_file"] = ChainLog.rowsFileName(seq: seq)
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Parses a line of `chain/log.jsonl`; nil when it is not a record of this version.
    public init?(jsonLine line: Substring) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              object["v"] as? Int == Self.version,
              let seq = object["seq"] as? Int, let prev = object["prev"] as? String, let run = (object["run"] as? NSNumber)?.int64Value,
              let kind = object["kind"] as? String, let started = object["started"] as? String,
              let appended = object["appended"] as? String, let rows = object["rows"] as? Int,
              let root = object["rows_root"] as? String, let packs = object["packs"] as? [[String: Any]],
              let hash = object["hash"] as? String else { return nil }
        var sealed: [SealedPack] = []
        for p in packs {
            guard let id = p["id"] as? String, let sha = p["sha256"] as? String else { return nil }
            sealed.append(SealedPack(id: id, sha256: sha))
        }
        self.init(seq: seq, prev: prev, run: run, kind: kind, started: started, finished: object["finished"] as? String,
                  status: object["status"] as? String, appended: appended, rows: rows, rowsRoot: root, packs: sealed, hash: hash)
    }
}
