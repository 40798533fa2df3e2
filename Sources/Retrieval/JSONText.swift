/// JSON text for output written millions of times (`ls --json`, manifests), without the cost of
/// `JSONSerialization` (which sorts keys with locale-aware comparisons on every object).
public enum JSONText {
    /// A JSON string literal (RFC 8259 §7): quotes, backslash and control characters escaped.
    public static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `null` or the quoted string.
    public static func quote(_ s: String?) -> String { s.map(quote) ?? "null" }

    /// An object from (key, JSON value text) pairs, in the order given.
    public static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}
