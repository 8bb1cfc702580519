import Yams

/// Parses a moment's `inhibits:` list: `[{ moment: negative-sentiment, scope: interaction }]`.
/// Moment ids are checked once every moment is known (an inhibited moment may come later).
enum InhibitionSection {
    static func parse(_ node: Node, _ ctx: YAMLContext) -> [Inhibition]? {
        guard let items = ctx.sequence(node, what: "inhibits") else { return nil }
        var out: [Inhibition] = []
        var listed: Set<String> = []
        for item in items {
            guard let m = ctx.mapping(item, what: "an inhibition", allowed: ["moment", "scope"]) else { continue }
            let named = ctx.stringItems(ctx.required(m, "moment", in: item, what: "an inhibition"), what: "moment")
            // Listed twice (in one scope or both) it was counted twice, and which scope held was
            // the order's doing (until 2026-12-07).
            for (id, at) in named ?? [] where !listed.insert(id).inserted {
                ctx.error(at, "moment '\(id)' is inhibited twice; list it once (scope customer covers its interactions too)")
            }
            let ids = named?.map(\.value)
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

    /// Every inhibited id names a moment, no moment inhibits itself, and no moments inhibit
    /// each other, directly (a ⇄ b) or round a longer cycle (a → b → c → a): moments of a cycle
    /// that fire together would all silence each other. Errors point at the inhibited id as
    /// written. `declared` holds every moment id of the file, valid or not: an inhibition of a
    /// moment that has errors of its own is not reported again as unknown.
    static func validate(_ moments: [MomentRule], nodes: [String: Node], declared: Set<String> = [], _ ctx: YAMLContext) -> Bool {
        let known = Set(moments.map(\.id))
        var ok = true
        var edges: [String: [(to: String, at: Node?)]] = [:]
        for m in moments {
            let written = targetNodes(nodes[m.id], ctx)
            for target in m.inhibits.flatMap(\.moments) {
                let at = written[target] ?? nodes[m.id]
                if !known.contains(target) {
                    if !declared.contains(target) {
                        ctx.error(at, "moment '\(m.id)' inhibits unknown moment '\(target)' (defined moments: \(known.sorted().joined(separator: ", ")))")
                    }
                    ok = false
                } else if target == m.id {
                    ctx.error(at, "moment '\(m.id)' cannot inhibit itself")
                    ok = false
                } else if !(edges[m.id] ?? []).contains(where: { $0.to == target }) {
                    edges[m.id, default: []].append((target, at))
                }
            }
        }
        // One error per cycle group (strongly connected set), at the first of its moments in
        // the file, showing one cycle through it.
        var reported: Set<String> = []
        for m in moments where !reported.contains(m.id) {
            guard let path = shortestCycle(from: m.id, edges) else { continue }
            let group = reachable(from: m.id, edges).filter { reachable(from: $0, edges).contains(m.id) }
            reported.formUnion(group)
            let at = edges[m.id]?.first(where: { $0.to == path[1] })?.at
            if path.count == 3 {
                ctx.error(at, "moments '\(path[0])' and '\(path[1])' inhibit each other; keep one direction")
            } else {
                let names = path.dropLast().map { "'\($0)'" }
                ctx.error(at, "moments \(names.dropLast().joined(separator: ", ")) and \(names.last!) inhibit each other in a cycle (\(path.joined(separator: " → "))); remove one of these inhibitions")
            }
            ok = false
        }
        return ok
    }

    /// Each inhibited id of an `inhibits:` list → the node where it is written.
    static func targetNodes(_ inhibits: Node?, _ ctx: YAMLContext) -> [String: Node] {
        guard case .sequence(let items)? = inhibits else { return [:] }
        var out: [String: Node] = [:]
        for item in items {
            guard let value = ctx.member(item, "moment") else { continue }
            let nodes: [Node]
            if case .sequence(let s) = value { nodes = Array(s) } else { nodes = [value] }
            for n in nodes { if let id = n.string, out[id] == nil { out[id] = n } }
        }
        return out
    }

    static func reachable(from start: String, _ edges: [String: [(to: String, at: Node?)]]) -> Set<String> {
        var seen: Set<String> = []
        var stack = [start]
        while let n = stack.popLast() {
            for e in edges[n] ?? [] where seen.insert(e.to).inserted { stack.append(e.to) }
        }
        return seen
    }

    /// `[start, ..., start]`, the shortest way back to `start` (breadth first, edges in file
    /// order), or nil when there is none.
    static func shortestCycle(from start: String, _ edges: [String: [(to: String, at: Node?)]]) -> [String]? {
        var previous: [String: String] = [:]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let n = queue[head]; head += 1
            for e in edges[n] ?? [] {
                if e.to == start {
                    var path = [start, n]
                    while let p = previous[path.last!] { path.append(p) }
                    // path is start, n, ..., start's successor...; previous chains back to start.
                    return Array(path.dropFirst().reversed()) + [start]
                }
                if previous[e.to] == nil, e.to != start { previous[e.to] = n; queue.append(e.to) }
            }
        }
        return nil
    }
}
