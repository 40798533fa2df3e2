extension TokenError {
    /// AADSTS codes of user sign-in failures (50034 user not found, 50126 bad user name or
    /// password, 50053 locked, 50055 password expired, 50057 disabled, 50076 MFA required).
    static let userSignInCodes: Set<Int> = [50034, 50126, 50053, 50055, 50057, 50076]

    /// Classifies Entra's error body for `request`, keyed on `error_codes`.
    ///
    /// Any echo of the secret in the body is replaced by `<redacted>` first.
    init(entra response: EntraErrorResponse, request: TokenRequest) {
        let r = response.redacting(request.clientSecret)
        let codes = Set(r.errorCodes)
        if codes.contains(7000215) {
            self = .invalidSecret(clientID: request.clientID,
                                  secretLooksLikeID: TokenRequest.isGUID(request.clientSecret), r)
        } else if codes.contains(7000222) {
            self = .expiredSecret(clientID: request.clientID, r)
        } else if codes.contains(7000218) {
            self = .missingSecret(clientID: request.clientID, r)
        } else if codes.contains(700016) {
            self = .applicationNotFound(clientID: request.clientID, tenantID: request.tenantID, r)
        } else if codes.contains(90002) {
            self = .tenantNotFound(tenantID: request.tenantID, r)
        } else if codes.contains(500011) {
            self = .resourceNotFound(scope: request.scope, tenantID: request.tenantID, r)
        } else if codes.contains(1002012) || codes.contains(70011) || r.error == "invalid_scope" {
            self = .invalidScope(scope: request.scope, r)
        } else if !codes.isDisjoint(with: Self.userSignInCodes) {
            self = .userSignInError(r)
        } else {
            self = .rejected(r)
        }
    }

    /// Classifies a final HTTP answer that carried no token.
    init(httpStatus: Int, body: [UInt8], request: TokenRequest) {
        if let entra = EntraErrorResponse(httpStatus: httpStatus, body: body) {
            self.init(entra: entra, request: request)
        } else {
            self = .unexpectedResponse(httpStatus: httpStatus,
                                       detail: Self.snippet(body, redacting: request.clientSecret))
        }
    }

    /// The start of a body on one line, for answers that are not Entra's JSON (HTML pages).
    static func snippet(_ body: [UInt8], redacting secret: String) -> String {
        let text = String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
        let flat = EntraErrorResponse.redact(secret, in: text)  // before cutting, so no piece of it survives
        if flat.isEmpty { return "empty body" }
        return flat.count > 300 ? flat.prefix(300) + "…" : flat
    }
}
