/// Accumulates the bytes of one command, cutting a new piece after each synchronizing literal.
struct CommandWriter {
    let encoder: CommandEncoder
    private var pieces: [[UInt8]] = [[]]

    init(encoder: CommandEncoder) { self.encoder = encoder }

    private mutating func append(_ bytes: some Sequence<UInt8>) { pieces[pieces.count - 1].append(contentsOf: bytes) }

    /// Raw protocol text from code (keywords, tags, criteria). CR, LF and NUL would break framing.
    mutating func raw(_ text: String) {
        precondition(!text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }, "CR, LF or NUL in IMAP command text")
        append(text.utf8)
    }

    mutating func sp() { append(CollectionOfOne(ASCII.sp)) }

    /// `"(" [element *(SP element)] ")"`.
    mutating func list<T>(_ items: [T], _ element: (inout CommandWriter, T) -> Void) {
        append(CollectionOfOne(ASCII.lparen))
        for (i, item) in items.enumerated() {
            if i > 0 { sp() }
            element(&self, item)
        }
        append(CollectionOfOne(ASCII.rparen))
    }

    /// `astring = 1*ASTRING-CHAR / string`: an atom when every byte is an ATOM-CHAR (and the
    /// text is not `NIL`, which some servers misread), else a string.
    mutating func astring(_ bytes: [UInt8]) {
        if !bytes.isEmpty, bytes.allSatisfy(Self.isAtomChar), !ASCII.equalsKeyword(bytes, "NIL") {
            append(bytes)
        } else {
            string(bytes)
        }
    }

    /// `list-mailbox = 1*list-char / string`; `list-char = ATOM-CHAR / list-wildcards / resp-specials`.
    mutating func listMailbox(_ bytes: [UInt8]) {
        let isListChar = { (b: UInt8) in Self.isAtomChar(b) || b == ASCII.star || b == UInt8(ascii: "%") || b == ASCII.rbracket }
        if !bytes.isEmpty, bytes.allSatisfy(isListChar) { append(bytes) } else { string(bytes) }
    }

    /// `string = quoted / literal`: quoted (with `\` and `"` escaped) when every byte is
    /// printable 7-bit, else a literal.
    mutating func string(_ bytes: [UInt8]) {
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else { return literal(bytes) }
        var out = [ASCII.dquote]
        out.reserveCapacity(bytes.count + 2)
        for b in bytes {
            if b == ASCII.dquote || b == ASCII.backslash { out.append(ASCII.backslash) }
            out.append(b)
        }
        out.append(ASCII.dquote)
        append(out)
    }

    /// `literal = "{" number64 ["+"] "}" CRLF *CHAR8` (RFC 9051 §4.3, RFC 7888).
    mutating func literal(_ bytes: [UInt8]) {
        let nonSynchronizing = encoder.literalPlus && bytes.count <= encoder.maxNonSynchronizingLiteral
        append("{\(bytes.count)\(nonSynchronizing ? "+" : "")}\r\n".utf8)
        if !nonSynchronizing { pieces.append([]) }
        append(bytes)
    }

    /// `ATOM-CHAR = <any CHAR except atom-specials>`;
    /// `atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials`.
    static func isAtomChar(_ b: UInt8) -> Bool {
        guard b > 0x20 && b < 0x7F else { return false }
        switch b {
        case ASCII.lparen, ASCII.rparen, ASCII.lbrace, ASCII.star, UInt8(ascii: "%"),
             ASCII.dquote, ASCII.backslash, ASCII.rbracket: return false
        default: return true
        }
    }

    /// Ends the command with CRLF and returns its pieces.
    mutating func finish() -> [[UInt8]] {
        append([ASCII.cr, ASCII.lf])
        return pieces
    }
}
