import Yams

/// Parses the `when:` of a moment: exactly one condition kind with its parameters.
enum ConditionSection {
    static let kinds = ["wait", "count", "match", "threshold", "ended", "repeat_contact", "phrases", "resolution"]

    static func parse(_ node: Node?, _ ctx: YAMLContext) -> Condition? {
        guard let node, let m = ctx.mapping(node, what: "when", allowed: kinds) else { return nil }
        guard m.count == 1, let only = m.first else {
            ctx.error(node, "'when' must hold exactly one condition (one of: \(kinds.joined(separator: ", ")))")
            return nil
        }
        let body = only.value
        switch only.key {
        case "wait": return wait(body, ctx).map(Condition.wait)
        case "count": return count(body, ctx).map(Condition.count)
        case "match": return match(body, ctx).map(Condition.match)
        case "threshold": return threshold(body, ctx).map(Condition.threshold)
        case "ended": return ended(body, ctx).map(Condition.ended)
        case "repeat_contact": return repeatContact(body, ctx).map(Condition.repeatContact)
        case "phrases": return phrases(body, ctx).map(Condition.phrases)
        default: return resolution(body, ctx).map(Condition.resolution)
        }
    }

    /// Each bad item is reported at its own place (they were all reported at the list's).
    static func eventTypes(_ node: Node?, _ ctx: YAMLContext, what: String) -> Set<EventType>? {
        guard let items = ctx.stringItems(node, what: what) else { return nil }
        var out: Set<EventType> = []
        var bad = false
        for item in items {
            let t = EventType(name: item.value)
            if t.isKnown { out.insert(t) } else {
                ctx.error(item.node, "unknown event type '\(item.value)' in \(what) (known: \(EventType.known.map(\.name).joined(separator: ", ")))")
                bad = true
            }
        }
        return bad ? nil : out
    }

    static func eventType(_ node: Node?, _ ctx: YAMLContext) -> EventType? {
        guard let set = eventTypes(node, ctx, what: "event") else { return nil }
        guard set.count == 1 else { ctx.error(node, "event must name one event type"); return nil }
        return set.first
    }

    /// - Parameter event: the condition's event type (nil when it was refused): a field events
    ///   of that type never carry is refused, as a condition that could never hold (`where:
    ///   {csat: 1}` on `agent.flagged` was accepted until 2026-12-07, and never fired).
    static func matchers(_ node: Node?, event: EventType?, _ ctx: YAMLContext) -> [FieldMatcher]? {
        guard let node else { return [] }
        guard let m = ctx.mapping(node, what: "where") else { return nil }
        var out: [FieldMatcher] = []
        for member in m {
            guard EventData.textFields.contains(member.key) || EventData.numericFields.contains(member.key) else {
                ctx.error(member.keyNode, "unknown data field '\(member.key)' (known: \((EventData.textFields.union(EventData.numericFields)).sorted().joined(separator: ", ")))")
                return nil
            }
            if let event, !EventData.fields(of: event).contains(member.key) {
                ctx.error(member.keyNode, Self.notCarried(member.key, by: event))
                return nil
            }
            guard let items = ctx.stringItems(member.value, what: "where.\(member.key)") else { return nil }
            guard EventData.numericFields.contains(member.key) else {
                out.append(FieldMatcher(field: member.key, values: Set(items.map(\.value))))
                continue
            }
            // Compared as numbers (`1` never matched a score of 1 when compared as text, which
            // reads "1.0"), and refused where no event could match it.
            var values: Set<Double> = []
            for item in items {
                guard let n = Double(item.value), n.isFinite else {
                    ctx.error(item.node, "where.\(member.key): '\(item.value)' is not a number")
                    return nil
                }
                if member.key == "csat" {
                    guard n == n.rounded(), (1...5).contains(n) else {
                        ctx.error(item.node, "where.csat: \(item.value) is not an integer 1..5")
                        return nil
                    }
                } else if !(-1...1).contains(n) {
                    // The decoder refuses a score outside it: such a matcher would never match.
                    ctx.error(item.node, "where.score: \(item.value) is outside the sentiment range -1..1")
                    return nil
                }
                values.insert(n)
            }
            out.append(FieldMatcher(field: member.key, numbers: values))
        }
        return out
    }

