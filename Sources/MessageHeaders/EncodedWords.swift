/// Decodes header text holding RFC 2047 encoded words into a string.
///
/// `encoded-word = "=?" charset ["*" language] "?" encoding "?" encoded-text "?="` (RFC 2047 §2,
/// RFC 2231 §5), with `B` (base64) and `Q` (quoted-printable, `_` for space) encodings (§4).
/// Whitespace between two encoded words is dropped (§6.2); adjacent encoded words in the same
/// charset are joined before decoding, so a multi-byte character split across two words (common in
/// the wild) survives. Tolerant beyond the RFC, as mail readers are: encoded words inside quoted
/// strings or touching other text are decoded, padding may be missing. Text outside encoded words
/// is UTF-8 when valid and Latin-1 otherwise (raw 8-bit headers, B34).
///
/// ```swift
/// HeaderText.decode(Array("=?ISO-8859-1?Q?Andr=E9?= Pirard".utf8))   // "André Pirard"
/// ```
public enum HeaderText {
    /// Decodes a raw header value (already unfolded).
    public static func decode(_ raw: [UInt8]) -> String {
        var out = ""
        var literal: [UInt8] = []
        var pending: (charset: String, bytes: [UInt8])?
        var i = 0
        func flushPending() {
            if let p = pending { out += Charset.decode(p.bytes, charset: p.charset) }
            pending = nil
        }
        while i < raw.count {
            if raw[i] == UInt8(ascii: "="), let word = EncodedWord.parse(raw, at: i) {
                let gapIsWhitespace = literal.allSatisfy { $0 == 0x20 || $0 == 0x09 }
                if pending != nil && gapIsWhitespace {
                    literal.removeAll()
                } else {
                    flushPending()
                    out += Charset.decode(literal, charset: nil)
                    literal.removeAll()
                }
                if let p = pending, p.charset.lowercased() == word.charset.lowercased() {
                    pending!.bytes += word.bytes
                } else {
                    flushPending()
                    pending = (word.charset, word.bytes)
                }
                i = word.end
                continue
            }
            literal.append(raw[i])
            i += 1
        }
        flushPending()
        out += Charset.decode(literal, charset: nil)
        return out
    }
}

/// One encoded word found in header bytes.
struct EncodedWord {
    /// The charset name without a language suffix.
    let charset: String
    /// The decoded octets, still in `charset`.
    let bytes: [UInt8]
    /// Index just after the closing `?=`.
    let end: Int

    /// Parses the encoded word starting at `start` (which holds `=`), or returns nil.
    static func parse(_ raw: [UInt8], at start: Int) -> EncodedWord? {
        guard start + 1 < raw.count, raw[start + 1] == UInt8(ascii: "?") else { return nil }
        var i = start + 2
        let charsetStart = i
        while i < raw.count, raw[i] != UInt8(ascii: "?"), raw[i] > 0x20, raw[i] < 0x7F { i += 1 }
        guard i + 2 < raw.count, raw[i] == UInt8(ascii: "?"), i > charsetStart else { return nil }
        var charset = String(decoding: raw[charsetStart..<i], as: UTF8.self)
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }
        let kind = raw[i + 1] | 0x20
        guard kind == UInt8(ascii: "b") || kind == UInt8(ascii: "q"), raw[i + 2] == UInt8(ascii: "?") else { return nil }
        let textStart = i + 3
        var j = textStart
        while j + 1 < raw.count, !(raw[j] == UInt8(ascii: "?") && raw[j + 1] == UInt8(ascii: "=")) { j += 1 }
        guard j + 1 < raw.count else { return nil }
        let text = Array(raw[textStart..<j])
        let bytes = kind == UInt8(ascii: "b") ? TransferDecoding.base64(text) : TransferDecoding.qEncoding(text)
        return EncodedWord(charset: charset, bytes: bytes, end: j + 2)
    }
}
