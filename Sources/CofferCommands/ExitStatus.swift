import Archiver
import Catalog
import Foundation
import IMAPClient
import PackStore

/// Exit codes of CONTRACT.md, decided in one place.
enum ExitCode32 {
    static let ok: Int32 = 0
    static let incomplete: Int32 = 1
    static let usage: Int32 = 2
    static let authentication: Int32 = 3
    static let verifyFailed: Int32 = 4
    static let tryLater: Int32 = 75
    static let interrupted: Int32 = 130
}

/// Thrown by a command that has already reported and wants a specific exit code.
struct CofferExit: Error {
    let code: Int32
}

/// Maps a typed error to its message and exit code.
struct ExitStatus {
    let code: Int32
    let message: String

    static func classify(_ error: Error) -> ExitStatus? {
        switch error {
        case let e as ConfigError: return ExitStatus(code: ExitCode32.usage, message: "error: \(e)")
        case let e as StoreError:
            return ExitStatus(code: e.isTemporary ? ExitCode32.tryLater : ExitCode32.usage, message: "error: \(e)")
        case let e as UsageError: return ExitStatus(code: ExitCode32.usage, message: "error: \(e.message)")
        case let e as CatalogError: return ExitStatus(code: ExitCode32.incomplete, message: "error: \(e)")
        case let e as IMAPClientError: return ExitStatus(code: ExitCode32.incomplete, message: "error: \(e)")
        default: return nil
        }
    }

    /// The exit code of a finished backfill or sync.
    static func of(_ report: RunReport) -> Int32 {
        if report.authenticationFailure != nil { return ExitCode32.authentication }
        if report.configurationFailure != nil { return ExitCode32.usage }
        if report.interrupted { return ExitCode32.interrupted }
        if report.gaveUp { return ExitCode32.tryLater }
        if report.complete { return ExitCode32.ok }
        let anyProgress = report.mailboxes.contains { $0.error == nil }
        if !report.accountErrors.isEmpty && report.accountErrorsTransient && !anyProgress { return ExitCode32.tryLater }
        return ExitCode32.incomplete
    }
}

/// A usage problem found after argument parsing (exit 2).
struct UsageError: Error {
    let message: String
}
