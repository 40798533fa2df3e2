import ArchiveModel
import IMAPWire

/// One IMAP connection, used from one thread at a time. All calls block that thread.
///
/// Implements the client side of RFC 9051 / RFC 3501 needed to archive: greeting,
/// STARTTLS, CAPABILITY, ID, LOGIN / AUTHENTICATE PLAIN, LIST, EXAMINE, UID SEARCH,
/// UID FETCH with streamed bodies, LOGOUT.
public final class IMAPSession {
    let transport: Transport
    /// Response lines may be long (a `* SEARCH` of a million UIDs is about 8 MB, case B24); body
    /// literals are streamed whatever their size.
    var parser = ResponseParser(options: IMAPSession.parserOptions)
    let settings: ConnectionSettings
    private var tagCounter = 0
    private var readBuffer: UnsafeMutableRawBufferPointer
    /// Capabilities as last announced, upper-cased.
    public private(set) var capabilities: Set<String> = []
    /// Text of an untagged BYE, once the server sent one.
    public private(set) var byeText: String?

    /// Connects, reads the greeting, negotiates TLS per `settings`, and learns the capabilities.
    /// - Throws: `IMAPClientError` (connectFailed, tlsFailed, starttlsUnavailable, closedByServer…).
    public init(settings: ConnectionSettings) throws {
        self.settings = settings
        readBuffer = .allocate(byteCount: 256 << 10, alignment: 16)
        let socket = try TCPSocket(host: settings.host, port: settings.port,
                                   connectTimeout: settings.connectTimeout, idleTimeout: settings.idleTimeout)
        transport = Transport(socket: socket)
        if settings.security == .implicit { try transport.startTLS(host: settings.host, caFile: settings.caFile) }
        try readGreeting()
        if settings.security == .starttls {
            if capabilities.isEmpty { try refreshCapabilities() }
            guard capabilities.contains("STARTTLS") else { throw IMAPClientError.starttlsUnavailable(host: settings.host) }
            try run(.starttls)
            try transport.startTLS(host: settings.host, caFile: settings.caFile)
            capabilities = []
        }
        if capabilities.isEmpty { try refreshCapabilities() }
    }

    deinit { readBuffer.deallocate() }

    /// Forgets the capabilities (before a login, which may change them).
    func clearCapabilities() { capabilities = [] }

    /// Sends CAPABILITY and records the answer.
    public func refreshCapabilities() throws {
        try run(.capability)
    }

    /// Sends a command and reads until its tagged response.
    ///
    /// - Parameters:
    ///   - onUntagged: called for every untagged response on the way.
    ///   - body: receives streamed message-body literals (FETCH).
    /// - Returns: the tagged response when it is OK.
    /// - Throws: `IMAPClientError.commandFailed` for NO/BAD; connection errors.
    ///   - onContinuation: answers a continuation request that is not a literal continuation
    ///     (SASL challenges); returns the line to send without CRLF.
    @discardableResult
    public func run(_ command: Command, onUntagged: (UntaggedResponse) throws -> Void = { _ in },
                    body: BodyReceiver? = nil,
                    onContinuation: ((ContinuationRequest) throws -> [UInt8])? = nil) throws -> TaggedResponse {
        let tag = nextTag()
        let pieces = CommandEncoder(literalPlus: capabilities.contains("LITERAL+")).encode(tag: tag, command)
        try transport.write(pieces[0])
        var remaining = pieces.dropFirst()
        var result: TaggedResponse?
        while result == nil {
            try readEvents { event in
                switch event {
                case .response(.continuation(let request)):
                    if let next = remaining.popFirst() {
                        try transport.write(next)
                    } else if let onContinuation {
                        try transport.write(try onContinuation(request) + [13, 10])
                    } else {
                        throw IMAPClientError.protocolError("unexpected continuation request")
                    }
                case .response(.untagged(let u)):
                    try observe(u)
                    try onUntagged(u)
                case .response(.tagged(let t)):
                    if case .capability(let caps)? = t.text.code { capabilities = Set(caps.map { $0.uppercased() }) }
                    if t.tag == tag { result = t }
                case .bodyBegin(let size): try body?.begin(size: size)
                case .bodyBytes(let bytes): try body?.bytes(bytes)
                case .bodyEnd: try body?.end()
                }
            }
        }
        guard case .ok = result!.status else {
            throw IMAPClientError.commandFailure(command: command.name, status: result!.status.name, serverText: result!.text.text)
        }
        return result!
    }

    /// Sends LOGOUT and closes; errors are ignored (the archive does not depend on them).
    public func logout() {
        _ = try? run(.logout)
        transport.close()
    }

    func nextTag() -> String {
        tagCounter += 1
        return "C\(tagCounter)"
    }

    private func readGreeting() throws {
        var greeting: UntaggedResponse?
        while greeting == nil {
            try readEvents { event in
                if case .response(.untagged(let u)) = event { try observe(u); greeting = u }
            }
        }
        if case .condition(.bye, let text) = greeting! { throw IMAPClientError.closedByServer(text.text) }
    }

    /// Reads once from the transport and feeds the parser; the handler sees every completed event.
    func readEvents(_ handler: (ParserEvent) throws -> Void) throws {
        let n = try transport.read(into: readBuffer)
        if n == 0 { throw endOfStream() }
        do {
            try parser.feed(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]), handler)
        } catch let error as ParserError {
            throw IMAPClientError.protocolError("\(error)")
        }
    }

    /// The error for a connection the server closed: inside a literal the message was cut short
    /// (B31); after a throttling BYE it is throttling (B09); else a plain close.
    private func endOfStream() -> IMAPClientError {
        if let open = parser.openLiteral { return .truncatedLiteral(announced: open.size, received: open.size - open.remaining) }
        if let bye = byeText, let reply = ThrottleReply(bye) { return .throttled(command: nil, serverText: bye, backoff: reply.backoff) }
        return .closedByServer(byeText ?? "connection closed without BYE")
    }

    static var parserOptions: ResponseParser.Options {
        var options = ResponseParser.Options()
        options.maxLineLength = 64 << 20
        return options
    }

    /// Tracks state every response may carry: capabilities, BYE.
    func observe(_ u: UntaggedResponse) throws {
        switch u {
        case .capability(let caps): capabilities = Set(caps.map { $0.uppercased() })
        case .condition(let status, let text):
            if case .capability(let caps)? = text.code { capabilities = Set(caps.map { $0.uppercased() }) }
            if status == .bye { byeText = text.text }
        default: break
        }
    }
}

/// Receives the bytes of a message-body literal as they arrive.
public protocol BodyReceiver: AnyObject {
    /// A body literal of `size` bytes starts.
    func begin(size: Int) throws
    /// The next bytes; valid only during the call.
    func bytes(_ chunk: UnsafeRawBufferPointer) throws
    /// The literal is complete.
    func end() throws
}
