import Foundation

/// Why no access token could be obtained, classified by Entra's `error_codes`.
///
/// Each description is one line: the cause, the fix, then Entra's own text and the trace and
/// correlation IDs a support case needs. No description contains the client secret or a token.
///
/// Retry class: ``isPermanentAuthFailure`` errors need a configuration or tenant fix (exit 3);
/// ``unavailable(attempts:lastProblem:)`` is transient (exit 75, re-run later).
public enum TokenError: Error, CustomStringConvertible, Sendable {
    /// AADSTS7000215: the secret is wrong. `secretLooksLikeID` when the configured secret is a
    /// GUID, i.e. probably the secret's ID instead of its value (case B04).
    case invalidSecret(clientID: String, secretLooksLikeID: Bool, EntraErrorResponse)
    /// AADSTS7000222: the secret has expired (case B03).
    case expiredSecret(clientID: String, EntraErrorResponse)
    /// AADSTS7000218: the request carried no secret.
    case missingSecret(clientID: String, EntraErrorResponse)
    /// AADSTS700016: no application with this client ID in the tenant (case B05).
    case applicationNotFound(clientID: String, tenantID: String, EntraErrorResponse)
    /// AADSTS90002: no such tenant.
    case tenantNotFound(tenantID: String, EntraErrorResponse)
    /// AADSTS1002012 / 70011 / `invalid_scope`: the scope is not `resource/.default` (case B06).
    case invalidScope(scope: String, EntraErrorResponse)
    /// AADSTS500011: the scope's resource does not exist in the tenant.
    case resourceNotFound(scope: String, tenantID: String, EntraErrorResponse)
    /// AADSTS50034, 50126 and other user sign-in errors: user credentials where app credentials belong.
    case userSignInError(EntraErrorResponse)
    /// Any other error Entra returned, shown in full.
    case rejected(EntraErrorResponse)
    /// An HTTP answer that is neither a token nor Entra's error JSON (wrong authority, a proxy page).
    case unexpectedResponse(httpStatus: Int, detail: String)
    /// No token after every attempt: network failures, timeouts, HTTP 5xx or 429. Transient.
    case unavailable(attempts: Int, lastProblem: String)

    /// Whether retrying cannot help until someone fixes the configuration or the tenant.
    public var isPermanentAuthFailure: Bool {
        switch self {
        case .unavailable: return false
        case .unexpectedResponse(let status, _): return (400..<500).contains(status)
        default: return true
        }
    }

    /// Whether a later run may succeed without any change (network trouble, throttling).
    public var isTransient: Bool { !isPermanentAuthFailure }

    /// Entra's error body, for the cases that have one.
    public var response: EntraErrorResponse? {
        switch self {
        case .invalidSecret(_, _, let r), .expiredSecret(_, let r), .missingSecret(_, let r),
             .applicationNotFound(_, _, let r), .tenantNotFound(_, let r), .invalidScope(_, let r),
             .resourceNotFound(_, _, let r), .userSignInError(let r), .rejected(let r):
            return r
        case .unexpectedResponse, .unavailable:
            return nil
        }
    }

    /// The AADSTS codes of ``response``; empty when there is none.
    public var errorCodes: [Int] { response?.errorCodes ?? [] }

    /// One line: cause and fix, then `[Entra ID: <Entra's text> (<codes>, HTTP <status>, trace ID …,
    /// correlation ID …, timestamp …)]` when Entra answered. Never the secret or a token.
    public var description: String {
        guard let response else { return causeAndFix }
        return "\(causeAndFix) [Entra ID: \(response.message) (\(response.supportReference))]"
    }
}
