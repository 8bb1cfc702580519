import Yams

/// Reads a rules file (`moments`, `recovery`, `coaching`, optional `settings`) into a validated
/// `RuleSet`, or every error with its file, line and column.
public enum RulesParser {
    public static func parse(yaml: String, file: String) -> Result<RuleSet, ConfigErrors> {
        let ctx = YAMLContext(file: file)
        guard let root = ctx.compose(yaml) else {
            if ctx.errors.isEmpty { ctx.report(line: 1, column: 1, "the rules file is empty") }
            return .failure(ConfigErrors(ctx.errors))
        }
        let rules = parse(node: root, context: ctx)
        if let rules, ctx.errors.isEmpty { return .success(rules) }
        return .failure(ConfigErrors(ctx.errors))
    }

    static let topKeys = ["settings", "schedules", "moments", "recovery", "coaching", "silences"]

    /// Parses a rules mapping that may sit inside a larger file (the daemon's config embeds one).
    public static func parse(node root: Node, context ctx: YAMLContext) -> RuleSet? {
        guard let top = ctx.mapping(root, what: "the rules file", allowed: topKeys, extensions: true) else { return nil }
        let settings = top["settings"].flatMap { SettingsSection.parse($0, ctx) } ?? EngineSettings()
        let schedules = top["schedules"].map { ScheduleSection.parseNamed($0, ctx) } ?? [:]
        // Named under `schedules:`, valid or not: a moment naming one that was refused is not
        // told it is unknown as well (it was, until 2026-12-07, beside the schedule's own error).
        var declaredSchedules: Set<String> = []
        if case .mapping(let m)? = top["schedules"] { for (key, _) in ctx.pairs(m) { if let k = key.string { declaredSchedules.insert(k) } } }
        var moments: [MomentRule] = []
        var ids: [String: Node] = [:]
        // Every id written, valid moment or not: a reference to a moment that has errors of
        // its own is not reported a second time as "unknown moment".
        var declared: Set<String> = []
        // What is known of each refused moment's measures, so a coaching tip naming it is
        // still checked now, not only once the moment is mended (until 2026-12-08 it waited).
        var refused: [String: RefusedMoment] = [:]
        if case .sequence(let items)? = top["moments"] { for item in items { if let id = ctx.member(item, "id")?.string { declared.insert(id) } } }
        if let list = ctx.sequence(top["moments"] ?? { ctx.error(root, "missing 'moments' (the list of moments to detect)"); return nil }(), what: "moments") {
            for item in list {
                guard let m = MomentSection.parse(item, ctx, schedules: schedules, declaredSchedules: declaredSchedules, refused: { refused[$0] = $1 }) else { continue }
                if ids[m.id] != nil { ctx.error(item, "duplicate moment id '\(m.id)'"); continue }
                ids[m.id] = item
                moments.append(m)
            }
        }
        _ = InhibitionSection.validate(moments, nodes: ids.mapValues { ctx.member($0, "inhibits") ?? $0 }, declared: declared, ctx)
        // No list of moments was read (the section missing, misspelled `moment:`, or not a list;
        // said already): no name can be told unknown, so a reference fails quietly. Until
        // 2026-12-08 each was "unknown moment 'x' (defined moments: )", one line per rule.
        var quiet: Set<String>? = declared
        if case .sequence? = top["moments"] {} else { quiet = nil }
        let known = Dictionary(uniqueKeysWithValues: moments.map { ($0.id, $0) })
        var recovery: [RecoveryRule] = []
        var recoveryIDs: Set<String> = []
        for item in top["recovery"].flatMap({ ctx.sequence($0, what: "recovery") }) ?? [] {
            guard let r = RecoverySection.parse(item, ctx, known: known, declared: quiet) else { continue }
            if !recoveryIDs.insert(r.id).inserted { ctx.error(item, "duplicate recovery id '\(r.id)'"); continue }
            recovery.append(r)
        }
        var coaching: [CoachingRule] = []
        var coachingIDs: Set<String> = []
        for item in top["coaching"].flatMap({ ctx.sequence($0, what: "coaching") }) ?? [] {
            guard let c = CoachingSection.parse(item, ctx, known: known, declared: quiet, refused: refused) else { continue }
            if !coachingIDs.insert(c.id).inserted { ctx.error(item, "duplicate coaching id '\(c.id)'"); continue }
            coaching.append(c)
        }
        let silences = top["silences"].map { SilenceSection.parseList($0, ctx, knownMoments: Set(known.keys), declared: quiet) } ?? []
        return RuleSet(moments: moments, recovery: recovery, coaching: coaching, settings: settings, silences: silences)
    }
}

