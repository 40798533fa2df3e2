import Foundation

/// Turns bytes in a MIME charset (RFC 2046 §4.1.2, IANA names) into text.
///
/// Names are matched case-insensitively after dropping an RFC 2231 language suffix (`utf-8*en`).
/// Supported: UTF-8, US-ASCII, ISO-8859-1…16, Windows-1250…1258, KOI8-R, KOI8-U, GB2312, GBK,
/// GB18030, Big5, Shift_JIS, EUC-JP, ISO-2022-JP, EUC-KR, UTF-16 (with the aliases mail software
/// uses, e.g. `latin1`, `cp1252`, `x-sjis`, `ks_c_5601-1987`). Decoding never fails: bytes that are
/// not valid in the named charset, and every unknown charset, come out as Latin-1 (each byte one
/// character), so nothing is dropped.
public enum Charset {
    /// Decodes `bytes` labelled `name` (nil: no label).
    ///
    /// Unlabelled and US-ASCII text is read as UTF-8 when it is valid UTF-8 and as Latin-1 otherwise
    /// (raw 8-bit headers, case B34).
    public static func decode(_ bytes: [UInt8], charset name: String?) -> String {
        if bytes.allSatisfy({ $0 < 0x80 }), !isWide(name) { return String(decoding: bytes, as: UTF8.self) }
        guard let encoding = name.flatMap(encoding(named:)), encoding != .utf8 else {
            return String(validating: bytes, as: UTF8.self) ?? latin1(bytes)
        }
        return String(data: Data(bytes), encoding: encoding) ?? (String(validating: bytes, as: UTF8.self) ?? latin1(bytes))
    }

    /// Each byte as the Unicode scalar of the same number.
    public static func latin1(_ bytes: [UInt8]) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// The Foundation encoding for a charset name, or nil when unknown or not supported.
    public static func encoding(named name: String) -> String.Encoding? {
        var key = name.trimmingCharacters(in: .whitespaces).lowercased()
        if let star = key.firstIndex(of: "*") { key = String(key[..<star]) }
        if key.hasPrefix("\""), key.hasSuffix("\""), key.count >= 2 { key = String(key.dropFirst().dropLast()) }
        if let direct = table[key] { return String.Encoding(rawValue: direct) }
        if let iso = isoNumber(key) { return iso }
        if let windows = windowsNumber(key) { return windows }
        return nil
    }

    /// Whether ASCII-only bytes could still mean something else in this charset (UTF-16, ISO-2022-JP escapes are ASCII).
    private static func isWide(_ name: String?) -> Bool {
        guard let key = name?.lowercased() else { return false }
        return key.hasPrefix("utf-16") || key.hasPrefix("iso-2022") || key.hasPrefix("utf-7")
    }

    /// `iso-8859-N`, `iso8859-N`, `iso_8859-N`, `latinN` (1 to 4 only), `8859-N`.
    private static func isoNumber(_ key: String) -> String.Encoding? {
        var rest = key
        for prefix in ["iso-8859-", "iso8859-", "iso_8859-", "iso8859_", "iso-8859_", "8859-", "iso-ir-"] where rest.hasPrefix(prefix) {
            rest = String(rest.dropFirst(prefix.count))
            if let dash = rest.firstIndex(where: { !$0.isNumber }) { rest = String(rest[..<dash]) }   // 8859-8-i
            guard let n = UInt(rest), (1...16).contains(n), n != 12 else { return nil }
            switch n {
            case 1: return .isoLatin1
            case 2: return .isoLatin2
            default: return String.Encoding(rawValue: 0x8000_0200 + n)
            }
        }
        return nil
    }

    /// `windows-125N`, `cp125N`, `x-cp125N`.
    private static func windowsNumber(_ key: String) -> String.Encoding? {
        for prefix in ["windows-", "cp", "x-cp", "win-"] where key.hasPrefix(prefix) {
            guard let n = UInt(key.dropFirst(prefix.count)), (1250...1258).contains(n) else { return nil }
            switch n {
            case 1250: return .windowsCP1250
            case 1251: return .windowsCP1251
            case 1252: return .windowsCP1252
            case 1253: return .windowsCP1253
            case 1254: return .windowsCP1254
            default: return String.Encoding(rawValue: 0x8000_0500 + (n - 1250))
            }
        }
        return nil
    }

    /// NSStringEncoding values (CoreFoundation encodings | 0x8000_0000 where Foundation has no constant).
    private static let table: [String: UInt] = [
        "utf-8": String.Encoding.utf8.rawValue, "utf8": String.Encoding.utf8.rawValue,
        "us-ascii": String.Encoding.utf8.rawValue, "ascii": String.Encoding.utf8.rawValue,
        "latin1": String.Encoding.isoLatin1.rawValue, "l1": String.Encoding.isoLatin1.rawValue,
        "latin2": String.Encoding.isoLatin2.rawValue, "latin-1": String.Encoding.isoLatin1.rawValue,
        "latin3": 0x8000_0203, "latin4": 0x8000_0204, "latin-9": 0x8000_020F, "latin9": 0x8000_020F,
        "koi8-r": 0x8000_0A02, "koi8r": 0x8000_0A02, "koi8-u": 0x8000_0A08,
        "gb2312": 0x8000_0930, "euc-cn": 0x8000_0930, "x-gbk": 0x8000_0421, "gbk": 0x8000_0421,
        "cp936": 0x8000_0421, "gb18030": 0x8000_0632,
        "big5": 0x8000_0A03, "big5-hkscs": 0x8000_0A06, "cp950": 0x8000_0A03,
        "shift_jis": String.Encoding.shiftJIS.rawValue, "shift-jis": String.Encoding.shiftJIS.rawValue,
        "sjis": String.Encoding.shiftJIS.rawValue, "x-sjis": String.Encoding.shiftJIS.rawValue,
        "cp932": String.Encoding.shiftJIS.rawValue, "windows-31j": String.Encoding.shiftJIS.rawValue,
        "euc-jp": String.Encoding.japaneseEUC.rawValue, "x-euc-jp": String.Encoding.japaneseEUC.rawValue,
        "iso-2022-jp": String.Encoding.iso2022JP.rawValue,
        "euc-kr": 0x8000_0940, "ks_c_5601-1987": 0x8000_0940, "cp949": 0x8000_0940, "ks_c_5601": 0x8000_0940,
        "utf-16": String.Encoding.utf16.rawValue, "utf-16be": String.Encoding.utf16BigEndian.rawValue,
        "utf-16le": String.Encoding.utf16LittleEndian.rawValue,
    ]
}
