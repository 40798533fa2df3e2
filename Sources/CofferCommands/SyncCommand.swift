import ArgumentParser
import Archiver

/// `coffer sync`: the incremental run for a schedule.
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Archive what is new since the last run; record UIDVALIDITY changes, expunges, new and gone mailboxes.",
        discussion: "An unchanged mailbox costs one STATUS round trip. Nothing archived is ever removed.")

    @Option(help: "The config file (or set COFFER_CONFIG).")
    var config: String?

    @OptionGroup var selection: SelectionOptions

    @Flag(help: "Compare the full UID list of every mailbox (records expunges on servers without CONDSTORE/QRESYNC).")
    var fullCheck = false

    @Flag(help: "Print the run summary as JSON on stdout.")
    var json = false

    func run() throws {
        var driver = RunDriver(kind: "sync", configPath: config, selection: selection, json: json)
        driver.options.incremental = true
        driver.options.fullCheck = fullCheck
        throw CofferExit(code: try driver.run())
    }
}
