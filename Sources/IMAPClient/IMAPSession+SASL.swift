import IMAPWire

/// The SASL mechanisms for OAuth 2.0 access tokens.
public enum OAuthMechanism: String, Sendable {
    /// Google's and Microsoft's XOAUTH2 (https://developers.google.com/gmail/imap/xoauth2-protocol).
    case xoauth2 = "XOAUTH2"
    /// RFC 7628 OAUTHBEARER.
    case oauthBearer = "OAUTHBEARER"
}

extension IMAPSession {
    /// `AUTHENTICATE` with an OAuth 2.0 mechanism (RFC 9051 §6.2.2): the initial response goes on the
    /// command line when the server offers SASL-IR (RFC 4959), else after the first continuation.
    ///
    /// A rejected token comes back as a continuation carrying a base64 JSON error challenge; it is
    /// answered with an empty response (XOAUTH2) or `%x01` (OAUTHBEARER, RFC 7628 §3.2.3), and its
    /// content is reported in the error.
    /// - Parameter initialResponse: the raw (not base64) client response; it holds the token and is never logged.
    /// - Throws: `IMAPClientError.loginRejected` with the server's text and the decoded challenge.
    public func authenticate(_ mechanism: OAuthMechanism, user: String, initialResponse: [UInt8]) throws {
        let saslIR = capabilities.contains("SASL-IR")
        clearCapabilities()
        var sentInitial = saslIR
        var challenge: String?
        do {
            try run(.authenticate(mechanism: mechanism.rawValue, initialResponse: saslIR ? initialResponse : nil),
                    onContinuation: { request in
                        if !sentInitial {
                            sentInitial = true
                            return Array(base64Encode(initialResponse).utf8)
                        }
                        challenge = request.decodedBase64.map { String(decoding: $0, as: UTF8.self) } ?? request.text.text
                        return mechanism == .oauthBearer ? Array(base64Encode([0x01]).utf8) : []
                    })
        } catch IMAPClientError.commandFailed(_, _, let text) {
            throw IMAPClientError.loginRejected(user: user, serverText: text + (challenge.map { "; server's error challenge: \($0)" } ?? ""))
        }
        if capabilities.isEmpty { try refreshCapabilities() }
    }
}
