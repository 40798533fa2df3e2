import EntraAuth
import Foundation
import IMAPClient

/// Turns a source's config into credentials: resolves secrets and, for OAuth, validates the
/// client credentials grant settings (GUIDs, tenant, scope, authority) before any network use.
struct SourceSetup {
    let config: Config
    let source: SourceConfig
    /// `--verbose`: log token requests (never the token or the secret) to stderr.
    var verbose = false

    /// - Throws: `ConfigError` naming the key (never a secret's value).
    func credentials(for accounts: [AccountConfig]) throws -> SourceCredentials {
        guard let oauth = source.oauth else {
            var passwords: [String: String] = [:]
            for account in accounts {
                passwords[account.user] = try account.password?.resolve(configFile: config.file, key: "source \(source.name).accounts.password")
            }
            return .passwords(passwords)
        }
        return .oauth(try tokenClient(oauth), oauth.mechanism == "oauthbearer" ? .oauthBearer : .xoauth2)
    }

    func tokenClient(_ oauth: OAuthConfig) throws -> TokenClient {
        let secret = try oauth.clientSecret.resolve(configFile: config.file, key: "source \(source.name).client_secret")
        guard let authority = URL(string: oauth.authority) else {
            throw configError("authority", "is not a URL; use https://login.microsoftonline.com or your cloud's authority")
        }
        let request = TokenRequest(authority: authority, tenantID: oauth.tenantID, clientID: oauth.clientID,
                                   clientSecret: secret, scope: oauth.scope)
        do {
            let name = source.name
            var log: (@Sendable (String) -> Void)?
            if verbose { log = { @Sendable line in Console.error(name + ": " + line) } }
            return try TokenClient(request: request, options: TokenClient.Options(caFile: source.caFile, log: log))
        } catch let error as TokenRequestError {
            throw configError(error.key, "\(error)")
        }
    }

    func configError(_ key: String, _ problem: String) -> ConfigError {
        let index = config.sources.firstIndex { $0.name == source.name }
        let reader = ConfigReader(file: config.file, text: (try? String(contentsOf: config.file, encoding: .utf8)) ?? "")
        return ConfigError(file: config.file.path, line: reader.line(of: key, source: index), key: "source \(source.name).\(key)", problem: problem)
    }
}
