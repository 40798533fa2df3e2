import ArchiveModel
import Foundation
import GRDB

extension Catalog {
    /// Messages matching `query` with their indexed headers (nil when the blob has no header row),
    /// ordered by source, account, mailbox, UIDVALIDITY, UID. Streams; memory stays flat.
    ///
    /// - Throws: `CatalogError.database`, also for a `--text` query FTS5 rejects.
    public func forEachMessage(_ query: MessageQuery, _ body: (ListedMessage, IndexedHeaders?) throws -> Void) throws {
        try forEachMessage(query) { message, headers, _ in try body(message, headers) }
    }

    /// As above, with each blob's location (nil when the index has none), so a caller can read the
    /// blob without a second query (the index may not be queried from inside `body`).
    public func forEachMessage(_ query: MessageQuery, _ body: (ListedMessage, IndexedHeaders?, BlobRow?) throws -> Void) throws {
        let (whereSQL, args) = Self.whereClause(query)
        try wrap {
            try db.read { db in
                db.add(function: Self.containsFunction)
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT a.source, a.name, mb.wire_name, m.uidvalidity, m.uid, m.blob, m.size, m.internaldate, m.flags,
                           h.id, h.message_id, h.date, h.from_text, h.to_text, h.cc_text, h.bcc_text, h.subject,
                           p.name, e.offset, e.stored_length, b.raw_length, e.dictionary, b.member
                    FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id JOIN accounts a ON a.id = mb.account_id
                    LEFT JOIN headers h ON h.blob = m.blob
                    LEFT JOIN blob_index b ON b.id = m.blob LEFT JOIN entries e ON e.id = b.entry LEFT JOIN packs p ON p.id = e.pack
                    \(whereSQL) ORDER BY a.source, a.name, mb.wire_name, m.uidvalidity, m.uid
                    """, arguments: StatementArguments(args))
                while let row = try rows.next() {
                    let blob: Data = row[5]
                    let flags: String = row[8]
                    let message = ListedMessage(source: row[0], account: row[1], mailbox: MailboxName(wire: row[2] as String),
                                                uidValidity: UIDValidity(UInt32(row[3] as Int64)), uid: UID(UInt32(row[4] as Int64)),
                                                blob: BlobID(bytes: Array(blob))!, size: UInt64(row[6] as Int64),
                                                internalDate: row[7], flags: flags.split(separator: " ").map(String.init))
                    let headers = (row[9] as Int64?) == nil ? nil
                        : IndexedHeaders(messageID: row[10], date: row[11], from: row[12], to: row[13], cc: row[14], bcc: row[15], subject: row[16])
                    let location = (row[17] as String?).map {
                        BlobRow(id: message.blob, pack: $0, offset: UInt64(row[18] as Int64), storedLength: UInt64(row[19] as Int64),
                                rawLength: UInt64(row[20] as Int64), dictionary: UInt32(row[21] as Int64),
                                member: (row[22] as Int64?).map { UInt64($0) })
                    }
                    try body(message, headers, location)
                }
            }
        }
    }

    /// How many messages match `query`.
    public func countMessages(_ query: MessageQuery) throws -> Int {
        let (whereSQL, args) = Self.whereClause(query)
        return try wrap {
            try db.read { db in
                db.add(function: Self.containsFunction)
                return try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id JOIN accounts a ON a.id = mb.account_id
                    LEFT JOIN headers h ON h.blob = m.blob \(whereSQL)
                    """, arguments: StatementArguments(args)) ?? 0
            }
        }
    }

    /// `coffer_contains(haystack, needle)`: case-insensitive substring test with Unicode case folding
    /// (SQLite's own LIKE folds ASCII only).
    static let containsFunction = DatabaseFunction("coffer_contains", argumentCount: 2, pure: true) { values in
        guard let hay = String.fromDatabaseValue(values[0]), let needle = String.fromDatabaseValue(values[1]) else { return false }
        return hay.range(of: needle, options: [.caseInsensitive]) != nil
    }

    static func whereClause(_ q: MessageQuery) -> (String, [any DatabaseValueConvertible]) {
        var clauses: [String] = []
        var args: [any DatabaseValueConvertible] = []
        let f = q.base
        if !f.accounts.isEmpty {
            // The plain account name, or `source/name` as progress lines show it.
            let marks = f.accounts.map { _ in "?" }.joined(separator: ",")
            clauses.append("(a.name IN (\(marks)) OR a.source || '/' || a.name IN (\(marks)))")
            args += f.accounts + f.accounts
        }
        if !f.mailboxes.isEmpty {
            let marks = f.mailboxes.map { _ in "?" }.joined(separator: ",")
            clauses.append("(mb.display_name IN (\(marks)) OR mb.wire_name IN (\(marks)))")
            args += f.mailboxes + f.mailboxes
        }
        if let uid = f.uid { clauses.append("m.uid = ?"); args.append(Int64(uid.rawValue)) }
        if let v = f.uidValidity { clauses.append("m.uidvalidity = ?"); args.append(Int64(v.rawValue)) }
        if let b = f.blob { clauses.append("m.blob = ?"); args.append(Data(b.bytes)) }
        if let p = q.blobPrefix { clauses.append("hex(m.blob) LIKE ?"); args.append(p.uppercased() + "%") }
        if let from = q.from { clauses.append("coffer_contains(h.from_text, ?)"); args.append(from) }
        if let to = q.to {
            clauses.append("(coffer_contains(h.to_text, ?) OR coffer_contains(h.cc_text, ?) OR coffer_contains(h.bcc_text, ?))")
            args += [to, to, to]
        }
        if let subject = q.subject { clauses.append("coffer_contains(h.subject, ?)"); args.append(subject) }
        if let id = q.messageID {
            let bare = id.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
            clauses.append("h.message_id IN (?, ?)")
            args += [bare, "<\(bare)>"]
        }
        let when = "COALESCE(h.date, CAST(strftime('%s', m.internaldate) AS INTEGER))"
        if let since = q.since { clauses.append("\(when) >= ?"); args.append(since) }
        if let before = q.before { clauses.append("\(when) < ?"); args.append(before) }
        if let text = q.text {
            clauses.append("h.id IN (SELECT rowid FROM headers_fts WHERE headers_fts MATCH ?)")
            args.append(MessageQuery.ftsQuery(text) ?? "\"\"")
        }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), args)
    }
}

extension Catalog {
    /// Account names that occur under more than one configured source.
    public func accountNamesInSeveralSources() throws -> Set<String> {
        try wrap {
            try db.read { db in
                Set(try String.fetchAll(db, sql: "SELECT name FROM accounts GROUP BY name HAVING COUNT(DISTINCT source) > 1"))
            }
        }
    }
}