enum SettingsSection {
    static func parse(_ node: Node, _ ctx: YAMLContext) -> EngineSettings? {
        guard let m = ctx.mapping(node, what: "settings", allowed: ["interaction_grace", "interaction_timeout", "duplicate_window", "allowed_lateness"]) else { return nil }
        var s = EngineSettings()
        if let d = ctx.duration(m["interaction_grace"], what: "interaction_grace", allowZero: true) { s.interactionGrace = d }
        if let d = ctx.duration(m["interaction_timeout"], what: "interaction_timeout") { s.interactionTimeout = d }
        if let n = ctx.integer(m["duplicate_window"], what: "duplicate_window", minimum: 1, maximum: DuplicateFilter.maxCapacity) {
            s.duplicateWindow = n
        }
        if let d = ctx.duration(m["allowed_lateness"], what: "allowed_lateness", allowZero: true) { s.allowedLateness = d }
        return s
    }
}

enum MomentSection {
    static let keys = ["id", "kind", "stage", "severity", "when", "only", "alert", "summary", "runbook", "schedule", "outside", "inhibits"]

    /// - Parameter refused: told the id of a moment refused for errors, and what is known of its measures.
    static func parse(
        _ node: Node, _ ctx: YAMLContext, schedules: [String: Schedule] = [:], declaredSchedules: Set<String> = [],
        refused: (String, RefusedMoment) -> Void = { _, _ in }
    ) -> MomentRule? {
        guard let m = ctx.mapping(node, what: "a moment", allowed: keys) else { return nil }
        let errorsBefore = ctx.errors.count
        let id = ctx.ruleID(ctx.required(m, "id", in: node, what: "a moment"))
        let what = "moment '\(id ?? "?")'"
        var kind: MomentKind?
        if let k = ctx.string(ctx.required(m, "kind", in: node, what: what), what: "kind") {
            kind = MomentKind(rawValue: k)
            if kind == nil { ctx.error(m["kind"], "kind must be pain or glory, found '\(k)'") }
        }
        let stage = ctx.string(m["stage"], what: "stage") ?? "SMOT"
        var severity = kind == .glory ? Severity.info : .medium
        if let s = ctx.string(m["severity"], what: "severity") {
            if let v = Severity(rawValue: s) { severity = v } else {
                ctx.error(m["severity"], "severity must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", ")), found '\(s)'")
            }
        }
        let condition = ConditionSection.parse(ctx.required(m, "when", in: node, what: what), ctx)
        let filter = m["only"].flatMap { FilterSection.parse($0, ctx, what: "only") } ?? Filter()
        let alert = ctx.bool(m["alert"], what: "alert") ?? true
        let schedule = ScheduleSection.parseRule(schedule: m["schedule"], outside: m["outside"], condition: condition, named: schedules, declared: declaredSchedules, ctx)
        let inhibits = m["inhibits"].flatMap { InhibitionSection.parse($0, ctx) } ?? []
        var summary = Template(segments: [], source: "")
        var runbook: Template?
        if let condition {
            let allowed = Placeholders.common.union(condition.measures)
            let text = m["summary"].flatMap { ctx.string($0, what: "summary") } ?? defaultSummary(id ?? "", condition)
            summary = TemplateSection.parse(text, node: m["summary"] ?? node, allowed: allowed, ctx) ?? summary
            if let text = m["runbook"].flatMap({ ctx.string($0, what: "runbook") }) {
                runbook = TemplateSection.parse(text, node: m["runbook"]!, allowed: allowed, ctx)
            }
        } else {
            // The condition was refused, so its measures are not known; a placeholder that no
            // condition written here could fill is reported now, with the condition's error,
            // not at the next check once that is mended (until 2026-12-07 it waited).
            let allowed = Placeholders.common.union(anyMeasure(writtenIn: m["when"]))
            for key in ["summary", "runbook"] {
                if let node = m[key], let text = ctx.string(node, what: key) {
                    _ = TemplateSection.parse(text, node: node, allowed: allowed, ctx, refusedCondition: "its condition")
                }
            }
        }
        guard ctx.errors.count == errorsBefore, let id, let kind, let condition else {
            if let id {
                refused(id, condition.map { RefusedMoment(measures: Set($0.measures), conditionRefused: false) }
                    ?? RefusedMoment(measures: anyMeasure(writtenIn: m["when"]), conditionRefused: true))
            }
            return nil
        }
        return MomentRule(
            id: id, kind: kind, stage: stage, severity: severity, condition: condition, filter: filter, alert: alert, summary: summary,
            runbook: runbook, schedule: schedule, inhibits: inhibits)
    }

