import ArgumentParser

/// The `coffer` command: subcommands per CONTRACT.md.
public struct CofferCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "coffer",
        abstract: "Archive IMAP mailboxes into a deduplicating, compressed, verifiable store.",
        version: CofferVersion.string,
        subcommands: [BackfillCommand.self, SyncCommand.self, LsCommand.self, GetCommand.self, ExportCommand.self, VerifyCommand.self, StatsCommand.self, AuthCommand.self]
    )

    public init() {}

    /// Runs the command line and exits with the contract's exit code.
    public static func runMain() -> Never {
        // A peer that closes mid-write (e.g. during the TLS handshake) must give an error, not kill us.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
            exit(withError: nil)
        } catch let error as CofferExit {
            Foundation.exit(error.code)
        } catch {
            if let status = ExitStatus.classify(error) {
                Console.error(status.message)
                Foundation.exit(status.code)
            }
            // Bad flags and arguments: the contract's usage exit code is 2 (ArgumentParser would use 64).
            if exitCode(for: error) == .validationFailure {
                Console.error(fullMessage(for: error))
                Foundation.exit(ExitCode32.usage)
            }
            exit(withError: error)
        }
    }
}

import Foundation
