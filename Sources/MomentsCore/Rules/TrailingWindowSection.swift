import Yams

/// Parses `average_over:` (a count of values, or a duration) and `min_samples:` of a threshold.
enum TrailingWindowSection {
    static let maxCount = TrailingWindow.maxSamples

    static func parse(_ node: Node?, minSamples: Node?, in parent: Node, _ ctx: YAMLContext) -> TrailingWindow? {
        guard let node else {
            if let minSamples { ctx.error(minSamples, "min_samples needs average_over") }
            return nil
        }
        guard case .scalar(let s) = node else { ctx.error(node, "average_over must be a number of values (3) or a duration (120s)"); return nil }
        let span: TrailingWindow.Span
        if let n = Int(s.string) {
            guard (2...maxCount).contains(n) else {
                ctx.error(node, "average_over must count 2 to \(maxCount) values, found \(n)")
                return nil
            }
            span = .samples(n)
        } else if let d = ctx.duration(node, what: "average_over") {
            span = .duration(d)
        } else {
            return nil
        }
        // A count window compares only once it is full; a time window from its first value.
        let limit: Int, min: Int
        switch span {
        case .samples(let n): (limit, min) = (n, n)
        case .duration: (limit, min) = (maxCount, 1)
        }
        var chosen = min
        if let m = minSamples, let v = ctx.integer(m, what: "min_samples", minimum: 1) {
            guard v <= limit else { ctx.error(m, "min_samples must be at most \(limit), found \(v)"); return nil }
            chosen = v
        }
        return TrailingWindow(span: span, minSamples: chosen)
    }
}
