import Yams

/// Parses silences: the `silences:` list of a rules file, and the body of `POST /silences`
/// (JSON is YAML, so the admin endpoint reports errors with line and column too).
///
/// ```yaml
/// - id: billing-migration
///   match: { rule: [long-wait], queue: [billing], agent: [a-7], channel: [voice], attributes: { tier: [gold] } }
///   starts_at: 2026-11-24T08:00:00Z
///   ends_at: 2026-11-24T10:00:00Z      # or for: 2h
///   comment: the billing queue is moving to the new platform
/// ```
public enum SilenceSection {
    static let keys = ["id", "match", "starts_at", "ends_at", "for", "comment", "created_by"]
    static let matchKeys = ["rule", "queue", "agent", "channel", "attributes"]

    /// - Parameters:
    ///   - id: the id to give it when the node has none (the admin endpoint makes one); nil
    ///     makes `id` required (a rules file).
    ///   - defaultStart: when it starts if `starts_at` is missing (the admin endpoint's now); nil
    ///     makes `starts_at` required, so a rules file means the same on every load.
    ///   - knownMoments: ids a `rule` matcher may name; nil accepts any (a persisted silence may
    ///     name a rule that a later rules file no longer has: it then matches nothing).
    ///   - declared: moment ids of the file that are invalid (reported already): naming one
    ///     fails quietly; nil when no moments were read (their section missing), as for any name.
    ///   - offsetsFrom: when set, `starts_at` and `ends_at` may also be offsets from it
    ///     (`+10m`), as in a rule test.
    public static func parse(
        _ node: Node, _ ctx: YAMLContext, id generated: String?, defaultStart: Timestamp?, knownMoments: Set<String>?,
        declared: Set<String>? = [], offsetsFrom: Timestamp? = nil
    ) -> Silence? {
        guard let m = ctx.mapping(node, what: "a silence", allowed: generated == nil ? keys : keys.filter { $0 != "id" }) else { return nil }
        let before = ctx.errors.count
        let id = generated ?? ctx.string(ctx.required(m, "id", in: node, what: "a silence"), what: "id")
        let matchers = ctx.required(m, "match", in: node, what: "a silence").flatMap { matchersOf($0, ctx, knownMoments: knownMoments, declared: declared) }
        var start = defaultStart
        if let s = m["starts_at"] ?? (defaultStart == nil ? ctx.required(m, "starts_at", in: node, what: "a silence") : nil) {
            start = timestamp(s, ctx, what: "starts_at", offsetsFrom: offsetsFrom)
        }
        var end: Timestamp?
        switch (m["ends_at"], m["for"]) {
        case (let e?, nil): end = timestamp(e, ctx, what: "ends_at", offsetsFrom: offsetsFrom)
        case (nil, let f?): if let d = ctx.duration(f, what: "'for'"), let start { end = start + d }
        case (_?, _?): ctx.error(m["for"], "a silence takes ends_at or for, not both")
        case (nil, nil): ctx.error(node, "a silence needs ends_at or for (how long it lasts)")
        }
        if let start, let end, end <= start { ctx.error(m["ends_at"] ?? m["for"], "a silence must end after it starts") }
        // Kept as RFC 3339 (silences.json, GET /silences), which has the years 0000–9999 only: a
        // silence ending in the year 10000 was written as a number, and at the next start the
        // file was refused whole, every admin silence in it lost.
        if let start, !Timestamp.formattable.contains(start.milliseconds) {
            ctx.error(m["starts_at"] ?? node, "starts_at must be within the years 0000 to 9999 (UTC)")
        } else if let end, !Timestamp.formattable.contains(end.milliseconds) {
            ctx.error(m["ends_at"] ?? m["for"] ?? node, "a silence must end within the years 0000 to 9999 (UTC)")
        }
        let comment = m["comment"].flatMap { ctx.string($0, what: "comment") }
        let createdBy = m["created_by"].flatMap { ctx.string($0, what: "created_by") }
        guard ctx.errors.count == before, let id, let matchers, let start, let end else { return nil }
        return Silence(id: id, matchers: matchers, startsAt: start, endsAt: end, comment: comment, createdBy: createdBy)
    }

    /// The most values a silence's matchers may list in all. A `POST /silences` body is capped
    /// in bytes, but YAML aliases (`attributes: {a: *many, b: *many, …}`) made a 64 KiB body
    /// stand for millions of values, held in memory, written out expanded to the silences file
    /// and read back at every start (until 2026-12-07).
    public static let maxValues = 10_000
    /// The most text (UTF-8 bytes) they may hold in all: an aliased long string counted once
    /// as a value could still stand for tens of megabytes under thousands of keys.
    public static let maxBytes = 64 * 1024

