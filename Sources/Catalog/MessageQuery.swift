import ArchiveModel

/// A selection of archived messages for `ls` and `export`: the index filters of ``MessageFilter``
/// plus filters on the header index. Every filter given must match; nil or empty filters match all.
public struct MessageQuery: Sendable {
    /// Account, mailbox, UID, UIDVALIDITY and exact blob.
    public var base = MessageFilter()
    /// Case-insensitive substring of the decoded From.
    public var from: String?
    /// Case-insensitive substring of the decoded To, Cc or Bcc.
    public var to: String?
    /// Case-insensitive substring of the decoded Subject.
    public var subject: String?
    /// The Message-ID, with or without angle brackets.
    public var messageID: String?
    /// Date header (INTERNALDATE when there is none) at or after this UTC second.
    public var since: Int64?
    /// Date header (INTERNALDATE when there is none) before this UTC second.
    public var before: Int64?
    /// Words that must all occur (as whole tokens, or as prefixes when written `word*`) in From,
    /// To/Cc/Bcc, Subject or the first text part.
    public var text: String?
    /// The first hex digits of the blob ID.
    public var blobPrefix: String?

    public init() {}

    /// True when a filter needs the header index.
    public var usesHeaders: Bool {
        from != nil || to != nil || subject != nil || messageID != nil || since != nil || before != nil || text != nil
    }

    /// The `--text` words as an FTS5 query: each word a quoted string (so punctuation cannot be
    /// taken for query syntax), all required; a trailing `*` keeps prefix matching. Nil when empty.
    public static func ftsQuery(_ text: String) -> String? {
        let words = text.split(whereSeparator: { $0.isWhitespace }).compactMap { word -> String? in
            let prefix = word.hasSuffix("*")
            let body = prefix ? word.dropLast() : word[...]
            guard !body.isEmpty else { return nil }
            return "\"" + body.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + (prefix ? "*" : "")
        }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }
}
