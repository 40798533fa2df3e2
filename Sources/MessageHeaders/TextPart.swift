/// Finds the first `text/plain` part of a message (RFC 2045, RFC 2046 §5.1) and decodes it.
///
/// Walks multipart bodies depth first, skipping parts marked `Content-Disposition: attachment` and
/// not descending into `message/rfc822`. A message without `Content-Type` (or with one that does
/// not parse) is `text/plain` (RFC 2045 §5.2). The transfer encoding (base64, quoted-printable) and
/// the charset are undone; the bytes may be cut short (the caller reads a bounded window), so the
/// last part may be incomplete.
public enum TextPart {
    /// Deepest multipart nesting followed.
    static let maxDepth = 8

    /// The text of the first text/plain part, at most `limit` Unicode scalars; nil when there is none.
    public static func first(in bytes: [UInt8], headers: HeaderSection, limit: Int) -> String? {
        find(bytes, headers, body: headers.bodyStart..<bytes.count, depth: 0, defaultType: .default, limit: limit)
    }

    /// Depth first through multipart and message/rfc822 entities (the parts of multipart/digest
    /// default to message/rfc822, RFC 2046 §5.1.5).
    static func find(_ bytes: [UInt8], _ headers: HeaderSection, body: Range<Int>, depth: Int,
                     defaultType: ContentType, limit: Int) -> String? {
        let type = contentType(headers, default: defaultType)
        if type.type == "multipart" {
            guard depth < maxDepth, let boundary = type.parameters["boundary"], !boundary.isEmpty else { return nil }
            let partDefault = type.subtype == "digest" ? ContentType(type: "message", subtype: "rfc822", parameters: [:]) : .default
            for part in parts(bytes, body, boundary: Array(boundary.utf8)) {
                let partHeaders = HeaderSection.parse(bytes, in: part)
                let partBody = min(partHeaders.bodyStart, part.upperBound)..<part.upperBound
                if let text = find(bytes, partHeaders, body: partBody, depth: depth + 1, defaultType: partDefault, limit: limit) {
                    return text
                }
            }
            return nil
        }
        if type.mimeType == "message/rfc822" {
            guard depth < maxDepth else { return nil }
            let inner = HeaderSection.parse(bytes, in: body)
            let innerBody = min(inner.bodyStart, body.upperBound)..<body.upperBound
            return find(bytes, inner, body: innerBody, depth: depth + 1, defaultType: .default, limit: limit)
        }
        guard type.type == "text", type.subtype == "plain" else { return nil }
        if depth > 0, let disposition = headers.first("content-disposition"),
           ContentType(Charset.decode(disposition.value, charset: nil), disposition: true)?.type == "attachment" {
            return nil
        }
        let decoded = decodeTransfer(Array(bytes[body]), headers)
        return Charset.decode(decoded, charset: type.parameters["charset"]).prefixScalars(limit)
    }

    static func contentType(_ headers: HeaderSection, default fallback: ContentType) -> ContentType {
        guard let field = headers.first("content-type") else { return fallback }
        return ContentType(Charset.decode(field.value, charset: nil)) ?? .default
    }

    static func decodeTransfer(_ body: [UInt8], _ headers: HeaderSection) -> [UInt8] {
        let encoding = headers.first("content-transfer-encoding").map {
            String(decoding: $0.value, as: UTF8.self).trimmingASCIIWhitespace().lowercased()
        }
        switch encoding {
        case "base64": return TransferDecoding.base64(body)
        case "quoted-printable": return TransferDecoding.quotedPrintable(body)
        default: return body
        }
    }

    /// The byte ranges of the body parts between `--boundary` delimiter lines (RFC 2046 §5.1.1).
    ///
    /// The line break before a delimiter belongs to the delimiter; the preamble and epilogue are
    /// skipped. A part the bytes end inside runs to the end.
    static func parts(_ bytes: [UInt8], _ body: Range<Int>, boundary: [UInt8]) -> [Range<Int>] {
        let delimiter = [UInt8(ascii: "-"), UInt8(ascii: "-")] + boundary
        var lines = LineCursor(bytes: bytes, range: body)
        var result: [Range<Int>] = []
        var partStart: Int?
        var previousContentEnd = body.lowerBound
        while let line = lines.next() {
            let content = bytes[line.content]
            if content.starts(with: delimiter) {
                let rest = content.dropFirst(delimiter.count)
                let closing = rest.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")])
                if closing || rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                    if let start = partStart { result.append(start..<max(start, previousContentEnd)) }
                    if closing { return result }
                    partStart = line.next
                }
            }
            previousContentEnd = line.content.upperBound
        }
        if let start = partStart, start < body.upperBound { result.append(start..<body.upperBound) }
        return result
    }
}
