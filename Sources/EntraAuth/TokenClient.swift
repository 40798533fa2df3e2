import Foundation

/// Obtains and caches the app-only access token of one app registration in one tenant.
///
/// One token serves every caller (all IMAP connection threads of a source). A caller gets
/// the cached token while it has more than ``Options/refreshMargin`` left; otherwise one
/// caller runs the client credentials grant and concurrent callers wait for its outcome.
/// A permanent failure (wrong or expired secret, unknown app or tenant) is remembered and
/// rethrown without contacting Entra again, since every mailbox would fail the same way
/// (case B03); ``reset()`` forgets it.
///
/// ```swift
/// let client = try TokenClient(request: TokenRequest(tenantID: t, clientID: c, clientSecret: s))
/// let token = try client.accessToken()
/// ```
///
/// Source: Microsoft identity platform, "OAuth 2.0 client credentials flow"; RFC 6749 §4.4.
public final class TokenClient: @unchecked Sendable {
    /// Timeouts, retries and the refresh margin.
    public struct Options: Sendable {
        /// A cached token with less than this left is replaced, seconds. Default 300 (5 minutes),
        /// so an IMAP session opened with it has time to work before Exchange ends it (case B07).
        public var refreshMargin: TimeInterval
        /// Limit for one whole HTTP exchange, seconds (CURLOPT_TIMEOUT).
        public var timeout: TimeInterval
        /// Limit for connecting, TLS included, seconds (CURLOPT_CONNECTTIMEOUT).
        public var connectTimeout: TimeInterval
        /// Attempts per grant, first one included; network failures, HTTP 408, 429 and 5xx are retried.
        public var maxAttempts: Int
        /// Backoff before the second attempt, seconds; doubled each time, with jitter (50–100 %).
        public var initialBackoff: TimeInterval
        /// Ceiling of the computed backoff, seconds.
        public var maxBackoff: TimeInterval
        /// A longer `Retry-After` (seconds) is not waited for: the grant fails as unavailable at once.
        public var maxRetryAfter: TimeInterval
        /// Extra PEM trust anchors for the authority; nil: the system's.
        public var caFile: String?
        /// Receives one line per retry (never a secret or token); nil: silent.
        public var log: (@Sendable (String) -> Void)?

        /// The defaults: margin 300 s, timeout 30 s, connect 10 s, 4 attempts, backoff 1 s
        /// doubling up to 30 s, `Retry-After` honoured up to 120 s.
        public init(refreshMargin: TimeInterval = 300, timeout: TimeInterval = 30, connectTimeout: TimeInterval = 10,
                    maxAttempts: Int = 4, initialBackoff: TimeInterval = 1, maxBackoff: TimeInterval = 30,
                    maxRetryAfter: TimeInterval = 120, caFile: String? = nil,
                    log: (@Sendable (String) -> Void)? = nil) {
            self.refreshMargin = refreshMargin
            self.timeout = timeout
            self.connectTimeout = connectTimeout
            self.maxAttempts = max(1, maxAttempts)
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.maxRetryAfter = maxRetryAfter
            self.caFile = caFile
            self.log = log
        }
    }

    /// What is requested; its secret is sent only to ``TokenRequest/tokenEndpoint``.
    public let request: TokenRequest
    /// Timeouts, retries and the refresh margin.
    public let options: Options

    private let condition = NSCondition()
    private var cached: AccessToken?
    private var fetchInProgress = false
    private var fetchGeneration = 0
    private var lastOutcome: Result<AccessToken, TokenError>?
    private var permanentFailure: TokenError?

    /// Creates a client after checking `request`; no network call happens here.
    ///
    /// - Throws: ``TokenRequestError`` naming the configuration key at fault.
    public convenience init(request: TokenRequest, options: Options = Options()) throws {
        try request.validate()
        self.init(unvalidated: request, options: options)
    }

    /// Creates a client without ``TokenRequest/validate()`` (tests of Entra's own checks).
    init(unvalidated request: TokenRequest, options: Options) {
        self.request = request
        self.options = options
    }
}

extension TokenClient {
    /// A valid access token: the cached one while it has more than ``Options/refreshMargin``
    /// left, else a new one from the token endpoint. Blocks the calling thread during a fetch.
    ///
    /// - Throws: ``TokenError``; ``TokenError/isPermanentAuthFailure`` tells a configuration
    ///   problem from a transient one.
    public func accessToken() throws -> AccessToken {
        condition.lock()
        if let failure = permanentFailure { condition.unlock(); throw failure }
        if let token = cached, token.remainingLifetime() > options.refreshMargin {
            condition.unlock()
            return token
        }
        if fetchInProgress {
            let seen = fetchGeneration
            while fetchGeneration == seen { condition.wait() }
            let outcome = lastOutcome!
            condition.unlock()
            return try outcome.get()
        }
        fetchInProgress = true
        condition.unlock()

        let outcome = Result<AccessToken, TokenError> { () throws(TokenError) in try fetchToken() }
        condition.lock()
        fetchInProgress = false
        fetchGeneration &+= 1
        lastOutcome = outcome
        switch outcome {
        case .success(let token): cached = token
        case .failure(let error) where error.isPermanentAuthFailure: permanentFailure = error
        case .failure: break
        }
        condition.broadcast()
        condition.unlock()
        return try outcome.get()
    }

    /// Drops `token` from the cache if it is still the cached one, so the next
    /// ``accessToken()`` fetches a new token. Call it when the server refused or ended a
    /// session over this token (e.g. `BYE … AccessTokenExpired`, case B07); several
    /// connections reporting the same token cause one new fetch, not several.
    public func invalidate(_ token: AccessToken) {
        condition.lock()
        if cached?.value == token.value { cached = nil }
        condition.unlock()
    }

    /// Forgets the cached token and any remembered permanent failure.
    public func reset() {
        condition.lock()
        cached = nil
        permanentFailure = nil
        condition.unlock()
    }
}
