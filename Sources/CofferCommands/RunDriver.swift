import Archiver
import EntraAuth
import Foundation
import IMAPClient

/// Shared driver of `backfill` and `sync`: config → jobs → run → summary → exit code.
struct RunDriver {
    let kind: String
    let configPath: String?
    let selection: SelectionOptions
    let json: Bool
    var options = BackfillOptions()

    /// Runs and returns the exit code. Configuration problems throw before any connection is made.
    func run() throws -> Int32 {
        guard let path = configPath ?? ProcessInfo.processInfo.environment["COFFER_CONFIG"] else {
            throw UsageError(message: "no config given; pass --config FILE (or set COFFER_CONFIG)")
        }
        let config = try Config.load(path)
        let jobs = try makeJobs(config)
        try preflight(jobs)
        let store = try ArchiveStore(directory: config.storePath, create: true, exclusive: true)
        let stop = StopFlag()
        let signals = SignalHandler(stop: stop)
        defer { signals.restore() }
        let engine = Backfill(store: store, jobs: jobs, options: options, stop: stop) { Console.error($0) }
        let report = try engine.run()
        AfterRun.finish(store, stop: stop)   // chain record, header index
        Summary(report: report).print(json: json)
        return ExitStatus.of(report)
    }

    /// Gets each OAuth source's first access token before anything else: a token-endpoint error
    /// stops the run here, before any IMAP connection or store change (exit 3, or 75 when unreachable).
    func preflight(_ jobs: [BackfillJob]) throws {
        for job in jobs {
            guard let source = job.mailSource as? IMAPMailSource, case .oauth(let client, _) = source.credentials else { continue }
            do { _ = try client.accessToken() } catch let error as TokenError {
                Console.error("error: source \(job.source): \(error)")
                throw CofferExit(code: error.isPermanentAuthFailure ? ExitCode32.authentication : ExitCode32.tryLater)
            }
        }
    }

    /// Builds one job per selected source; resolves secrets now so a missing one fails before any network use.
    func makeJobs(_ config: Config) throws -> [BackfillJob] {
        var jobs: [BackfillJob] = []
        for source in config.sources {
            var accounts = source.accounts
            if !selection.accounts.isEmpty { accounts = accounts.filter { selection.accounts.contains($0.user) } }
            if accounts.isEmpty { continue }
            let credentials = try SourceSetup(config: config, source: source, verbose: selection.verbose).credentials(for: accounts)
            var settings = ConnectionSettings(host: source.host, port: source.port,
                                              security: ConnectionSettings.Security(rawValue: source.tls) ?? .implicit,
                                              caFile: source.caFile)
            settings.idleTimeout = Double(source.idleTimeout)
            let mailSource = IMAPMailSource(settings: settings, credentials: credentials, maxThrottleWait: Double(source.maxThrottleWait))
            jobs.append(BackfillJob(source: source.name, mailSource: mailSource,
                                    accounts: accounts.map(\.user),
                                    selection: MailboxSelection(include: source.include, exclude: source.exclude, only: selection.mailboxes),
                                    connections: selection.connections ?? source.maxConnections))
        }
        if jobs.isEmpty {
            throw UsageError(message: "no configured account matches --account \(selection.accounts.joined(separator: ", ")); check the names in the config")
        }
        return jobs
    }
}
