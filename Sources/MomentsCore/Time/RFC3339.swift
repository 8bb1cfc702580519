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
    /// `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.mmmZ`, are read eight bytes at a time
    /// (the general reader's per-digit closures were a fiftieth of decoding an event, and a
    /// straight line of byte reads half of that again); any other length or separator goes to
    /// the general reader. `TimeTests` checks both give the same on hundreds of timestamps and
    /// on each of them with any of eleven bytes put at any position.
    public static func parse(_ s: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let n = s.count
        guard n == 20 || n == 24 else { return parseAnyForm(s) }
        let raw = UnsafeRawBufferPointer(s)
        @inline(__always) func word(_ offset: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        // Three words: bytes 0–7, 8–15 and the last eight (which overlap the second in the
        // short form). Each word's digits (mask `D…`) and its separators (`S…`, every other byte).
        let w0 = word(0), w1 = word(8), w2 = word(n - 8)
        let d0: UInt64 = 0x00FF_FF00_FFFF_FFFF, s0: UInt64 = 0x2D00_002D_0000_0000   // "0000-00-"
        let d1: UInt64 = 0xFFFF_00FF_FF00_FFFF, s1: UInt64 = 0x0000_3A00_0054_0000   // "00T00:00"
        let (d2, s2): (UInt64, UInt64) = n == 24
            ? (0x00FF_FFFF_00FF_FF00, 0x5A00_0000_2E00_003A)                          // ":00.000Z"
            : (0x00FF_FF00_FFFF_00FF, 0x5A00_003A_0000_3A00)                          // "0:00:00Z"
        guard w0 & ~d0 == s0, w1 & ~d1 == s1, w2 & ~d2 == s2 else { return parseAnyForm(s) }
        guard allDigits(w0, d0), allDigits(w1, d1), allDigits(w2, d2) else { return nil }
        // Each digit's value in its byte; then, in byte k, ten times digit k plus digit k + 1
        // (at most 99: nothing carries into the next byte).
        let v0 = digitValues(w0, d0), v1 = digitValues(w1, d1), v2 = digitValues(w2, d2)
        let p0 = v0 &* 10 &+ v0 >> 8, p1 = v1 &* 10 &+ v1 >> 8, p2 = v2 &* 10 &+ v2 >> 8
        @inline(__always) func byte(_ w: UInt64, _ k: UInt64) -> Int64 { Int64(truncatingIfNeeded: (w >> (8 * k)) & 0xFF) }
        let y = byte(p0, 0) * 100 + byte(p0, 2), mo = byte(p0, 5)
        let d = byte(p1, 0), h = byte(p1, 3), mi = byte(p1, 6)
        let se = n == 24 ? byte(p2, 1) : byte(p2, 5)
        let frac = n == 24 ? byte(p2, 4) * 10 + byte(v2, 6) : 0
        guard mo >= 1, mo <= 12, d >= 1, d <= daysIn(month: mo, year: y), h <= 23, mi <= 59, se <= 60 else { return nil }
        let ms = daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + min(se, 59) * 1000 + frac
        return Timestamp(milliseconds: ms)
    }

    /// Whether every byte of `w` under `mask` is an ASCII digit: its high half 3, and its low
    /// half at most 9, so adding 6 leaves the high half 3. (With every high half 3, no sum
    /// carries into the next byte.)
    @inline(__always) private static func allDigits(_ w: UInt64, _ mask: UInt64) -> Bool {
        let highs = mask & 0xF0F0_F0F0_F0F0_F0F0, threes = mask & 0x3030_3030_3030_3030
        return w & highs == threes && ((w & mask) &+ (mask & 0x0606_0606_0606_0606)) & highs == threes
    }

    /// The digits under `mask` as their values (0–9), every other byte 0.
    @inline(__always) private static func digitValues(_ w: UInt64, _ mask: UInt64) -> UInt64 {
        (w & mask) &- (mask & 0x3030_3030_3030_3030)
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
