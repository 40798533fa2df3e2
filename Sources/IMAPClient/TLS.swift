import COpenSSL
import Foundation

/// A TLS client session over a connected socket (OpenSSL), with certificate and host-name verification.
///
/// Trust: the system store plus an optional extra PEM file of trust anchors (`ca_file`).
/// Host names are checked against the certificate's subjectAltName (RFC 6125); an IP
/// address is checked against its IP entries.
final class TLSSession {
    private let ctx: OpaquePointer
    private let ssl: OpaquePointer
    private let socket: TCPSocket

    /// Performs the TLS handshake.
    /// - Throws: `IMAPClientError.tlsFailed` with OpenSSL's verification reason.
    init(socket: TCPSocket, host: String, caFile: String?) throws {
        self.socket = socket
        ctx = try Self.context(host: host, caFile: caFile)
        guard let ssl = SSL_new(ctx) else { throw IMAPClientError.tlsFailed(host: host, reason: "cannot create TLS session") }
        self.ssl = ssl
        SSL_set_fd(ssl, socket.fd)
        if Self.isIPAddress(host) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        } else {
            _ = coffer_SSL_set_tlsext_host_name(ssl, host)
            SSL_set1_host(ssl, host)
        }
        ERR_clear_error()
        let rc = SSL_connect(ssl)
        if rc != 1 {
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                throw IMAPClientError.tlsFailed(host: host, reason: "certificate not trusted: " + String(cString: X509_verify_cert_error_string(verify)))
            }
            let err = SSL_get_error(ssl, rc)
            let queue = Self.errorQueue(fallback: "")
            // OpenSSL 3 reports a peer that closed mid-handshake as SSL_R_UNEXPECTED_EOF_WHILE_READING.
            if err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN || queue.isEmpty || queue.contains("unexpected eof") {
                // The peer went away mid-handshake: a server problem (overloaded, restarting), not our configuration.
                throw IMAPClientError.connectionLost("the server closed the connection during the TLS handshake")
            }
            throw IMAPClientError.tlsFailed(host: host, reason: queue)
        }
    }

    /// One client context per trust configuration, shared by every connection: building one loads the
    /// system trust store, which costs more CPU than the handshake itself.
    private static let contexts = ContextCache()

    private static func context(host: String, caFile: String?) throws -> OpaquePointer {
        try contexts.context(for: caFile) {
            guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw IMAPClientError.tlsFailed(host: host, reason: "cannot create TLS context") }
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
            SSL_CTX_set_default_verify_paths(ctx)
            _ = coffer_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
            if let caFile, SSL_CTX_load_verify_locations(ctx, caFile, nil) != 1 {
                SSL_CTX_free(ctx)
                throw IMAPClientError.tlsFailed(host: host, reason: "cannot load ca_file \(caFile): \(errorQueue())")
            }
            return ctx
        }
    }

    deinit {
        SSL_free(ssl)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        ERR_clear_error()
        let n = SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if n > 0 { return Int(n) }
        let err = SSL_get_error(ssl, n)
        if err == SSL_ERROR_ZERO_RETURN { return 0 }
        if err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK) { throw IMAPClientError.timedOut }
        if err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE { throw IMAPClientError.timedOut }
        if err == SSL_ERROR_SYSCALL && n == 0 { return 0 }
        throw IMAPClientError.connectionLost("TLS read: \(Self.errorQueue(fallback: "error \(err)"))")
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            ERR_clear_error()
            let n = SSL_write(ssl, bytes.baseAddress! + done, Int32(bytes.count - done))
            if n > 0 { done += Int(n); continue }
            let err = SSL_get_error(ssl, n)
            if err == SSL_ERROR_WANT_WRITE || (err == SSL_ERROR_SYSCALL && errno == EAGAIN) { throw IMAPClientError.timedOut }
            throw IMAPClientError.connectionLost("TLS write: \(Self.errorQueue(fallback: "error \(err)"))")
        }
    }

    func shutdown() { SSL_shutdown(ssl) }

    private static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    private static func errorQueue(fallback: String = "unknown error") -> String {
        let code = ERR_get_error()
        guard code != 0 else { return fallback }
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buf, buf.count)
        return String(cString: buf)
    }
}

/// Shared `SSL_CTX`s keyed by the extra trust file; they live for the whole process.
private final class ContextCache: @unchecked Sendable {
    private let lock = NSLock()
    private var contexts: [String: OpaquePointer] = [:]

    func context(for caFile: String?, make: () throws -> OpaquePointer) throws -> OpaquePointer {
        try lock.withLock {
            if let ctx = contexts[caFile ?? ""] { return ctx }
            let ctx = try make()
            contexts[caFile ?? ""] = ctx
            return ctx
        }
    }
}
