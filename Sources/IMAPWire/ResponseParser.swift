/// Parses the server side of an IMAP connection (RFC 9051 §7) from bytes split anywhere.
///
/// Two stages, as in swift-nio-imap: a framing state machine cuts the stream into responses
/// and literals (message-body literals are streamed, never buffered), then a grammar parser
/// turns each complete response into a ``Response``. No I/O: feed it what the socket read.
///
/// ```swift
/// var parser = ResponseParser()
/// try parser.feed(bytes) { event in if case .response(let r) = event { print(r) } }
/// ```
public struct ResponseParser: Sendable {
    /// Limits that keep memory bounded against a broken or hostile server.
    public struct Options: Sendable {
        /// Maximum bytes of one response's text, literal contents excluded. Exceeding it throws
        /// ``ParserError/lineTooLong(limit:)``.
        public var maxLineLength: Int = 1 << 20
        /// Maximum bytes of non-body literals buffered for one response (mailbox names, ENVELOPE
        /// strings…). Exceeding it throws ``ParserError/literalTooLarge(size:limit:)``.
        /// Message-body literals are streamed and not limited.
        public var maxBufferedLiteral: Int = 1 << 20

        public init() {}
    }

    private var framer: Framer
    private var failure: ParserError?
    private var handlerFailed = false

    /// A parser at the start of a connection (expecting the greeting).
    public init(options: Options = .init()) {
        framer = Framer(maxLineLength: options.maxLineLength, maxBufferedLiteral: options.maxBufferedLiteral)
    }

    /// Feeds any number of bytes, split anywhere (even one byte at a time), and calls `handler`
    /// for every event these bytes complete, in stream order.
    ///
    /// Body bytes are passed as slices of `bytes`, valid only during the call.
    /// - Throws: ``ParserError`` when the stream is malformed or exceeds a limit, or what
    ///   `handler` throws. After any error the parser is unusable: every later call throws the
    ///   same ``ParserError`` (or `.malformed` after a handler error); drop the connection.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ handler: (ParserEvent) throws -> Void) throws {
        if let failure { throw failure }
        guard !handlerFailed else { throw ParserError.malformed("parser used after its event handler failed") }
        do {
            try framer.feed(bytes) { event in try handler(Self.map(event)) }
        } catch let error as ParserError where failure == nil {
            failure = error
            throw error
        } catch {
            if failure == nil { handlerFailed = true }
            throw error
        }
    }

    /// Convenience for tests and small inputs: feeds the bytes of an array.
    public mutating func feed(_ bytes: [UInt8], _ handler: (ParserEvent) throws -> Void) throws {
        try bytes.withUnsafeBytes { try feed($0, handler) }
    }

    private static func map(_ event: Framer.Event) throws -> ParserEvent {
        switch event {
        case .frame(let frame): return .response(try GrammarParser.parse(frame))
        case .bodyBegin(let size): return .bodyBegin(size: size)
        case .bodyBytes(let bytes): return .bodyBytes(bytes)
        case .bodyEnd: return .bodyEnd
        }
    }

    /// Bytes currently held for the response in progress (bounded by the options, whatever
    /// the size of body literals).
    public var bufferedByteCount: Int { framer.bufferedByteCount }

    /// The literal being received, if the input ended inside one: its announced size and the
    /// octets still missing. A connection that closes here has cut a message short (case B31).
    public var openLiteral: (size: Int, remaining: Int)? { framer.openLiteral }
}
