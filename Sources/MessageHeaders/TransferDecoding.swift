/// Content-Transfer-Encoding decoders (RFC 2045 §6) and the `Q` encoding of RFC 2047 §4.2.
///
/// All are tolerant: characters outside the alphabet are skipped, a malformed `=` sequence is kept
/// as it is, and a missing base64 padding is accepted.
public enum TransferDecoding {
    /// Decodes base64 (RFC 2045 §6.8), skipping line breaks and any other non-alphabet byte; stops at `=`.
    public static func base64(_ text: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for c in text {
            if c == UInt8(ascii: "=") { break }
            guard let v = base64Value(c) else { continue }
            accumulator = accumulator << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }

    /// Decodes quoted-printable (RFC 2045 §6.7): `=XX` octets, soft line breaks `=` CRLF (or bare LF).
    public static func quotedPrintable(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            let c = text[i]
            guard c == UInt8(ascii: "=") else { out.append(c); i += 1; continue }
            if i + 2 < text.count, let hi = hexValue(text[i + 1]), let lo = hexValue(text[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
                continue
            }
            // Soft line break: "=" then optional whitespace, then CR* LF.
            var j = i + 1
            while j < text.count, text[j] == 0x20 || text[j] == 0x09 || text[j] == 0x0D { j += 1 }
            if j < text.count, text[j] == 0x0A { i = j + 1; continue }
            if j == text.count { break }
            out.append(c)
            i += 1
        }
        return out
    }

    /// Decodes the `Q` encoding of encoded words: quoted-printable where `_` stands for a space.
    public static func qEncoding(_ text: [UInt8]) -> [UInt8] {
        quotedPrintable(text.map { $0 == UInt8(ascii: "_") ? 0x20 : $0 })
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func base64Value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): return 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): return 63
        default: return nil
        }
    }
}