    /// Every measure a condition written as `when` might give, valid or not: each condition's
    /// default measures, the numeric fields, and every name written in it (a `measure:` or
    /// `field:` value) with the suffixes measures take. Used only to tell which placeholders
    /// no condition could fill while the condition itself is refused. A bounded walk: an
    /// alias repeats its anchor's node.
    static func anyMeasure(writtenIn when: Node?) -> Set<String> {
        var names: Set<String> = ["wait", "count", "contacts", "phrase", "language", "handle"]
        names.formUnion(EventData.numericFields)
        var left = 1_000
        func walk(_ node: Node) {
            guard left > 0 else { return }
            left -= 1
            switch node {
            case .scalar(let s): if Placeholders.isName(s.string) { names.insert(s.string) }
            case .mapping(let m): for (k, v) in m { walk(k); walk(v) }
            case .sequence(let q): for item in q { walk(item) }
            case .alias: break
            }
        }
        if let when { walk(when) }
        return names.reduce(into: names) { all, name in
            all.insert(name + "_seconds")
            all.insert(name + "_samples")
        }
    }

    static func defaultSummary(_ id: String, _ c: Condition) -> String {
        switch c {
        case .wait(let w): return "\(id): \(w.measure) of {\(w.measure)} (interaction {interaction_id}, queue {queue})"
        case .count(let k): return "\(id): \(k.measure) reached {\(k.measure)} (interaction {interaction_id})"
        case .threshold(let t): return "\(id): \(t.field) {\(t.field)} (interaction {interaction_id})"
        case .repeatContact: return "\(id): contact number {contacts} of customer {customer_id}"
        case .phrases: return "\(id): customer said \"{phrase}\" ({language}) in interaction {interaction_id}"
        case .resolution: return "\(id): resolved {handle} after the agent connected (interaction {interaction_id})"
        case .match, .ended: return "\(id) (interaction {interaction_id}, queue {queue})"
        }
    }
}

/// A moment refused for errors of its own: its condition's measures when the condition was read,
/// else every name its refused condition might measure (`MomentSection.anyMeasure`).
struct RefusedMoment {
    var measures: Set<String>
    var conditionRefused: Bool
}

