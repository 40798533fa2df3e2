/// One header field as it appears in a message: the name, and the value unfolded but not decoded.
public struct HeaderField: Sendable, Equatable {
    /// The field name as written (e.g. `Subject`); compare with ``HeaderSection/first(_:)``, which ignores case.
    public let name: String
    /// The value's raw bytes: line breaks of folded lines removed, surrounding whitespace trimmed,
    /// no RFC 2047 decoding. May hold 8-bit bytes in any charset (case B34).
    public let value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

/// The header section of a message (RFC 5322 §2.2), parsed tolerantly.
///
/// Accepts what real mailboxes hold: CRLF, bare LF and CR CR LF line ends (B35), raw 8-bit bytes
/// (B34), lines of any length (B36), no header at all, a leading mbox `From ` line, leading
/// whitespace-only lines, and a missing blank line before the body (the first line that is not a
/// header field starts the body, as Python's `email` package does).
///
/// ```swift
/// let section = HeaderSection.parse(Array("Subject: hi\r\n\r\nbody".utf8))
/// section.first("subject")?.value   // "hi"
/// ```
public struct HeaderSection: Sendable {
    /// The fields in message order.
    public let fields: [HeaderField]
    /// Index of the first body byte; `bytes.count` when the bytes end inside the header section.
    public let bodyStart: Int
    /// False when the bytes ended before the header section did (a cut-off read window).
    public let isComplete: Bool

    /// The first field named `name` (ASCII case-insensitive).
    public func first(_ name: String) -> HeaderField? {
        fields.first { $0.name.caseInsensitiveEquals(name) }
    }

    /// Every field named `name` (ASCII case-insensitive), in order.
    public func all(_ name: String) -> [HeaderField] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }
    }

    /// Parses the header section at the start of `bytes[range]`.
    ///
    /// - Parameters:
    ///   - bytes: the message (or a MIME part, or the first bytes of either).
    ///   - range: where the entity is inside `bytes`; the whole array by default.
    public static func parse(_ bytes: [UInt8], in range: Range<Int>? = nil) -> HeaderSection {
        var whole = range ?? 0..<bytes.count
        if bytes[whole].starts(with: [0xEF, 0xBB, 0xBF]) { whole = whole.lowerBound + 3..<whole.upperBound }   // UTF-8 BOM
        var lines = LineCursor(bytes: bytes, range: whole)
        var fields: [HeaderField] = []
        var name: String?
        var value: [UInt8] = []
        func flush() {
            if let name { fields.append(HeaderField(name: name, value: value.trimmingWhitespace())) }
            name = nil
            value = []
        }
        while let line = lines.next() {
            if line.content.isEmpty {
                flush()
                return HeaderSection(fields: fields, bodyStart: line.next, isComplete: true)
            }
            let first = bytes[line.content.lowerBound]
            if first == 0x20 || first == 0x09 {
                // A continuation line; before any field (e.g. a line of spaces) it is skipped.
                if name != nil { value += bytes[line.content] }
                continue
            }
            if let (fieldName, valueStart) = fieldStart(bytes, line.content) {
                flush()
                name = fieldName
                value = Array(bytes[valueStart..<line.content.upperBound])
            } else if fields.isEmpty && name == nil && bytes[line.content].starts(with: Self.mboxFrom) {
                continue
            } else {
                flush()
                return HeaderSection(fields: fields, bodyStart: line.content.lowerBound, isComplete: true)
            }
        }
        flush()
        return HeaderSection(fields: fields, bodyStart: lines.end, isComplete: false)
    }

    private static let mboxFrom = Array("From ".utf8)

    /// `field-name ":"` at the start of a line (RFC 5322 §3.6.8: printable ASCII except colon),
    /// tolerating whitespace before the colon (obs-optional). Returns the name and where the value starts.
    static func fieldStart(_ bytes: [UInt8], _ line: Range<Int>) -> (String, Int)? {
        var i = line.lowerBound
        while i < line.upperBound, bytes[i] != UInt8(ascii: ":") {
            let c = bytes[i]
            guard c > 0x20 && c < 0x7F else { break }
            i += 1
        }
        let nameEnd = i
        while i < line.upperBound, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        guard nameEnd > line.lowerBound, i < line.upperBound, bytes[i] == UInt8(ascii: ":") else { return nil }
        return (String(decoding: bytes[line.lowerBound..<nameEnd], as: UTF8.self), i + 1)
    }
}

/// Walks lines ending in LF, CRLF or CR CR LF; `content` excludes the line end.
struct LineCursor {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    /// The next line, or nil at the end. A last line without LF is returned as it is.
    mutating func next() -> (content: Range<Int>, next: Int)? {
        guard position < end else { return nil }
        let start = position
        var lf = start
        while lf < end && bytes[lf] != 0x0A { lf += 1 }
        var stop = lf
        while stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
        position = lf < end ? lf + 1 : end
        return (start..<stop, position)
    }
}

extension Array where Element == UInt8 {
    /// Without leading and trailing spaces, tabs, CR and LF.
    func trimmingWhitespace() -> [UInt8] {
        var lo = startIndex, hi = endIndex
        while lo < hi, [0x20, 0x09, 0x0D, 0x0A].contains(self[lo]) { lo += 1 }
        while hi > lo, [0x20, 0x09, 0x0D, 0x0A].contains(self[hi - 1]) { hi -= 1 }
        return Array(self[lo..<hi])
    }
}

extension String {
    /// ASCII case-insensitive equality (header field names are ASCII).
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A) }
    }
}
