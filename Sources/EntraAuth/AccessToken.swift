import Foundation

/// An OAuth 2.0 access token from the client credentials grant, with its expiry and decoded claims.
///
/// The token's value is a bearer credential: `description`, `debugDescription` and `dump`
/// show `<redacted>` instead of it. Pass ``value`` only to ``SASL`` helpers.
public struct AccessToken: Sendable, Equatable {
    /// The bearer token (a JWT for Exchange Online). Never log or print it.
    public let value: String
    /// When the token stops being accepted: the request's start time plus `expires_in`.
    public let expiresAt: Date
    /// The token's claims, when it is a JWT (Entra's are); nil for an opaque token.
    public let claims: TokenClaims?

    /// Wraps a token and decodes its claims from the JWT payload of `value`.
    public init(value: String, expiresAt: Date) {
        self.init(value: value, expiresAt: expiresAt, claims: TokenClaims(jwt: value))
    }

    /// Wraps a token with claims decoded elsewhere.
    public init(value: String, expiresAt: Date, claims: TokenClaims?) {
        self.value = value
        self.expiresAt = expiresAt
        self.claims = claims
    }

    /// Seconds of validity left at `now`; negative once expired.
    public func remainingLifetime(at now: Date = Date()) -> TimeInterval {
        expiresAt.timeIntervalSince(now)
    }
}

extension AccessToken: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `AccessToken(<redacted>, expires 2025-01-01T00:00:00Z)`; never the value.
    public var description: String {
        "AccessToken(<redacted>, expires \(ISO8601DateFormatter().string(from: expiresAt)))"
    }

    /// Same as ``description``: never the value.
    public var debugDescription: String { description }

    /// A mirror without the value, so `dump(token)` cannot print it.
    public var customMirror: Mirror {
        Mirror(self, children: ["value": "<redacted>", "expiresAt": expiresAt, "claims": claims as Any])
    }
}
