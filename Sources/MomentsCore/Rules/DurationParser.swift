/// Parses rule durations: "120s", "2m", "1h30m", "30d", "500ms". A bare number is refused on
/// purpose: "120" could mean seconds or minutes, and the difference is a customer's wait.
public enum DurationParser {
    /// The longest duration accepted: 100 years (36,525 days), far beyond any wait, cooldown or
    /// window a contact center means. Event time is bounded to 2000-2100, so an instant plus this
    /// stays before 2200 and cannot wrap. Unbounded (up to Int64.max ms), `Timestamp + Duration`
    /// wrapped: a wait's timer was due at once, and every interaction was evicted after its first event.
    public static let maximum = Duration.days(36_525)
    /// What a refusal adds, wherever a duration is read.
    public static let hint = "use a number with a unit: 500ms, 120s, 5m, 24h, 30d; several units from larger to smaller: 1h30m"

    /// A duration up to `maximum`; nil for a malformed one or a longer one (`parseAnyLength` tells them apart).
    public static func parse(_ text: String) -> Duration? {
        guard let d = parseAnyLength(text), d <= maximum else { return nil }
        return d
    }

    /// Any well-formed duration, for an error to say "too long" rather than "bad"; one past
    /// Int64 milliseconds is `Int64.max` ms (a number of 20 digits was "bad" until 2026-12-08).
    public static func parseAnyLength(_ text: String) -> Duration? {
        let s = Array(text.trimmingWhitespace.utf8)
        guard !s.isEmpty else { return nil }
        var i = 0
        var total: Int64 = 0
        // Each unit smaller than the one before it, as durations are written ("1h30m"):
        // "30s2h" and "1m1m1m" were read as sums until 2026-12-07, a mistake taken for a value.
        var previous = Int64.max
        while i < s.count {
            var n: Int64 = 0
            let start = i
            while i < s.count, s[i] >= 48, s[i] <= 57 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(s[i] - 48))
                n = o1 || o2 ? Int64.max : a; i += 1
            }
            guard i > start, i < s.count else { return nil }
            var unit = ""
            while i < s.count, (s[i] >= 97 && s[i] <= 122) { unit.append(Character(Unicode.Scalar(s[i]))); i += 1 }
            let factor: Int64
            switch unit {
            case "ms": factor = 1
            case "s": factor = 1000
            case "m", "min": factor = 60_000
            case "h": factor = 3_600_000
            case "d": factor = 86_400_000
            case "w": factor = 604_800_000
            default: return nil
            }
            guard factor < previous else { return nil }
            previous = factor
            let (v, o) = n.multipliedReportingOverflow(by: factor)
            // "100000000000d100000000000d": each part fits, their sum does not (found by the fuzzer's corpus).
            let (sum, o3) = total.addingReportingOverflow(o ? Int64.max : v)
            total = o || o3 ? Int64.max : sum
        }
        return Duration(milliseconds: total)
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
