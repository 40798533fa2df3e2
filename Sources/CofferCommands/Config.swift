import Foundation

/// The configuration file (TOML), as documented in CONTRACT.md.
struct Config {
    /// The config file itself; relative paths in it are relative to its folder.
    var file: URL
    var storePath: URL
    var sources: [SourceConfig]
}

/// One `[[source]]` table.
struct SourceConfig {
    enum Auth: String { case password, oauth2 }
    var name: String
    var host: String
    var port: Int
    var tls: String
    var caFile: String?
    var auth: Auth
    var accounts: [AccountConfig]
    var include: [String]
    var exclude: [String]
    var maxConnections: Int
    /// Seconds a run may wait in total on this source's throttling before it stops (exit 75).
    var maxThrottleWait: Int = 600
    /// Seconds a read may wait for any byte before the connection counts as dead (inactivity, not total).
    var idleTimeout: Int = 120
    /// Set when `auth = "oauth2"`.
    var oauth: OAuthConfig?
}

/// The client credentials grant settings of an `auth = "oauth2"` source.
struct OAuthConfig {
    var tenantID: String
    var clientID: String
    var clientSecret: Secret
    var scope: String
    var authority: String
    /// `xoauth2` (default) or `oauthbearer`.
    var mechanism: String
}

/// One account of a source: the login name and, for password sources, where the password is.
struct AccountConfig {
    var user: String
    var password: Secret?
}

/// A secret kept outside the config file: `{ env = "NAME" }` or `{ file = "path" }`.
enum Secret {
    case env(String)
    case file(URL)

    /// Reads the secret. Its value is never logged or shown.
    /// - Throws: `ConfigError` naming the variable or file (never the value).
    func resolve(configFile: URL, key: String) throws -> String {
        switch self {
        case .env(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw ConfigError(file: configFile.path, line: nil, key: key,
                                  problem: "environment variable \(name) is not set; export it before running coffer")
            }
            return value
        case .file(let url):
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ConfigError(file: configFile.path, line: nil, key: key,
                                  problem: "cannot read secret file \(url.path); create it or fix the path")
            }
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            return text
        }
    }
}

/// A configuration problem: names the file, line (when known) and key, and what to do.
struct ConfigError: Error, CustomStringConvertible {
    var file: String
    var line: Int?
    var key: String?
    var problem: String

    var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let key { place += ": \(key)" }
        return "\(place): \(problem)"
    }
}
