import ArchiveModel
import Foundation
import GRDB

extension Catalog {
    /// The UIDs already archived for one mailbox generation.
    public func archivedUIDs(mailbox: Int64, uidValidity: UIDValidity) throws -> Set<UInt32> {
        try wrap {
            try db.read { db in
                var out = Set<UInt32>()
                let rows = try Int64.fetchCursor(db, sql: "SELECT uid FROM messages WHERE mailbox_id = ? AND uidvalidity = ?",
                                                 arguments: [mailbox, Int64(uidValidity.rawValue)])
                while let uid = try rows.next() { out.insert(UInt32(uid)) }
                return out
            }
        }
    }

    /// The location of a blob, or nil when the store does not hold it.
    public func blob(_ id: BlobID) throws -> BlobRow? {
        try wrap {
            try db.read { db in
                try Row.fetchOne(db, sql: """
                    SELECT p.name, e.offset, e.stored_length, b.raw_length, e.dictionary, b.member
                    FROM blob_index b JOIN entries e ON e.id = b.entry JOIN packs p ON p.id = e.pack WHERE b.id = ?
                    """,
                                 arguments: [Data(id.bytes)]).map { Self.blobRow(id: id, $0) }
            }
        }
    }

    /// Up to `limit` blob IDs that start with the hexadecimal digits `prefix` (1 to 64 of them, either
    /// case), in ID order: one range read of the blob index. Nil when `prefix` is not hexadecimal.
    public func blobIDs(withPrefix prefix: String, limit: Int = 2) throws -> [BlobID]? {
        let digits = prefix.lowercased()
        guard (1...64).contains(digits.count), digits.allSatisfy({ $0.isHexDigit }),
              let low = BlobID(hex: digits + String(repeating: "0", count: 64 - digits.count)),
              let high = BlobID(hex: digits + String(repeating: "f", count: 64 - digits.count)) else { return nil }
        return try wrap {
            try db.read { db in
                try Data.fetchAll(db, sql: "SELECT id FROM blob_index WHERE id BETWEEN ? AND ? ORDER BY id LIMIT ?",
                                  arguments: [Data(low.bytes), Data(high.bytes), limit]).compactMap { BlobID(bytes: Array($0)) }
            }
        }
    }

    /// Per pack (32-hex ID): the offset and stored length of the last entry the index names.
    public func lastIndexedEntries() throws -> [String: (offset: UInt64, storedLength: UInt64)] {
        try wrap {
            try db.read { db in
                var out: [String: (offset: UInt64, storedLength: UInt64)] = [:]
                for row in try Row.fetchAll(db, sql: """
                    SELECT p.name, e.offset, e.stored_length FROM entries e JOIN packs p ON p.id = e.pack
                    WHERE e.offset = (SELECT MAX(offset) FROM entries WHERE pack = e.pack)
                    """) {
                    out[row[0]] = (UInt64(row[1] as Int64), UInt64(row[2] as Int64))
                }
                return out
            }
        }
    }

    /// Which of `ids` the store already holds.
    public func existingBlobs(_ ids: [BlobID]) throws -> Set<BlobID> {
        guard !ids.isEmpty else { return [] }
        return try wrap {
            try db.read { db in
                var out = Set<BlobID>()
                for start in stride(from: 0, to: ids.count, by: 500) {
                    let chunk = ids[start..<min(start + 500, ids.count)]
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    let found = try Data.fetchAll(db, sql: "SELECT id FROM blob_index WHERE id IN (\(marks))",
                                                  arguments: StatementArguments(chunk.map { Data($0.bytes) }))
                    for data in found { if let id = BlobID(bytes: Array(data)) { out.insert(id) } }
                }
                return out
            }
        }
    }

    /// Every blob row, in pack order. Calls `body` for each; memory stays flat.
    public func forEachBlob(_ body: (BlobRow) throws -> Void) throws {
        try wrap {
            try db.read { db in
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT id, pack, offset, stored_length, raw_length, dictionary, member FROM blobs ORDER BY pack, offset, member
                    """)
                while let row = try rows.next() {
                    let data: Data = row[0]
                    guard let id = BlobID(bytes: Array(data)) else { continue }
                    try body(BlobRow(id: id, pack: row[1], offset: UInt64(row[2] as Int64), storedLength: UInt64(row[3] as Int64),
                                     rawLength: UInt64(row[4] as Int64), dictionary: UInt32(row[5] as Int64),
                                     member: (row[6] as Int64?).map { UInt64($0) }))
                }
            }
        }
    }

    /// Messages matching `filter`, ordered by source, account, mailbox, UIDVALIDITY, UID
    /// (the header-less form of ``forEachMessage(_:_:)-(MessageQuery,_)``).
    public func forEachMessage(_ filter: MessageFilter, _ body: (ListedMessage) throws -> Void) throws {
        var query = MessageQuery()
        query.base = filter
        try forEachMessage(query) { message, _, _ in try body(message) }
    }

    /// Every (account, mailbox, UIDVALIDITY, UID) that points at `blob`.
    public func messages(referencing blob: BlobID) throws -> [ListedMessage] {
        var filter = MessageFilter()
        filter.blob = blob
        var out: [ListedMessage] = []
        try forEachMessage(filter) { out.append($0) }
        return out
    }

    /// Message rows whose blob has no blob row (a broken index).
    public func messagesWithoutBlob() throws -> [ListedMessage] {
        let ids = try wrap {
            try db.read { db in
                try Data.fetchAll(db, sql: "SELECT DISTINCT m.blob FROM messages m LEFT JOIN blob_index b ON b.id = m.blob WHERE b.id IS NULL")
            }
        }
        return try ids.compactMap { BlobID(bytes: Array($0)) }.flatMap { try messages(referencing: $0) }
    }

    /// Totals for `coffer stats`.
    public func totals() throws -> CatalogTotals {
        try wrap {
            try db.read { db in
                let row = try Row.fetchOne(db, sql: """
                    SELECT (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM mailboxes), (SELECT COUNT(*) FROM messages),
                           (SELECT COALESCE(SUM(size), 0) FROM messages), (SELECT COUNT(*) FROM blob_index),
                           (SELECT COALESCE(SUM(raw_length), 0) FROM blob_index), (SELECT COALESCE(SUM(stored_length), 0) FROM entries)
                    """)!
                return CatalogTotals(accounts: row[0], mailboxes: row[1], messages: row[2], messageBytes: row[3],
                                     blobs: row[4], blobRawBytes: row[5], blobStoredBytes: row[6])
            }
        }
    }

    static func blobRow(id: BlobID, _ row: Row) -> BlobRow {
        BlobRow(id: id, pack: row[0], offset: UInt64(row[1] as Int64), storedLength: UInt64(row[2] as Int64),
                rawLength: UInt64(row[3] as Int64), dictionary: UInt32(row[4] as Int64), member: (row[5] as Int64?).map { UInt64($0) })
    }
}

/// Counts and byte totals of the index.
public struct CatalogTotals: Sendable, Codable {
    public let accounts: Int64
    public let mailboxes: Int64
    public let messages: Int64
    /// Sum of message sizes in bytes, counting a blob once per mailbox that holds it.
    public let messageBytes: Int64
    public let blobs: Int64
    /// Sum of unique blob sizes in bytes.
    public let blobRawBytes: Int64
    /// Sum of compressed blob payloads in bytes.
    public let blobStoredBytes: Int64
}
