/// What a rules change would have changed on recorded traffic (`moments replay --diff`).
///
/// Output ids are deterministic (`i-1:long-wait:1`, `...:apology-discount`), so the outputs of
/// the old and the new rules pair up by id: an id on one side only was added or removed by the
/// change; the same id with other bytes (a new summary, another discount) was changed.
public struct ReplayDiff: Sendable {
    public var onlyOld: [Output]
    public var onlyNew: [Output]
    public var changed: [Change]
    public var unchanged: Int
    /// Counts per kind and rule, sorted by kind then rule.
    public var rows: [Row]
    /// Event lines that could not be decoded (skipped by both runs alike).
    public var malformedLines = 0
    /// Events decoded from the lines (each run read them alike), duplicates included: with none,
    /// "no change" compared nothing (`--fail-on-change` refuses it).
    public var eventsRead = 0
    /// Moments detected but held back (silenced or inhibited), per rule and reason, in each run:
    /// why an output is only in old when the change added a silence or an inhibition.
    public var heldBack: [HeldBack] = []

    public struct HeldBack: Sendable, Equatable {
        public var rule: String
        /// `silenced by <silence id>` or `inhibited by <moment>`.
        public var why: String
        public var old = 0
        public var new = 0
    }

    public struct Change: Sendable {
        public var old: Output
        public var new: Output
        /// Field, old value, new value, for each field that differs.
        public var fields: [(name: String, old: String, new: String)]
    }

    public struct Row: Sendable, Equatable {
        public var kind: OutputKind
        public var rule: String
        public var old = 0
        public var new = 0
        public var onlyOld = 0
        public var onlyNew = 0
        public var changed = 0
    }

    public var isEmpty: Bool { onlyOld.isEmpty && onlyNew.isEmpty && changed.isEmpty }

    /// Replays `events` (JSON lines) through both rule sets, each on its own engines: one per
    /// partition (`moments replay --partitions`), the same number for both.
    public static func replaying(
        _ events: [UInt8], file: String, old: RuleSet, new: RuleSet, dialect: DialectDecoder = DialectDecoder(dialect: .canonical),
        partitions: Int = 1
    ) -> ReplayDiff {
        var malformed = 0, read = 0
        var held: [String: HeldBack] = [:]
        func outputs(_ rules: RuleSet, isOld: Bool) -> [Output] {
            var replayer = PartitionedReplayer(rules: rules, partitions: partitions, dialect: dialect)
            let items = replayer.feed(lines: events, file: file)
            malformed = replayer.malformed
            read = replayer.stats.eventsProcessed + replayer.stats.duplicatesDropped
            for (key, n) in replayer.takeSuppressionCounts() {
                let why: String
                switch key.reason {
                case .silenced(let id): why = "silenced by \(id)"
                case .inhibited(let by): why = "inhibited by \(by)"
                }
                var h = held["\(key.rule) \(why)"] ?? HeldBack(rule: key.rule, why: why)
                if isOld { h.old += n } else { h.new += n }
                held["\(key.rule) \(why)"] = h
            }
            return items.compactMap { if case .output(let o) = $0 { return o } else { return nil } }
        }
        var diff = compare(old: outputs(old, isOld: true), new: outputs(new, isOld: false))
        diff.malformedLines = malformed
        diff.eventsRead = read
        diff.heldBack = held.values.sorted { ($0.rule, $0.why) < ($1.rule, $1.why) }
        return diff
    }

    /// Pairs the two runs by output id and compares the paired outputs' encoded bytes.
    public static func compare(old: [Output], new: [Output], encoder: CloudEventEncoder = CloudEventEncoder()) -> ReplayDiff {
        var diff = ReplayDiff(onlyOld: [], onlyNew: [], changed: [], unchanged: 0, rows: [])
        var rows: [String: Row] = [:]
        func row(_ o: Output, _ update: (inout Row) -> Void) {
            let rule = Self.rule(of: o)
            let key = "\(o.kind.rawValue) \(rule)"
            var r = rows[key] ?? Row(kind: o.kind, rule: rule)
            update(&r)
            rows[key] = r
        }
        // Indices per id, should a run ever repeat an id: the n-th of old pairs with the n-th of new.
        var newByID: [String: [Int]] = [:]
        for (i, o) in new.enumerated() { newByID[o.id, default: []].append(i); row(o) { $0.new += 1 } }
        var paired = Set<Int>()
        for o in old {
            row(o) { $0.old += 1 }
            guard let i = newByID[o.id]?.first else {
                diff.onlyOld.append(o)
                row(o) { $0.onlyOld += 1 }
                continue
            }
            newByID[o.id]!.removeFirst()
            paired.insert(i)
            let n = new[i]
            if Self.sameDocument(encoder.encode(o), encoder.encode(n)) {
                diff.unchanged += 1
            } else {
                diff.changed.append(Change(old: o, new: n, fields: OutputFieldList.differences(o, n)))
                row(n) { $0.changed += 1 }
            }
        }
        for (i, o) in new.enumerated() where !paired.contains(i) {
            diff.onlyNew.append(o)
            row(o) { $0.onlyNew += 1 }
        }
        diff.rows = rows.values.sorted { ($0.kind.order, $0.rule) < ($1.kind.order, $1.rule) }
        return diff
    }

    /// Whether two encoded outputs are the same JSON document, whatever the order of their
    /// members: a recovery rule's `params` keep the order the rules file writes them in, so
    /// reordering them in the YAML, which changes nothing a consumer reads, showed every one of
    /// its actions as changed (and failed `--fail-on-change`). The bytes are compared first.
    static func sameDocument(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        if a == b { return true }
        guard let x = try? JSONParser.parse(a), let y = try? JSONParser.parse(b) else { return false }
        return sameValue(x, y)
    }

    private static func sameValue(_ x: JSONValue, _ y: JSONValue) -> Bool {
        switch (x, y) {
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            return a.allSatisfy { name, value in b.contains { $0.0 == name && sameValue(value, $0.1) } }
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { sameValue($0, $1) }
        default:
            return x == y
        }
    }

    static func rule(of o: Output) -> String {
        switch o {
        case .alert(let a): return a.moment.rule
        case .recovery(let r): return r.rule
        case .coaching(let c): return c.rule
        }
    }
}

extension OutputKind {
    /// Table order: moments first, then what they lead to.
    var order: Int {
        switch self {
        case .alert: return 0
        case .recovery: return 1
        case .coaching: return 2
        case .deadLetter: return 3
        case .state: return 4
        }
    }
}
