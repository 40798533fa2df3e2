import Foundation

/// A configuration mistake found by ``TokenRequest/validate()`` before any network call.
///
/// Each case names the configuration key (`tenant_id`, `client_id`, `client_secret`, `scope`,
/// `authority`) and its description says what is wrong and how to fix it, in one line.
/// The secret's value never appears.
public enum TokenRequestError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `client_id` is not a GUID (8-4-4-4-12 hexadecimal digits).
    case clientIDNotGUID(String)
    /// `tenant_id` is neither a GUID nor a domain name.
    case tenantInvalid(String)
    /// `tenant_id` is `common`, `organizations` or `consumers`, which app-only tokens cannot use.
    case tenantNotSpecific(String)
    /// `client_secret` is empty.
    case secretEmpty
    /// `scope` does not end in `/.default`, or holds several scopes.
    case scopeNotDefault(String)
    /// `authority` is not an absolute `https` URL (or `http` on loopback).
    case authorityInvalid(String)
    /// `authority` uses `http` with a host that is not loopback.
    case authorityNotHTTPS(String)

    /// The configuration key at fault, as written in the config file.
    public var key: String {
        switch self {
        case .clientIDNotGUID: return "client_id"
        case .tenantInvalid, .tenantNotSpecific: return "tenant_id"
        case .secretEmpty: return "client_secret"
        case .scopeNotDefault: return "scope"
        case .authorityInvalid, .authorityNotHTTPS: return "authority"
        }
    }

    /// One line naming the key, what is wrong and the fix.
    public var description: String {
        switch self {
        case .clientIDNotGUID(let value):
            return "client_id \"\(value)\" is not a GUID: use the Application (client) ID from the app registration's Overview page in the Entra admin center"
        case .tenantInvalid(let value):
            return "tenant_id \"\(value)\" is neither a GUID nor a domain name: use the Directory (tenant) ID from the Entra admin center's Overview page, or a verified domain such as contoso.onmicrosoft.com"
        case .tenantNotSpecific(let value):
            return "tenant_id \"\(value)\" cannot be used with the client credentials grant: app-only tokens need the concrete tenant, so use the Directory (tenant) ID GUID or a verified domain of the tenant"
        case .secretEmpty:
            return "client_secret is empty: point client_secret = { env = … } or { file = … } at the secret's Value from the app's Certificates & secrets page"
        case .scopeNotDefault(let value):
            return "scope \"\(value)\" is not valid for the client credentials grant: it must be one resource followed by /.default, e.g. \(TokenRequest.defaultScope) (the default; remove the scope line to use it)"
        case .authorityInvalid(let value):
            return "authority \"\(value)\" is not an absolute https URL: use \(TokenRequest.defaultAuthority.absoluteString) (the default) or your cloud's login host"
        case .authorityNotHTTPS(let value):
            return "authority \"\(value)\" uses plain http: the client secret would travel unencrypted, so use https (http is accepted only for 127.0.0.1, ::1 or localhost test endpoints)"
        }
    }
}

extension TokenRequest {
    /// Checks the request before any network call.
    ///
    /// Rules: `client_id` is a GUID; `tenant_id` is a GUID or a domain name and not `common`,
    /// `organizations` or `consumers`; `client_secret` is not empty; `scope` is a single scope
    /// ending in `/.default`; `authority` is `https`, or `http` only for loopback hosts
    /// (127.0.0.0/8, `::1`, `localhost`).
    ///
    /// - Throws: ``TokenRequestError`` naming the first key at fault and its fix.
    public func validate() throws {
        guard Self.isGUID(clientID) else { throw TokenRequestError.clientIDNotGUID(clientID) }
        let lowerTenant = tenantID.lowercased()
        if ["common", "organizations", "consumers"].contains(lowerTenant) {
            throw TokenRequestError.tenantNotSpecific(tenantID)
        }
        guard Self.isGUID(tenantID) || Self.isDomainName(tenantID) else {
            throw TokenRequestError.tenantInvalid(tenantID)
        }
        guard !clientSecret.isEmpty else { throw TokenRequestError.secretEmpty }
        guard scope.hasSuffix("/.default"), scope.count > "/.default".count,
              !scope.contains(where: { $0.isWhitespace }) else {
            throw TokenRequestError.scopeNotDefault(scope)
        }
        try validateAuthority()
    }

    private func validateAuthority() throws {
        let text = authority.absoluteString
        guard let scheme = authority.scheme?.lowercased(), let host = authority.host, !host.isEmpty,
              authority.query == nil, authority.fragment == nil, authority.user == nil else {
            throw TokenRequestError.authorityInvalid(text)
        }
        switch scheme {
        case "https": return
        case "http" where Self.isLoopback(host: host): return
        case "http": throw TokenRequestError.authorityNotHTTPS(text)
        default: throw TokenRequestError.authorityInvalid(text)
        }
    }

    /// Whether `text` is a GUID: 8-4-4-4-12 hexadecimal digits, either case.
    public static func isGUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    /// Whether `text` is a DNS name of at least two labels (letters, digits, inner hyphens).
    static func isDomainName(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, text.utf8.count <= 253 else { return false }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        let valid = labels.allSatisfy { label in
            (1...63).contains(label.count) && label.allSatisfy(allowed.contains)
                && label.first != "-" && label.last != "-"
        }
        return valid && !(labels.last!.allSatisfy(\.isNumber))
    }

    /// Whether `host` is `localhost`, `::1` or an address in 127.0.0.0/8.
    static func isLoopback(host: String) -> Bool {
        var h = host.lowercased()
        if h.hasPrefix("[") && h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let octets = h.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.first == "127" else { return false }
        return octets.allSatisfy { o in o.count <= 3 && UInt8(o) != nil }
    }
}
