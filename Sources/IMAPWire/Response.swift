import ArchiveModel

/// One complete server response (RFC 9051 §7): `response = *(continue-req / response-data) response-done`.
public enum Response: Sendable, Equatable {
    /// `tag SP resp-cond-state`: the end of one command.
    case tagged(TaggedResponse)
    /// `"*" SP ...`: data or status not tied to a tag.
    case untagged(UntaggedResponse)
    /// `"+" ...`: the server waits for the rest of a command (a literal, SASL data).
    case continuation(ContinuationRequest)
}

/// The status word of a condition response (RFC 9051 §7.1).
public enum ResponseStatus: String, Sendable, Equatable, CaseIterable {
    case ok = "OK", no = "NO", bad = "BAD", preauth = "PREAUTH", bye = "BYE"

    /// The status word as on the wire, e.g. `"NO"`.
    public var name: String { rawValue }
}

/// `response-tagged = tag SP resp-cond-state CRLF` (RFC 9051 §7.1): the completion of a command.
public struct TaggedResponse: Sendable, Equatable {
    /// The command tag, exactly as sent by the server.
    public var tag: String
    /// `.ok`, `.no` or `.bad` (the parser never produces the others for a tagged response).
    public var status: ResponseStatus
    /// The optional response code and the human-readable text.
    public var text: ResponseText

    public init(tag: String, status: ResponseStatus, text: ResponseText) {
        self.tag = tag
        self.status = status
        self.text = text
    }
}

/// `continue-req = "+" [SP (resp-text / base64)] CRLF` (RFC 9051 §7.5).
///
/// The text is kept as sent; during SASL it is base64 (see ``decodedBase64``).
public struct ContinuationRequest: Sendable, Equatable {
    /// The text after `+ `, possibly empty, with a response code when it starts with `[`.
    public var text: ResponseText

    public init(text: ResponseText) { self.text = text }

    /// The text decoded as base64 (SASL server challenge), or nil when it is not base64.
    public var decodedBase64: [UInt8]? { base64Decode(text.text) }
}

/// `resp-text = ["[" resp-text-code "]" SP] [text]` (RFC 9051 §7.1).
public struct ResponseText: Sendable, Equatable {
    /// The bracketed response code, if any.
    public var code: ResponseCode?
    /// The human-readable text (UTF-8, invalid bytes replaced); empty when absent.
    public var text: String

    public init(code: ResponseCode? = nil, text: String) {
        self.code = code
        self.text = text
    }
}

/// `resp-text-code` (RFC 9051 §7.1, RFC 7162 §3.1, RFC 5530): machine-readable status detail.
public enum ResponseCode: Sendable, Equatable {
    /// `UIDVALIDITY n`: the mailbox's UID generation.
    case uidValidity(UIDValidity)
    /// `UIDNEXT n`: the UID the next message will get (at least).
    case uidNext(UID)
    /// `UNSEEN n` (RFC 3501): sequence number of the first unseen message.
    case unseen(UInt32)
    /// `HIGHESTMODSEQ n` (RFC 7162 §3.1.2.1).
    case highestModSeq(UInt64)
    /// `NOMODSEQ` (RFC 7162 §3.1.2.2).
    case noModSeq
    /// Capabilities announced in a code, upper-cased.
    case capability([String])
    /// Flags as sent, including `\*`.
    case permanentFlags([String])
    /// `READ-ONLY`: the mailbox was opened read-only (EXAMINE).
    case readOnly
    /// `READ-WRITE`.
    case readWrite
    /// `ALERT`: the text must be shown to the user.
    case alert
    /// `AUTHENTICATIONFAILED` (RFC 5530).
    case authenticationFailed
    /// `UNAVAILABLE` (RFC 5530): a temporary failure; try later.
    case unavailable
    /// `TRYCREATE`: the target mailbox does not exist.
    case tryCreate
    /// Any other code: its upper-cased name and the rest up to `]`, if any. Also used when a
    /// known code's argument does not parse (liberal in what we accept).
    case other(name: String, text: String?)
}
