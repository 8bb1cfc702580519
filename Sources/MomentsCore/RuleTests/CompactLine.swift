/// A one-line item of a test file: an optional `+offset`, then words. `+130s connected a-7`,
/// `+2m moment long-wait`, `recovery apology-discount`.
struct CompactLine {
    var offset: Duration?
    /// Everything after the offset, trimmed.
    var text: Substring

    enum Problem: Error { case badOffset(String), empty }

    static func parse(_ line: String) -> Result<CompactLine, Problem> {
        var rest = Substring(line.trimmingWhitespace)
        var offset: Duration?
        if rest.hasPrefix("+") {
            let token = rest.prefix { !$0.isWhitespace }
            guard let d = DurationParser.parse(String(token.dropFirst())) else { return .failure(.badOffset(String(token))) }
            offset = d
            rest = rest.dropFirst(token.count).drop { $0.isWhitespace }
        }
        guard !rest.isEmpty else { return .failure(.empty) }
        return .success(CompactLine(offset: offset, text: rest))
    }

    /// The next word and what follows it (trimmed).
    static func split(_ s: Substring) -> (word: Substring, rest: Substring) {
        let word = s.prefix { !$0.isWhitespace }
        return (word, s.dropFirst(word.count).drop { $0.isWhitespace })
    }

    /// Removes one pair of surrounding double quotes, so `message "I want to cancel"` reads as
    /// the author meant.
    static func unquoted(_ s: Substring) -> String {
        if s.count >= 2, s.first == "\"", s.last == "\"" { return String(s.dropFirst().dropLast()) }
        return String(s)
    }
}

/// Offsets shown in messages the way tests write them: `+2m10s`, `+30d`, `+500ms`.
enum RelativeTime {
    static func format(_ d: Duration) -> String {
        var ms = d.milliseconds
        let sign = ms < 0 ? "-" : "+"
        ms = abs(ms)
        if ms == 0 { return "+0s" }
        var out = sign
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where ms >= size {
            out += "\(ms / size)\(unit)"
            ms %= size
        }
        return out
    }
}
