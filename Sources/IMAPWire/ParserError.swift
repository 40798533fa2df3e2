/// Why the response parser gave up on a byte stream.
///
/// Every case is fatal for the connection: the stream is desynchronised or hostile, and the
/// parser keeps throwing the same error on later `feed` calls. "Need more bytes" is never an
/// error. Descriptions never contain message content.
public enum ParserError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text of one response (literal contents excluded) exceeded `limit` bytes.
    case lineTooLong(limit: Int)
    /// A literal that must be buffered (not a message body) announced `size` bytes, or the
    /// buffered literals of one response reached `size` bytes, more than `limit`.
    case literalTooLarge(size: Int, limit: Int)
    /// The byte right after a literal's content was `found` instead of SP, `)` or CR: the
    /// announced octet count does not match the data (RFC 9051 §4.3; case B21).
    case literalNotFollowedByDelimiter(found: UInt8)
    /// The response text does not follow the grammar; the text names the rule, never content.
    case malformed(String)

    public var description: String {
        switch self {
        case .lineTooLong(let limit):
            return "IMAP response line longer than \(limit) bytes; the server stream is not usable"
        case .literalTooLarge(let size, let limit):
            return "IMAP literal of \(size) bytes exceeds the buffering limit of \(limit) bytes"
        case .literalNotFollowedByDelimiter(let found):
            return "IMAP literal octet count does not match the data (byte 0x\(String(found, radix: 16)) after it); "
                + "the connection is desynchronised"
        case .malformed(let rule):
            return "malformed IMAP response: \(rule)"
        }
    }
}
