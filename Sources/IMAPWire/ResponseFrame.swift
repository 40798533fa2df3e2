/// One complete response as cut by the framer: its text and its literals, ready for the grammar.
///
/// `text` is every line of the response joined, without CRLFs and without literal contents;
/// each literal header `{n}` stays in the text, and `literals[k].offset` is the index right
/// after the `}` of the k-th header, so the grammar can check that a `{` it reads really is the
/// next literal the framer cut.
struct ResponseFrame: Sendable {
    enum Payload: Sendable, Equatable {
        /// The literal's bytes (non-body literals, bounded by `maxBufferedLiteral`).
        case bytes([UInt8])
        /// A body literal of `size` bytes, already delivered as body events.
        case streamed(size: Int)
    }

    struct Literal: Sendable, Equatable {
        var offset: Int
        var payload: Payload
    }

    var text: [UInt8]
    var literals: [Literal]

    /// The response as received without the final CRLF: text with each literal's CRLF and
    /// bytes spliced in after its header (streamed bodies are not available and left out).
    var wireBytes: [UInt8] {
        var out = [UInt8]()
        var from = 0
        for literal in literals {
            out += text[from..<literal.offset]
            out += [ASCII.cr, ASCII.lf]
            if case .bytes(let bytes) = literal.payload { out += bytes }
            from = literal.offset
        }
        out += text[from...]
        return out
    }
}

/// Follows the response text outside quoted strings to find the token before a literal
/// header, e.g. `BODY[HEADER.FIELDS (FROM)]` in `BODY[HEADER.FIELDS (FROM)] {42}`.
///
/// Tokens are separated by SP or `(` outside quotes and outside `[...]`. Fed incrementally.
struct TokenTracker: Sendable {
    private(set) var inQuoted = false
    private var escaped = false
    private var bracketDepth = 0
    /// Index of the first byte of the current (last) token.
    private(set) var tokenStart = 0
    /// The complete token before the current one.
    private(set) var previousToken = 0..<0

    mutating func scan(_ text: [UInt8], from start: Int) {
        var i = start
        while i < text.count {
            step(text[i], at: i)
            i += 1
        }
    }

    private mutating func step(_ b: UInt8, at i: Int) {
        if inQuoted {
            if escaped { escaped = false } else if b == ASCII.backslash { escaped = true } else if b == ASCII.dquote { inQuoted = false }
            return
        }
        switch b {
        case ASCII.dquote: inQuoted = true
        case ASCII.lbracket: bracketDepth += 1
        case ASCII.rbracket: if bracketDepth > 0 { bracketDepth -= 1 }
        case ASCII.sp where bracketDepth == 0:
            if tokenStart < i { previousToken = tokenStart..<i }
            tokenStart = i + 1
        case ASCII.lparen where bracketDepth == 0:
            previousToken = i..<i
            tokenStart = i + 1
        default: break
        }
    }

    /// Whether `token` names a message-body attribute whose literal is streamed:
    /// `BODY[...]`, `BODY[...]<n>`, `BINARY[...]`, `RFC822`, `RFC822.HEADER`, `RFC822.TEXT`
    /// (also the `.PEEK` spellings, which servers should not echo but some do).
    static func isBodyItem(_ token: ArraySlice<UInt8>) -> Bool {
        var name = token
        if name.last == ASCII.gt {
            guard let open = name.lastIndex(of: ASCII.lt) else { return false }
            name = name[..<open]
        }
        if name.last == ASCII.rbracket {
            guard let open = name.firstIndex(of: ASCII.lbracket) else { return false }
            let base = name[..<open]
            return ASCII.equalsKeyword(base, "BODY") || ASCII.equalsKeyword(base, "BINARY")
                || ASCII.equalsKeyword(base, "BODY.PEEK") || ASCII.equalsKeyword(base, "BINARY.PEEK")
        }
        return ASCII.equalsKeyword(name, "RFC822") || ASCII.equalsKeyword(name, "RFC822.HEADER")
            || ASCII.equalsKeyword(name, "RFC822.TEXT")
    }

    /// Whether the text starts like `* n FETCH` (`message-data = nz-number SP "FETCH" SP msg-att`).
    static func isFetch(_ text: [UInt8]) -> Bool {
        var i = 0
        guard text.first == ASCII.star else { return false }
        i = 1
        while i < text.count && text[i] == ASCII.sp { i += 1 }
        let digits = i
        while i < text.count && ASCII.isDigit(text[i]) { i += 1 }
        guard i > digits, i < text.count, text[i] == ASCII.sp else { return false }
        while i < text.count && text[i] == ASCII.sp { i += 1 }
        guard i + 5 < text.count, ASCII.equalsKeyword(text[i..<i + 5], "FETCH") else { return false }
        return text[i + 5] == ASCII.sp || text[i + 5] == ASCII.lparen
    }
}
