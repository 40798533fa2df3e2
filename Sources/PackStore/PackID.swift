import ArchiveModel

/// The name of a pack file: 16 random bytes, shown as 32 lower-case hexadecimal characters.
///
/// Pack IDs are chosen at random when a ``PackWriter`` starts a pack, so two writers (or two
/// machines) never pick the same name. The pack lives at `packs/<first 2 hex>/<32 hex>.pack`.
public struct PackID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 16 ID bytes.
    public let bytes: [UInt8]

    /// Wraps 16 bytes. Returns nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses 32 hexadecimal characters (either case). Returns nil for anything else.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// A new random pack ID from the system's cryptographic random source.
    public static func random() -> PackID {
        var rng = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<16 { bytes[i] = rng.next() }
        return PackID(bytes: bytes)!
    }

    /// Lower-case hexadecimal form, 32 characters.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    public static func < (a: PackID, b: PackID) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

/// Lower-case hexadecimal encoding shared by pack and spill-file names.
enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var chars = [UInt8]()
        for b in bytes {
            chars.append(digits[Int(b >> 4)])
            chars.append(digits[Int(b & 0xF)])
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// Decodes an even number of hex digits; nil on any other character or an odd count.
    static func decode(_ hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
