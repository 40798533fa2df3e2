import ArchiveModel

/// The commands coffer sends (RFC 9051 §6 and the named extensions).
///
/// Names and credentials are encoded by ``CommandEncoder`` as atom, quoted string or literal,
/// never interpolated. Parameters documented as *raw atoms* (search criteria, fetch items,
/// status items, capabilities, SASL mechanism) are written as given and must come from code,
/// not from users or servers; a CR, LF or NUL in them is a programming error.
public enum Command: Sendable {
    /// `CAPABILITY` (§6.1.1).
    case capability
    /// `NOOP` (§6.1.2).
    case noop
    /// `LOGOUT` (§6.1.3).
    case logout
    /// `STARTTLS` (§6.2.1).
    case starttls
    /// `ID (...)` (RFC 2971); an empty list sends `ID NIL`.
    case id([(String, String)])
    /// `LOGIN user password` (§6.2.3).
    case login(user: String, password: String)
    /// `AUTHENTICATE mechanism [initial-response]` (§6.2.2, SASL-IR RFC 4959): the initial
    /// response is sent base64-encoded, an empty one as `=`; nil sends none.
    case authenticate(mechanism: String, initialResponse: [UInt8]?)
    /// `LIST reference pattern` (§6.3.9); `pattern` in wire form, `*` and `%` are wildcards.
    case list(reference: MailboxName, pattern: String)
    /// `LIST reference pattern RETURN (STATUS (items))` (RFC 5819); items are raw atoms.
    case listStatus(reference: MailboxName, pattern: String, items: [String])
    /// `STATUS mailbox (items)` (§6.3.11); items are raw atoms, e.g. `["UIDNEXT", "MESSAGES"]`.
    case status(MailboxName, [String])
    /// `EXAMINE mailbox` (§6.3.3): open read-only.
    case examine(MailboxName)
    /// `SELECT mailbox` (§6.3.2).
    case select(MailboxName)
    /// `UNSELECT` (RFC 3691): close the mailbox without expunging.
    case unselect
    /// `UID SEARCH criteria` (§6.4.4); criteria are raw atoms, e.g. `"ALL"`, `"UID 5:*"`.
    case uidSearch(String)
    /// `UID FETCH set (items)` (§6.4.5); items are raw atoms, e.g. `["UID", "BODY.PEEK[]"]`.
    /// The set must not be empty.
    case uidFetch(UIDSet, [String])
    /// `UID FETCH set (items) (CHANGEDSINCE modseq)` (RFC 7162 §3.1.4.1): only messages whose
    /// metadata changed after `modseq`.
    case uidFetchChangedSince(UIDSet, [String], UInt64)
    /// `ENABLE capabilities` (RFC 5161); raw atoms, e.g. `["CONDSTORE"]`.
    case enable([String])

    /// The command word(s) for logs and errors, e.g. `"UID FETCH"`; never arguments.
    public var name: String {
        switch self {
        case .capability: return "CAPABILITY"
        case .noop: return "NOOP"
        case .logout: return "LOGOUT"
        case .starttls: return "STARTTLS"
        case .id: return "ID"
        case .login: return "LOGIN"
        case .authenticate: return "AUTHENTICATE"
        case .list, .listStatus: return "LIST"
        case .status: return "STATUS"
        case .examine: return "EXAMINE"
        case .select: return "SELECT"
        case .unselect: return "UNSELECT"
        case .uidSearch: return "UID SEARCH"
        case .uidFetch, .uidFetchChangedSince: return "UID FETCH"
        case .enable: return "ENABLE"
        }
    }
}
