/// The byte stream under an IMAP session: plain TCP, or TLS over it (implicit or after STARTTLS).
final class Transport {
    private let socket: TCPSocket
    private var tls: TLSSession?

    init(socket: TCPSocket) { self.socket = socket }

    /// Wraps the connection in TLS (RFC 8314 implicit TLS, or RFC 9051 §6.2.1 STARTTLS).
    func startTLS(host: String, caFile: String?) throws {
        tls = try TLSSession(socket: socket, host: host, caFile: caFile)
    }

    var isEncrypted: Bool { tls != nil }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let tls { return try tls.read(into: buffer) }
        return try socket.read(into: buffer)
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            if let tls { try tls.write(raw) } else { try socket.write(raw) }
        }
    }

    func close() { tls?.shutdown() }
}
