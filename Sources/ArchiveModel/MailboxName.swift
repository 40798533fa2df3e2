/// An IMAP mailbox name: the wire form is the key, the display form is for people.
///
/// The wire form is kept exactly as the server sent it (modified UTF-7, RFC 3501 §5.1.3,
/// or UTF-8 under UTF8=ACCEPT). The display form decodes modified UTF-7 where the wire
/// form is valid modified UTF-7, and is the wire form otherwise.
public struct MailboxName: Hashable, Sendable, CustomStringConvertible {
    /// The exact bytes of the name on the wire.
    public let wire: [UInt8]

    public init(wire: [UInt8]) { self.wire = wire }
    public init(wire: String) { self.wire = Array(wire.utf8) }

    /// The wire name as text (UTF-8 decoding; modified UTF-7 is ASCII).
    public var wireString: String { String(decoding: wire, as: UTF8.self) }

    /// The name as users see it: modified UTF-7 decoded.
    public var display: String { ModifiedUTF7.decode(wire) ?? wireString }

    /// Whether this is the INBOX, which IMAP treats case-insensitively.
    public var isInbox: Bool { wireString.uppercased() == "INBOX" }

    public var description: String { display }
}
