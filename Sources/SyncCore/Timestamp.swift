/// An instant with microsecond precision, the precision of PostgreSQL's `timestamptz`.
/// Parsed from and formatted as RFC 3339 (ISO-8601) text without Foundation, so the core stays pure.
public struct Timestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    public static let epoch = Timestamp(microsecondsSinceEpoch: 0)

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    /// `2024-01-01T12:00:00.123456Z`: always UTC, always six fraction digits.
    public var description: String {
        var writer = ByteWriter(capacity: 32)
        write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Writes `description`'s bytes without making a String: a pull page formats a few per record.
    @inlinable public func write(to writer: inout ByteWriter) {
        let micros = microsecondsSinceEpoch
        var days = micros >= 0 ? micros / 86_400_000_000 : (micros + 1) / 86_400_000_000 - 1
        var rest = micros - days * 86_400_000_000
        if rest < 0 { rest += 86_400_000_000; days -= 1 }
        let (year, month, day) = Timestamp.civil(fromDays: days)
        let seconds = rest / 1_000_000
        if (0...9999).contains(year) {
            writer.write(twoDigits: year / 100)
            writer.write(twoDigits: year % 100)
        } else {
            writer.write(decimal: year)
        }
        writer.write(UInt8(ascii: "-"))
        writer.write(twoDigits: month)
        writer.write(UInt8(ascii: "-"))
        writer.write(twoDigits: day)
        writer.write(UInt8(ascii: "T"))
        writer.write(twoDigits: seconds / 3600)
        writer.write(UInt8(ascii: ":"))
        writer.write(twoDigits: seconds / 60 % 60)
        writer.write(UInt8(ascii: ":"))
        writer.write(twoDigits: seconds % 60)
        writer.write(UInt8(ascii: "."))
        let fraction = rest % 1_000_000
        writer.write(twoDigits: fraction / 10_000)
        writer.write(twoDigits: fraction / 100 % 100)
        writer.write(twoDigits: fraction % 100)
        writer.write(UInt8(ascii: "Z"))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. Fractions beyond microseconds are truncated.
    public init?(iso8601 text: String) {
        let b = Array(text.utf8)
        var i = 0
        func number(_ width: Int) -> Int64? {
            guard i + width <= b.count else { return nil }
            var value: Int64 = 0
            for k in 0..<width {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int64(c - 48)
            }
            i += width
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard i < b.count, characters.utf8.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              expect("Tt"), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
              let second = number(2)
        else { return nil }
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Timestamp.daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60
        else { return nil }
        var fraction: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 6 { fraction = fraction * 10 + Int64(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 6)..<6 { fraction *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if expect("Zz") {
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let offsetHours = number(2), expect(":"), let offsetMinutes = number(2),
                  offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Timestamp.days(fromCivil: year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let micros = seconds * 1_000_000 + fraction
        // In UTC too, the instant must be within years 1 to 9999: the form every timestamp takes in the
        // API, and what PostgreSQL reads back (an offset could otherwise carry it into year 0 or 10000).
        guard Timestamp.representable.contains(micros) else { return nil }
        self.microsecondsSinceEpoch = micros
    }

    /// 0001-01-01T00:00:00Z up to 9999-12-31T23:59:59.999999Z.
    static let representable = (Timestamp.days(fromCivil: 1, 1, 1) * 86_400_000_000)...(Timestamp.days(fromCivil: 10_000, 1, 1) * 86_400_000_000 - 1)

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    @usableFromInline static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
    }
}
