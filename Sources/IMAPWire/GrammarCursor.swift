/// A cursor over the text of one response, with the literals the framer cut from it.
///
/// The token readers of the grammar stage (RFC 9051 §9). They are liberal where the input is
/// unambiguous (extra spaces, lower-case keywords, `\*` and `]` in atoms) and throw
/// ``ParserError/malformed(_:)`` naming the rule, never the content, where it is not.
struct GrammarCursor {
    let text: [UInt8]
    let literals: [ResponseFrame.Literal]
    var pos: Int
    var end: Int
    private var nextLiteral = 0

    init(_ frame: ResponseFrame) {
        text = frame.text
        literals = frame.literals
        pos = 0
        end = frame.text.count
    }

    var atEnd: Bool { pos >= end }

    /// Literals of the frame the grammar has not read yet.
    var unreadLiterals: Int { literals.count - nextLiteral }

    func peek() -> UInt8? { pos < end ? text[pos] : nil }

    func malformed(_ rule: String) -> ParserError { .malformed(rule) }

    mutating func take(_ b: UInt8) -> Bool {
        guard peek() == b else { return false }
        pos += 1
        return true
    }

    mutating func expect(_ b: UInt8, _ rule: String) throws {
        guard take(b) else { throw malformed("\(rule): expected '\(Character(Unicode.Scalar(b)))'") }
    }

    /// `SP`, liberally one or more.
    mutating func space(_ rule: String) throws {
        guard take(ASCII.sp) else { throw malformed("\(rule): expected SP") }
        skipSpaces()
    }

    mutating func skipSpaces() { while peek() == ASCII.sp { pos += 1 } }

    /// The rest of the text up to `end`, consumed.
    mutating func rest() -> ArraySlice<UInt8> {
        defer { pos = end }
        return text[min(pos, end)..<end]
    }

    /// Reads bytes while `accept` holds; possibly none.
    mutating func run(while accept: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let start = pos
        while pos < end && accept(text[pos]) { pos += 1 }
        return text[start..<pos]
    }

    /// A keyword or attribute name, upper-cased: `atom` stopping also at `[` and `]`.
    mutating func keyword() -> String {
        ASCII.upperString(run { !Self.isAtomSpecial($0) && $0 != ASCII.lbracket && $0 != ASCII.rbracket })
    }

    /// `ASTRING-CHAR` run, liberally: anything but SP, CTL, `(`, `)`, `{`, `"`. Used for
    /// astring atoms and flags (`\Seen`, `\*`, `$Junk`).
    mutating func liberalAtom() -> ArraySlice<UInt8> { run { !Self.isAtomSpecial($0) } }

    static func isAtomSpecial(_ b: UInt8) -> Bool {
        b <= 0x20 || b == 0x7F || b == ASCII.lparen || b == ASCII.rparen || b == ASCII.lbrace || b == ASCII.dquote
    }

    /// `number64 = 1*DIGIT` with overflow check (RFC 9051 §9).
    mutating func number64(_ rule: String) throws -> UInt64 {
        let digits = run(while: ASCII.isDigit)
        guard !digits.isEmpty else { throw malformed("\(rule): number expected") }
        var value: UInt64 = 0
        for d in digits {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(d - ASCII.zero))
            guard !o1 && !o2 else { throw malformed("\(rule): number too large") }
            value = sum
        }
        return value
    }

    /// `number = 1*DIGIT` fitting 32 bits (`nz-number`, `uniqueid`, sequence numbers).
    mutating func number32(_ rule: String) throws -> UInt32 {
        let value = try number64(rule)
        guard let small = UInt32(exactly: value) else { throw malformed("\(rule): number exceeds 32 bits") }
        return small
    }

    /// `quoted = DQUOTE *QUOTED-CHAR DQUOTE`; `\\` and `\"` (liberally `\x`) unescaped.
    mutating func quoted() throws -> [UInt8] {
        try expect(ASCII.dquote, "quoted")
        var out = [UInt8]()
        while pos < end {
            var b = text[pos]
            pos += 1
            if b == ASCII.dquote { return out }
            if b == ASCII.backslash && pos < end {
                b = text[pos]
                pos += 1
            }
            out.append(b)
        }
        throw malformed("quoted: unterminated string")
    }

    /// `literal = "{" number64 ["+"] "}" CRLF *CHAR8` / `literal8 = "~{" number64 "}" CRLF *OCTET`:
    /// the header must end exactly where the framer cut the next literal.
    mutating func literal() throws -> ResponseFrame.Payload {
        _ = take(ASCII.tilde)
        try expect(ASCII.lbrace, "literal")
        _ = run(while: ASCII.isDigit)
        _ = take(ASCII.plus)
        try expect(ASCII.rbrace, "literal")
        guard nextLiteral < literals.count, literals[nextLiteral].offset == pos else {
            throw malformed("literal: header not at the end of a line")
        }
        nextLiteral += 1
        return literals[nextLiteral - 1].payload
    }

    /// `string = quoted / literal`, for a literal that was buffered.
    mutating func string() throws -> [UInt8] {
        if peek() == ASCII.dquote { return try quoted() }
        guard peek() == ASCII.lbrace || peek() == ASCII.tilde else { throw malformed("string expected") }
        guard case .bytes(let bytes) = try literal() else { throw malformed("string: unexpected body literal") }
        return bytes
    }

    /// `astring = 1*ASTRING-CHAR / string`.
    mutating func astring() throws -> [UInt8] {
        if let b = peek(), b == ASCII.dquote || b == ASCII.lbrace || b == ASCII.tilde { return try string() }
        let atom = liberalAtom()
        guard !atom.isEmpty else { throw malformed("astring expected") }
        return Array(atom)
    }

    /// Consumes `NIL` when it stands as a whole token; `nil = "NIL"`.
    mutating func takeNil() -> Bool {
        guard pos + 3 <= end, ASCII.equalsKeyword(text[pos..<pos + 3], "NIL") else { return false }
        if pos + 3 < end && !Self.isAtomSpecial(text[pos + 3]) && text[pos + 3] != ASCII.rbracket { return false }
        pos += 3
        return true
    }

    /// `nstring = string / nil`.
    mutating func nstring() throws -> [UInt8]? { takeNil() ? nil : try string() }

    /// `"(" [element *(SP element)] ")"`, liberal about spaces. Each element must consume input.
    mutating func parenList<T>(_ rule: String, _ element: (inout GrammarCursor) throws -> T) throws -> [T] {
        try expect(ASCII.lparen, rule)
        var items: [T] = []
        skipSpaces()
        while !take(ASCII.rparen) {
            let before = pos
            guard !atEnd else { throw malformed("\(rule): unterminated list") }
            items.append(try element(&self))
            guard pos > before else { throw malformed("\(rule): unexpected byte in list") }
            skipSpaces()
        }
        return items
    }
}
