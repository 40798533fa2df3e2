import ArchiveModel
import Foundation
import GRDB

/// The store's index: a SQLite database (WAL mode) of accounts, mailboxes, messages and blobs.
///
/// The index never holds message bytes; it maps
/// (account, mailbox, UIDVALIDITY, UID) → blob, and blob → pack location.
/// Rows pointing at pack data are committed only after that data is durable
/// (the caller syncs the pack writer first).
public final class Catalog: Sendable {
    let db: DatabasePool

    /// Opens (creating if needed) the index at `path` and, with `upgrade`, runs pending migrations.
    /// - Throws: `CatalogError.cannotOpen` when the file is not a coffer index or cannot be opened,
    ///   `.newerVersion` when a newer coffer migrated it.
    ///
    /// The header search index lives beside it in `headers.sqlite` (attached to every connection as
    /// `headers_db`; see ``Schema/headersFile``): derived data that `coffer ls` rebuilds when the file
    /// is missing, kept out of `index.sqlite` so that the index proper stays small.
    public init(path: URL, readOnly: Bool = false, upgrade: Bool = true) throws {
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(10)
        let headersPath = path.deletingLastPathComponent().appendingPathComponent("headers.sqlite").path
        if !readOnly { Self.setAsideIfDamaged(headersPath) }
        let attachable = !readOnly || FileManager.default.fileExists(atPath: headersPath)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "ATTACH DATABASE ? AS headers_db", arguments: [attachable ? headersPath : ":memory:"])
        }
        do {
            db = try DatabasePool(path: path.path, configuration: config)
            let applied = try db.read { try Catalog.migrator.appliedIdentifiers($0) }
            if let unknown = applied.subtracting(Catalog.migrator.migrations).sorted().first {
                throw CatalogError.newerVersion(path: path.path, migration: unknown)
            }
            if !readOnly {
                if upgrade { try Self.upgrade(db) }
                try db.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA headers_db.journal_mode = WAL")
                    try db.execute(sql: "PRAGMA headers_db.synchronous = NORMAL")
                    try db.execute(sql: Schema.headersFile)
                }
            }
        } catch let error as DatabaseError {
            throw CatalogError.cannotOpen(path: path.path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    /// Whether the index lacks migrations this version applies (an older store). Changes nothing;
    /// the caller takes the store lock, then calls ``upgrade()``.
    public func needsUpgrade() throws -> Bool {
        try wrap { try db.read { !Set(Catalog.migrator.migrations).isSubset(of: try Catalog.migrator.appliedIdentifiers($0)) } }
    }

    /// Runs pending migrations (and compacts the file after them). Call under the store lock.
    public func upgrade() throws {
        try wrap { try Self.upgrade(db) }
    }

    private static func upgrade(_ db: DatabasePool) throws {
        let applied = try db.read { try migrator.appliedIdentifiers($0) }
        guard !Set(migrator.migrations).isSubset(of: applied) else { return }
        try migrator.migrate(db)
        try compactAfterUpgrade(db)
    }

    /// Moves a header index that is not a database (or is corrupt) to `headers.sqlite.damaged`, so that
    /// a derived search cache never stops the store: the next `ls` builds a new one. A busy or locked
    /// file is left alone.
    static func setAsideIfDamaged(_ headersPath: String) {
        let fm = FileManager.default
        guard let size = (try? fm.attributesOfItem(atPath: headersPath))?[.size] as? UInt64, size > 0 else { return }
        var config = Configuration()
        config.readonly = true
        do {
            let queue = try DatabaseQueue(path: headersPath, configuration: config)
            _ = try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sqlite_master") }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            try? fm.removeItem(atPath: headersPath + ".damaged")
            try? fm.moveItem(atPath: headersPath, toPath: headersPath + ".damaged")
            for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: headersPath + suffix) }
        } catch {}
    }

    /// After an upgrade that dropped tables (v6 moved the header index out), gives the freed pages
    /// back: a migrated Enron index goes from 38.7 MB, 35 MB of it free, to about 3 MB. Once per upgrade.
    static func compactAfterUpgrade(_ db: DatabasePool) throws {
        try db.writeWithoutTransaction { db in
            let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let total = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            if free > 256 && free * 4 > total { try db.execute(sql: "VACUUM") }
        }
    }

    /// Forward-only named migrations.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-initial") { db in
            try db.execute(sql: Schema.v1)
        }
        m.registerMigration("v2-sync-state") { db in
            try db.execute(sql: Schema.v2)
        }
        m.registerMigration("v3-headers") { db in
            try db.execute(sql: Schema.v3Headers)
        }
        m.registerMigration("v4-chain") { db in
            try db.execute(sql: Schema.v4Chain)
        }
        m.registerMigration("v5-entries") { db in
            try db.execute(sql: Schema.v5Entries)
        }
        m.registerMigration("v6-headers-file") { db in
            // The header index moves to headers.sqlite, rebuilt there by the next `coffer ls`.
            try db.execute(sql: "DROP TABLE IF EXISTS main.headers_fts; DROP TABLE IF EXISTS main.headers;")
        }
        return m
    }
}

/// Errors from the index, each naming what is wrong and what to do.
public enum CatalogError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case database(String)
    /// The index was migrated by a newer coffer than this one.
    case newerVersion(path: String, migration: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the index \(path) (\(reason)); check that --store points at a coffer store"
        case .database(let reason):
            return "index error: \(reason)"
        case .newerVersion(let path, let migration):
            return "the index \(path) was upgraded by a newer version of coffer (it has migration \(migration)); use that version or a later one, this one would misread it"
        }
    }
}
