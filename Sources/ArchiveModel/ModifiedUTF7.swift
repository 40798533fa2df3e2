/// Modified UTF-7 for IMAP mailbox names (RFC 3501 §5.1.3).
///
/// `&` starts a modified-BASE64 run of UTF-16 code units (`,` in place of `/`), `-` ends it,
/// `&-` is a literal `&`. Printable US-ASCII other than `&` stands for itself.
public enum ModifiedUTF7 {
    /// Decodes a modified UTF-7 name. Returns nil when the bytes are not valid modified UTF-7.
    public static func decode(_ bytes: [UInt8]) -> String? {
        var out = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            guard c >= 0x20 && c <= 0x7E else { return nil }
            if c != UInt8(ascii: "&") {
                out.append(Unicode.Scalar(c))
                i += 1
                continue
            }
            guard let end = bytes[(i + 1)...].firstIndex(of: UInt8(ascii: "-")) else { return nil }
            if end == i + 1 {
                out.append("&")
            } else {
                guard let units = decodeBase64Units(bytes[(i + 1)..<end]) else { return nil }
                var decoded = ""
                let failed = transcode(units.makeIterator(), from: UTF16.self, to: UTF32.self,
                                       stoppingOnError: true) { decoded.unicodeScalars.append(Unicode.Scalar($0)!) }
                if failed { return nil }
                out.append(contentsOf: decoded.unicodeScalars)
            }
            i = end + 1
        }
        return String(out)
    }

    /// Encodes text as modified UTF-7.
    public static func encode(_ text: String) -> [UInt8] {
        var out = [UInt8]()
        var pending = [UInt16]()
        func flush() {
            guard !pending.isEmpty else { return }
            out.append(UInt8(ascii: "&"))
            out.append(contentsOf: encodeBase64Units(pending))
            out.append(UInt8(ascii: "-"))
            pending.removeAll()
        }
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                flush()
                if scalar == "&" { out.append(contentsOf: Array("&-".utf8)) } else { out.append(UInt8(scalar.value)) }
            } else {
                pending.append(contentsOf: Array(String(scalar).utf16))
            }
        }
        flush()
        return out
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    private static func decodeBase64Units(_ chars: ArraySlice<UInt8>) -> [UInt16]? {
        var bits: UInt32 = 0
        var count = 0
        var bytes = [UInt8]()
        for c in chars {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            bits = bits << 6 | UInt32(v)
            count += 6
            if count >= 8 {
                count -= 8
                bytes.append(UInt8((bits >> UInt32(count)) & 0xFF))
            }
        }
        guard bytes.count % 2 == 0, !bytes.isEmpty else { return nil }
        return stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
    }

    private static func encodeBase64Units(_ units: [UInt16]) -> [UInt8] {
        var bytes = [UInt8]()
        for u in units { bytes.append(UInt8(u >> 8)); bytes.append(UInt8(u & 0xFF)) }
        var out = [UInt8]()
        var bits: UInt32 = 0
        var count = 0
        for b in bytes {
            bits = bits << 8 | UInt32(b)
            count += 8
            while count >= 6 {
                count -= 6
                out.append(alphabet[Int((bits >> UInt32(count)) & 0x3F)])
            }
        }
        if count > 0 { out.append(alphabet[Int((bits << UInt32(6 - count)) & 0x3F)]) }
        return out
    }
}