enum TemplateSection {
    /// - Parameter refusedCondition: set when `allowed` is every name a refused condition might
    ///   measure, which the error does not list; names that condition ("its condition").
    static func parse(_ text: String, node: Node, allowed: Set<String>, _ ctx: YAMLContext, refusedCondition: String? = nil) -> Template? {
        switch Template.parse(text) {
        case .failure(let e):
            ctx.error(node, "bad template: \(e.message) at character \(e.offset + 1)")
            return nil
        case .success(let t):
            var ok = true
            for p in t.placeholders where !allowed.contains(p) {
                let message = refusedCondition.map {
                    "unknown placeholder '{\(p)}' (every moment fills: \(Placeholders.common.sorted().joined(separator: ", ")); \($0), once mended, adds its measures)"
                }
                    ?? "unknown placeholder '{\(p)}' (available here: \(allowed.sorted().joined(separator: ", ")))"
                // At the placeholder itself when the template is on one line, else at its start.
                if let at = ctx.location(of: "{\(p)}", in: node) { ctx.report(line: at.line, column: at.column, message) } else { ctx.error(node, message) }
                ok = false
            }
            return ok ? t : nil
        }
    }
}

enum FilterSection {
    static func parse(_ node: Node, _ ctx: YAMLContext, what: String) -> Filter? {
        guard let m = ctx.mapping(node, what: what, allowed: ["channel", "queue", "attributes"]) else { return nil }
        var f = Filter()
        for c in ctx.stringItems(m["channel"], what: "channel") ?? [] {
            if let ch = Channel(rawValue: c.value) { f.channels.insert(ch) } else {
                ctx.error(c.node, "unknown channel '\(c.value)' (expected voice, chat, email, sms or social)")
            }
        }
        f.queues = Set(ctx.strings(m["queue"], what: "queue") ?? [])
        if let attrs = ctx.mapping(m["attributes"], what: "attributes") {
            for a in attrs {
                if let values = ctx.strings(a.value, what: "attribute '\(a.key)'") { f.attributes.append((a.key, Set(values))) }
            }
        }
        return f
    }
}

enum RecoverySection {
    static func parse(_ node: Node, _ ctx: YAMLContext, known: [String: MomentRule], declared: Set<String>? = []) -> RecoveryRule? {
        guard let m = ctx.mapping(node, what: "a recovery rule", allowed: ["id", "on", "action", "params", "cooldown", "daily_budget", "priority"]) else { return nil }
        let before = ctx.errors.count
        let id = ctx.ruleID(ctx.required(m, "id", in: node, what: "a recovery rule"))
        let what = "recovery rule '\(id ?? "?")'"
        let on = MomentReferences.parse(ctx.required(m, "on", in: node, what: what), ctx, known: known, declared: declared)
        let action = ctx.string(ctx.required(m, "action", in: node, what: what), what: "action")
        var params: [(key: String, value: JSONValue)] = []
        if let p = ctx.mapping(m["params"], what: "params") {
            for member in p {
                guard case .scalar(let s) = member.value else { ctx.error(member.value, "param '\(member.key)' must be a number or text"); continue }
                // `x: ~` went out as the text "~" (until 2026-12-07), as `runbook: null` once did.
                guard !YAMLContext.isNull(s) else {
                    ctx.error(member.value, "param '\(member.key)' is null; remove it, or quote the text")
                    continue
                }
                // Negative numbers too (`offset: -5`): they were refused until 2026-12-08, by a
                // check that came with the first parser and no reason; the schema takes any number.
                if s.style == .plain, let n = Double(s.string), n.isFinite, DecimalText.isExact(s.string, n) {
                    params.append((member.key, .number(n)))
                } else {
                    params.append((member.key, .string(s.string)))
                }
            }
        }
        let cooldown = ctx.duration(m["cooldown"], what: "cooldown")
        let budget = ctx.integer(m["daily_budget"], what: "daily_budget", minimum: 0)
        let priority = ctx.integer(m["priority"], what: "priority", minimum: Int.min) ?? 0
        guard ctx.errors.count == before, let id, let on, let action else { return nil }
        return RecoveryRule(id: id, on: on, action: action, params: params, cooldown: cooldown, dailyBudget: budget, priority: priority)
    }
}

