/// One thing the response parser recognised in the byte stream, in stream order.
///
/// A message-body literal of a FETCH response (RFC 9051 §7.5.2: `BODY[<section>]<origin>`,
/// `BINARY[<section>]`, `RFC822`, `RFC822.HEADER`, `RFC822.TEXT`) is not buffered: it arrives as
/// `bodyBegin`, zero or more `bodyBytes`, `bodyEnd`, and only then — when the response line
/// ends — the `.response(.untagged(.fetch(...)))` carrying the other attributes, where the
/// body appears as ``FetchBody/Content/streamed(size:)``.
public enum ParserEvent {
    /// A complete response: tagged, untagged or continuation request.
    case response(Response)
    /// A message-body literal of `size` bytes starts (size as announced by `{size}`).
    case bodyBegin(size: Int)
    /// The next bytes of the current body literal. Valid only during the callback; where
    /// possible a slice of the buffer given to `feed`, never copied.
    case bodyBytes(UnsafeRawBufferPointer)
    /// The body literal is complete and the byte after it was a valid delimiter (SP, `)` or
    /// CR), so the octet count is trustworthy. Not sent when the count was wrong (B21).
    case bodyEnd
}
