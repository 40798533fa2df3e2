/// How to reach an IMAP server.
public struct ConnectionSettings: Sendable {
    /// Transport security: implicit TLS (RFC 8314, port 993), STARTTLS (RFC 9051 §6.2.1), or none (loopback only).
    public enum Security: String, Sendable { case implicit, starttls, none }

    public var host: String
    public var port: Int
    public var security: Security
    /// Extra PEM trust anchors on top of the system store.
    public var caFile: String?
    /// Seconds allowed for the TCP handshake.
    public var connectTimeout: Double = 20
    /// Seconds a read may wait for any progress (an inactivity timeout, not a total one).
    public var idleTimeout: Double = 120

    public init(host: String, port: Int, security: Security, caFile: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.caFile = caFile
    }
}
