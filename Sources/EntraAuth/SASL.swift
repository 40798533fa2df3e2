import Foundation

/// SASL initial responses that carry an OAuth 2.0 bearer token to an IMAP server, and the
/// error challenge servers send back when they refuse it.
///
/// The byte strings are raw; base64-encode them for `AUTHENTICATE` (RFC 3501 §6.2.2, with
/// SASL-IR on the command line, RFC 4959).
public enum SASL {
    /// The `XOAUTH2` initial response: `user={user}\x01auth=Bearer {token}\x01\x01`.
    ///
    /// For Exchange Online app-only access, `user` is the mailbox's primary SMTP address
    /// (also for shared mailboxes, case B08). Source: Google, "OAuth 2.0 Mechanism"
    /// (XOAUTH2 SASL protocol), which Microsoft's Exchange IMAP documentation follows.
    ///
    /// - Parameters:
    ///   - user: the mailbox address.
    ///   - token: the access token's value.
    /// - Returns: the UTF-8 bytes, before base64.
    public static func xoauth2(user: String, token: String) -> [UInt8] {
        Array("user=\(user)\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8)
    }

    /// The `OAUTHBEARER` initial response (RFC 7628 §3.1):
    /// `n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01`.
    ///
    /// The GS2 header's authorization identity escapes `=` as `=3D` and `,` as `=2C`
    /// (RFC 5801 §4 `saslname`).
    ///
    /// - Parameters:
    ///   - user: the mailbox address (authorization identity).
    ///   - host: the server's host name as the client connected to it.
    ///   - port: the server's TCP port, e.g. 993.
    ///   - token: the access token's value.
    /// - Returns: the UTF-8 bytes, before base64.
    public static func oauthBearer(user: String, host: String, port: Int, token: String) -> [UInt8] {
        let saslname = user.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
        return Array("n,a=\(saslname),\u{1}host=\(host)\u{1}port=\(port)\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8)
    }

    /// What to send after an error challenge for `OAUTHBEARER`: a single `%x01` (RFC 7628
    /// §3.2.3). For `XOAUTH2` send an empty response instead. The server then answers the
    /// command with a tagged `NO`.
    public static let oauthBearerErrorAcknowledgement: [UInt8] = [0x01]

    /// Decodes the base64 JSON of a server's error challenge (`+ eyJzdGF0dXMiOi…`), e.g.
    /// `{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`.
    ///
    /// Source: RFC 7628 §3.2.2 (`status`, `scope`, `openid-configuration`) and Google's
    /// XOAUTH2 document (`status`, `schemes`, `scope`).
    ///
    /// - Parameter base64: the challenge text after `+ `, surrounding spaces allowed.
    /// - Returns: nil when it is not base64 of a JSON object with a `status`.
    public static func decodeErrorChallenge(_ base64: String) -> OAuthErrorChallenge? {
        let trimmed = base64.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        let status = object["status"] as? String ?? (object["status"] as? NSNumber)?.stringValue
        guard let status else { return nil }
        return OAuthErrorChallenge(status: status, schemes: object["schemes"] as? String,
                                   scope: object["scope"] as? String,
                                   openIDConfiguration: object["openid-configuration"] as? String)
    }
}

/// The JSON a server sends in a SASL error challenge when it refuses a bearer token.
///
/// Source: RFC 7628 §3.2.2; Google's XOAUTH2 document.
public struct OAuthErrorChallenge: Sendable, Equatable {
    /// The HTTP-like status, e.g. `"401"` (invalid or expired token), `"400"`, `"403"`.
    public var status: String
    /// The schemes the server accepts, e.g. `"bearer"`.
    public var schemes: String?
    /// The scope the server wants the token to have.
    public var scope: String?
    /// The URL of the OpenID discovery document (`openid-configuration`).
    public var openIDConfiguration: String?

    /// Creates a challenge value.
    public init(status: String, schemes: String? = nil, scope: String? = nil, openIDConfiguration: String? = nil) {
        self.status = status
        self.schemes = schemes
        self.scope = scope
        self.openIDConfiguration = openIDConfiguration
    }
}
