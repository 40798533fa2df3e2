import ArchiveModel

extension GrammarParser {
    /// `resp-text-code = "ALERT" / "BADCHARSET" [SP "(" charset *(SP charset) ")"] /
    /// capability-data / "PARSE" / "PERMANENTFLAGS" SP "(" [flag-perm *(SP flag-perm)] ")" /
    /// "READ-ONLY" / "READ-WRITE" / "TRYCREATE" / "UIDNEXT" SP nz-number /
    /// "UIDVALIDITY" SP nz-number / "UNSEEN" SP nz-number / atom [SP 1*<any TEXT-CHAR except "]">]`
    /// (RFC 9051 §7.1, RFC 3501 §7.1); `"HIGHESTMODSEQ" SP mod-sequence-value / "NOMODSEQ"`
    /// (RFC 7162 §7); `"AUTHENTICATIONFAILED" / "UNAVAILABLE"` (RFC 5530).
    ///
    /// `c` spans the text between the brackets. A known code whose argument does not parse
    /// becomes `.other`, never an error.
    static func responseCode(_ c: inout GrammarCursor) -> ResponseCode {
        let name = c.keyword()
        let start = c.pos
        if let known = try? knownCode(name, &c) {
            c.skipSpaces()
            if c.atEnd { return known }
        }
        c.pos = start
        c.skipSpaces()
        let rest = c.rest()
        return .other(name: name, text: rest.isEmpty ? nil : String(decoding: rest, as: UTF8.self))
    }

    private static func knownCode(_ name: String, _ c: inout GrammarCursor) throws -> ResponseCode? {
        switch name {
        case "ALERT": return .alert
        case "READ-ONLY": return .readOnly
        case "READ-WRITE": return .readWrite
        case "TRYCREATE": return .tryCreate
        case "NOMODSEQ": return .noModSeq
        case "AUTHENTICATIONFAILED": return .authenticationFailed
        case "UNAVAILABLE": return .unavailable
        case "CAPABILITY": return .capability(c.atomsToEnd())
        case "PERMANENTFLAGS":
            try c.space("PERMANENTFLAGS")
            return .permanentFlags(try c.flagList("PERMANENTFLAGS"))
        case "UIDVALIDITY":
            try c.space("UIDVALIDITY")
            return .uidValidity(UIDValidity(try c.number32("UIDVALIDITY")))
        case "UIDNEXT":
            try c.space("UIDNEXT")
            return .uidNext(UID(try c.number32("UIDNEXT")))
        case "UNSEEN":
            try c.space("UNSEEN")
            return .unseen(try c.number32("UNSEEN"))
        case "HIGHESTMODSEQ":
            try c.space("HIGHESTMODSEQ")
            return .highestModSeq(try c.number64("HIGHESTMODSEQ"))
        default: return nil
        }
    }
}
