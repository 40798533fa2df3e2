import ArgumentParser
import ArchiveModel
import EntraAuth
import Foundation
import IMAPClient

/// `coffer auth check`: for each account, get a token (or log in), show the token's claims that matter,
/// open a session, list mailboxes, examine INBOX, and say in plain words what is wrong.
struct AuthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "auth", abstract: "Check authentication.",
                                                    subcommands: [AuthCheckCommand.self])
}

struct AuthCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check each account's login end to end and diagnose what is wrong.")

    @Option(help: "The config file (or set COFFER_CONFIG).")
    var config: String?

    @Option(name: .customLong("account"), help: "Only this account (repeatable).")
    var accounts: [String] = []

    func run() throws {
        guard let path = config ?? ProcessInfo.processInfo.environment["COFFER_CONFIG"] else {
            throw UsageError(message: "no config given; pass --config FILE (or set COFFER_CONFIG)")
        }
        let config = try Config.load(path)
        var worst: Int32 = ExitCode32.ok
        for source in config.sources {
            let selected = source.accounts.filter { accounts.isEmpty || accounts.contains($0.user) }
            guard !selected.isEmpty else { continue }
            let checker = try AccountChecker(config: config, source: source, accounts: selected)
            for account in selected {
                let code = checker.check(account.user)
                if code == ExitCode32.authentication || worst == ExitCode32.ok { worst = max(worst, code) }
            }
        }
        throw CofferExit(code: worst)
    }
}

/// Checks the accounts of one source and prints a verdict per account on stdout.
struct AccountChecker {
    let source: SourceConfig
    let settings: ConnectionSettings
    let credentials: SourceCredentials

    init(config: Config, source: SourceConfig, accounts: [AccountConfig]) throws {
        self.source = source
        settings = ConnectionSettings(host: source.host, port: source.port,
                                      security: ConnectionSettings.Security(rawValue: source.tls) ?? .implicit, caFile: source.caFile)
        credentials = try SourceSetup(config: config, source: source).credentials(for: accounts)
    }

    /// Returns the exit code for this account: 0 OK, 3 authentication, 1 anything else.
    func check(_ account: String) -> Int32 {
        print("\(source.name)/\(account):")
        var token: AccessToken?
        if case .oauth(let client, _) = credentials {
            do { token = try client.accessToken() } catch {
                print("  FAIL token: \(error)")
                return (error as? TokenError)?.isPermanentAuthFailure == false ? ExitCode32.incomplete : ExitCode32.authentication
            }
            printClaims(token!.claims)
        }
        do {
            let mailSession = try IMAPMailSource(settings: settings, credentials: credentials).openSession(account: account)
            defer { mailSession.close() }
            print("  login: OK")
            let mailboxes = try mailSession.mailboxes()
            print("  LIST: \(mailboxes.count) mailboxes")
            let inbox = try mailSession.examine(MailboxName(wire: "INBOX"))
            print("  EXAMINE INBOX: \(inbox.exists) messages, UIDVALIDITY \(inbox.uidValidity)")
            print("  OK")
            return ExitCode32.ok
        } catch let error as OAuthLoginRefused {
            print("  FAIL login: the server refused the token (\(error.serverText))")
            printRefusalCauses(account: account, claims: token?.claims)
            return ExitCode32.authentication
        } catch IMAPClientError.authenticatedNotConnected(let command, let text) {
            print("  FAIL \(command): \(text)")
            print("  diagnosis: the login succeeded but the mailbox cannot be opened: the app has no FullAccess on \(account), "
                  + "\(account) is not a mailbox of this tenant, or too many connections are open (Exchange allows about 20 per mailbox); "
                  + "check with: Get-MailboxPermission -Identity \(account) | Where-Object { $_.AccessRights -like '*FullAccess*' }")
            return ExitCode32.authentication
        } catch {
            print("  FAIL: \(error)")
            return (error as? IMAPClientError).map { if case .loginRejected = $0 { return ExitCode32.authentication } else { return ExitCode32.incomplete } } ?? ExitCode32.incomplete
        }
    }

    func printClaims(_ claims: TokenClaims?) {
        guard let c = claims else { print("  token: obtained (not a JWT; claims not shown)"); return }
        let exp = c.exp.map { ISO8601DateFormatter().string(from: $0) } ?? "?"
        print("  token: aud=\(c.aud ?? "?") tid=\(c.tid ?? "?") appid=\(c.applicationID ?? "?") oid=\(c.oid ?? "?") exp=\(exp)")
        print("  roles: \(c.roles.isEmpty ? "(none)" : c.roles.joined(separator: ", "))")
        for problem in c.imapProblems { print("  WARNING: \(problem)") }
    }

    /// The Exchange-side causes of `NO AUTHENTICATE failed` after a valid token, in the order to check them (B01, B02).
    func printRefusalCauses(account: String, claims: TokenClaims?) {
        if let c = claims, !c.imapProblems.isEmpty {
            for p in c.imapProblems { print("  diagnosis: \(p)") }
            return
        }
        let app = claims?.applicationID ?? "<client id>"
        let oid = claims?.oid ?? "<Enterprise application object id>"
        print("  diagnosis: the token is valid; Exchange refused it. Check, in this order (Exchange Online PowerShell):")
        print("   1. the service principal is registered in Exchange:  Get-ServicePrincipal | Where-Object { $_.AppId -eq '\(app)' }")
        print("   2. it was registered with the Enterprise application's Object ID (\(oid)), not the App registration's:  "
              + "Get-ServicePrincipal -Identity '\(app)' | Format-List AppId,ObjectId   (ObjectId must be \(oid))")
        print("   3. it has FullAccess on the mailbox:  Get-MailboxPermission -Identity '\(account)' -User '\(oid)'")
        print("   4. IMAP is enabled on the mailbox:  Get-CASMailbox -Identity '\(account)' | Format-List ImapEnabled")
    }
}
