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

    /// Opens (creating if needed) the index at `path` and runs pending migrations.
    /// - Throws: `CatalogError.cannotOpen` when the file is not a coffer index or cannot be opened.
    ///
    /// The header search index lives beside it in `headers.sqlite` (attached to every connection as
    /// `headers_db`; see ``Schema/headersFile``): derived data that `coffer ls` rebuilds when the file
    /// is missing, kept out of `index.sqlite` so that the index proper stays small.
    public init(path: URL, readOnly: Bool = false) throws {
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(10)
        let headersPath = path.deletingLastPathComponent().appendingPathComponent("headers.sqlite").path
        let attachable = !readOnly || FileManager.default.fileExists(atPath: headersPath)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "ATTACH DATABASE ? AS headers_db", arguments: [attachable ? headersPath : ":memory:"])
        }
        do {
            db = try DatabasePool(path: path.path, configuration: config)
            if !readOnly {
                try Catalog.migrator.migrate(db)
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

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the index \(path) (\(reason)); check that --store points at a coffer store"
        case .database(let reason):
            return "index error: \(reason)"
        }
    }
}