    static func wait(_ node: Node, _ ctx: YAMLContext) -> WaitCondition? {
        guard let m = ctx.mapping(node, what: "wait", allowed: ["from", "until", "longer_than", "once_per", "measure", "overrides"]) else { return nil }
        let from = eventTypes(ctx.required(m, "from", in: node, what: "wait"), ctx, what: "from")
        let until = eventTypes(ctx.required(m, "until", in: node, what: "wait"), ctx, what: "until")
        let limit = ctx.duration(ctx.required(m, "longer_than", in: node, what: "wait"), what: "longer_than")
        var once = OncePer.interaction
        if let o = ctx.string(m["once_per"], what: "once_per") {
            if let v = OncePer(rawValue: o) { once = v } else { ctx.error(m["once_per"], "once_per must be interaction or episode, found '\(o)'") }
        }
        let measure = measureName(m["measure"], default: "wait", ctx)
        var overrides: [(filter: Filter, longerThan: Duration)] = []
        // Each accepted override's place in the list as written, for the shadowing error.
        var written: [(number: Int, node: Node)] = []
        for (index, item) in (m["overrides"].flatMap({ ctx.sequence($0, what: "overrides") }) ?? []).enumerated() {
            let before = ctx.errors.count
            // Without its `if`, only that is reported: the override itself was read as the
            // filter, and its `longer_than` reported as an unknown key of `if` (until 2026-12-07).
            guard let o = ctx.mapping(item, what: "an override", allowed: ["if", "longer_than"]),
                let ifNode = ctx.required(o, "if", in: item, what: "an override"),
                let f = FilterSection.parse(ifNode, ctx, what: "if"),
                let d = ctx.duration(ctx.required(o, "longer_than", in: item, what: "an override"), what: "longer_than")
            else { continue }
            // `if: {}` matches every customer: the override replaced the wait's own limit for all
            // (until 2026-12-07 it was taken, and a 120 s wait fired at 10 s).
            // One whose `if` has errors of its own is left out: read in part (an unknown channel
            // dropped), it could match more than written, and be taken to cover later ones.
            guard ctx.errors.count == before else { continue }
            guard !f.isEmpty else {
                ctx.error(ifNode, "an override's if needs at least one of channel, queue or attributes (an empty one would give every customer this limit; set the wait's longer_than instead)")
                continue
            }
            // The first override that matches decides: one after another that matches every
            // customer it matches never applies (a repeated `if` was taken silently until
            // 2026-12-07, and the second limit, the one being tuned, did nothing).
            if let earlier = overrides.indices.first(where: { overrides[$0].filter.covers(f) }) {
                let place = written[earlier].node.mark.map { " (line \($0.line))" } ?? ""
                ctx.error(ifNode, "this override never applies: override \(written[earlier].number)\(place) matches every customer its if matches, and the first override that matches decides; merge them or put the narrower one first")
                continue
            }
            overrides.append((f, d))
            written.append((index + 1, item))
        }
        guard let from, let until, let limit, let measure else { return nil }
        if !from.isDisjoint(with: until) { ctx.error(node, "an event type cannot both start and end a wait") ; return nil }
        return WaitCondition(from: from, until: until, longerThan: limit, oncePer: once, measure: measure, overrides: overrides)
    }

    /// A measure is also the placeholder that shows it (`{wait}`), so its name must be one, and
    /// not one every moment fills already: `hold-time` was refused as a bad template the user
    /// never wrote (the default summary's), at the moment's first line, and `queue` could never
    /// show (`{queue}` is the moment's queue).
    static func measureName(_ node: Node?, default name: String, _ ctx: YAMLContext) -> String? {
        guard let node else { return name }
        guard let s = ctx.string(node, what: "measure") else { return nil }
        guard Placeholders.isName(s) else {
            ctx.error(node, "measure '\(s)' must be a placeholder name (letters, digits and _)")
            return nil
        }
        guard !Placeholders.common.contains(s) else {
            ctx.error(node, "measure '\(s)' is a placeholder every moment fills already; choose another name")
            return nil
        }
        return s
    }

    static func count(_ node: Node, _ ctx: YAMLContext) -> CountCondition? {
        guard let m = ctx.mapping(node, what: "count", allowed: ["event", "where", "reaches", "measure"]) else { return nil }
        let event = eventType(ctx.required(m, "event", in: node, what: "count"), ctx)
        let reaches = ctx.integer(ctx.required(m, "reaches", in: node, what: "count"), what: "reaches", minimum: 1)
        let matchers = matchers(m["where"], event: event, ctx)
        let measure = measureName(m["measure"], default: "count", ctx)
        guard let event, let reaches, let matchers, let measure else { return nil }
        return CountCondition(event: event, matchers: matchers, reaches: reaches, measure: measure)
    }

    static func match(_ node: Node, _ ctx: YAMLContext) -> MatchCondition? {
        guard let m = ctx.mapping(node, what: "match", allowed: ["event", "where"]) else { return nil }
        let event = eventType(ctx.required(m, "event", in: node, what: "match"), ctx)
        let matchers = matchers(m["where"], event: event, ctx)
        guard let event, let matchers else { return nil }
        return MatchCondition(event: event, matchers: matchers)
    }

