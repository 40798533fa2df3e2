import CCurl
import Foundation

/// What one HTTP exchange returned.
struct HTTPResponse: Sendable {
    /// The HTTP status code, e.g. 200, 401, 503.
    var status: Int
    /// The response body, at most ``HTTPSettings/maxResponseBytes`` bytes.
    var body: [UInt8]
    /// The `Retry-After` header in seconds, when the server sent one.
    var retryAfter: TimeInterval?
}

/// A failure before any HTTP status arrived: DNS, connect, TLS, timeout, reset.
struct TransportError: Error, Sendable, CustomStringConvertible {
    /// libcurl's `CURLcode`.
    var code: Int
    /// libcurl's error text, e.g. "Failed to connect to 127.0.0.1 port 9: Connection refused".
    var message: String

    var description: String { "\(message) (curl error \(code))" }
}

/// Limits and trust for one POST.
struct HTTPSettings: Sendable {
    /// Whole-request limit (CURLOPT_TIMEOUT_MS), seconds.
    var timeout: TimeInterval
    /// Connect-phase limit (CURLOPT_CONNECTTIMEOUT_MS), seconds.
    var connectTimeout: TimeInterval
    /// Extra PEM trust anchors (CURLOPT_CAINFO); nil: the system's.
    var caFile: String?
    /// A longer body aborts the transfer.
    var maxResponseBytes = 1 << 20
}

/// One blocking `application/x-www-form-urlencoded` POST over libcurl.
///
/// Proxies come from the environment (`https_proxy`, `no_proxy`…, libcurl's default) except
/// for loopback URLs, which never use one. Redirects are not followed, so the body (which
/// holds the client secret) is only ever sent to `url`.
enum CurlTransport {
    private static let globalInit: Int = Int(coffer_curl_global_init().rawValue)

    /// Sends `body` to `url` and returns whatever HTTP status came back.
    ///
    /// - Parameter headers: extra request header lines, `Name: value`.
    /// - Throws: ``TransportError`` when no HTTP response arrived.
    static func post(url: URL, body: String, headers: [String], settings: HTTPSettings) throws -> HTTPResponse {
        guard globalInit == 0, let handle = curl_easy_init() else {
            throw TransportError(code: globalInit, message: "libcurl could not be initialised")
        }
        defer { curl_easy_cleanup(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        for line in ["Accept: application/json"] + headers { headerList = curl_slist_append(headerList, line) }
        defer { curl_slist_free_all(headerList) }

        let sink = ResponseSink(limit: settings.maxResponseBytes)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            configure(handle, url: url, body: body, settings: settings)
            _ = coffer_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, headerList)
            _ = coffer_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            _ = coffer_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, sinkPointer)
            _ = coffer_curl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, user in
                let sink = Unmanaged<ResponseSink>.fromOpaque(user!).takeUnretainedValue()
                return sink.append(data, size * count) ? size * count : 0
            }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            throw transportError(code, detail: text(of: errorBuffer), overflow: sink.overflowed)
        }
        var status = 0
        _ = coffer_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var retryAfter: curl_off_t = 0
        _ = coffer_curl_getinfo_off_t(handle, CURLINFO_RETRY_AFTER, &retryAfter)
        return HTTPResponse(status: status, body: sink.bytes, retryAfter: retryAfter > 0 ? TimeInterval(retryAfter) : nil)
    }

    private static func configure(_ handle: UnsafeMutableRawPointer, url: URL, body: String, settings: HTTPSettings) {
        _ = coffer_curl_setopt_str(handle, CURLOPT_URL, url.absoluteString)
        _ = coffer_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = coffer_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds(settings.timeout))
        _ = coffer_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(settings.connectTimeout))
        _ = coffer_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = coffer_curl_setopt_str(handle, CURLOPT_USERAGENT, "coffer-entraauth/1")
        _ = coffer_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.utf8.count)
        _ = coffer_curl_setopt_str(handle, CURLOPT_COPYPOSTFIELDS, body)
        if let caFile = settings.caFile { _ = coffer_curl_setopt_str(handle, CURLOPT_CAINFO, caFile) }
        if let host = url.host, TokenRequest.isLoopback(host: host) {
            _ = coffer_curl_setopt_str(handle, CURLOPT_NOPROXY, "*")
        }
    }

    /// The NUL-terminated text in libcurl's error buffer.
    private static func text(of buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func milliseconds(_ seconds: TimeInterval) -> Int {
        max(1, Int((seconds * 1000).rounded()))
    }

    private static func transportError(_ code: CURLcode, detail: String, overflow: Bool) -> TransportError {
        if overflow { return TransportError(code: Int(code.rawValue), message: "the response was larger than expected") }
        let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        return TransportError(code: Int(code.rawValue), message: text)
    }
}

/// Collects response bytes up to a limit; libcurl's write callback feeds it.
private final class ResponseSink {
    let limit: Int
    var bytes: [UInt8] = []
    var overflowed = false

    init(limit: Int) { self.limit = limit }

    /// Appends `count` bytes; false (abort the transfer) once the limit would be passed.
    func append(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Bool {
        guard bytes.count + count <= limit else { overflowed = true; return false }
        guard let data, count > 0 else { return true }
        data.withMemoryRebound(to: UInt8.self, capacity: count) { bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: count)) }
        return true
    }
}
