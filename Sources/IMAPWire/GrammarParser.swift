import ArchiveModel

/// The grammar stage: turns one framed response into a ``Response`` (RFC 9051 §7, §9).
enum GrammarParser {
    /// `response = continue-req / response-data / response-tagged` (one of them).
    /// - Throws: ``ParserError/malformed(_:)``.
    static func parse(_ frame: ResponseFrame) throws -> Response {
        var c = GrammarCursor(frame)
        switch c.peek() {
        case ASCII.plus?: return .continuation(continuation(&c))
        case ASCII.star?: return .untagged(try untagged(&c, frame))
        case nil: throw c.malformed("empty response line")
        default: return .tagged(try tagged(&c))
        }
    }

    /// `continue-req = "+" [SP (resp-text / base64)] CRLF`
    static func continuation(_ c: inout GrammarCursor) -> ContinuationRequest {
        c.pos += 1
        return ContinuationRequest(text: responseText(&c))
    }

    /// `response-tagged = tag SP resp-cond-state CRLF`;
    /// `tag = 1*<any ASTRING-CHAR except "+">`; `resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text`
    static func tagged(_ c: inout GrammarCursor) throws -> TaggedResponse {
        let tag = c.liberalAtom()
        guard !tag.isEmpty else { throw c.malformed("tag expected") }
        try c.space("response-tagged")
        let word = c.keyword()
        guard let status = ResponseStatus(rawValue: word), [.ok, .no, .bad].contains(status) else {
            throw c.malformed("response-tagged: OK, NO or BAD expected")
        }
        return TaggedResponse(tag: String(decoding: tag, as: UTF8.self), status: status, text: responseText(&c))
    }

    /// `resp-text = ["[" resp-text-code "]" SP] [text]`; a `[` without `]` is plain text.
    static func responseText(_ c: inout GrammarCursor) -> ResponseText {
        c.skipSpaces()
        var code: ResponseCode?
        if c.peek() == ASCII.lbracket, let close = c.text[c.pos..<c.end].firstIndex(of: ASCII.rbracket) {
            var inner = c
            inner.pos = c.pos + 1
            inner.end = close
            code = responseCode(&inner)
            c.pos = close + 1
            c.skipSpaces()
        }
        return ResponseText(code: code, text: String(decoding: c.rest(), as: UTF8.self))
    }

    /// `response-data = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data / message-data /
    /// capability-data / enable-data) CRLF`; `resp-cond-bye = "BYE" SP resp-text`;
    /// `resp-cond-auth = ("OK" / "PREAUTH") SP resp-text`
    static func untagged(_ c: inout GrammarCursor, _ frame: ResponseFrame) throws -> UntaggedResponse {
        c.pos += 1
        try c.space("response-data")
        if let b = c.peek(), ASCII.isDigit(b) { return try messageData(&c, frame) }
        let keyword = c.keyword()
        if let status = ResponseStatus(rawValue: keyword) { return .condition(status, responseText(&c)) }
        switch keyword {
        case "CAPABILITY": return .capability(c.atomsToEnd())
        case "ENABLED": return .enabled(c.atomsToEnd())
        case "LIST", "LSUB", "XLIST": return .list(try listEntry(&c))
        case "STATUS": return try status(&c)
        case "SEARCH": return .search(try search(&c))
        case "ESEARCH": return .esearch(try esearch(&c))
        case "FLAGS":
            try c.space("FLAGS")
            return .flags(try c.flagList("FLAGS"))
        case "ID": return .id(try idParams(&c))
        case "VANISHED": return try vanished(&c)
        default: return .other(keyword: keyword, raw: frame.wireBytes)
        }
    }

    /// `message-data = nz-number SP ("EXPUNGE" / ("FETCH" SP msg-att))`;
    /// `mailbox-data =/ number SP "EXISTS" / number SP "RECENT"`
    static func messageData(_ c: inout GrammarCursor, _ frame: ResponseFrame) throws -> UntaggedResponse {
        let number = try c.number32("message-data")
        try c.space("message-data")
        let keyword = c.keyword()
        switch keyword {
        case "EXISTS": return .exists(number)
        case "RECENT": return .recent(number)
        case "EXPUNGE": return .expunge(SequenceNumber(rawValue: number))
        case "FETCH":
            try c.space("FETCH")
            let attributes = try fetchAttributes(&c)
            c.skipSpaces()
            guard c.atEnd, c.unreadLiterals == 0 else { throw c.malformed("FETCH: data after the attribute list") }
            return .fetch(SequenceNumber(rawValue: number), attributes)
        default: return .other(keyword: keyword, raw: frame.wireBytes)
        }
    }
}
