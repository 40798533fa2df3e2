/// Byte constants for the IMAP grammar (RFC 9051 §9 core rules).
enum ASCII {
    static let sp = UInt8(ascii: " ")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let dquote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let lparen = UInt8(ascii: "(")
    static let rparen = UInt8(ascii: ")")
    static let lbrace = UInt8(ascii: "{")
    static let rbrace = UInt8(ascii: "}")
    static let lbracket = UInt8(ascii: "[")
    static let rbracket = UInt8(ascii: "]")
    static let lt = UInt8(ascii: "<")
    static let gt = UInt8(ascii: ">")
    static let plus = UInt8(ascii: "+")
    static let star = UInt8(ascii: "*")
    static let tilde = UInt8(ascii: "~")
    static let zero = UInt8(ascii: "0")

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// ASCII upper-case of a byte; other bytes unchanged.
    static func upper(_ b: UInt8) -> UInt8 { b >= 0x61 && b <= 0x7A ? b - 0x20 : b }

    /// Upper-cased ASCII text of some bytes (IMAP keywords are case-insensitive).
    static func upperString(_ bytes: some Sequence<UInt8>) -> String {
        String(decoding: bytes.map(upper), as: UTF8.self)
    }

    /// Case-insensitive comparison of bytes with an upper-case ASCII keyword.
    static func equalsKeyword(_ bytes: some Collection<UInt8>, _ keyword: StaticString) -> Bool {
        guard bytes.count == keyword.utf8CodeUnitCount else { return false }
        return keyword.withUTF8Buffer { kw in zip(bytes, kw).allSatisfy { upper($0) == $1 } }
    }
}
