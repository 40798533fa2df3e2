/// The byte-level stage of the response parser: cuts the stream into responses and literals.
///
/// States: in line text (until LF; a CR before it is dropped), a literal header `{n}`,
/// `{n+}` or `~{n}` ending a line outside quoted strings (RFC 9051 §4.3, RFC 3516 literal8),
/// inside a literal counting bytes exactly, and right after a literal, where the next byte
/// must be SP, `)` or CR. Literal bytes are opaque: never scanned (B25). Body literals of a
/// FETCH response are handed out as slices of the input, never buffered. "Need more bytes"
/// is simply the state the framer is in when the input runs out.
struct Framer: Sendable {
    enum Event {
        case frame(ResponseFrame)
        case bodyBegin(Int)
        case bodyBytes(UnsafeRawBufferPointer)
        case bodyEnd
    }

    private enum State: Sendable {
        case line
        case literal(remaining: Int, size: Int, streamed: Bool)
        case afterLiteral(streamed: Bool)
    }

    let maxLineLength: Int
    let maxBufferedLiteral: Int
    private var state = State.line
    private var text: [UInt8] = []
    private var scannedUpTo = 0
    private var tracker = TokenTracker()
    private var literals: [ResponseFrame.Literal] = []
    private var literalBuffer: [UInt8] = []
    private var bufferedLiteralBytes = 0

    init(maxLineLength: Int, maxBufferedLiteral: Int) {
        self.maxLineLength = maxLineLength
        self.maxBufferedLiteral = maxBufferedLiteral
    }

    /// Bytes held for the response in progress (text plus buffered literals); for tests of boundedness.
    var bufferedByteCount: Int { text.count + literalBuffer.count + bufferedLiteralBytes }

    /// When inside a literal: its announced size and the octets still to come.
    var openLiteral: (size: Int, remaining: Int)? {
        if case .literal(let remaining, let size, _) = state { return (size, remaining) }
        return nil
    }

    /// Consumes all of `buffer`, emitting every event it completes.
    mutating func feed(_ buffer: UnsafeRawBufferPointer, _ emit: (Event) throws -> Void) throws {
        var i = 0
        while i < buffer.count {
            switch state {
            case .line:
                i = try consumeLine(buffer, from: i, emit)
            case .literal(let remaining, let size, let streamed):
                i = try consumeLiteral(buffer, from: i, remaining: remaining, size: size, streamed: streamed, emit)
            case .afterLiteral(let streamed):
                let b = buffer[i]
                guard b == ASCII.sp || b == ASCII.rparen || b == ASCII.cr else {
                    throw ParserError.literalNotFollowedByDelimiter(found: b)
                }
                state = .line
                if streamed { try emit(.bodyEnd) }
            }
        }
    }

    private mutating func consumeLine(_ buffer: UnsafeRawBufferPointer, from start: Int,
                                      _ emit: (Event) throws -> Void) throws -> Int {
        let rest = UnsafeRawBufferPointer(rebasing: buffer[start...])
        guard let lf = rest.firstIndex(of: ASCII.lf) else {
            try appendText(rest)
            return buffer.count
        }
        try appendText(UnsafeRawBufferPointer(rebasing: rest[..<lf]))
        try endOfLine(emit)
        return start + lf + 1
    }

    /// Appends line text; one byte of slack for the CR that `endOfLine` drops.
    private mutating func appendText(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count <= maxLineLength + 1 - text.count else {
            throw ParserError.lineTooLong(limit: maxLineLength)
        }
        text.append(contentsOf: bytes)
    }

    private mutating func endOfLine(_ emit: (Event) throws -> Void) throws {
        if text.last == ASCII.cr { text.removeLast() }
        guard text.count <= maxLineLength else { throw ParserError.lineTooLong(limit: maxLineLength) }
        tracker.scan(text, from: scannedUpTo)
        scannedUpTo = text.count
        if let header = try literalHeader() {
            let streamed = tracker.tokenStart == header.start
                && TokenTracker.isBodyItem(text[tracker.previousToken]) && TokenTracker.isFetch(text)
            try beginLiteral(size: header.size, streamed: streamed, emit)
        } else {
            try emit(.frame(ResponseFrame(text: text, literals: literals)))
            reset()
        }
    }

    /// `literal = "{" number64 ["+"] "}" CRLF *CHAR8`, `literal8 = "~{" number64 "}" CRLF *OCTET`
    /// (RFC 9051 §9, RFC 7888, RFC 3516): a header at the end of the text, outside quotes.
    /// Returns the announced size and the index of `{` (or `~`).
    private func literalHeader() throws -> (size: Int, start: Int)? {
        guard !tracker.inQuoted, text.last == ASCII.rbrace else { return nil }
        var j = text.count - 2
        if j >= 0 && text[j] == ASCII.plus { j -= 1 }
        let digitsEnd = j + 1
        while j >= 0 && ASCII.isDigit(text[j]) { j -= 1 }
        // A header lies in text added since the last literal (the same text must not count twice).
        guard j >= (literals.last?.offset ?? 0), text[j] == ASCII.lbrace, j + 1 < digitsEnd else { return nil }
        var size = 0
        for k in (j + 1)..<digitsEnd {
            let (times10, o1) = size.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(text[k] - ASCII.zero))
            guard !o1 && !o2 else { throw ParserError.literalTooLarge(size: .max, limit: maxBufferedLiteral) }
            size = sum
        }
        return (size, j > 0 && text[j - 1] == ASCII.tilde ? j - 1 : j)
    }

    private mutating func beginLiteral(size: Int, streamed: Bool, _ emit: (Event) throws -> Void) throws {
        if streamed {
            try emit(.bodyBegin(size))
        } else {
            guard size <= maxBufferedLiteral - bufferedLiteralBytes else {
                throw ParserError.literalTooLarge(size: size, limit: maxBufferedLiteral)
            }
            literalBuffer.reserveCapacity(size)
        }
        state = .literal(remaining: size, size: size, streamed: streamed)
        if size == 0 { finishLiteral(size: 0, streamed: streamed) }
    }

    private mutating func consumeLiteral(_ buffer: UnsafeRawBufferPointer, from start: Int, remaining: Int,
                                         size: Int, streamed: Bool, _ emit: (Event) throws -> Void) throws -> Int {
        let n = min(remaining, buffer.count - start)
        let chunk = UnsafeRawBufferPointer(rebasing: buffer[start..<(start + n)])
        if streamed { try emit(.bodyBytes(chunk)) } else { literalBuffer.append(contentsOf: chunk) }
        if n == remaining {
            finishLiteral(size: size, streamed: streamed)
        } else {
            state = .literal(remaining: remaining - n, size: size, streamed: streamed)
        }
        return start + n
    }

    private mutating func finishLiteral(size: Int, streamed: Bool) {
        let payload: ResponseFrame.Payload = streamed ? .streamed(size: size) : .bytes(literalBuffer)
        if !streamed { bufferedLiteralBytes += size }
        literals.append(ResponseFrame.Literal(offset: text.count, payload: payload))
        literalBuffer = []
        state = .afterLiteral(streamed: streamed)
    }

    private mutating func reset() {
        if text.capacity > 1 << 16 { text = [] } else { text.removeAll(keepingCapacity: true) }
        scannedUpTo = 0
        tracker = TokenTracker()
        literals = []
        bufferedLiteralBytes = 0
        state = .line
    }
}
