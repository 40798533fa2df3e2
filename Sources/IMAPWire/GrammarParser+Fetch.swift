import ArchiveModel

extension GrammarParser {
    /// `msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP (msg-att-dynamic / msg-att-static)) ")"`
    /// (RFC 9051 §7.5.2).
    static func fetchAttributes(_ c: inout GrammarCursor) throws -> FetchAttributes {
        var attributes = FetchAttributes()
        try c.expect(ASCII.lparen, "msg-att")
        c.skipSpaces()
        while !c.take(ASCII.rparen) {
            guard !c.atEnd else { throw c.malformed("msg-att: unterminated list") }
            try fetchAttribute(&c, into: &attributes)
            c.skipSpaces()
        }
        return attributes
    }

    /// `msg-att-dynamic = "FLAGS" SP "(" [flag-fetch *(SP flag-fetch)] ")"`;
    /// `msg-att-static = "ENVELOPE" SP envelope / "INTERNALDATE" SP date-time /
    /// "RFC822.SIZE" SP number64 / "BODY" ["STRUCTURE"] SP body / "BODY" section ["<" number ">"] SP nstring /
    /// "BINARY" section-binary SP (nstring / literal8) / "BINARY.SIZE" section-binary SP number /
    /// "UID" SP uniqueid`; `"MODSEQ" SP "(" mod-sequence-value ")"` (RFC 7162 §3.1.4.1);
    /// `"RFC822" [".HEADER" / ".TEXT"] SP nstring` (RFC 3501 §9). Anything else becomes a generic value.
    private static func fetchAttribute(_ c: inout GrammarCursor, into attributes: inout FetchAttributes) throws {
        let name = c.keyword()
        guard !name.isEmpty else { throw c.malformed("msg-att: attribute name expected") }
        let hasSection = c.peek() == ASCII.lbracket
        if hasSection && ["BODY", "BINARY", "BODY.PEEK", "BINARY.PEEK"].contains(name) {
            attributes.bodies.append(try bodySection(&c, base: name.hasPrefix("BODY") ? "BODY" : "BINARY"))
            return
        }
        switch name {
        case "RFC822", "RFC822.HEADER", "RFC822.TEXT":
            try c.space(name)
            attributes.bodies.append(FetchBody(item: name, section: "", content: try bodyContent(&c)))
        case "UID":
            try c.space("UID")
            attributes.uid = UID(try c.number32("uniqueid"))
        case "RFC822.SIZE":
            try c.space("RFC822.SIZE")
            attributes.rfc822Size = try c.number64("RFC822.SIZE")
        case "INTERNALDATE":
            try c.space("INTERNALDATE")
            guard let date = InternalDate(imapText: try c.string()) else { throw c.malformed("INTERNALDATE: bad date-time") }
            attributes.internalDate = date
        case "FLAGS":
            try c.space("FLAGS")
            attributes.flags = try c.flagList("FLAGS")
        case "MODSEQ":
            try c.space("MODSEQ")
            try c.expect(ASCII.lparen, "MODSEQ")
            c.skipSpaces()
            attributes.modSeq = try c.number64("mod-sequence-value")
            c.skipSpaces()
            try c.expect(ASCII.rparen, "MODSEQ")
        default:
            let fullName = hasSection ? name + String(decoding: c.sectionedAtom(), as: UTF8.self) : name
            try c.space(name)
            attributes.other[fullName] = try c.value()
        }
    }

    /// `"BODY" section ["<" number ">"] SP nstring`; `section = "[" [section-spec] "]"`
    /// (RFC 9051 §7.5.2); `"BINARY" section-binary SP (nstring / literal8)` (RFC 3516).
    private static func bodySection(_ c: inout GrammarCursor, base: String) throws -> FetchBody {
        let section = try sectionText(&c)
        var origin: UInt32?
        if c.take(ASCII.lt) {
            origin = try c.number32("origin")
            try c.expect(ASCII.gt, "origin")
        }
        try c.space(base)
        let item = base + "[" + section.uppercased() + "]"
        return FetchBody(item: item, section: section, origin: origin, content: try bodyContent(&c))
    }

    /// The text between `[` and `]`; quoted and literal header names are re-quoted, so the
    /// section reads as it would be sent: `HEADER.FIELDS ("From" "To")`.
    private static func sectionText(_ c: inout GrammarCursor) throws -> String {
        try c.expect(ASCII.lbracket, "section")
        var out = [UInt8]()
        while !c.take(ASCII.rbracket) {
            guard let b = c.peek() else { throw c.malformed("section: unterminated") }
            if b == ASCII.dquote || b == ASCII.lbrace {
                let name = try c.string()
                out.append(ASCII.dquote)
                for ch in name {
                    if ch == ASCII.dquote || ch == ASCII.backslash { out.append(ASCII.backslash) }
                    out.append(ch)
                }
                out.append(ASCII.dquote)
            } else {
                out.append(b)
                c.pos += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `nstring / literal8` as a body: NIL, a quoted string, or a literal (streamed or buffered).
    private static func bodyContent(_ c: inout GrammarCursor) throws -> FetchBody.Content {
        if c.takeNil() { return .nil }
        if c.peek() == ASCII.dquote { return .quoted(try c.quoted()) }
        guard c.peek() == ASCII.lbrace || c.peek() == ASCII.tilde else { throw c.malformed("body: nstring expected") }
        switch try c.literal() {
        case .streamed(let size): return .streamed(size: size)
        case .bytes(let bytes): return .quoted(bytes)
        }
    }
}
