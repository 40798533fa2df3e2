import ArchiveModel
import GRDB

extension Catalog {
    /// Returns the account row for (source, name), creating it if needed.
    /// - Throws: `CatalogError.database` on SQLite failure.
    public func account(source: String, name: String) throws -> AccountRecord {
        try wrap {
            try db.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO accounts (source, name) VALUES (?, ?)", arguments: [source, name])
                let id = try Int64.fetchOne(db, sql: "SELECT id FROM accounts WHERE source = ? AND name = ?",
                                            arguments: [source, name])!
                return AccountRecord(id: id, source: source, name: name)
            }
        }
    }

    /// Returns the mailbox row for a wire name, creating it if needed.
    public func mailbox(account: AccountRecord, name: MailboxName, delimiter: UInt8?) throws -> MailboxRecord {
        try wrap {
            try db.write { db in
                let delim = delimiter.map { String(UnicodeScalar($0)) }
                try db.execute(sql: """
                    INSERT OR IGNORE INTO mailboxes (account_id, wire_name, display_name, delimiter) VALUES (?, ?, ?, ?)
                    """, arguments: [account.id, name.wireString, name.display, delim])
                let row = try Row.fetchOne(db, sql: """
                    SELECT id, uidvalidity, uidnext, exists_count, highest_modseq, status FROM mailboxes WHERE account_id = ? AND wire_name = ?
                    """, arguments: [account.id, name.wireString])!
                var record = MailboxRecord(id: row[0], accountID: account.id, name: name,
                                           uidValidity: (row[1] as Int64?).map { UIDValidity(UInt32($0)) },
                                           uidNext: (row[2] as Int64?).map { UInt32($0) },
                                           exists: (row[3] as Int64?).map { UInt32($0) })
                record.highestModSeq = (row[4] as Int64?).map { UInt64($0) }
                record.status = row[5]
                return record
            }
        }
    }

    /// Records what EXAMINE reported for a mailbox at this run.
    public func updateMailbox(_ id: Int64, uidValidity: UIDValidity, uidNext: UInt32?, exists: UInt32?, runID: Int64?) throws {
        try wrap {
            try db.write { db in
                try db.execute(sql: """
                    UPDATE mailboxes SET uidvalidity = ?, uidnext = ?, exists_count = ?, last_run = ? WHERE id = ?
                    """, arguments: [Int64(uidValidity.rawValue), uidNext.map { Int64($0) }, exists.map { Int64($0) }, runID, id])
            }
        }
    }

    /// Commits one batch in a single transaction: new blob rows (ignored when already present) and message rows.
    ///
    /// Call only after the pack data these rows point at is durable.
    public func commit(blobs: [BlobRow], messages: [MessageRow], pending: [PendingRow] = [], runID: Int64?) throws {
        guard !blobs.isEmpty || !messages.isEmpty || !pending.isEmpty else { return }
        try wrap {
            try db.write { db in
                try Self.insertBlobs(db, blobs)
                let insertMessage = try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO messages (mailbox_id, uidvalidity, uid, blob, size, server_size, internaldate, flags, run_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let clearState = try db.cachedStatement(sql: "DELETE FROM uid_state WHERE mailbox_id = ? AND uidvalidity = ? AND uid = ?")
                for m in messages {
                    try clearState.execute(arguments: [m.mailboxID, Int64(m.uidValidity.rawValue), Int64(m.uid.rawValue)])
                    try insertMessage.execute(arguments: [m.mailboxID, Int64(m.uidValidity.rawValue), Int64(m.uid.rawValue),
                                                          Data(m.blob.bytes), Int64(m.size), m.serverSize.map { Int64($0) },
                                                          m.internalDate, m.flags.joined(separator: " "), runID])
                }
                try Self.insertPending(db, pending)
            }
        }
    }

    /// Inserts blob rows (ignoring blobs already present), with their pack and entry rows.
    static func insertBlobs(_ db: Database, _ blobs: [BlobRow]) throws {
        guard !blobs.isEmpty else { return }
        let insertPack = try db.cachedStatement(sql: "INSERT OR IGNORE INTO packs (name) VALUES (?)")
        let findPack = try db.cachedStatement(sql: "SELECT id FROM packs WHERE name = ?")
        let insertEntry = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO entries (pack, offset, stored_length, dictionary, compression) VALUES (?, ?, ?, ?, ?)
            """)
        let findEntry = try db.cachedStatement(sql: "SELECT id FROM entries WHERE pack = ? AND offset = ?")
        let insertBlob = try db.cachedStatement(sql: "INSERT OR IGNORE INTO blob_index (id, entry, member, raw_length) VALUES (?, ?, ?, ?)")
        var packIDs: [String: Int64] = [:]
        var entryIDs: [String: Int64] = [:]
        for b in blobs {
            let pack: Int64
            if let known = packIDs[b.pack] { pack = known } else {
                try insertPack.execute(arguments: [b.pack])
                pack = try Int64.fetchOne(findPack, arguments: [b.pack])!
                packIDs[b.pack] = pack
            }
            let key = "\(b.pack)@\(b.offset)"
            let entry: Int64
            if let known = entryIDs[key] { entry = known } else {
                try insertEntry.execute(arguments: [pack, Int64(b.offset), Int64(b.storedLength), Int64(b.dictionary), Int64(b.compression)])
                entry = try Int64.fetchOne(findEntry, arguments: [pack, Int64(b.offset)])!
                entryIDs[key] = entry
            }
            try insertBlob.execute(arguments: [Data(b.id.bytes), entry, b.member.map { Int64($0) }, Int64(b.rawLength)])
        }
    }

    /// Starts a run record and returns its id.
    public func beginRun(kind: String, started: String) throws -> Int64 {
        try wrap {
            try db.write { db in
                try db.execute(sql: "INSERT INTO runs (kind, started) VALUES (?, ?)", arguments: [kind, started])
                return db.lastInsertedRowID
            }
        }
    }

    /// Closes a run record with its status and JSON summary.
    public func finishRun(_ id: Int64, finished: String, status: String, summary: String) throws {
        try wrap {
            try db.write { db in
                try db.execute(sql: "UPDATE runs SET finished = ?, status = ?, summary = ? WHERE id = ?",
                               arguments: [finished, status, summary, id])
            }
        }
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError {
            throw CatalogError.database(error.message ?? "SQLite error \(error.resultCode)")
        }
    }
}

import Foundation
