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

    /// Whether a retry later may succeed (network trouble) rather than needing a fix.
    public var isTransient: Bool {
        switch self {
        case .timedOut, .connectionLost, .closedByServer, .connectFailed: return true
        default: return false
        }
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
        }
    }
}
