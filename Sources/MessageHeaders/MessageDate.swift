import ArchiveModel
/// Parses the Date header (RFC 5322 §3.3, with the obsolete forms of §4.3) into UTC seconds.
///
/// `date-time = [ day-of-week "," ] day month year hour ":" minute [ ":" second ] zone`. Also
/// accepted, as mail readers do: comments (`(PDT)`), missing day-of-week comma, month before day
/// (`May 14 2001`), two- and three-digit years (`01` → 2001, `99` → 1999, `101` → 2001), RFC 850
/// dates (`14-May-01`), named zones (UT, GMT, Z, EST…PDT; military letters count as +0000),
/// a zone glued to the time, a missing zone (taken as UTC) and ISO 8601 (`2001-05-14T16:39:00Z`).
///
/// ```swift
/// MessageDate.parse("Mon, 14 May 2001 16:39:00 -0700 (PDT)")   // 989883540
/// ```
public enum MessageDate {
    /// Seconds since 1970-01-01T00:00:00Z, or nil when no date can be read.
    public static func parse(_ text: String) -> Int64? {
        var tokens = tokenize(text)
        if let iso = parseISO(tokens) { return iso }
        var day: Int?, month: Int?, year: Int?, time: (Int, Int, Int)?, zone: Int?
        var numbers: [String] = []
        while !tokens.isEmpty {
            let t = tokens.removeFirst()
            if t.contains(":"), time == nil, let (parsed, glued) = parseTime(t) {
                time = parsed
                if let glued { zone = zone ?? glued }
            } else if let z = parseZone(t), zone == nil, time != nil || numbers.count >= 2 {
                zone = z
            } else if let m = monthNumber(t), month == nil {
                month = m
            } else if t.allSatisfy(\.isASCIIDigit) {
                numbers.append(t)
            } else if t.contains("-"), t.first?.isASCIIDigit == true {
                tokens.insert(contentsOf: t.split(separator: "-").map(String.init), at: 0)   // RFC 850 "14-May-01"
            }
        }
        for n in numbers {
            if day == nil, n.count <= 2, let v = Int(n), (1...31).contains(v) { day = v } else if year == nil { year = Int(n).map(normalizeYear) }
        }
        guard let d = day, let m = month, let y = year, let (h, mi, s) = time else { return nil }
        return epoch(year: y, month: m, day: d, hour: h, minute: mi, second: s, offsetMinutes: zone ?? 0)
    }

    /// Seconds since the epoch for a civil UTC-offset time, or nil when a field is out of range.
    public static func epoch(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offsetMinutes: Int) -> Int64? {
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        let days = CivilDate.days(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offsetMinutes * 60)
    }

    /// UTC seconds as RFC 3339, e.g. `2001-05-14T23:39:00Z`.
    public static func rfc3339(_ seconds: Int64) -> String {
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (y, m, d) = CivilDate.date(days: Int(days))
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let year = y >= 0 && y < 1000 ? String(repeating: "0", count: 4 - String(y).count) + String(y) : String(y)
        return "\(year)-\(two(m))-\(two(d))T\(two(Int(rest / 3600))):\(two(Int(rest % 3600 / 60))):\(two(Int(rest % 60)))Z"
    }


    /// Words of the date with comments removed; commas separate like spaces.
    static func tokenize(_ text: String) -> [String] {
        var cleaned = ""
        var depth = 0
        for c in text {
            if c == "(" { depth += 1; continue }
            if c == ")" { depth = max(0, depth - 1); continue }
            if depth > 0 { continue }
            cleaned.append(c == "," ? " " : c)
        }
        return cleaned.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// `hh:mm[:ss]`, possibly followed directly by a zone (`16:39:00-0700`).
    static func parseTime(_ t: String) -> ((Int, Int, Int), Int?)? {
        var timePart = Substring(t), zonePart: Substring?
        if let sign = t.firstIndex(where: { $0 == "+" || $0 == "-" }) {
            timePart = t[..<sign]
            zonePart = t[sign...]
        }
        let parts = timePart.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0 != nil }) else { return nil }
        let glued = zonePart.flatMap { parseZone(String($0)) }
        return ((parts[0]!, parts[1]!, parts.count == 3 ? parts[2]! : 0), glued)
    }

    /// `+hhmm` / `-hhmm` (also `+hh:mm`, `+hh`) or a zone name; minutes east of UTC.
    static func parseZone(_ t: String) -> Int? {
        if let first = t.first, first == "+" || first == "-" {
            let digits = t.dropFirst().filter { $0 != ":" }
            guard digits.allSatisfy(\.isASCIIDigit), (1...4).contains(digits.count), let v = Int(digits) else { return nil }
            let minutes = digits.count >= 3 ? (v / 100) * 60 + v % 100 : v * 60   // "-600" is -06:00
            return first == "-" ? -minutes : minutes
        }
        let upper = t.uppercased()
        if let named = zoneNames[upper] { return named }
        if upper.count == 1, let c = upper.first, c.isLetter, c != "J" { return 0 }
        return nil
    }

    static let zoneNames: [String: Int] = [
        "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
        "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
    ]

    static func monthNumber(_ t: String) -> Int? {
        guard t.count >= 3, t.allSatisfy(\.isLetter) else { return nil }
        let key = t.prefix(3).lowercased()
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        return months.firstIndex(of: key).map { $0 + 1 }
    }

    /// RFC 5322 §4.3: 0–49 → 20xx, 50–99 → 19xx, 100–999 → + 1900 (by value: `0002` is 2002).
    static func normalizeYear(_ y: Int) -> Int {
        if y < 50 { return 2000 + y }
        if y < 1000 { return 1900 + y }
        return y
    }

    /// `YYYY-MM-DD[Thh:mm[:ss]][zone]` as the whole date (some generators write ISO 8601).
    static func parseISO(_ tokens: [String]) -> Int64? {
        guard let first = tokens.first, first.count >= 10 else { return nil }
        let chars = Array(first)
        guard chars[4] == "-", chars[7] == "-", let y = Int(String(chars[0..<4])), let m = Int(String(chars[5..<7])),
              let d = Int(String(chars[8..<10])) else { return nil }
        var rest = String(chars[10...])
        if rest.hasPrefix("T") || rest.hasPrefix("t") { rest.removeFirst() } else if rest.isEmpty, tokens.count > 1 { rest = tokens[1] }
        var zone = 0
        if rest.hasSuffix("Z") || rest.hasSuffix("z") { rest.removeLast() }
        if let (time, glued) = parseTime(rest) {
            zone = glued ?? (tokens.count > 1 ? parseZone(tokens.last!) ?? 0 : 0)
            return epoch(year: y, month: m, day: d, hour: time.0, minute: time.1, second: time.2, offsetMinutes: zone)
        }
        return rest.isEmpty ? epoch(year: y, month: m, day: d, hour: 0, minute: 0, second: 0, offsetMinutes: 0) : nil
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
