import ArchiveModel

/// A set of UIDs as IMAP writes it: `sequence-set = (seq-number / seq-range) ["," sequence-set]`
/// (RFC 9051 §9), e.g. `1:5,7,9:12`.
///
/// Kept as sorted, disjoint, non-adjacent ranges, so `wire` is always the compressed form.
/// `*` ("the largest UID in use") is stored as `UInt32.max` and written back as `*`.
/// The empty set has the empty wire form, which is not valid in a command.
public struct UIDSet: Sendable, Hashable, Sequence {
    /// Sorted, disjoint, non-adjacent ranges.
    public private(set) var ranges: [ClosedRange<UInt32>]

    /// The empty set.
    public init() { ranges = [] }

    /// A set of the given UIDs, in any order, duplicates allowed.
    public init(_ uids: some Sequence<UID>) {
        self.init(ranges: uids.map { $0.rawValue...$0.rawValue })
    }

    /// A set of the given ranges, in any order, overlapping allowed.
    public init(ranges: some Sequence<ClosedRange<UInt32>>) {
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        merged.reserveCapacity(sorted.count)
        for r in sorted {
            if let last = merged.last, last.upperBound == .max || r.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...Swift.max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        self.ranges = merged
    }

    /// Parses `1:5,7,9:*`; ranges may be written high-to-low (`5:1`). Returns nil when malformed
    /// or a number does not fit 32 bits.
    public init?(wire: String) {
        self.init(wireBytes: Array(wire.utf8))
    }

    init?(wireBytes: some Collection<UInt8>) {
        var parsed: [ClosedRange<UInt32>] = []
        for part in wireBytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let ends = part.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard ends.count == 1 || ends.count == 2 else { return nil }
            guard let a = Self.number(ends.first!), let b = Self.number(ends.last!) else { return nil }
            parsed.append(Swift.min(a, b)...Swift.max(a, b))
        }
        self.init(ranges: parsed)
    }

    /// `seq-number = nz-number / "*"`.
    private static func number(_ bytes: some Collection<UInt8>) -> UInt32? {
        if bytes.count == 1 && bytes.first == UInt8(ascii: "*") { return .max }
        guard !bytes.isEmpty, bytes.count <= 10 else { return nil }
        var value: UInt64 = 0
        for b in bytes {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            value = value * 10 + UInt64(b - 0x30)
        }
        return value <= UInt64(UInt32.max) ? UInt32(value) : nil
    }

    /// The compressed wire form, e.g. `"1:3,5,7:9"`.
    public var wire: String {
        var out = ""
        for r in ranges {
            if !out.isEmpty { out += "," }
            out += Self.text(r.lowerBound)
            if r.upperBound != r.lowerBound { out += ":" + Self.text(r.upperBound) }
        }
        return out
    }

    private static func text(_ n: UInt32) -> String { n == .max ? "*" : String(n) }

    public var isEmpty: Bool { ranges.isEmpty }

    /// The number of UIDs in the set.
    public var count: UInt64 { ranges.reduce(0) { $0 + UInt64($1.upperBound - $1.lowerBound) + 1 } }

    /// Whether `uid` is in the set (binary search).
    public func contains(_ uid: UID) -> Bool {
        var low = 0, high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].upperBound < uid.rawValue { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && ranges[low].contains(uid.rawValue)
    }

    /// The UIDs in ascending order.
    public func makeIterator() -> some IteratorProtocol<UID> {
        ranges.lazy.flatMap { $0 }.map(UID.init(rawValue:)).makeIterator()
    }
}
