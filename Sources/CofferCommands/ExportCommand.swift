import ArgumentParser
import Archiver
import Foundation
import Retrieval

/// `coffer export`: raw messages for eDiscovery or migration, with a manifest of SHA-256s.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export messages (raw bytes) as eml files, maildirs or mbox files, with a manifest.",
        discussion: """
        Writes manifest.csv and manifest.json (account, mailbox, UIDVALIDITY, UID, blob SHA-256, size, INTERNALDATE, file, \
        offset, length) and manifest.sha256 (check with `sha256sum -c manifest.sha256`). mbox files use mboxrd quoting, \
        noted in the manifest. Re-running with the same selection gives the same files and manifest.
        """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "mbox, maildir or eml.")
    var format: String

    @Option(help: "The export folder (created when missing).")
    var to: String

    @OptionGroup var filters: FilterOptions

    @Option(help: "To, Cc or Bcc contains this text (case-insensitive, decoded); `ls --to` elsewhere.")
    var recipient: String?

    func run() throws {
        guard ExportFormat(rawValue: format) != nil else { throw UsageError(message: "--format must be mbox, maildir or eml") }
        try filters.check()
        let store = try storeOptions.open()
        if filters.query(recipient: recipient).usesHeaders { HeaderIndexing.ensure(store, quiet: false) }
        let stop = StopFlag()
        let signals = SignalHandler(stop: stop)
        defer { signals.restore() }
        let options = ExportOptions(format: ExportFormat(rawValue: format)!, destination: URL(fileURLWithPath: to).standardizedFileURL,
                                    query: filters.query(recipient: recipient), selection: filters.selection(recipient: recipient))
        let summary: ExportSummary
        do {
            summary = try Exporter(catalog: store.catalog, packs: store.packs, options: options,
                                   progress: { Console.error($0) }, shouldStop: { stop.isSet }).run()
        } catch let error as ExportStopped {
            Console.error("interrupted: \(error)")
            throw CofferExit(code: ExitCode32.interrupted)
        } catch let error as ExportError {
            Console.error("error: \(error)")
            throw CofferExit(code: ExitCode32.incomplete)
        }
        Console.error("export: \(summary.messages) messages (\(summary.bytes) bytes) in \(options.destination.path); \(summary.unchanged) already there; manifest.csv, manifest.json, manifest.sha256 written")
        for failure in summary.failed {
            let m = failure.message
            Console.error("  not exported: \(m.account)/\(m.mailbox.display) UIDVALIDITY \(m.uidValidity) UID \(m.uid): \(failure.reason)")
        }
        if !summary.failed.isEmpty { throw CofferExit(code: ExitCode32.incomplete) }
    }
}
