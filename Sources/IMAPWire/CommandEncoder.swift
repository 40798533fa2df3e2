import ArchiveModel

/// Encodes commands as `tag SP command CRLF` (RFC 9051 §2.2.1, §9), with strings as atom,
/// quoted string or literal as their bytes require.
///
/// With a synchronizing literal `{n}` the command is cut after each literal header: the
/// client sends the first piece, and each further piece only after a `+` continuation
/// request. With LITERAL+ (RFC 7888) literals are `{n+}` and the command is one piece.
///
/// ```swift
/// let pieces = CommandEncoder(literalPlus: false).encode(tag: "a1", .examine(MailboxName(wire: "Legal\"2019")))
/// // [Array("a1 EXAMINE \"Legal\\\"2019\"\r\n".utf8)]
/// ```
public struct CommandEncoder: Sendable {
    /// Whether `{n+}` non-synchronizing literals may be used (LITERAL+ or LITERAL-).
    public let literalPlus: Bool
    /// The largest literal sent non-synchronizing: `.max` for LITERAL+, 4096 for LITERAL- (RFC 7888 §4).
    public let maxNonSynchronizingLiteral: Int

    public init(literalPlus: Bool, maxNonSynchronizingLiteral: Int = .max) {
        self.literalPlus = literalPlus
        self.maxNonSynchronizingLiteral = maxNonSynchronizingLiteral
    }

    /// Encodes `tag SP command CRLF`. `tag` is a raw atom.
    /// - Returns: the pieces to send; every piece after the first waits for a `+` continuation.
    public func encode(tag: String, _ command: Command) -> [[UInt8]] {
        var w = CommandWriter(encoder: self)
        w.raw(tag)
        w.sp()
        write(command, to: &w)
        return w.finish()
    }

    private func write(_ command: Command, to w: inout CommandWriter) {
        switch command {
        case .capability, .noop, .logout, .starttls, .unselect:
            w.raw(command.name)
        case .id(let fields):
            w.raw("ID ")
            guard !fields.isEmpty else { return w.raw("NIL") }
            w.list(fields.flatMap { [$0.0, $0.1] }) { w, field in w.string(Array(field.utf8)) }
        case .login(let user, let password):
            w.raw("LOGIN ")
            w.astring(Array(user.utf8))
            w.sp()
            w.astring(Array(password.utf8))
        case .authenticate(let mechanism, let initialResponse):
            w.raw("AUTHENTICATE " + mechanism)
            if let initialResponse { w.raw(" " + (initialResponse.isEmpty ? "=" : base64Encode(initialResponse))) }
        case .list(let reference, let pattern):
            writeList(reference: reference, pattern: pattern, to: &w)
        case .listStatus(let reference, let pattern, let items):
            writeList(reference: reference, pattern: pattern, to: &w)
            w.raw(" RETURN (STATUS ")
            w.list(items) { w, item in w.raw(item) }
            w.raw(")")
        case .status(let mailbox, let items):
            w.raw("STATUS ")
            w.astring(mailbox.wire)
            w.sp()
            w.list(items) { w, item in w.raw(item) }
        case .examine(let mailbox), .select(let mailbox):
            w.raw(command.name + " ")
            w.astring(mailbox.wire)
        case .uidSearch(let criteria):
            w.raw("UID SEARCH " + criteria)
        case .uidFetch(let set, let items):
            w.raw("UID FETCH " + set.wire + " ")
            w.list(items) { w, item in w.raw(item) }
        case .uidFetchChangedSince(let set, let items, let modseq):
            w.raw("UID FETCH " + set.wire + " ")
            w.list(items) { w, item in w.raw(item) }
            w.raw(" (CHANGEDSINCE \(modseq))")
        case .enable(let capabilities):
            w.raw("ENABLE " + capabilities.joined(separator: " "))
        }
    }

    /// `list = "LIST" SP mailbox SP mbox-or-pat`; `list-mailbox = 1*list-char / string`.
    private func writeList(reference: MailboxName, pattern: String, to w: inout CommandWriter) {
        w.raw("LIST ")
        w.astring(reference.wire)
        w.sp()
        w.listMailbox(Array(pattern.utf8))
    }
}
