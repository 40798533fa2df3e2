/// What the index keeps about one message for `coffer ls` filters and full-text search.
///
/// Built from the first bytes of a blob (the caller bounds the window; B36), never from anything
/// else, so the same bytes always give the same summary. Every field is optional: messages without
/// Message-ID or Date exist (B32) and are summarised as far as they go.
public struct MessageSummary: Sendable, Equatable {
    /// The Message-ID field as written, trimmed (angle brackets included when present).
    public var messageID: String?
    /// The Date field in seconds since 1970-01-01T00:00:00Z.
    public var date: Int64?
    /// Decoded From, To, Cc, Bcc and Subject (RFC 2047 words and charsets undone).
    public var from: String?
    public var to: String?
    public var cc: String?
    public var bcc: String?
    public var subject: String?
    /// The first text/plain part, decoded, at most ``Limits/text`` characters.
    public var text: String?

    public init() {}

    /// Caps that keep one pathological message (B36: 17 kB single header lines) from bloating the index.
    public enum Limits {
        /// Unicode scalars kept of From and Subject.
        public static let field = 2_000
        /// Unicode scalars kept of To, Cc and Bcc each (long recipient lists are common).
        public static let recipients = 32_000
        /// Unicode scalars kept of the first text part.
        public static let text = 16_384
    }

    /// Summarises a message from its first bytes (or all of them).
    public static func extract(from bytes: [UInt8]) -> MessageSummary {
        let headers = HeaderSection.parse(bytes)
        var s = MessageSummary()
        s.messageID = headers.first("message-id").map { Charset.decode($0.value, charset: nil) }.flatMap(nonEmpty)
            .map { $0.prefixScalars(Limits.field) }
        s.date = headers.first("date").flatMap { MessageDate.parse(Charset.decode($0.value, charset: nil)) }
        s.from = decoded(headers, "from", limit: Limits.field, firstOnly: true)
        s.to = decoded(headers, "to", limit: Limits.recipients)
        s.cc = decoded(headers, "cc", limit: Limits.recipients)
        s.bcc = decoded(headers, "bcc", limit: Limits.recipients)
        s.subject = decoded(headers, "subject", limit: Limits.field, firstOnly: true)
        if headers.isComplete {
            s.text = TextPart.first(in: bytes, headers: headers, limit: Limits.text).flatMap { nonEmpty($0) == nil ? nil : $0 }
        }
        return s
    }

    /// The first field of that name, or every one joined with ", " (several To lines happen), decoded and capped.
    static func decoded(_ headers: HeaderSection, _ name: String, limit: Int, firstOnly: Bool = false) -> String? {
        let fields = firstOnly ? headers.first(name).map { [$0] } ?? [] : headers.all(name)
        let values = fields.map { HeaderText.decode($0.value) }.compactMap(nonEmpty)
        guard !values.isEmpty else { return nil }
        return values.joined(separator: ", ").prefixScalars(limit)
    }

    static func nonEmpty(_ s: String) -> String? {
        let t = s.trimmingASCIIWhitespace()
        return t.isEmpty ? nil : t
    }
}

extension String {
    /// The first `n` Unicode scalars (a CR LF pair counts as two, as in most other languages).
    func prefixScalars(_ n: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: unicodeScalars.prefix(n))
        return String(view)
    }
}