    static func threshold(_ node: Node, _ ctx: YAMLContext) -> ThresholdCondition? {
        guard let m = ctx.mapping(node, what: "threshold", allowed: ["event", "field", "below", "above", "at_least", "at_most", "average_over", "min_samples"]) else { return nil }
        let event = eventType(ctx.required(m, "event", in: node, what: "threshold"), ctx)
        var field = ctx.string(ctx.required(m, "field", in: node, what: "threshold"), what: "field")
        if let f = field, !EventData.numericFields.contains(f) {
            ctx.error(m["field"], "field '\(f)' is not numeric (numeric fields: \(EventData.numericFields.sorted().joined(separator: ", ")))")
            field = nil
        } else if let f = field, let event, !EventData.fields(of: event).contains(f) {
            ctx.error(m["field"], Self.notCarried(f, by: event))
            field = nil
        }
        let below = ctx.number(m["below"], what: "below"), above = ctx.number(m["above"], what: "above")
        let atLeast = ctx.number(m["at_least"], what: "at_least"), atMost = ctx.number(m["at_most"], what: "at_most")
        if below == nil && above == nil && atLeast == nil && atMost == nil {
            // A bound given but not a number was reported as such: "needs one of" would be a
            // second, wrong, message about it.
            if m["below"] == nil && m["above"] == nil && m["at_least"] == nil && m["at_most"] == nil {
                ctx.error(node, "threshold needs one of below, above, at_least, at_most")
            }
            return nil
        }
        guard boundsFitTheField(field, below: below, above: above, atLeast: atLeast, atMost: atMost, averaged: m["average_over"] != nil, in: m, ctx) else { return nil }
        let window = TrailingWindowSection.parse(m["average_over"], minSamples: m["min_samples"], in: node, ctx)
        guard let event, let field, window != nil || m["average_over"] == nil else { return nil }
        return ThresholdCondition(event: event, field: field, below: below, above: above, atLeast: atLeast, atMost: atMost, window: window)
    }

    static func notCarried(_ field: String, by event: EventType) -> String {
        let carried = EventData.fields(of: event).sorted()
        return "\(event.name) events carry no '\(field)' (\(carried.isEmpty ? "they carry no data fields" : "they carry: " + carried.joined(separator: ", "))), so this condition could never hold"
    }

    /// The range checks of a threshold's bounds, shared by `when:` and a schedule's `outside:`:
    /// a score is within -1..1, a csat is not negative. Reports the first bound out of range,
    /// then bounds no value of the field meets together (`below: -0.6, above: 0.6`; a csat
    /// `at_least: 6`), which were accepted until 2026-12-07 and never fired.
    /// - Parameter averaged: compared with an average (`average_over`), which a csat's need
    ///   not be a whole number.
    static func boundsFitTheField(
        _ field: String?, below: Double?, above: Double?, atLeast: Double?, atMost: Double?, averaged: Bool,
        in m: [(key: String, keyNode: Node, value: Node)], _ ctx: YAMLContext
    ) -> Bool {
        guard boundsInRange(field, below: below, above: above, atLeast: atLeast, atMost: atMost, in: m, ctx) else { return false }
        let bounds = ThresholdCondition(event: .sentimentScored, field: field ?? "score", below: below, above: above, atLeast: atLeast, atMost: atMost, window: nil)
        let anyMeets: Bool
        switch (field, averaged) {
        case ("csat", false): anyMeets = (1...5).contains { bounds.crossed(by: Double($0)) }
        case ("csat", true), ("score", _):
            let range: ClosedRange<Double> = field == "csat" ? 1...5 : -1...1
            let low = [range.lowerBound, above, atLeast].compactMap { $0 }.max()!, high = [range.upperBound, below, atMost].compactMap { $0 }.min()!
            anyMeets = low <= high && [low, high, (low + high) / 2].contains { bounds.crossed(by: $0) }
        default: anyMeets = true
        }
        guard anyMeets else {
            let first = ["below", "above", "at_least", "at_most"].first { k in m.contains { $0.key == k } } ?? "below"
            let said = [("below", below), ("above", above), ("at_least", atLeast), ("at_most", atMost)].compactMap { k, v in v.map { "\(k) \(Self.number($0))" } }
            ctx.error(m[first], "no \(field ?? "value")\(field == "csat" ? " (an integer 1..5)" : field == "score" ? " (-1..1)" : "") is \(said.joined(separator: " and ")) at once, so this condition could never hold")
            return false
        }
        return true
    }

