import ArchiveModel
import Foundation
import GRDB

/// A row of the `runs` table.
public struct RunRecord: Sendable, Hashable {
    public let id: Int64
    public let kind: String
    public let started: String
    public let finished: String?
    public let status: String?
}

/// One message row in the form the hash chain commits to: who, where, which generation, which UID, which bytes.
public struct ChainRow: Sendable, Hashable {
    public let source: String
    public let account: String
    /// The mailbox name exactly as the server sends it.
    public let mailboxWire: String
    public let uidValidity: UInt32
    public let uid: UInt32
    public let blob: BlobID

    public init(source: String, account: String, mailboxWire: String, uidValidity: UInt32, uid: UInt32, blob: BlobID) {
        self.source = source
        self.account = account
        self.mailboxWire = mailboxWire
        self.uidValidity = uidValidity
        self.uid = uid
        self.blob = blob
    }

    /// The row's identity without the blob: (source, account, mailbox, UIDVALIDITY, UID).
    public var key: String { "\(source)\u{0}\(account)\u{0}\(mailboxWire)\u{0}\(uidValidity)\u{0}\(uid)" }
}

extension Catalog {
    /// Runs with an id greater than `id`, oldest first.
    public func runs(after id: Int64) throws -> [RunRecord] {
        try wrap {
            try db.read { db in
                try Row.fetchAll(db, sql: "SELECT id, kind, started, finished, status FROM runs WHERE id > ? ORDER BY id", arguments: [id])
                    .map { RunRecord(id: $0[0], kind: $0[1], started: $0[2], finished: $0[3], status: $0[4]) }
            }
        }
    }

    /// The message rows a run added, in the chain's canonical order: source, account, mailbox wire
    /// name (bytewise), UIDVALIDITY, UID. Streams.
    public func forEachRow(ofRun run: Int64, _ body: (ChainRow) throws -> Void) throws {
        try wrap {
            try db.read { db in
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT a.source, a.name, mb.wire_name, m.uidvalidity, m.uid, m.blob
                    FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id JOIN accounts a ON a.id = mb.account_id
                    WHERE m.run_id = ? ORDER BY a.source, a.name, mb.wire_name, m.uidvalidity, m.uid
                    """, arguments: [run])
                while let row = try rows.next() {
                    guard let blob = BlobID(bytes: Array(row[5] as Data)) else { continue }
                    try body(ChainRow(source: row[0], account: row[1], mailboxWire: row[2], uidValidity: UInt32(row[3] as Int64),
                                      uid: UInt32(row[4] as Int64), blob: blob))
                }
            }
        }
    }

    /// Message-row counts per run id; rows without a run id are counted under nil.
    public func rowCountsByRun() throws -> [Int64?: Int] {
        try wrap {
            try db.read { db in
                var out: [Int64?: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT run_id, COUNT(*) FROM messages GROUP BY run_id") {
                    out[row[0] as Int64?] = row[1]
                }
                return out
            }
        }
    }

    /// Distinct pack IDs the blob rows name, sorted.
    public func packsInIndex() throws -> [String] {
        try wrap { try db.read { db in try String.fetchAll(db, sql: """
            SELECT p.name FROM packs p WHERE EXISTS (SELECT 1 FROM entries e WHERE e.pack = p.id) ORDER BY p.name
            """) } }
    }

    /// The blob rows of one pack, by offset (and member offset inside a block).
    ///
    /// The index keeps no per-pack index of its blobs (it would cost about 40 bytes per blob). The
    /// first call on this `Catalog` therefore copies every blob row, sorted by pack, into a temporary
    /// table with an index (one sort of the index, in SQLite's temporary storage, gone when the
    /// `Catalog` closes); every call is then one range read. Rows committed later are not seen.
    public func blobs(inPack pack: String) throws -> [BlobRow] {
        try wrap {
            try db.writeWithoutTransaction { db in
                try Self.sortBlobsByPack(db, fresh: false)
                return try Row.fetchAll(db, sql: """
                    SELECT id, offset, stored_length, raw_length, dictionary, member FROM temp.blobs_by_pack
                    WHERE pack = ? ORDER BY offset, member
                    """, arguments: [pack]).compactMap { row in
                    BlobID(bytes: Array(row[0] as Data)).map {
                        BlobRow(id: $0, pack: pack, offset: UInt64(row[1] as Int64), storedLength: UInt64(row[2] as Int64),
                                rawLength: UInt64(row[3] as Int64), dictionary: UInt32(row[4] as Int64),
                                member: (row[5] as Int64) < 0 ? nil : UInt64(row[5] as Int64))
                    }
                }
            }
        }
    }
}

extension Catalog {
    /// Fills the temporary table `blobs_by_pack` (every blob row with its pack name, indexed by pack,
    /// offset and member offset; NULL member as -1) unless it exists; `fresh` rebuilds it.
    /// Call on the writer connection: temporary tables belong to one connection.
    static func sortBlobsByPack(_ db: Database, fresh: Bool) throws {
        if fresh { try db.execute(sql: "DROP TABLE IF EXISTS temp.blobs_by_pack") }
        try db.execute(sql: """
            CREATE TEMP TABLE IF NOT EXISTS blobs_by_pack AS
                SELECT p.name AS pack, e.offset AS offset, COALESCE(b.member, -1) AS member, b.id AS id,
                       e.stored_length AS stored_length, b.raw_length AS raw_length, e.dictionary AS dictionary
                FROM blob_index b JOIN entries e ON e.id = b.entry JOIN packs p ON p.id = e.pack;
            CREATE INDEX IF NOT EXISTS temp.blobs_by_pack_order ON blobs_by_pack (pack, offset, member);
            """)
    }
}

/// The index's copy of one chain record.
public struct ChainMirrorRow: Sendable, Hashable {
    public let seq: Int
    public let run: Int64
    public let hash: String

    public init(seq: Int, run: Int64, hash: String) {
        self.seq = seq
        self.run = run
        self.hash = hash
    }
}

extension Catalog {
    /// The index's copy of the chain, by seq.
    public func chainMirror() throws -> [ChainMirrorRow] {
        try wrap {
            try db.read { db in
                try Row.fetchAll(db, sql: "SELECT seq, run_id, hash FROM chain ORDER BY seq").map {
                    ChainMirrorRow(seq: $0[0], run: $0[1], hash: $0[2])
                }
            }
        }
    }

    /// Records a chain record in the index (idempotent for the same seq and hash).
    public func recordChainMirror(_ rows: [ChainMirrorRow]) throws {
        guard !rows.isEmpty else { return }
        try wrap {
            try db.write { db in
                for r in rows {
                    try db.execute(sql: "INSERT OR IGNORE INTO chain (seq, run_id, hash) VALUES (?, ?, ?)", arguments: [r.seq, r.run, r.hash])
                }
            }
        }
    }
}
