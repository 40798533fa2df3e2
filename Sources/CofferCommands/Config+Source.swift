import Foundation
import TOMLKit

extension ConfigReader {
    static let knownKeys: Set<String> = [
        "name", "host", "port", "tls", "ca_file", "auth", "tenant_id", "client_id", "client_secret", "scope",
        "authority", "accounts", "accounts_file", "include", "exclude", "max_connections", "sasl",
        "max_throttle_wait", "idle_timeout",
    ]

    /// Parses and validates one `[[source]]` table.
    func source(_ t: TOMLTable, index i: Int, base: URL) throws -> SourceConfig {
        if let unknown = t.keys.first(where: { !Self.knownKeys.contains($0) }) {
            throw error(unknown, "unknown key; see the configuration section of CONTRACT.md", source: i)
        }
        let name = try string(t, "name", source: i)
        let host = try string(t, "host", source: i)
        let tls = try string(t, "tls", source: i, default: "implicit")
        guard ["implicit", "starttls", "none"].contains(tls) else {
            throw error("tls", "must be \"implicit\", \"starttls\" or \"none\"", source: i)
        }
        if tls == "none" && !["127.0.0.1", "localhost", "::1"].contains(host) {
            throw error("tls", "tls = \"none\" is allowed only for a loopback host; use \"implicit\" or \"starttls\"", source: i)
        }
        let port = try int(t, "port", source: i, default: tls == "implicit" ? 993 : 143, range: 1...65535)
        let authText = try string(t, "auth", source: i, default: "password")
        guard let auth = SourceConfig.Auth(rawValue: authText) else {
            throw error("auth", "must be \"password\" or \"oauth2\"", source: i)
        }
        var caFile: String?
        if let ca = t["ca_file"] {
            guard let path = ca.string else { throw error("ca_file", "must be a string", source: i) }
            caFile = URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: caFile!) else {
                throw error("ca_file", "file \(caFile!) does not exist; fix the path", source: i)
            }
        }
        let accounts = try self.accounts(t, index: i, base: base, auth: auth)
        let oauth = auth == .oauth2 ? try self.oauth(t, index: i, base: base) : nil
        guard !accounts.isEmpty else { throw error("accounts", "no accounts; list at least one", source: i) }
        var config = SourceConfig(name: name, host: host, port: port, tls: tls, caFile: caFile, auth: auth, accounts: accounts,
                                  include: try strings(t, "include", source: i, default: ["*"]),
                                  exclude: try strings(t, "exclude", source: i, default: []),
                                  maxConnections: try int(t, "max_connections", source: i, default: 4, range: 1...64),
                                  oauth: oauth)
        config.maxThrottleWait = try int(t, "max_throttle_wait", source: i, default: 600, range: 0...86_400)
        config.idleTimeout = try int(t, "idle_timeout", source: i, default: 120, range: 1...3600)
        return config
    }

    /// The oauth2 keys. Their values are checked (GUIDs, tenant, scope, authority) when the source is used.
    func oauth(_ t: TOMLTable, index i: Int, base: URL) throws -> OAuthConfig {
        guard let secretValue = t["client_secret"] else {
            throw error("client_secret", "missing; add client_secret = { env = \"NAME\" } with the secret's value", source: i)
        }
        let mechanism = try string(t, "sasl", source: i, default: "xoauth2").lowercased()
        guard ["xoauth2", "oauthbearer"].contains(mechanism) else {
            throw error("sasl", "must be \"xoauth2\" or \"oauthbearer\"", source: i)
        }
        return OAuthConfig(tenantID: try string(t, "tenant_id", source: i), clientID: try string(t, "client_id", source: i),
                           clientSecret: try secret(secretValue, key: "client_secret", source: i, base: base),
                           scope: try string(t, "scope", source: i, default: "https://outlook.office365.com/.default"),
                           authority: try string(t, "authority", source: i, default: "https://login.microsoftonline.com"),
                           mechanism: mechanism)
    }

    /// `accounts` (strings or `{ user, password }` tables) plus `accounts_file`.
    func accounts(_ t: TOMLTable, index i: Int, base: URL, auth: SourceConfig.Auth) throws -> [AccountConfig] {
        var out: [AccountConfig] = []
        if let v = t["accounts"] {
            guard let array = v.array else { throw error("accounts", "must be an array", source: i) }
            for item in array {
                if let user = item.string {
                    out.append(AccountConfig(user: user, password: nil))
                } else if let table = item.table, let user = table["user"]?.string {
                    let password = try table["password"].map { try secret($0, key: "accounts.password", source: i, base: base) }
                    out.append(AccountConfig(user: user, password: password))
                } else {
                    throw error("accounts", "each account is a string or { user = \"…\", password = { env = \"…\" } }", source: i)
                }
            }
        }
        if let v = t["accounts_file"] {
            guard let path = v.string else { throw error("accounts_file", "must be a string", source: i) }
            let url = URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw error("accounts_file", "cannot read \(url.path); fix the path", source: i)
            }
            for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
                let entry = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                    .trimmingCharacters(in: .whitespaces)
                if !entry.isEmpty { out.append(AccountConfig(user: entry, password: nil)) }
            }
        }
        if auth == .password, let bad = out.first(where: { $0.password == nil }) {
            throw error("accounts", "account \(bad.user) has no password; write { user = \"\(bad.user)\", password = { env = \"NAME\" } }", source: i)
        }
        return out
    }
}
