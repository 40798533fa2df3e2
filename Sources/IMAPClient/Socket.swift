import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A connected TCP socket with blocking I/O and an inactivity timeout.
///
/// Every read and write blocks the calling thread, so it must run on a thread of its own,
/// never on Swift's cooperative pool.
final class TCPSocket {
    let fd: Int32

    /// Connects to `host:port`, trying each resolved address in turn.
    /// - Parameters:
    ///   - connectTimeout: seconds to wait for the TCP handshake.
    ///   - idleTimeout: seconds a read or write may wait for progress before failing.
    /// - Throws: `IMAPClientError.connectFailed` naming host, port and the system's reason.
    init(host: String, port: Int, connectTimeout: Double, idleTimeout: Double) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw IMAPClientError.connectFailed(host: host, port: port, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let ai = node {
            node = ai.pointee.ai_next
            let s = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            guard s >= 0 else { lastError = String(cString: strerror(errno)); continue }
            if let error = Self.connect(s, ai.pointee.ai_addr, ai.pointee.ai_addrlen, timeout: connectTimeout) {
                lastError = error
                close(s)
                continue
            }
            Self.setTimeouts(s, idleTimeout)
            var one: Int32 = 1
            setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            fd = s
            return
        }
        throw IMAPClientError.connectFailed(host: host, port: port, reason: lastError)
    }

    deinit { close(fd) }

    /// Non-blocking connect with a deadline, then back to blocking mode. Returns an error text or nil.
    private static func connect(_ s: Int32, _ addr: UnsafeMutablePointer<sockaddr>, _ len: socklen_t, timeout: Double) -> String? {
        let flags = fcntl(s, F_GETFL, 0)
        _ = fcntl(s, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(s, F_SETFL, flags) }
        if Glibc.connect(s, addr, len) == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        var pfd = pollfd(fd: s, events: Int16(POLLOUT), revents: 0)
        let n = poll(&pfd, 1, Int32(timeout * 1000))
        if n == 0 { return "timed out after \(Int(timeout)) s" }
        if n < 0 { return String(cString: strerror(errno)) }
        var err: Int32 = 0
        var errLen = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &errLen)
        return err == 0 ? nil : String(cString: strerror(err))
    }

    private static func setTimeouts(_ s: Int32, _ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Reads up to `buffer.count` bytes; returns 0 at end of stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw IMAPClientError.timedOut }
            throw IMAPClientError.connectionLost(String(cString: strerror(errno)))
        }
    }

    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = send(fd, bytes.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL))
            if n > 0 { done += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw IMAPClientError.timedOut }
            throw IMAPClientError.connectionLost(String(cString: strerror(errno)))
        }
    }
}
