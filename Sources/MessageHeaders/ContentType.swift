/// A parsed `Content-Type` (RFC 2045 §5.1) or `Content-Disposition` (RFC 2183) value.
///
/// `type "/" subtype *(";" parameter)`; names are lower-cased, quoted values unquoted. RFC 2231
/// extended values (`name*=charset'lang'%XX…`) are decoded for `charset`-like single parameters;
/// continuations (`name*0=`) are joined.
public struct ContentType: Sendable, Equatable {
    /// `text`, `multipart`, … (lower case); for a disposition, the disposition type.
    public var type: String
    /// `plain`, `mixed`, … (lower case); empty for a disposition.
    public var subtype: String
    /// Parameters by lower-cased name.
    public var parameters: [String: String]

    /// `text/plain; charset=us-ascii`, the default of RFC 2045 §5.2.
    public static let `default` = ContentType(type: "text", subtype: "plain", parameters: [:])

    public init(type: String, subtype: String, parameters: [String: String]) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    /// Parses a header value; nil when there is no `type/subtype` (or, with `disposition`, no type).
    public init?(_ text: String, disposition: Bool = false) {
        var parts = ContentType.splitParameters(text)
        guard !parts.isEmpty else { return nil }
        let head = parts.removeFirst().trimmingASCIIWhitespace().lowercased()
        if disposition {
            guard !head.isEmpty else { return nil }
            type = head
            subtype = ""
        } else {
            let pieces = head.split(separator: "/", maxSplits: 1).map { $0.trimmingASCIIWhitespace() }
            guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else { return nil }
            type = pieces[0]
            subtype = pieces[1]
        }
        parameters = ContentType.parameters(parts)
    }

    /// `type/subtype`.
    public var mimeType: String { "\(type)/\(subtype)" }

    /// Splits on `;` outside quoted strings.
    static func splitParameters(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false, escaped = false
        for c in text {
            if escaped { current.append(c); escaped = false; continue }
            if c == "\\" && quoted { escaped = true; current.append(c); continue }
            if c == "\"" { quoted.toggle() }
            if c == ";" && !quoted { out.append(current); current = ""; continue }
            current.append(c)
        }
        out.append(current)
        return out
    }

    static func parameters(_ parts: [String]) -> [String: String] {
        var plain: [String: String] = [:]
        var continued: [String: [(Int, String, Bool)]] = [:]
        for part in parts {
            guard let eq = part.firstIndex(of: "=") else { continue }
            let name = part[..<eq].trimmingASCIIWhitespace().lowercased()
            let value = unquote(part[part.index(after: eq)...].trimmingASCIIWhitespace())
            guard !name.isEmpty else { continue }
            let extended = name.hasSuffix("*")
            let bare = extended ? String(name.dropLast()) : name
            if let star = bare.firstIndex(of: "*"), let n = Int(bare[bare.index(after: star)...]) {
                continued[String(bare[..<star]), default: []].append((n, value, extended))
            } else if extended {
                plain[bare] = decode2231(value, first: true)
            } else if plain[bare] == nil {
                plain[bare] = value
            }
        }
        for (name, pieces) in continued where plain[name] == nil {
            plain[name] = pieces.sorted { $0.0 < $1.0 }.enumerated()
                .map { $1.2 ? decode2231($1.1, first: $0 == 0) : $1.1 }.joined()
        }
        return plain
    }

    /// `charset'lang'%XX…` (RFC 2231 §4); only the first segment carries the charset.
    static func decode2231(_ value: String, first: Bool) -> String {
        var charset: String?
        var encoded = Substring(value)
        if first {
            let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
            if pieces.count == 3 { charset = String(pieces[0]); encoded = pieces[2] }
        }
        let bytes = TransferDecoding.quotedPrintable(Array(encoded.utf8).map { $0 == UInt8(ascii: "%") ? UInt8(ascii: "=") : $0 })
        return Charset.decode(bytes, charset: charset?.isEmpty == false ? charset : "utf-8")
    }

    static func unquote(_ s: String) -> String {
        guard s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") else { return s }
        var out = ""
        var escaped = false
        for c in s.dropFirst().dropLast() {
            if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return out
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingASCIIWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s.removeLast() }
        return String(s)
    }
}
