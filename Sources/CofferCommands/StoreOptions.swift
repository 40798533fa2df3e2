import ArgumentParser
import Archiver
import Foundation

/// `--store DIR | --config FILE` (or `COFFER_STORE` / `COFFER_CONFIG`).
struct StoreOptions: ParsableArguments {
    @Option(help: "The store folder (or set COFFER_STORE).")
    var store: String?

    @Option(help: "The config file; its [store] path is used (or set COFFER_CONFIG).")
    var config: String?

    /// Resolves the store folder.
    /// - Throws: `UsageError` when neither is given; `ConfigError` for a bad config.
    func storeURL() throws -> URL {
        let env = ProcessInfo.processInfo.environment
        if let store = store ?? (config == nil ? env["COFFER_STORE"] : nil) {
            return URL(fileURLWithPath: store).standardizedFileURL
        }
        if let config = config ?? env["COFFER_CONFIG"] {
            return try Config.load(config).storePath
        }
        throw UsageError(message: "no store given; pass --store DIR or --config FILE (or set COFFER_STORE)")
    }

    /// Opens an existing store for reading.
    func open() throws -> ArchiveStore {
        try ArchiveStore(directory: storeURL(), create: false, exclusive: false)
    }

    /// Opens an existing store for reading under its writer lock (exit 75 while a backfill or sync
    /// runs): what `verify` needs so as not to mistake a run in progress for damage. Nothing is
    /// recovered or changed.
    func openLocked() throws -> ArchiveStore {
        try ArchiveStore(directory: storeURL(), create: false, exclusive: false, lockOnly: true)
    }
}
