import ArgumentParser
import Archiver
import Foundation
import IMAPClient

/// `coffer backfill`: archive every selected message not archived yet.
struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Archive every message of the selected accounts and mailboxes that is not archived yet.")

    @Option(help: "The config file (or set COFFER_CONFIG).")
    var config: String?

    @OptionGroup var selection: SelectionOptions

    @Flag(help: "Print the run summary as JSON on stdout.")
    var json = false

    func run() throws {
        let code = try RunDriver(kind: "backfill", configPath: config, selection: selection, json: json).run()
        throw CofferExit(code: code)
    }
}

/// `--account`, `--mailbox`, `--connections`, shared by backfill and sync.
struct SelectionOptions: ParsableArguments {
    @Option(name: .customLong("account"), help: "Only this account (repeatable).")
    var accounts: [String] = []

    @Option(name: .customLong("mailbox"), help: "Only this mailbox (repeatable; display or wire name).")
    var mailboxes: [String] = []

    @Option(help: "Concurrent IMAP connections per source (overrides max_connections).")
    var connections: Int?

    @Flag(help: "Log more: token requests (never tokens or secrets), reconnects.")
    var verbose = false

    func validate() throws {
        if let connections, !(1...64).contains(connections) {
            throw ValidationError("--connections must be between 1 and 64")
        }
    }
}
