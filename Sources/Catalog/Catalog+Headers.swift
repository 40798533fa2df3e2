import ArchiveModel
import Foundation
import GRDB

/// What the header index holds for one blob (see `Schema.v3Headers`).
public struct HeaderRecord: Sendable, Equatable {
    /// `ok`, or `unreadable` when the blob could not be read.
    public enum Status: String, Sendable { case ok, unreadable }

    public var blob: BlobID
    public var status: Status
    /// The Message-ID field as written (angle brackets included), trimmed.
    public var messageID: String?
    /// The Date field in UTC seconds.
    public var date: Int64?
    public var from: String?
    public var to: String?
    public var cc: String?
    public var bcc: String?
    public var subject: String?
    /// The first text/plain part; full-text indexed, not stored.
    public var text: String?

    public init(blob: BlobID, status: Status) {
        self.blob = blob
        self.status = status
    }
}

/// The header fields `ls --json` shows beside the index row.
public struct IndexedHeaders: Sendable, Hashable {
    public let messageID: String?
    public let date: Int64?
    public let from: String?
    public let to: String?
    public let cc: String?
    public let bcc: String?
    public let subject: String?
}

extension Catalog {
    /// The version of the extraction rules rows are written with.
    public static let headerExtractor = 1

    /// How many blobs have no header row yet. Also sorts the blob rows by pack for
    /// ``blobsWithoutHeaders(after:limit:)`` (a temporary table, see ``blobs(inPack:)``).
    public func blobsWithoutHeadersCount() throws -> Int {
        try wrap {
            try db.writeWithoutTransaction { db in
                try Self.sortBlobsByPack(db, fresh: true)
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blob_index b WHERE NOT EXISTS (SELECT 1 FROM headers h WHERE h.blob = b.id)") ?? 0
            }
        }
    }

    /// Up to `limit` blobs without a header row, in pack order, after the position (pack, offset,
    /// member offset, −1 for none) `after`.
    public func blobsWithoutHeaders(after: (pack: String, offset: UInt64, member: Int64)?, limit: Int) throws -> [BlobRow] {
        try wrap {
            try db.writeWithoutTransaction { db in
                try Self.sortBlobsByPack(db, fresh: false)
                let start = after ?? ("", 0, -1)
                let rows = try Row.fetchAll(db, sql: """
                    SELECT b.id, b.pack, b.offset, b.stored_length, b.raw_length, b.dictionary,
                           CASE WHEN b.member < 0 THEN NULL ELSE b.member END FROM temp.blobs_by_pack b
                    WHERE (b.pack, b.offset, b.member) > (?, ?, ?) AND NOT EXISTS (SELECT 1 FROM headers h WHERE h.blob = b.id)
                    ORDER BY b.pack, b.offset, b.member LIMIT ?
                    """, arguments: [start.pack, Int64(start.offset), start.member, limit])
                return rows.compactMap { row in
                    BlobID(bytes: Array(row[0] as Data)).map {
                        BlobRow(id: $0, pack: row[1], offset: UInt64(row[2] as Int64), storedLength: UInt64(row[3] as Int64),
                                rawLength: UInt64(row[4] as Int64), dictionary: UInt32(row[5] as Int64),
                                member: (row[6] as Int64?).map { UInt64($0) })
                    }
                }
            }
        }
    }

    /// Writes header rows and their full-text entries in one transaction; blobs that already have a row are skipped.
    public func insertHeaders(_ records: [HeaderRecord]) throws {
        guard !records.isEmpty else { return }
        try wrap {
            try db.write { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO headers (blob, status, extractor, message_id, date, from_text, to_text, cc_text, bcc_text, subject)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let fts = try db.cachedStatement(sql: "INSERT INTO headers_fts (rowid, sender, recipients, subject, body) VALUES (?, ?, ?, ?, ?)")
                for r in records {
                    try insert.execute(arguments: [Data(r.blob.bytes), r.status.rawValue, Self.headerExtractor, r.messageID, r.date,
                                                   r.from, r.to, r.cc, r.bcc, r.subject])
                    guard db.changesCount > 0, r.status == .ok else { continue }
                    let recipients = [r.to, r.cc, r.bcc].compactMap { $0 }.joined(separator: ", ")
                    try fts.execute(arguments: [db.lastInsertedRowID, r.from, recipients, r.subject, r.text])
                }
            }
        }
    }
}