    static func matchersOf(_ node: Node, _ ctx: YAMLContext, knownMoments: Set<String>?, declared: Set<String>? = []) -> SilenceMatchers? {
        guard let m = ctx.mapping(node, what: "match", allowed: matchKeys) else { return nil }
        // Counted before any is read, one level deep (the counts of lists an alias names cost
        // nothing; a deeper walk of aliased mappings could be exponential): a list counts its
        // items, anything else one; an attribute its name and its values. Then their text, only
        // once their number is known to be small.
        func size(_ n: Node?) -> Int {
            guard let n else { return 0 }
            if case .sequence(let s) = n { return s.count }
            return 1
        }
        // One level deep too: a list's text items. A list nested in a list is refused anyway
        // (each item must be text), and walked through aliases, nested lists ten wide and seven
        // deep (600 bytes of body) took 23 s under the registry's lock (until 2026-12-07).
        func bytes(_ n: Node?) -> Int {
            guard let n else { return 0 }
            if case .sequence(let s) = n { return s.reduce(0) { total, item in if case .scalar(let t) = item { total + t.string.utf8.count } else { total } } }
            if case .scalar(let s) = n { return s.string.utf8.count }
            return 0
        }
        let lists = ["rule", "queue", "agent", "channel"].map { m[$0] }
        var attributes: [(key: Node, value: Node)] = []
        if case .mapping(let pairs)? = m["attributes"] { attributes = ctx.pairs(pairs) }
        let listed = lists.reduce(0) { $0 + size($1) } + attributes.reduce(0) { $0 + 1 + size($1.value) }
        guard listed <= Self.maxValues else {
            ctx.error(node, "a silence's matchers may name at most \(Self.maxValues) values and attributes in all, found \(listed)")
            return nil
        }
        let text = lists.reduce(0) { $0 + bytes($1) } + attributes.reduce(0) { $0 + bytes($1.key) + bytes($1.value) }
        guard text <= Self.maxBytes else {
            ctx.error(node, "a silence's matchers may hold at most \(Self.maxBytes) bytes of text in all, found \(text)")
            return nil
        }
        let before = ctx.errors.count
        var out = SilenceMatchers()
        var quietlyBad = false
        for (r, at) in ctx.stringItems(m["rule"], what: "rule") ?? [] {
            if knownMoments?.contains(r) ?? true { out.rules.insert(r) } else if declared?.contains(r) ?? true { quietlyBad = true } else {
                ctx.error(at, MomentReferences.unknown(r, known: knownMoments!))
            }
        }
        if quietlyBad { return nil }
        out.queues = Set(ctx.strings(m["queue"], what: "queue") ?? [])
        out.agents = Set(ctx.strings(m["agent"], what: "agent") ?? [])
        for (c, at) in ctx.stringItems(m["channel"], what: "channel") ?? [] {
            if let ch = Channel(rawValue: c) { out.channels.insert(ch) } else {
                ctx.error(at, "unknown channel '\(c)' (expected voice, chat, email, sms or social)")
            }
        }
        for a in ctx.mapping(m["attributes"], what: "attributes") ?? [] {
            if let values = ctx.strings(a.value, what: "attribute '\(a.key)'") { out.attributes[a.key] = Set(values) }
        }
        guard ctx.errors.count == before else { return nil }
        // A silence with no matcher would mute every moment: almost certainly a mistake.
        if out.isEmpty { ctx.error(node, "a silence needs at least one matcher (rule, queue, agent, channel or attributes)"); return nil }
        return out
    }

    /// A silence in the same form as it is parsed (`starts_at`, `ends_at`, `match`...), for the
    /// admin endpoint's answers and the state file.
    public static func json(_ s: Silence, extra: [(key: String, value: String)] = [], into w: inout JSONWriter) {
        w.objectValue()
        w.key("id"); w.value(s.id)
        w.key("match"); w.objectValue()
        func list(_ key: String, _ values: Set<String>) {
            guard !values.isEmpty else { return }
            w.key(key); w.arrayValue(); values.sorted().forEach { w.value($0) }; w.endArray()
        }
        list("rule", s.matchers.rules); list("queue", s.matchers.queues); list("agent", s.matchers.agents)
        list("channel", Set(s.matchers.channels.map(\.rawValue)))
        if !s.matchers.attributes.isEmpty {
            w.key("attributes"); w.objectValue()
            for (k, v) in s.matchers.attributes.sorted(by: { $0.key < $1.key }) { list(k, v) }
            w.endObject()
        }
        w.endObject()
        w.key("starts_at"); w.value(s.startsAt.description)
        w.key("ends_at"); w.value(s.endsAt.description)
        if let c = s.comment { w.key("comment"); w.value(c) }
        if let c = s.createdBy { w.key("created_by"); w.value(c) }
        for e in extra { w.key(e.key); w.value(e.value) }
        w.endObject()
    }

    static func timestamp(_ node: Node, _ ctx: YAMLContext, what: String, offsetsFrom origin: Timestamp? = nil) -> Timestamp? {
        guard let text = ctx.string(node, what: what) else { return nil }
        if let origin, text.hasPrefix("+") {
            guard let d = DurationParser.parse(String(text.dropFirst())) else {
                ctx.error(node, "bad time '\(text)' for \(what) (write an offset from the test start, such as +10m, or an RFC 3339 time)")
                return nil
            }
            return origin + d
        }
        guard let t = RFC3339.parse(text) else {
            let offsets = origin == nil ? "" : ", or an offset from the test start such as +10m"
            ctx.error(node, "\(what) must be an RFC 3339 time such as 2026-11-24T08:00:00Z\(offsets), found '\(text)'")
            return nil
        }
        return t
    }

    /// The `silences:` list of a rules file; ids must be unique.
    static func parseList(_ node: Node, _ ctx: YAMLContext, knownMoments: Set<String>, declared: Set<String>? = []) -> [Silence] {
        var out: [Silence] = []
        var ids: Set<String> = []
        for item in ctx.sequence(node, what: "silences") ?? [] {
            guard let s = parse(item, ctx, id: nil, defaultStart: nil, knownMoments: knownMoments, declared: declared) else { continue }
            if !ids.insert(s.id).inserted { ctx.error(item, "duplicate silence id '\(s.id)'"); continue }
            out.append(s)
        }
        return out
    }
}
