import Archiver
import Foundation
import IMAPClient

/// Shared driver of `backfill` and `sync`: config → jobs → run → summary → exit code.
struct RunDriver {
    let kind: String
    let configPath: String?
    let selection: SelectionOptions
    let json: Bool

    /// Runs and returns the exit code. Configuration problems throw before any connection is made.
    func run() throws -> Int32 {
        guard let path = configPath ?? ProcessInfo.processInfo.environment["COFFER_CONFIG"] else {
            throw UsageError(message: "no config given; pass --config FILE (or set COFFER_CONFIG)")
        }
        let config = try Config.load(path)
        let jobs = try makeJobs(config)
        let store = try ArchiveStore(directory: config.storePath, create: true, exclusive: true)
        let stop = StopFlag()
        let signals = SignalHandler(stop: stop)
        defer { signals.restore() }
        let engine = Backfill(store: store, jobs: jobs, stop: stop) { Console.error($0) }
        let report = try engine.run()
        Summary(report: report).print(json: json)
        return ExitStatus.of(report)
    }

    /// Builds one job per selected source; resolves secrets now so a missing one fails before any network use.
    func makeJobs(_ config: Config) throws -> [BackfillJob] {
        var jobs: [BackfillJob] = []
        for source in config.sources {
            var accounts = source.accounts
            if !selection.accounts.isEmpty { accounts = accounts.filter { selection.accounts.contains($0.user) } }
            if accounts.isEmpty { continue }
            guard source.auth == .password else {
                throw ConfigError(file: config.file.path, line: nil, key: "source \(source.name).auth",
                                  problem: "auth = \"oauth2\" is not supported by this version yet; use auth = \"password\"")
            }
            var passwords: [String: String] = [:]
            for account in accounts {
                passwords[account.user] = try account.password?.resolve(configFile: config.file, key: "source \(source.name).accounts.password")
            }
            var settings = ConnectionSettings(host: source.host, port: source.port,
                                              security: ConnectionSettings.Security(rawValue: source.tls) ?? .implicit,
                                              caFile: source.caFile)
            settings.idleTimeout = 120
            jobs.append(BackfillJob(source: source.name, mailSource: IMAPMailSource(settings: settings, passwords: passwords),
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
