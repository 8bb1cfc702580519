/// RFC 3339 timestamps without Foundation: Foundation's date formatters are slow and
/// locale-sensitive, and the decoder runs once per event.
public enum RFC3339 {
    /// Formats as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds), the contract's output form.
    public static func format(_ t: Timestamp) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { out in
            let n = write(t, to: out.baseAddress!)
            return String(decoding: UnsafeBufferPointer(rebasing: out[0..<n]), as: UTF8.self)
        }
    }

    /// The bytes `write` writes at most.
    static let maxLength = 24

    /// Writes `format(t)`'s bytes at `out` (room for `maxLength`); returns how many: a JSON
    /// writer puts a timestamp in its buffer without making a String.
    static func write(_ t: Timestamp, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var ms = t.milliseconds
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        ms -= days * 86_400_000
        let (y, m, d) = civil(fromDays: days)
        let hh = ms / 3_600_000, mm = (ms / 60_000) % 60, ss = (ms / 1000) % 60, fff = ms % 1000
        var i = 0
        func put(_ v: Int64, _ width: Int) {
            // Digits written in place, most significant first.
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var x = v
            while divisor > 0 { out[i] = UInt8(truncatingIfNeeded: 48 + (x / divisor) % 10); i += 1; x %= divisor; divisor /= 10 }
        }
        func put(_ byte: UInt8) { out[i] = byte; i += 1 }
        put(y, 4); put(45); put(m, 2); put(45); put(d, 2); put(84)
        put(hh, 2); put(58); put(mm, 2); put(58); put(ss, 2); put(46); put(fff, 3); put(90)
        return i
    }

    /// Parses RFC 3339 (`2026-11-24T10:00:00Z`, `...00.123Z`, `...00.5+01:00`); nil when malformed.
    /// Fractions beyond milliseconds are truncated.
    public static func parse<C: Collection>(_ s: C) -> Timestamp? where C.Element == UInt8, C.Index == Int {
        parseAnyForm(s)
    }

    /// `parse` for bytes in memory, as the event decoder has them. The forms the contract writes,
    /// `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.mmmZ`, are read in one straight line
    /// (the general reader's per-digit closures were a fiftieth of decoding an event); any other
    /// length or separator goes to the general reader. `TimeTests` checks both give the same.
    public static func parse(_ s: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let n = s.count
        guard n == 20 || n == 24, s[n - 1] == 90, s[4] == 45, s[7] == 45, s[10] == 84, s[13] == 58, s[16] == 58,
            n == 20 || s[19] == 46
        else { return parseAnyForm(s) }
        var notDigit = false
        @inline(__always) func digit(_ k: Int) -> Int64 {
            let v = s[k] &- 48
            notDigit = notDigit || v > 9
            return Int64(v)
        }
        let y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
        let mo = digit(5) * 10 + digit(6), d = digit(8) * 10 + digit(9)
        let h = digit(11) * 10 + digit(12), mi = digit(14) * 10 + digit(15), se = digit(17) * 10 + digit(18)
        let frac = n == 24 ? digit(20) * 100 + digit(21) * 10 + digit(22) : 0
        guard !notDigit, mo >= 1, mo <= 12, d >= 1, d <= daysIn(month: mo, year: y), h <= 23, mi <= 59, se <= 60 else { return nil }
        let ms = daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + min(se, 59) * 1000 + frac
        return Timestamp(milliseconds: ms)
    }

    /// Every form `parse` accepts, a byte at a time.
    static func parseAnyForm<C: Collection>(_ s: C) -> Timestamp? where C.Element == UInt8, C.Index == Int {
        var i = s.startIndex
        let end = s.endIndex
        func digits(_ n: Int) -> Int64? {
            guard end - i >= n else { return nil }
            var v: Int64 = 0
            for _ in 0..<n {
                let c = s[i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48); i += 1
            }
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < end, s[i] == c else { return false }
            i += 1; return true
        }
        guard let y = digits(4), expect(45), let mo = digits(2), expect(45), let d = digits(2) else { return nil }
        guard i < end, s[i] == 84 || s[i] == 116 || s[i] == 32 else { return nil }
        i += 1
        guard let h = digits(2), expect(58), let mi = digits(2), expect(58), let se = digits(2) else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= daysIn(month: mo, year: y), h <= 23, mi <= 59, se <= 60 else { return nil }
        var frac: Int64 = 0
        if i < end, s[i] == 46 {
            i += 1
            var n = 0
            while i < end, s[i] >= 48, s[i] <= 57 {
                if n < 3 { frac = frac * 10 + Int64(s[i] - 48) }
                n += 1; i += 1
            }
            guard n > 0 else { return nil }
            for _ in n..<max(n, 3) { frac *= 10 }
        }
        var offset: Int64 = 0
        guard i < end else { return nil }
        if s[i] == 90 || s[i] == 122 {
            i += 1
        } else if s[i] == 43 || s[i] == 45 {
            let sign: Int64 = s[i] == 45 ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(58), let om = digits(2), oh <= 23, om <= 59 else { return nil }
            offset = sign * (oh * 60 + om) * 60_000
        } else { return nil }
        guard i == end else { return nil }
        let days = daysFromCivil(y, mo, d)
        let ms = days * 86_400_000 + h * 3_600_000 + mi * 60_000 + min(se, 59) * 1000 + frac - offset
        return Timestamp(milliseconds: ms)
    }

    public static func parse(_ s: String) -> Timestamp? {
        var copy = s
        return copy.withUTF8 { buf in parse(Array(buf)) }
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days-from-civil and civil-from-days (proleptic Gregorian).
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }
}
