import ArchiveModel

/// `response-data = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data / message-data /
/// capability-data / enable-data) CRLF` (RFC 9051 §7.2–7.5), plus the extensions coffer uses.
public enum UntaggedResponse: Sendable, Equatable {
    /// `* OK/NO/BAD/PREAUTH/BYE resp-text` (RFC 9051 §7.1).
    case condition(ResponseStatus, ResponseText)
    /// `* CAPABILITY ...` (§7.2.2), upper-cased.
    case capability([String])
    /// `* LIST ...` or `* LSUB ...` (§7.3.1).
    case list(ListEntry)
    /// `* STATUS mailbox (name value ...)` (§7.3.4); names upper-cased, e.g. `"UIDNEXT"`.
    case status(MailboxName, [String: UInt64])
    /// `* SEARCH n ...` (RFC 3501 §7.2.5): UIDs after UID SEARCH, sequence numbers otherwise.
    case search([UID])
    /// `* ESEARCH ...` (RFC 4731 §3.1).
    case esearch(ESearchResponse)
    /// `* FLAGS (...)` (§7.3.5), flags as sent.
    case flags([String])
    /// `* n EXISTS` (§7.4.1).
    case exists(UInt32)
    /// `* n RECENT` (RFC 3501 §7.3.2).
    case recent(UInt32)
    /// `* n EXPUNGE` (§7.5.1).
    case expunge(SequenceNumber)
    /// `* n FETCH (...)` (§7.5.2).
    case fetch(SequenceNumber, FetchAttributes)
    /// `* ENABLED ...` (RFC 5161 §3.2), upper-cased.
    case enabled([String])
    /// `* ID (...)` or `* ID NIL` (RFC 2971 §3.2); fields whose value is NIL are left out.
    case id([String: String]?)
    /// `* VANISHED [(EARLIER)] known-uids` (RFC 7162 §3.2.10).
    case vanished(earlier: Bool, UIDSet)
    /// Any other response: its upper-cased keyword and the whole response as received,
    /// without the final CRLF (literal contents included after their `{n}` CRLF header).
    case other(keyword: String, raw: [UInt8])
}

/// One `* LIST` / `* LSUB` entry (RFC 9051 §7.3.1):
/// `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox [SP mbox-list-extended]`.
public struct ListEntry: Sendable, Equatable {
    /// Name attributes as sent, e.g. `\HasNoChildren`, `\Noselect`, `\Sent`.
    public var attributes: [String]
    /// The hierarchy delimiter byte, nil for `NIL` (a flat namespace).
    public var delimiter: UInt8?
    /// The name as sent: atom, quoted string with `\\` and `\"` unescaped, or literal bytes.
    public var name: MailboxName
    /// `mbox-list-extended` items (RFC 5258), e.g. CHILDINFO, as generic values.
    public var extended: [IMAPValue]

    public init(attributes: [String], delimiter: UInt8?, name: MailboxName, extended: [IMAPValue] = []) {
        self.attributes = attributes
        self.delimiter = delimiter
        self.name = name
        self.extended = extended
    }
}

/// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)` (RFC 4731 §3.1).
public struct ESearchResponse: Sendable, Equatable {
    /// The tag of the command this answers (`(TAG "a1")`), if given.
    public var tag: String?
    /// Whether the numbers are UIDs (`UID` present) rather than sequence numbers.
    public var uid: Bool
    /// `ALL sequence-set`; nil when not returned (no match, or not requested).
    public var all: UIDSet?
    /// `COUNT n`: the number of matches.
    public var count: UInt32?
    /// `MIN n`: the lowest match.
    public var min: UInt32?
    /// `MAX n`: the highest match.
    public var max: UInt32?

    public init(tag: String? = nil, uid: Bool = false, all: UIDSet? = nil,
                count: UInt32? = nil, min: UInt32? = nil, max: UInt32? = nil) {
        self.tag = tag
        self.uid = uid
        self.all = all
        self.count = count
        self.min = min
        self.max = max
    }

    /// The numbers of `ALL`, ascending (empty when absent).
    public var uids: [UID] { all.map { Array($0) } ?? [] }
}

/// A generic IMAP value, for attributes coffer does not interpret (ENVELOPE, BODYSTRUCTURE,
/// X-GM-LABELS, LIST extensions): `value = nil / number / atom / string / "(" [value *(SP value)] ")"`.
public indirect enum IMAPValue: Sendable, Equatable {
    /// `NIL`.
    case `nil`
    /// A run of digits that fits 64 bits.
    case number(UInt64)
    /// An atom as sent (may contain a bracketed section, e.g. `BODY[1]`).
    case atom(String)
    /// A quoted string (unescaped) or a literal.
    case string([UInt8])
    /// A parenthesized list.
    case list([IMAPValue])
}
