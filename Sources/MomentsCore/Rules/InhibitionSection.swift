import Yams

/// Parses a moment's `inhibits:` list: `[{ moment: negative-sentiment, scope: interaction }]`.
/// Moment ids are checked once every moment is known (an inhibited moment may come later).
enum InhibitionSection {
    static func parse(_ node: Node, _ ctx: YAMLContext) -> [Inhibition]? {
        guard let items = ctx.sequence(node, what: "inhibits") else { return nil }
        var out: [Inhibition] = []
        for item in items {
            guard let m = ctx.mapping(item, what: "an inhibition", allowed: ["moment", "scope"]) else { continue }
            let ids = ctx.strings(ctx.required(m, "moment", in: item, what: "an inhibition"), what: "moment")
            var scope = InhibitionScope.interaction
            if let s = ctx.string(m["scope"], what: "scope") {
                if let v = InhibitionScope(rawValue: s) { scope = v } else {
                    ctx.error(m["scope"], "scope must be interaction or customer, found '\(s)'")
                    continue
                }
            }
            if let ids { out.append(Inhibition(moments: ids, scope: scope)) }
        }
        return out
    }

    /// Every inhibited id names a moment, no moment inhibits itself, and no two inhibit each
    /// other (they would silence each other whenever they fire together).
    static func validate(_ moments: [MomentRule], nodes: [String: Node], _ ctx: YAMLContext) -> Bool {
        let known = Set(moments.map(\.id))
        var ok = true
        var edges: Set<[String]> = []
        for m in moments {
            for target in m.inhibits.flatMap(\.moments) {
                let at = nodes[m.id]
                if !known.contains(target) {
                    ctx.error(at, "moment '\(m.id)' inhibits unknown moment '\(target)' (defined moments: \(known.sorted().joined(separator: ", ")))")
                    ok = false
                } else if target == m.id {
                    ctx.error(at, "moment '\(m.id)' cannot inhibit itself")
                    ok = false
                } else {
                    edges.insert([m.id, target])
                }
            }
        }
        for e in edges.sorted(by: { $0.joined() < $1.joined() }) where e[0] < e[1] && edges.contains([e[1], e[0]]) {
            ctx.error(nodes[e[0]], "moments '\(e[0])' and '\(e[1])' inhibit each other; keep one direction")
            ok = false
        }
        return ok
    }
}
