/// An `application/x-www-form-urlencoded` encoder for request bodies.
///
/// RFC 3986 §2.3 unreserved characters (`A–Z a–z 0–9 - . _ ~`) are kept; every other byte of
/// the UTF-8 form, space included, becomes `%XX` with upper-case hex digits. So secrets with
/// `~ + % & = ` and non-ASCII characters reach the server unchanged (case B04).
enum FormEncoding {
    /// `name=value` pairs joined with `&`, both sides percent-encoded.
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    /// One name or value, percent-encoded byte by byte.
    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
