import Foundation

extension TokenClaims: CustomStringConvertible {
    /// The claims that matter for support, on one line: `aud=… tid=… appid=… oid=… roles=[…] exp=…`.
    public var description: String {
        let iso = ISO8601DateFormatter()
        let fields: [(String, String?)] = [
            ("aud", aud), ("iss", iss), ("tid", tid), ("appid", applicationID), ("oid", oid),
            ("roles", "[" + roles.joined(separator: ",") + "]"), ("exp", exp.map(iso.string(from:))),
        ]
        return fields.compactMap { name, value in value.map { "\(name)=\($0)" } }.joined(separator: " ")
    }

    /// What in these claims will make Exchange Online refuse an app-only IMAP login, one
    /// sentence (cause and fix) per problem; empty when the token looks usable.
    ///
    /// Exchange answers every such refusal with the same `NO AUTHENTICATE failed` (case B01),
    /// so this is the only place the cause can be named. A token that passes can still be
    /// refused for reasons the token cannot show: see ``exchangeRefusalChecklist``.
    public var imapProblems: [String] {
        var problems: [String] = []
        if !audienceIsExchange {
            problems.append("the token's audience is \(aud ?? "missing"), not Exchange Online: set scope to \(TokenRequest.defaultScope) (or your cloud's outlook host followed by /.default)")
        }
        if !hasIMAPAccessAsApp {
            let held = roles.isEmpty ? "no roles" : "only the roles " + roles.joined(separator: ", ")
            problems.append("the token has \(held), not IMAP.AccessAsApp: in the app registration add API permission Office 365 Exchange Online → Application permissions → IMAP.AccessAsApp and grant admin consent")
        }
        return problems
    }

    /// The causes Exchange Online does not tell apart when it refuses a good-looking token
    /// with `NO AUTHENTICATE failed` (cases B01, B02), as one line naming this token's IDs.
    public func exchangeRefusalChecklist(mailbox: String) -> String {
        "Exchange refused app \(applicationID ?? "?") (service principal object ID \(oid ?? "?"), tenant \(tid ?? "?")) for \(mailbox): "
            + "check that New-ServicePrincipal was run with the Enterprise application's object ID \(oid ?? "?") (not the App registration's), "
            + "that Add-MailboxPermission gave that service principal FullAccess on \(mailbox), "
            + "that IMAP is enabled for the mailbox (Set-CASMailbox -ImapEnabled $true), "
            + "and that the token holds the IMAP.AccessAsApp role"
    }
}
