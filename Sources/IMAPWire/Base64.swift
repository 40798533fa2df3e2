/// Base64 (RFC 4648 §4, with `=` padding) for SASL exchanges (RFC 9051 §6.2.2, RFC 4959).

private let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

private let decodeTable: [UInt8] = {
    var table = [UInt8](repeating: 0xFF, count: 256)
    for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
    return table
}()

/// Encodes bytes as padded base64, e.g. `[0x66, 0x6F]` → `"Zm8="`.
public func base64Encode(_ bytes: [UInt8]) -> String {
    var out = [UInt8]()
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var i = 0
    while i + 3 <= bytes.count {
        let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
        for shift in [18, 12, 6, 0] { out.append(alphabet[Int(v >> UInt32(shift) & 0x3F)]) }
        i += 3
    }
    let rest = bytes.count - i
    if rest > 0 {
        let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
        out.append(alphabet[Int(v >> 18 & 0x3F)])
        out.append(alphabet[Int(v >> 12 & 0x3F)])
        out.append(rest == 2 ? alphabet[Int(v >> 6 & 0x3F)] : UInt8(ascii: "="))
        out.append(UInt8(ascii: "="))
    }
    return String(decoding: out, as: UTF8.self)
}

/// Decodes base64; padding is optional, anything else outside the alphabet gives nil.
/// `""` decodes to `[]`.
public func base64Decode(_ text: String) -> [UInt8]? {
    var chars = Array(text.utf8)
    while chars.last == UInt8(ascii: "=") { chars.removeLast() }
    guard chars.count % 4 != 1, text.utf8.count - chars.count <= 2 else { return nil }
    var out = [UInt8]()
    out.reserveCapacity(chars.count * 3 / 4)
    var bits: UInt32 = 0
    var count = 0
    for c in chars {
        let v = decodeTable[Int(c)]
        guard v != 0xFF else { return nil }
        bits = bits << 6 | UInt32(v)
        count += 6
        if count >= 8 {
            count -= 8
            out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
        }
    }
    return out
}
