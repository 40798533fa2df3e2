import ArchiveModel

extension GrammarParser {
    /// `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
    /// [SP mbox-list-extended]` (RFC 9051 §7.3.1, RFC 5258); `mailbox = "INBOX" / astring`.
    static func listEntry(_ c: inout GrammarCursor) throws -> ListEntry {
        try c.space("LIST")
        let attributes = try c.flagList("LIST attributes")
        try c.space("LIST")
        var delimiter: UInt8?
        if !c.takeNil() {
            let quoted = try c.quoted()
            guard quoted.count <= 1 else { throw c.malformed("LIST: delimiter longer than one character") }
            delimiter = quoted.first
        }
        try c.space("LIST")
        let name = try c.astring()
        c.skipSpaces()
        var extended: [IMAPValue] = []
        if c.peek() == ASCII.lparen { extended = try c.parenList("mbox-list-extended") { try $0.value() } }
        return ListEntry(attributes: attributes, delimiter: delimiter, name: MailboxName(wire: name), extended: extended)
    }

    /// `mailbox-data =/ "STATUS" SP mailbox SP "(" [status-att-list] ")"`;
    /// `status-att-list = status-att-val *(SP status-att-val)`; `status-att-val = status-att SP number64`
    /// (RFC 9051 §7.3.4). Items whose value is not a number are skipped.
    static func status(_ c: inout GrammarCursor) throws -> UntaggedResponse {
        try c.space("STATUS")
        let name = try c.astring()
        c.skipSpaces()
        try c.expect(ASCII.lparen, "STATUS")
        var items: [String: UInt64] = [:]
        c.skipSpaces()
        while !c.take(ASCII.rparen) {
            let item = c.keyword()
            guard !item.isEmpty else { throw c.malformed("STATUS: attribute expected") }
            try c.space("STATUS")
            if let b = c.peek(), ASCII.isDigit(b) { items[item] = try c.number64("STATUS") } else { _ = try c.value() }
            c.skipSpaces()
        }
        return .status(MailboxName(wire: name), items)
    }

    /// `mailbox-data =/ "SEARCH" *(SP nz-number) [SP "(" "MODSEQ" SP mod-sequence-value ")"]`
    /// (RFC 3501 §7.2.5, RFC 7162 §3.1.5).
    static func search(_ c: inout GrammarCursor) throws -> [UID] {
        var uids: [UID] = []
        c.skipSpaces()
        while !c.atEnd {
            if c.peek() == ASCII.lparen { _ = try c.value() } else { uids.append(UID(try c.number32("SEARCH"))) }
            c.skipSpaces()
        }
        return uids
    }

    /// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)`;
    /// `search-correlator = SP "(" "TAG" SP tag-string ")"`; `search-return-data = "MIN" SP nz-number /
    /// "MAX" SP nz-number / "ALL" SP sequence-set / "COUNT" SP number / modifier-name SP value` (RFC 4731 §3.1).
    static func esearch(_ c: inout GrammarCursor) throws -> ESearchResponse {
        var result = ESearchResponse()
        c.skipSpaces()
        if c.take(ASCII.lparen) {
            guard c.keyword() == "TAG" else { throw c.malformed("ESEARCH: TAG expected") }
            try c.space("ESEARCH")
            result.tag = String(decoding: try c.astring(), as: UTF8.self)
            c.skipSpaces()
            try c.expect(ASCII.rparen, "ESEARCH")
        }
        c.skipSpaces()
        while !c.atEnd {
            let name = c.keyword()
            guard !name.isEmpty else { throw c.malformed("ESEARCH: return data expected") }
            if name == "UID" { result.uid = true; c.skipSpaces(); continue }
            try c.space("ESEARCH")
            switch name {
            case "MIN": result.min = try c.number32("ESEARCH MIN")
            case "MAX": result.max = try c.number32("ESEARCH MAX")
            case "COUNT": result.count = try c.number32("ESEARCH COUNT")
            case "ALL":
                guard let set = UIDSet(wireBytes: c.liberalAtom()) else { throw c.malformed("ESEARCH: bad sequence-set") }
                result.all = set
            default: _ = try c.value()
            }
            c.skipSpaces()
        }
        return result
    }

    /// `id-response = "ID" SP id-params-list`; `id-params-list = "(" *(string SP nstring) ")" / nil`
    /// (RFC 2971 §4). Fields with a NIL value are left out.
    static func idParams(_ c: inout GrammarCursor) throws -> [String: String]? {
        try c.space("ID")
        if c.takeNil() { return nil }
        try c.expect(ASCII.lparen, "ID")
        var fields: [String: String] = [:]
        c.skipSpaces()
        while !c.take(ASCII.rparen) {
            guard !c.atEnd else { throw c.malformed("ID: unterminated list") }
            let key = try c.astring()
            try c.space("ID")
            if let value = try c.nstring() {
                fields[String(decoding: key, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
            }
            c.skipSpaces()
        }
        return fields
    }

    /// `expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids` (RFC 7162 §3.2.10).
    static func vanished(_ c: inout GrammarCursor) throws -> UntaggedResponse {
        try c.space("VANISHED")
        var earlier = false
        if c.take(ASCII.lparen) {
            guard c.keyword() == "EARLIER" else { throw c.malformed("VANISHED: EARLIER expected") }
            try c.expect(ASCII.rparen, "VANISHED")
            earlier = true
            try c.space("VANISHED")
        }
        guard let set = UIDSet(wireBytes: c.liberalAtom()) else { throw c.malformed("VANISHED: bad sequence-set") }
        return .vanished(earlier: earlier, set)
    }
}
