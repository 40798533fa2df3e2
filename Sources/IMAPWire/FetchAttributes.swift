import ArchiveModel

/// The attributes of one `* n FETCH (...)` response (RFC 9051 §7.5.2, RFC 7162 §3.1.4).
///
/// Only the attributes present in the response are set. Unsolicited FETCH responses (B19)
/// carry e.g. only FLAGS and MODSEQ: check `uid` and `body` before treating one as a result.
public struct FetchAttributes: Sendable, Equatable {
    /// `UID uniqueid`.
    public var uid: UID?
    /// `RFC822.SIZE number64`: the server's claim in bytes; the body literal length is authoritative (B14).
    public var rfc822Size: UInt64?
    /// `INTERNALDATE date-time`.
    public var internalDate: InternalDate?
    /// `FLAGS (...)`, flags as sent.
    public var flags: [String]?
    /// `MODSEQ (n)` (RFC 7162 §3.1.4.1).
    public var modSeq: UInt64?
    /// Every body-section attribute in response order (`BODY[...]`, `BINARY[...]`, `RFC822...`).
    public var bodies: [FetchBody]
    /// Other attributes by upper-cased name (e.g. `"ENVELOPE"`, `"X-GM-MSGID"`) as generic values.
    public var other: [String: IMAPValue]

    public init(uid: UID? = nil, rfc822Size: UInt64? = nil, internalDate: InternalDate? = nil,
                flags: [String]? = nil, modSeq: UInt64? = nil, bodies: [FetchBody] = [],
                other: [String: IMAPValue] = [:]) {
        self.uid = uid
        self.rfc822Size = rfc822Size
        self.internalDate = internalDate
        self.flags = flags
        self.modSeq = modSeq
        self.bodies = bodies
        self.other = other
    }

    /// The first body-section attribute: with one requested section, as coffer's
    /// `BODY.PEEK[]`, this is the message.
    public var body: FetchBody? { bodies.first }
}

/// One body-section attribute of a FETCH response:
/// `"BODY" section ["<" number ">"] SP nstring` / `"BINARY" section-binary SP (nstring / literal8)` /
/// `"RFC822" [".HEADER" / ".TEXT"] SP nstring` (RFC 9051 §7.5.2, RFC 3501 §7.4.2).
public struct FetchBody: Sendable, Equatable {
    /// How the section's content arrived.
    public enum Content: Sendable, Equatable {
        /// As a literal of `size` bytes, delivered through `bodyBegin` / `bodyBytes` / `bodyEnd`
        /// before this response. `{0}` gives `.streamed(size: 0)`: an empty body, not an absent one.
        case streamed(size: Int)
        /// `NIL`: the server has no such section (B28). Not an empty body.
        case `nil`
        /// Inline in the response text (a quoted string; some servers send short bodies so).
        case quoted([UInt8])
    }

    /// The attribute name upper-cased, without origin, e.g. `"BODY[]"`, `"BODY[HEADER]"`, `"RFC822"`.
    public var item: String
    /// The text between the brackets, e.g. `""` for `BODY[]`, `"HEADER"`; `""` for the RFC822 forms.
    public var section: String
    /// The `<origin>` octet offset of a partial fetch, if any.
    public var origin: UInt32?
    /// The section's content: streamed literal, NIL, or inline bytes.
    public var content: Content

    public init(item: String, section: String, origin: UInt32? = nil, content: Content) {
        self.item = item
        self.section = section
        self.origin = origin
        self.content = content
    }
}