enum CoachingSection {
    static func parse(_ node: Node, _ ctx: YAMLContext, known: [String: MomentRule], declared: Set<String>? = [], refused: [String: RefusedMoment] = [:]) -> CoachingRule? {
        guard let m = ctx.mapping(node, what: "a coaching rule", allowed: ["id", "on", "kind", "tip"]) else { return nil }
        let before = ctx.errors.count
        let id = ctx.ruleID(ctx.required(m, "id", in: node, what: "a coaching rule"))
        let what = "coaching rule '\(id ?? "?")'"
        let names = MomentReferences.names(ctx.required(m, "on", in: node, what: what), ctx, known: known, declared: declared)
        let on = names.flatMap { $0.ok ? $0.ids : nil }
        var kind: CoachingKind?
        if let k = ctx.string(ctx.required(m, "kind", in: node, what: what), what: "kind") {
            kind = CoachingKind(rawValue: k)
            if kind == nil { ctx.error(m["kind"], "kind must be corrective or positive, found '\(k)'") }
        }
        var tip: Template?
        // Checked when every moment named is in the file, valid or refused for errors of its own
        // (what is known of a refused one's measures stands for them); not for a name that is
        // unknown, whose measures nothing tells.
        if let text = ctx.string(ctx.required(m, "tip", in: node, what: what), what: "tip"), let ids = names?.ids,
            ids.allSatisfy({ known[$0] != nil || refused[$0] != nil }) {
            // A tip may only use what every moment it reacts to can fill in.
            var allowed = Placeholders.common
            let measures = ids.compactMap { known[$0].map { Set($0.condition.measures) } ?? refused[$0]?.measures }
            if let first = measures.first { allowed.formUnion(measures.dropFirst().reduce(first) { $0.intersection($1) }) }
            let unread = ids.first { refused[$0]?.conditionRefused == true }
            tip = TemplateSection.parse(text, node: m["tip"]!, allowed: allowed, ctx, refusedCondition: unread.map { "the condition of moment '\($0)'" })
        }
        guard ctx.errors.count == before, let id, let on, let kind, let tip else { return nil }
        return CoachingRule(id: id, on: on, kind: kind, tip: tip)
    }
}

enum MomentReferences {
    /// `declared`: ids of moments that are in the file but invalid (their errors are reported
    /// already); naming one fails quietly. Nil when no moments were read: any name fails quietly.
    static func parse(_ node: Node?, _ ctx: YAMLContext, known: [String: MomentRule], declared: Set<String>? = []) -> [String]? {
        names(node, ctx, known: known, declared: declared).flatMap { $0.ok ? $0.ids : nil }
    }

    /// The ids named, and whether each is a valid moment named once (errors reported); nil when
    /// `on` is not a name or a list of names.
    static func names(_ node: Node?, _ ctx: YAMLContext, known: [String: MomentRule], declared: Set<String>? = []) -> (ids: [String], ok: Bool)? {
        guard let items = ctx.stringItems(node, what: "on") else { return nil }
        var ok = true
        for (id, at) in items where known[id] == nil {
            if let declared, !declared.contains(id) { ctx.error(at, unknown(id, known: Set(known.keys))) }
            ok = false
        }
        // A moment listed twice would make the rule give two identical outputs each time it fires.
        var seen: Set<String> = []
        for (id, at) in items where !seen.insert(id).inserted {
            ctx.error(at, "moment '\(id)' is named twice in on")
            ok = false
        }
        return (items.map(\.value), ok)
    }
}

extension MomentReferences {
    /// `moments: []` defines none; "(defined moments: )" said so with an empty list.
    static func unknown(_ id: String, known: Set<String>) -> String {
        "unknown moment '\(id)' " + (known.isEmpty ? "(no moments are defined)" : "(defined moments: \(known.sorted().joined(separator: ", ")))")
    }
}
