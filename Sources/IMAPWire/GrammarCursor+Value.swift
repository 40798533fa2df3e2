extension GrammarCursor {
    /// Generic values, for attributes and extensions coffer does not interpret:
    /// `value = nil / number / atom / string / "(" [value *(SP value)] ")"`.
    /// - Throws: `.malformed` for unbalanced lists or nesting deeper than 100.
    mutating func value(depth: Int = 0) throws -> IMAPValue {
        guard depth < 100 else { throw malformed("value: nesting too deep") }
        switch peek() {
        case ASCII.lparen?:
            return .list(try parenList("value") { try $0.value(depth: depth + 1) })
        case ASCII.dquote?, ASCII.lbrace?, ASCII.tilde?:
            return .string(try string())
        default:
            if takeNil() { return .nil }
            let atom = sectionedAtom()
            guard !atom.isEmpty else { throw malformed("value expected") }
            if atom.allSatisfy(ASCII.isDigit), atom.count <= 19, let n = UInt64(String(decoding: atom, as: UTF8.self)) {
                return .number(n)
            }
            return .atom(String(decoding: atom, as: UTF8.self))
        }
    }

    /// An atom that may carry a bracketed part with spaces, e.g. `BODY[HEADER.FIELDS (FROM)]<0>`.
    mutating func sectionedAtom() -> ArraySlice<UInt8> {
        let start = pos
        while pos < end {
            let b = text[pos]
            if b == ASCII.lbracket, let close = text[pos..<end].firstIndex(of: ASCII.rbracket) {
                pos = close + 1
            } else if Self.isAtomSpecial(b) {
                break
            } else {
                pos += 1
            }
        }
        return text[start..<pos]
    }

    /// `flag-list = "(" [flag *(SP flag)] ")"`; flags as sent (`\Seen`, `$Forwarded`, `\*`).
    mutating func flagList(_ rule: String) throws -> [String] {
        try parenList(rule) { String(decoding: $0.liberalAtom(), as: UTF8.self) }
    }

    /// Atoms up to the end of the response, upper-cased: `*(SP capability)`.
    mutating func atomsToEnd() -> [String] {
        var atoms: [String] = []
        skipSpaces()
        while !atEnd {
            let atom = liberalAtom()
            if atom.isEmpty { pos += 1 } else { atoms.append(ASCII.upperString(atom)) }
            skipSpaces()
        }
        return atoms
    }
}
