extension TokenError {
    /// Where secrets are managed, for the fixes below.
    static let secretsPage = "Entra admin center → App registrations → the app → Certificates & secrets"

    /// The cause and the fix, one sentence, without Entra's own text.
    var causeAndFix: String {
        switch self {
        case .invalidSecret(let clientID, let looksLikeID, _):
            if looksLikeID {
                return "Entra ID rejected the client secret of app \(clientID): this looks like the secret's ID, not its value; put the secret's Value (shown once, when it was created; else create a new one in \(Self.secretsPage)) in client_secret"
            }
            return "Entra ID rejected the client secret of app \(clientID) as invalid: put the secret's Value (not its ID) from \(Self.secretsPage) in client_secret, byte for byte, or create a new secret there"
        case .expiredSecret(let clientID, _):
            return "the client secret of app \(clientID) has expired: create a new client secret in \(Self.secretsPage) and put its Value in client_secret"
        case .missingSecret(let clientID, _):
            return "no client secret reached Entra ID for app \(clientID): point client_secret = { env = … } or { file = … } at a non-empty secret Value"
        case .applicationNotFound(let clientID, let tenantID, _):
            return "application (client) ID \(clientID) was not found in tenant \(tenantID): check client_id (the app registration's Application (client) ID) and tenant_id, and that the app is registered or admin-consented in that tenant"
        case .tenantNotFound(let tenantID, _):
            return "tenant \(tenantID) was not found: check tenant_id (the Directory (tenant) ID GUID or a verified domain of the tenant) and that authority is the login host of the tenant's cloud"
        case .invalidScope(let scope, _):
            return "scope \(scope) is not valid for the client credentials grant: it must be one resource followed by /.default, e.g. \(TokenRequest.defaultScope)"
        case .resourceNotFound(let scope, let tenantID, _):
            return "the resource of scope \(scope) was not found in tenant \(tenantID): for Exchange Online use \(TokenRequest.defaultScope) (national clouds: their outlook host followed by /.default)"
        case .userSignInError:
            return "Entra ID answered with a user sign-in error: coffer signs in as an application (client credentials grant), so check that client_id is an app registration's Application (client) ID and client_secret that app's secret Value, not a user name or password"
        case .rejected(let response):
            return "Entra ID refused the token request (\(response.error)): read Entra's explanation below and fix the app registration or the configuration"
        case .unexpectedResponse(let status, let detail):
            return "the token endpoint answered HTTP \(status) with something other than a token or an Entra error (\(detail)): check authority and any proxy settings"
        case .unavailable(let attempts, let lastProblem):
            return "no access token after \(attempts) attempt(s), last problem: \(lastProblem); this is temporary (network or Entra ID unavailable): re-run later"
        }
    }
}
