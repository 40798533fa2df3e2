/// The mboxrd `From ` quoting (as in qmail's mbox(5) and RFC 4155's discussion): inside a message,
/// every line that matches `^>*From ` gets one more `>`; reading reverses it by removing one `>`
/// from every line that matches `^>+From `. Unlike mboxo, the quoting is reversible, so exported
/// messages come back byte for byte.
///
/// ```swift
/// var q = MboxrdQuoter(); var out: [UInt8] = []
/// q.feed(Array("From me\n>From you\n".utf8)) { out += $0 }; q.finish { out += $0 }
/// // out == ">From me\n>>From you\n"
/// ```
public struct MboxrdQuoter {
    /// Bytes at the start of the current line not yet known to need a `>`.
    private var pending: [UInt8] = []
    private var atLineStart = true
    private static let from = Array("From ".utf8)

    public init() {}

    /// Quotes the next bytes of a message; `emit` gets the output in order.
    ///
    /// Lines are copied in bulk; only the first bytes of each line go through the `>*From ` check.
    public mutating func feed(_ bytes: some Collection<UInt8>, emit: ([UInt8]) throws -> Void) rethrows {
        let input = bytes.withContiguousStorageIfAvailable { Array($0) } ?? Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(input.count + 8)
        var i = 0
        while i < input.count {
            if !atLineStart {
                // Copy through the end of this line (or of the input).
                let stop = input[i...].firstIndex(of: 0x0A).map { $0 + 1 } ?? input.count
                out += input[i..<stop]
                atLineStart = stop <= input.count && input[stop - 1] == 0x0A
                i = stop
                continue
            }
            let b = input[i]
            i += 1
            pending.append(b)
            switch Self.match(pending) {
            case .partial:
                continue
            case .quote:
                out.append(UInt8(ascii: ">"))
                out += pending
                pending.removeAll()
                atLineStart = false
            case .plain:
                out += pending
                atLineStart = b == 0x0A
                pending.removeAll()
            }
        }
        if !out.isEmpty { try emit(out) }
    }

    /// Emits what is still held back at the end of the message.
    public mutating func finish(emit: ([UInt8]) throws -> Void) rethrows {
        if !pending.isEmpty { try emit(pending) }
        pending.removeAll()
        atLineStart = true
    }

    private enum Match { case partial, quote, plain }

    /// `>*From ` complete, still possible, or impossible.
    private static func match(_ line: [UInt8]) -> Match {
        var i = 0
        while i < line.count, line[i] == UInt8(ascii: ">") { i += 1 }
        let rest = line[i...]
        if rest.count >= from.count { return rest.starts(with: from) ? .quote : .plain }
        return from.starts(with: rest) ? .partial : .plain
    }

    /// Reverses the quoting of one message's bytes (for readers and tests).
    public static func unquote(_ quoted: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(quoted.count)
        var lineStart = 0
        while lineStart < quoted.count {
            var end = lineStart
            while end < quoted.count && quoted[end] != 0x0A { end += 1 }
            let line = quoted[lineStart..<min(end + 1, quoted.count)]
            var gt = line.startIndex
            while gt < line.endIndex, line[gt] == UInt8(ascii: ">") { gt += 1 }
            if gt > line.startIndex, line[gt...].starts(with: from) { out += line.dropFirst() } else { out += line }
            lineStart = end + 1
        }
        return out
    }
}
