import Foundation

/// The parameters of one OAuth 2.0 client credentials grant against Microsoft Entra ID.
///
/// The token endpoint is `{authority}/{tenantID}/oauth2/v2.0/token`; the request body is
/// `grant_type=client_credentials&client_id=…&client_secret=…&scope=…`.
///
/// ```swift
/// let request = TokenRequest(tenantID: tenant, clientID: app, clientSecret: secret)
/// ```
///
/// Sources: Microsoft identity platform, "OAuth 2.0 client credentials flow"
/// (first case: access token request with a shared secret); RFC 6749 §4.4.
///
/// The secret never appears in `description` or in `dump` output.
public struct TokenRequest: Sendable, Equatable {
    /// The global Azure cloud's authority, `https://login.microsoftonline.com`.
    public static let defaultAuthority = URL(string: "https://login.microsoftonline.com")!
    /// Exchange Online's resource with the `/.default` suffix the client credentials grant needs.
    public static let defaultScope = "https://outlook.office365.com/.default"

    /// The authority host, without the tenant: `https://login.microsoftonline.com` for the
    /// global cloud, another cloud's login host, or a test endpoint on loopback.
    public var authority: URL
    /// The directory (tenant) ID GUID, or a verified domain of the tenant (`contoso.onmicrosoft.com`).
    public var tenantID: String
    /// The application (client) ID GUID of the app registration.
    public var clientID: String
    /// The client secret's *value* (not its ID), exactly as created: no trimming, any characters.
    public var clientSecret: String
    /// One resource followed by `/.default`, e.g. `https://outlook.office365.com/.default`.
    public var scope: String

    /// Creates a request; nothing is checked until ``validate()``.
    public init(authority: URL = TokenRequest.defaultAuthority, tenantID: String, clientID: String,
                clientSecret: String, scope: String = TokenRequest.defaultScope) {
        self.authority = authority
        self.tenantID = tenantID
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
    }

    /// The token endpoint, `{authority}/{tenantID}/oauth2/v2.0/token`.
    public var tokenEndpoint: URL {
        var base = authority.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return URL(string: "\(base)/\(tenantID)/oauth2/v2.0/token")!
    }

    /// The resource part of ``scope``: the scope without `/.default`.
    public var resource: String {
        scope.hasSuffix("/.default") ? String(scope.dropLast("/.default".count)) : scope
    }

    /// The `application/x-www-form-urlencoded` request body (RFC 6749 §4.4.2, Appendix B).
    var formBody: String {
        FormEncoding.encode([
            ("grant_type", "client_credentials"),
            ("client_id", clientID),
            ("client_secret", clientSecret),
            ("scope", scope),
        ])
    }
}

extension TokenRequest: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Every field except the secret, which shows as `<redacted>`.
    public var description: String {
        "TokenRequest(authority: \(authority.absoluteString), tenantID: \(tenantID), clientID: \(clientID), "
            + "clientSecret: <redacted>, scope: \(scope))"
    }

    /// Same as ``description``: never the secret.
    public var debugDescription: String { description }

    /// A mirror without the secret, so `dump(request)` cannot print it.
    public var customMirror: Mirror {
        Mirror(self, children: ["authority": authority, "tenantID": tenantID, "clientID": clientID,
                                "clientSecret": "<redacted>", "scope": scope])
    }
}
