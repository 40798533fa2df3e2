import ArchiveModel
/// A message's INTERNALDATE (RFC 9051 §2.3.3): when the server received it, with the zone it reported.
///
/// Parsed from `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`
/// (RFC 9051 §9), e.g. `"17-Jul-1996 02:44:25 -0700"`; the day may be space-padded (`" 7-Jul-…"`).
public struct InternalDate: Sendable, Hashable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSince1970: Int64
    /// The zone offset east of UTC, in minutes (`-0700` → -420).
    public var utcOffsetMinutes: Int

    public init(secondsSince1970: Int64, utcOffsetMinutes: Int) {
        self.secondsSince1970 = secondsSince1970
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// Parses the content of a date-time string (without the quotes). Returns nil when malformed.
    public init?(imapText: some Collection<UInt8>) {
        var s = DateScanner(bytes: Array(imapText))
        s.skipSpaces()
        guard let day = s.number(maxDigits: 2), s.take(UInt8(ascii: "-")),
              let month = s.month(), s.take(UInt8(ascii: "-")),
              let year = s.number(minDigits: 4, maxDigits: 4), s.take(0x20),
              let hour = s.number(minDigits: 2, maxDigits: 2), s.take(UInt8(ascii: ":")),
              let minute = s.number(minDigits: 2, maxDigits: 2), s.take(UInt8(ascii: ":")),
              let second = s.number(minDigits: 2, maxDigits: 2), s.take(0x20),
              let zone = s.zone(), s.atEnd
        else { return nil }
        guard (1...Self.daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = CivilDate.days(year: year, month: month, day: day)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.init(secondsSince1970: local - Int64(zone * 60), utcOffsetMinutes: zone)
    }

    /// RFC 3339 form in the server's zone, e.g. `"1996-07-17T02:44:25-07:00"`.
    public var rfc3339: String {
        let local = secondsSince1970 + Int64(utcOffsetMinutes * 60)
        var days = local / 86_400
        var rest = local % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (y, m, d) = CivilDate.date(days: Int(days))
        let zone = abs(utcOffsetMinutes)
        return "\(Self.pad(y, 4))-\(Self.pad(m, 2))-\(Self.pad(d, 2))T"
            + "\(Self.pad(Int(rest / 3600), 2)):\(Self.pad(Int(rest % 3600 / 60), 2)):\(Self.pad(Int(rest % 60), 2))"
            + "\(utcOffsetMinutes < 0 ? "-" : "+")\(Self.pad(zone / 60, 2)):\(Self.pad(zone % 60, 2))"
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }


}

/// A tiny cursor over the bytes of a date-time.
private struct DateScanner {
    let bytes: [UInt8]
    var i = 0

    var atEnd: Bool { i == bytes.count }

    mutating func skipSpaces() { while i < bytes.count && bytes[i] == 0x20 { i += 1 } }

    mutating func take(_ b: UInt8) -> Bool {
        guard i < bytes.count, bytes[i] == b else { return false }
        i += 1
        return true
    }

    mutating func number(minDigits: Int = 1, maxDigits: Int) -> Int? {
        var value = 0, n = 0
        while n < maxDigits, i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            value = value * 10 + Int(bytes[i] - 0x30)
            i += 1
            n += 1
        }
        return n >= minDigits ? value : nil
    }

    /// `date-month = "Jan" / "Feb" / ... / "Dec"` (case-insensitive). Returns 1...12.
    mutating func month() -> Int? {
        guard i + 3 <= bytes.count else { return nil }
        let name = String(decoding: bytes[i..<i + 3], as: UTF8.self).lowercased()
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        guard let index = months.firstIndex(of: name) else { return nil }
        i += 3
        return index + 1
    }

    /// `zone = ("+" / "-") 4DIGIT`; returns minutes east of UTC.
    mutating func zone() -> Int? {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") else { return nil }
        let negative = bytes[i] == UInt8(ascii: "-")
        i += 1
        guard let hhmm = number(minDigits: 4, maxDigits: 4), hhmm % 100 < 60 else { return nil }
        let minutes = hhmm / 100 * 60 + hhmm % 100
        return negative ? -minutes : minutes
    }
}
