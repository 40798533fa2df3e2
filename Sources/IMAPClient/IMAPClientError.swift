import Foundation

/// Failures of an IMAP connection, each with a one-line description that says what to do.
///
/// No description ever contains a password, token or message content.
public enum IMAPClientError: Error, CustomStringConvertible, Sendable {
    case connectFailed(host: String, port: Int, reason: String)
    case tlsFailed(host: String, reason: String)
    case starttlsUnavailable(host: String)
    case timedOut
    case connectionLost(String)
    case closedByServer(String)
    /// The server refused the credentials (LOGIN or AUTHENTICATE answered NO).
    case loginRejected(user: String, serverText: String)
    /// A command was answered NO or BAD.
    case commandFailed(command: String, status: String, serverText: String)
    case protocolError(String)
    /// The server asks the client to slow down or is temporarily unavailable: Exchange's
    /// `Request is throttled. Suggested Backoff Time: N milliseconds` on NO, BAD or BYE (case B09),
    /// `NO Server Unavailable. 15` (B10). `backoff` is the suggested wait in seconds, when given.
    case throttled(command: String?, serverText: String, backoff: Double?)
    /// `BAD User is authenticated but not connected` after a successful login (cases B08, B11):
    /// connection churn on the server, or no rights on the mailbox.
    case authenticatedNotConnected(command: String, serverText: String)
    /// The connection ended inside a message literal: fewer octets arrived than announced (case B31).
    case truncatedLiteral(announced: Int, received: Int)

    /// Whether a retry later may succeed (network trouble) rather than needing a fix.
    public var isTransient: Bool {
        switch self {
        case .timedOut, .connectionLost, .closedByServer, .connectFailed, .throttled, .truncatedLiteral: return true
        default: return false
        }
    }

    /// The error for a command answered NO or BAD: throttling and "not connected" are recognised
    /// by their text wherever they come, since Exchange sends them on any command.
    public static func commandFailure(command: String, status: String, serverText text: String) -> IMAPClientError {
        if let reply = ThrottleReply(text) { return .throttled(command: command, serverText: text, backoff: reply.backoff) }
        if text.range(of: "authenticated but not connected", options: .caseInsensitive) != nil {
            return .authenticatedNotConnected(command: command, serverText: text)
        }
        return .commandFailed(command: command, status: status, serverText: text)
    }

    public var description: String {
        switch self {
        case .connectFailed(let host, let port, let reason):
            return "cannot connect to \(host):\(port): \(reason); check host and port in the config and that the server is reachable"
        case .tlsFailed(let host, let reason):
            return "TLS with \(host) failed: \(reason); set ca_file to the server's CA certificate or check the host name"
        case .starttlsUnavailable(let host):
            return "\(host) does not offer STARTTLS; use tls = \"implicit\" on port 993"
        case .timedOut:
            return "the server stopped answering (inactivity timeout); re-run later"
        case .connectionLost(let reason):
            return "connection lost: \(reason); re-run to resume"
        case .closedByServer(let text):
            return "the server closed the connection (\(text)); re-run to resume"
        case .loginRejected(let user, let text):
            return "login as \(user) refused by the server (\(text)); check the user name and password"
        case .commandFailed(let command, let status, let text):
            return "the server answered \(status) to \(command): \(text)"
        case .protocolError(let what):
            return "IMAP protocol error: \(what); the connection was dropped"
        case .throttled(let command, let text, _):
            return "the server is throttling or unavailable\(command.map { " on \($0)" } ?? ""): \(text)"
        case .authenticatedNotConnected(let command, let text):
            return "the server answered \(command) with \"\(text)\" (connection churn on the server, or no rights on this mailbox)"
        case .truncatedLiteral(let announced, let received):
            return "truncated by the server: the connection closed after \(received) of \(announced) announced message octets; the partial message was discarded"
        }
    }
}

/// A server's request to slow down, recognised by its text (Exchange's wordings; the text is all there is).
public struct ThrottleReply: Sendable, Equatable {
    /// The suggested wait in seconds, when the server gave one.
    public let backoff: Double?

    /// Parses `Request is throttled. Suggested Backoff Time: 299609 milliseconds` (B09) or
    /// `Server Unavailable. 15` (B10); nil for any other text.
    public init?(_ text: String) {
        let lower = text.lowercased()
        if lower.contains("request is throttled") {
            backoff = Self.suggestedBackoff(lower)
        } else if lower.hasPrefix("server unavailable") {
            backoff = nil
        } else {
            return nil
        }
    }

    private static func suggestedBackoff(_ lower: String) -> Double? {
        guard let range = lower.range(of: "suggested backoff time:") else { return nil }
        let rest = lower[range.upperBound...].drop { $0 == " " }
        guard let n = Double(rest.prefix { $0.isNumber }) else { return nil }
        let unit = rest.drop { $0.isNumber }.drop { $0 == " " }
        return unit.hasPrefix("millisecond") || unit.hasPrefix("ms") ? n / 1000 : n
    }
}
