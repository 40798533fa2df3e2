import Foundation

/// The claims of an Entra ID access token that matter for IMAP, read from the JWT payload.
///
/// Decoding reads the payload (the second base64url segment, RFC 7519 §3) and checks no
/// signature: the token is only inspected, to explain failures before Exchange rejects it
/// with a bare `NO AUTHENTICATE failed` (case B01). Property names are the claim names.
///
/// ```swift
/// if let claims = TokenClaims(jwt: token.value), !claims.hasIMAPAccessAsApp { … }
/// ```
public struct TokenClaims: Sendable, Equatable {
    /// Audience: the resource the token is for, e.g. `https://outlook.office365.com`. If the
    /// token lists several audiences, the first.
    public var aud: String?
    /// Issuer, e.g. `https://sts.windows.net/{tenant}/` (v1.0 tokens).
    public var iss: String?
    /// Tenant ID GUID.
    public var tid: String?
    /// Application (client) ID, in v1.0 tokens.
    public var appid: String?
    /// Application (client) ID, in v2.0 tokens.
    public var azp: String?
    /// Object ID of the app's service principal in the tenant (what Exchange's
    /// `New-ServicePrincipal -ObjectId` must be given).
    public var oid: String?
    /// Subject; for app-only tokens the service principal's object ID.
    public var sub: String?
    /// Application permissions granted with admin consent, e.g. `["IMAP.AccessAsApp"]`; empty when absent.
    public var roles: [String]
    /// Expiry time (`exp`, seconds since 1970 in the token).
    public var exp: Date?
    /// Issue time (`iat`).
    public var iat: Date?
    /// Not-before time (`nbf`).
    public var nbf: Date?
    /// Token version, `"1.0"` or `"2.0"`.
    public var ver: String?
    /// Identity type, `"app"` for app-only tokens (optional claim).
    public var idtyp: String?

    /// The audiences of Exchange Online in the public and national clouds, lower-case.
    public static let exchangeAudiences: Set<String> = [
        "https://outlook.office365.com", "https://outlook.office.com",
        "00000002-0000-0ff1-ce00-000000000000",
        "https://outlook.office365.us", "https://outlook-dod.office365.us",
        "https://partner.outlook.cn", "https://outlook.office.de",
    ]

    /// Creates claims directly (tests, or tokens decoded elsewhere).
    public init(aud: String? = nil, iss: String? = nil, tid: String? = nil, appid: String? = nil,
                azp: String? = nil, oid: String? = nil, sub: String? = nil, roles: [String] = [],
                exp: Date? = nil, iat: Date? = nil, nbf: Date? = nil, ver: String? = nil, idtyp: String? = nil) {
        (self.aud, self.iss, self.tid, self.appid, self.azp, self.oid, self.sub) = (aud, iss, tid, appid, azp, oid, sub)
        (self.roles, self.exp, self.iat, self.nbf, self.ver, self.idtyp) = (roles, exp, iat, nbf, ver, idtyp)
    }

    /// Decodes the payload of a compact JWS (`header.payload.signature`).
    ///
    /// Returns nil when `jwt` has not three dot-separated parts or its payload is not a
    /// base64url-encoded JSON object.
    public init?(jwt: String) {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Self.base64URLDecode(parts[1]),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        self.init(payload: object)
    }

    init(payload p: [String: Any]) {
        let audiences = (p["aud"] as? [Any])?.compactMap { $0 as? String }
        self.init(aud: p["aud"] as? String ?? audiences?.first, iss: p["iss"] as? String,
                  tid: p["tid"] as? String, appid: p["appid"] as? String, azp: p["azp"] as? String,
                  oid: p["oid"] as? String, sub: p["sub"] as? String,
                  roles: (p["roles"] as? [Any])?.compactMap { $0 as? String } ?? [],
                  exp: Self.date(p["exp"]), iat: Self.date(p["iat"]), nbf: Self.date(p["nbf"]),
                  ver: p["ver"] as? String, idtyp: p["idtyp"] as? String)
    }

    /// The application (client) ID: `appid`, or `azp` for v2.0 tokens.
    public var applicationID: String? { appid ?? azp }

    /// Whether `roles` holds `IMAP.AccessAsApp`, the application permission Exchange Online
    /// needs for app-only IMAP.
    public var hasIMAPAccessAsApp: Bool { roles.contains("IMAP.AccessAsApp") }

    /// Whether `aud` is Exchange Online: `https://outlook.office365.com`, its app ID
    /// `00000002-0000-0ff1-ce00-000000000000`, or another cloud's outlook host.
    public var audienceIsExchange: Bool {
        guard var audience = aud?.lowercased() else { return false }
        while audience.hasSuffix("/") { audience.removeLast() }
        return Self.exchangeAudiences.contains(audience)
    }

    private static func date(_ value: Any?) -> Date? {
        guard let number = value as? NSNumber else { return nil }
        return Date(timeIntervalSince1970: number.doubleValue)
    }

    /// Decodes unpadded base64url (RFC 4648 §5).
    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