    private static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)" }

    private static func boundsInRange(
        _ field: String?, below: Double?, above: Double?, atLeast: Double?, atMost: Double?,
        in m: [(key: String, keyNode: Node, value: Node)], _ ctx: YAMLContext
    ) -> Bool {
        let bounds = [("below", below), ("above", above), ("at_least", atLeast), ("at_most", atMost)]
        if field == "score" {
            for (k, v) in bounds {
                if let v, !(-1...1).contains(v) { ctx.error(m[k], "\(k) \(v) is outside the sentiment range -1..1"); return false }
            }
        }
        if field == "csat" {
            for (k, v) in bounds {
                if let v, v < 0 { ctx.error(m[k], "\(k) must not be negative for csat (1..5), found \(v)"); return false }
            }
        }
        return true
    }

    static func ended(_ node: Node, _ ctx: YAMLContext) -> EndedCondition? {
        guard let m = ctx.mapping(node, what: "ended", allowed: ["reason", "while"]) else { return nil }
        // Every bad item at its own place, and both lists checked: a bad reason hid a bad phase.
        let reasons = ctx.stringItems(ctx.required(m, "reason", in: node, what: "ended"), what: "reason")
        var bad = false
        for r in reasons ?? [] where !["resolved", "abandoned", "unresolved"].contains(r.value) {
            ctx.error(r.node, "reason must be resolved, abandoned or unresolved, found '\(r.value)'")
            bad = true
        }
        var phases: Set<Phase> = []
        for p in m["while"].flatMap({ ctx.stringItems($0, what: "while") }) ?? [] {
            guard let ph = Phase(rawValue: p.value) else {
                ctx.error(p.node, "while must name phases among \(Phase.allCases.map(\.rawValue).joined(separator: ", ")), found '\(p.value)'")
                bad = true
                continue
            }
            phases.insert(ph)
        }
        guard let reasons, !bad else { return nil }
        return EndedCondition(reasons: Set(reasons.map(\.value)), phases: phases)
    }

    static func repeatContact(_ node: Node, _ ctx: YAMLContext) -> RepeatContactCondition? {
        guard let m = ctx.mapping(node, what: "repeat_contact", allowed: ["within", "at_least"]) else { return nil }
        let within = ctx.duration(ctx.required(m, "within", in: node, what: "repeat_contact"), what: "within")
        // A customer remembers its newest `CustomerState.maxStarts` starts: more could never be counted.
        let atLeast = ctx.integer(ctx.required(m, "at_least", in: node, what: "repeat_contact"), what: "at_least", minimum: 2, maximum: CustomerState.maxStarts)
        guard let within, let atLeast else { return nil }
        return RepeatContactCondition(within: within, atLeast: atLeast)
    }

    static func phrases(_ node: Node, _ ctx: YAMLContext) -> PhraseCondition? {
        guard let m = ctx.mapping(node, what: "phrases", allowed: ["sender", "languages"]) else { return nil }
        var sender: String?
        if let s = ctx.string(m["sender"], what: "sender") {
            if s == "customer" || s == "agent" { sender = s } else if s != "any" {
                ctx.error(m["sender"], "sender must be customer, agent or any, found '\(s)'")
                return nil
            }
        }
        var list: [(language: String, phrase: String, original: String)] = []
        guard let langs = ctx.mapping(ctx.required(m, "languages", in: node, what: "phrases"), what: "languages") else { return nil }
        let before = ctx.errors.count
        for lang in langs {
            // Each phrase's own place: errors pointed at the list's `[` (until 2026-12-07).
            for (p, at) in ctx.stringItems(lang.value, what: "phrases of '\(lang.key)'") ?? [] {
                let normalized = TextNormalizer.normalize(p)
                if normalized.trimmingWhitespace.isEmpty { ctx.error(at, "phrase '\(p)' has no letters"); continue }
                list.append((lang.key, normalized, p))
            }
        }
        // Not said again of a list whose phrases were refused one by one.
        if list.isEmpty {
            if ctx.errors.count == before { ctx.error(node, "phrases needs at least one phrase") }
            return nil
        }
        return PhraseCondition(sender: sender, phrases: list)
    }

    static func resolution(_ node: Node, _ ctx: YAMLContext) -> ResolutionCondition? {
        guard let m = ctx.mapping(node, what: "resolution", allowed: ["within", "first_contact_within"]) else { return nil }
        let within = ctx.duration(ctx.required(m, "within", in: node, what: "resolution"), what: "within")
        let first = ctx.duration(m["first_contact_within"], what: "first_contact_within")
        guard let within else { return nil }
        return ResolutionCondition(within: within, firstContactWithin: first)
    }
}
