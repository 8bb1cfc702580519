/// The engine's state as records, for a changelog topic (the Kafka Streams model): one record
/// per customer (keyed by customer id; nil means "forget this customer", a tombstone) and one
/// for the partition (clock and budgets). Rules are referred to by id, so a snapshot restores
/// under changed rules as a reload does. The duplicate window is not part of it: a redelivery
/// across a restore is processed again and repeats its output ids.
extension Engine {
    /// Customers changed since the last call, each with its state (nil: forgotten).
    public mutating func takeChangedCustomers() -> [(customer: String, state: [UInt8]?)] {
        takeChangedStates().map { ($0.customer, $0.encoded()) }
    }

    /// Customers changed since the last call, each with a copy of its state as it is now, to be
    /// encoded later (`ChangedState.encoded()`), so a checkpoint need not stop the stream for
    /// the JSON of every changed customer. In the order they first changed: as deterministic as
    /// sorting the ids, which was a third of the changelog's cost.
    public mutating func takeChangedStates() -> [ChangedState] {
        let ids = changed.inOrder
        changed.removeAll()
        let momentIDs = index.momentIDs
        var states: [ChangedState] = []
        states.reserveCapacity(ids.count)
        for id in ids { states.append(ChangedState(customer: id, state: customers[id], momentIDs: momentIDs)) }
        return states
    }

    /// Marks `customer` as changed, so the next `takeChangedStates` includes its state as it is
    /// then: for a runtime whose changelog record of that customer was lost.
    public mutating func markUnwritten(_ customer: String) {
        changed.insert(customer)
    }

    /// Marks every customer as changed, so the next `takeChangedCustomers` is a full snapshot.
    public mutating func markAllChanged() {
        for id in customers.keys.sorted() { changed.insert(id) }
    }

    /// Every customer's state, for a full snapshot.
    public func allCustomers() -> [(customer: String, state: [UInt8])] {
        customers.keys.sorted().map { ($0, Self.encode(customers[$0]!, momentIDs: index.momentIDs)) }
    }

    /// Clock and budgets of the partition, and the last input offset the state reflects.
    public func partitionState(inputOffset: Int64?) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key(json: "\"v\":"); w.value(1)
        w.key(json: "\"input_offset\":"); if let o = inputOffset { w.value(o) } else { w.null() }
        w.key(json: "\"clock\":"); w.value(clock.milliseconds)
        w.key(json: "\"budgets\":"); w.objectValue()
        for (rule, b) in budgets.sorted(by: { $0.key < $1.key }) {
            w.key(rule); w.arrayValue(); w.value(b.day); w.value(b.used); w.endArray()
        }
        w.endObject()
        // Each moment rule's kind (since 2026-12-08): customers' records name rules by id only.
        w.key(json: "\"kinds\":"); w.objectValue()
        for m in rules.moments { w.key(m.id); w.value(m.condition.keyword) }
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// The last input offset a partition record says its state reflects.
    public static func inputOffset(ofPartitionState bytes: [UInt8]) -> Int64? {
        guard let json = try? parse(bytes) else { return nil }
        return try? optionalWhole(json["input_offset"], "input_offset")
    }

    /// Builds an engine from changelog records (the last per key wins, already applied by the
    /// caller). Timers are rebuilt from the state: a customer still waiting gets their timer back.
    ///
    /// `laterBatchStates`: for customers whose record is of a later batch than the partition
    /// record (its customer records landed, its partition record did not), that batch's partition
    /// record. Its budgets are the later ones (a discount given in that batch counts against the
    /// day's budget: taken from the older partition record, the budget forgot it and gave one
    /// more), and its clock is the one such a customer's timers had run to (a wait that had
    /// fired there was timed again, and fired a second time with other bytes).
    public static func restored(
        rules: RuleSet, partition: [UInt8]?, customers records: [String: [UInt8]], laterBatchStates: [String: [UInt8]] = [:]
    ) throws(SnapshotError) -> Engine {
        var engine = Engine(rules: rules)
        var kinds: [String: String]?
        if let partition {
            let state = try decodePartition(partition)
            engine.clock = state.clock
            engine.budgets = state.budgets
            kinds = state.kinds
        }
        var laterKinds: [String: [String: String]?] = [:]
        var customerClocks: [String: Timestamp] = [:]
        for (id, bytes) in laterBatchStates {
            let later = try decodePartition(bytes)
            customerClocks[id] = max(engine.clock, later.clock)
            laterKinds[id] = later.kinds
            // The use of a later day, or more of the same day: budgets only grow within a day.
            for (rule, b) in later.budgets where engine.budgets[rule].map({ ($0.day, $0.used) < (b.day, b.used) }) ?? true {
                engine.budgets[rule] = b
            }
        }
        // A rule whose kind changed since the state was written starts fresh, as a reload
        // (`sameKind`) has it: until 2026-12-08 a restart kept its state, so a rule turned from
        // `match` into `count` found the interaction already fired and never fired in it. A
        // customer whose record is of a later batch was written under that batch's rules.
        let ruleIndex = Self.ruleIndex(rules, writtenUnder: kinds)
        for (id, bytes) in records {
            let index = laterKinds[id].map { Self.ruleIndex(rules, writtenUnder: $0) } ?? ruleIndex
            engine.customers[id] = try decodeCustomer(id, parse(bytes), ruleIndex: index)
        }
        // Rules other than those the records were written under: every customer is written
        // again at the next checkpoint, as a reload has it, so that the next restore does not
        // find the state dropped here (it would, with this partition's record written anew).
        if let kinds, kinds != Dictionary(rules.moments.map { ($0.id, $0.condition.keyword) }, uniquingKeysWith: { a, _ in a }) {
            engine.markAllChanged()
        }
        engine.rebuildTimers(customerClocks: customerClocks)
        return engine
    }

    /// The current rules by the ids a record names them by, less those whose state it cannot
    /// hold: one of another kind when it was written, or one its writer did not have (removed
    /// and added back, perhaps of another kind). `kinds` nil: a record from before 2026-12-08,
    /// read by id alone.
    static func ruleIndex(_ rules: RuleSet, writtenUnder kinds: [String: String]?) -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, m) in rules.moments.enumerated() where kinds.map({ $0[m.id] == m.condition.keyword }) ?? true { index[m.id] = i }
        return index
    }

    /// A partition record's clock and daily budgets.
    static func decodePartition(_ bytes: [UInt8]) throws(SnapshotError) -> (clock: Timestamp, budgets: [String: (day: Int64, used: Int)], kinds: [String: String]?) {
        let json = try parse(bytes)
        try checkFormat(json)
        // Read by `inputOffset(ofPartitionState:)`; refused here, so the restore replays instead
        // of resuming after an offset the record does not really give.
        if let offset = try optionalWhole(json["input_offset"], "input_offset"), offset < 0 { throw SnapshotError("input_offset \(offset) is negative") }
        var budgets: [String: (day: Int64, used: Int)] = [:]
        if case .object(let members)? = json["budgets"] {
            for (rule, v) in members {
                guard case .array(let pair) = v, pair.count == 2, let d = pair[0].numberValue,
                      let used = try optionalCount(pair[1], "budget use of \(rule)") else {
                    throw SnapshotError("budget of \(rule) is malformed")
                }
                budgets[rule] = (try whole(d, "budget day of \(rule)"), used)
            }
        }
        var kinds: [String: String]?
        if case .object(let members)? = json["kinds"] {
            var read: [String: String] = [:]
            for (rule, kind) in members {
                guard let k = kind.stringValue else { throw SnapshotError("kind of \(rule) is malformed") }
                read[rule] = k
            }
            kinds = read
        }
        guard let clock = json["clock"]?.numberValue else { throw SnapshotError("clock missing") }
        return (try time(clock, "clock"), budgets, kinds)
    }

    /// Schedules what the state implies: open waits, and the evictions that keep state bounded.
    /// `customerClocks`: a customer's own clock where its state is of a later batch than the
    /// partition's (`restored`).
    mutating func rebuildTimers(customerClocks: [String: Timestamp] = [:]) {
        timers = TimerQueue()
        let settings = rules.settings
        for id in customers.keys.sorted() {
            let customer = customers[id]!
            if customer.interactions.isEmpty {
                schedule(.evictCustomer(customer: id), at: clock)
                continue
            }
            let firedUpTo = customerClocks[id] ?? clock
            for iid in customer.interactions.keys.sorted() {
                let ix = customer.interactions[iid]!
                for (r, ws) in ix.waits.sorted(by: { $0.key < $1.key }) {
                    // Due at or before the clock: it fired before the state was taken (a step
                    // ends with every due timer fired), perhaps emitting nothing (a filter), and
                    // the wait's close decides now. Rebuilt, it fired a second time.
                    guard let due = ws.decisionDue(lateness: settings.allowedLateness), due > firedUpTo else { continue }
                    schedule(.wait(customer: id, interaction: iid, rule: r, episode: ws.episode), at: due)
                }
                let expiry = ix.endedAt != nil ? max(ix.endedAt!, ix.lastEventAt) + settings.interactionGrace : ix.lastEventAt + settings.interactionTimeout
                schedule(.evictInteraction(customer: id, interaction: iid), at: expiry)
            }
        }
    }

    /// A customer's record; rules are named by `momentIDs` (by rule index), those of the rule
    /// set the state was taken under.
    static func encode(_ c: CustomerState, momentIDs: [String]) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key(json: "\"v\":"); w.value(1)
        w.key(json: "\"starts\":"); w.arrayValue()
        for s in c.starts { w.arrayValue(); w.value(s.interaction); w.value(s.at.milliseconds); w.endArray() }
        w.endArray()
        w.key(json: "\"last_recovery\":"); w.objectValue()
        for (rule, at) in c.lastRecovery.sorted(by: { $0.key < $1.key }) { w.key(rule); w.value(at.milliseconds) }
        w.endObject()
        w.key(json: "\"interactions\":"); w.objectValue()
        c.interactions.forEachByID { ix in
            w.key(ix.id); w.objectValue()
            w.key(json: "\"channel\":"); w.value(ix.channel.rawValue)
            w.key(json: "\"queue\":"); w.value(ix.queue)
            w.key(json: "\"agent\":"); w.value(ix.agentID)
            // Since 2026-12-07; a record without them lets the next event set queue and agent.
            if ix.queue != nil { w.key(json: "\"queue_at\":"); w.value(ix.queueSetAt.milliseconds) }
            if ix.agentID != nil { w.key(json: "\"agent_at\":"); w.value(ix.agentSetAt.milliseconds) }
            w.key(json: "\"attributes\":"); w.objectValue()
            // In the attributes' own order (UTF-8 byte order), straight from their bytes.
            ix.attributes.forEachUTF8 { k, v in w.key(utf8: k); w.value(utf8: v) }
            w.endObject()
            w.key(json: "\"phase\":"); w.value(ix.phase.rawValue)
            w.key(json: "\"phase_at\":"); w.value(ix.phaseSetAt.milliseconds)
            w.key(json: "\"first_connected\":"); if let t = ix.firstConnectedAt { w.value(t.milliseconds) } else { w.null() }
            w.key(json: "\"ended\":"); if let t = ix.endedAt { w.value(t.milliseconds) } else { w.null() }
            if let reason = ix.endReason {
                // Since 2026-12-06; without it (and with `phase_at` the end's time, as written
                // before) a restored end is not judged again.
                w.key(json: "\"end_reason\":"); w.value(reason.rawValue)
            }
            w.key(json: "\"last\":"); w.value(ix.lastEventAt.milliseconds)
            w.key(json: "\"fired\":"); w.arrayValue()
            ix.fired.forEachAscending { w.value(momentIDs[$0]) }
            w.endArray()
            w.key(json: "\"counts\":"); w.objectValue()
            ix.counts.forEachByKey { r, n in w.key(momentIDs[r]); w.value(n) }
            w.endObject()
            encodeWindows(ix, momentIDs: momentIDs, into: &w)
            w.key(json: "\"waits\":"); w.objectValue()
            ix.waits.forEachByKey { r, ws in
                w.key(momentIDs[r]); w.objectValue()
                w.key(json: "\"episode\":"); w.value(ws.episode)
                w.key(json: "\"opened\":"); if let t = ws.openedAt { w.value(t.milliseconds) } else { w.null() }
                w.key(json: "\"limit\":"); w.value(ws.limit.milliseconds)
                w.key(json: "\"pending_closes\":"); w.arrayValue(); for t in ws.pendingCloses.all { w.value(t.milliseconds) }; w.endArray()
                if ws.laterOpener != .never { w.key(json: "\"later_opener\":"); w.value(ws.laterOpener.milliseconds) }
                if ws.hasClosedEpisode {   // one that lasted no time too
                    w.key(json: "\"last_episode\":"); w.arrayValue(); w.value(ws.lastEpisode.lowerBound.milliseconds); w.value(ws.lastEpisode.upperBound.milliseconds); w.endArray()
                }
                w.key(json: "\"fired_episodes\":"); w.arrayValue(); ws.firedEpisodes.forEachAscending { w.value($0) }; w.endArray()
                w.endObject()
            }
            w.endObject()
            w.endObject()
        }
        w.endObject()
        w.endObject()
        return w.bytes
    }

    static func decodeCustomer(_ customerID: String, _ json: JSONValue, ruleIndex: [String: Int]) throws(SnapshotError) -> CustomerState {
        try checkFormat(json)
        var c = CustomerState()
        if case .array(let starts)? = json["starts"] {
            for s in starts {
                guard case .array(let pair) = s, pair.count == 2, let iid = pair[0].stringValue, let at = pair[1].numberValue else {
                    throw SnapshotError("a contact start is malformed")
                }
                c.starts.append((iid, try time(at, "a contact start")))
            }
            // Records written before 2026-12-08 kept same-moment starts in arrival order.
            c.starts.sort(by: CustomerState.precedes)
        }
        if case .object(let members)? = json["last_recovery"] {
            for (rule, at) in members { c.lastRecovery[rule] = try optionalTime(at, "last recovery of \(rule)") ?? Timestamp(milliseconds: 0) }
        }
        guard case .object(let interactions)? = json["interactions"] else { throw SnapshotError("interactions missing") }
        for (iid, v) in interactions {
            guard let channel = v["channel"]?.stringValue.flatMap(Channel.init(rawValue:)) else {
                throw SnapshotError("interaction \(iid) has no channel")
            }
            guard let last = v["last"]?.numberValue else { throw SnapshotError("last missing") }
            var ix = InteractionState(id: iid, customerID: customerID, channel: channel, at: try time(last, "last"))
            ix.queue = v["queue"]?.stringValue
            ix.agentID = v["agent"]?.stringValue
            if let t = try optionalTime(v["queue_at"], "queue_at", sentinel: notYet) { ix.queueSetAt = t }
            if let t = try optionalTime(v["agent_at"], "agent_at", sentinel: notYet) { ix.agentSetAt = t }
            if case .object(let attrs)? = v["attributes"] { for (k, a) in attrs { ix.attributes[k] = a.stringValue } }
            ix.phase = v["phase"]?.stringValue.flatMap(Phase.init(rawValue:)) ?? .started
            guard let phaseAt = v["phase_at"]?.numberValue else { throw SnapshotError("phase_at missing") }
            ix.phaseSetAt = try time(phaseAt, "phase_at", sentinel: notYet)
            ix.firstConnectedAt = try optionalTime(v["first_connected"], "first_connected")
            ix.endedAt = try optionalTime(v["ended"], "ended")
            ix.endReason = v["end_reason"]?.stringValue.flatMap(EndReason.init(rawValue:))
            if case .array(let fired)? = v["fired"] { ix.fired = SmallIntSet(fired.compactMap { $0.stringValue.flatMap { ruleIndex[$0] } }) }
            if case .object(let counts)? = v["counts"] {
                for (rule, n) in counts { if let r = ruleIndex[rule], let n = try optionalCount(n, "count of \(rule)") { ix.counts[r] = n } }
            }
            try decodeWindows(v["windows"], into: &ix, ruleIndex: ruleIndex)
            if case .object(let waits)? = v["waits"] {
                for (rule, ws) in waits {
                    guard let r = ruleIndex[rule] else { continue }
                    var state = WaitState()
                    state.episode = try optionalCount(ws["episode"], "episode") ?? 0
                    state.openedAt = try optionalTime(ws["opened"], "opened")
                    state.limit = Duration(milliseconds: try optionalWhole(ws["limit"], "limit") ?? 0)
                    guard (0...maxDuration.milliseconds).contains(state.limit.milliseconds) else {
                        throw SnapshotError("limit of \(rule) is out of range: \(state.limit.milliseconds) ms")
                    }
                    if case .array(let closes)? = ws["pending_closes"] {
                        for t in closes { if let t = try optionalTime(t, "pending_closes") { state.pendingCloses.add(t) } }
                    } else if let t = try optionalTime(ws["pending_close"], "pending_close") {
                        state.pendingCloses.add(t)   // written before 2026-12-05: one value
                    }
                    if let t = try optionalTime(ws["later_opener"], "later_opener", sentinel: .never) { state.laterOpener = t }
                    if case .array(let last)? = ws["last_episode"], last.count == 2,
                       let opened = try optionalTime(last[0], "last_episode"), let closed = try optionalTime(last[1], "last_episode"), opened <= closed {
                        state.lastEpisode = opened..<closed
                    }
                    if case .array(let eps)? = ws["fired_episodes"] {
                        // Sorted once, not inserted one by one: a forged list of 40,000 took 18 s.
                        var episodes: [Int] = []
                        for e in eps { if let e = try optionalCount(e, "fired_episodes") { episodes.append(e) } }
                        state.firedEpisodes = SmallIntSet(episodes)
                    }
                    ix.waits[r] = state
                }
            }
            c.interactions[iid] = ix
        }
        return c
    }

    static func parse(_ bytes: [UInt8]) throws(SnapshotError) -> JSONValue {
        var limits = JSONParser.Limits()
        limits.maxBytes = 16 << 20
        do { return try JSONParser.parse(bytes, limits: limits) } catch { throw SnapshotError(error.description) }
    }

    /// The whole number `v` holds, nil if it holds no number.
    static func optionalWhole(_ v: JSONValue?, _ name: String) throws(SnapshotError) -> Int64? {
        guard let n = v?.numberValue else { return nil }
        return try whole(n, name)
    }

    /// A whole number as a record holds it (times in milliseconds, offsets, counts): one an
    /// `Int64` holds exactly, such as the `Int64.min` an interaction's phase time starts at.
    /// `Int64(_:)` traps on anything else, so one corrupt record (`"clock": 1e19`) stopped every
    /// instance the partition was assigned to, at every start; refused, the partition is
    /// rebuilt by replaying its input instead. Times, durations and counts are held to ranges
    /// of their own (`time`, `maxDuration`, `optionalCount`).
    static func whole(_ n: Double, _ name: String) throws(SnapshotError) -> Int64 {
        guard let value = Int64(exactly: n) else { throw SnapshotError("\(name) is not a whole number an Int64 holds: \(n)") }
        return value
    }

    /// The times a record may hold: those RFC 3339 writes (years 1 to 9999), and, in the fields
    /// the engine stores them in, its two sentinels (`notYet`, `Timestamp.never`). A time
    /// far outside came only from a corrupt or forged record, and trapped later in arithmetic
    /// that does not wrap (a schedule's local time: a wait `limit` near `Int64.min` put its
    /// deadline there, and the next closer stopped the process, at every restart).
    static let timeRange: ClosedRange<Int64> = -62_135_596_800_000...253_402_300_799_999
    /// The longest duration a record may hold (a wait's limit): the longest a rules file may give.
    static let maxDuration = DurationParser.maximum
    /// Counts and episode numbers: far beyond any interaction's, far below overflow.
    static let maxCount: Int64 = 1 << 48

    /// `sentinel`: the one value outside the range the engine stores in this field, if any.
    static func time(_ n: Double, _ name: String, sentinel: Timestamp? = nil) throws(SnapshotError) -> Timestamp {
        let ms = try whole(n, name)
        guard timeRange.contains(ms) || ms == sentinel?.milliseconds else {
            throw SnapshotError("\(name) is out of range: \(ms) ms")
        }
        return Timestamp(milliseconds: ms)
    }

    static func optionalTime(_ v: JSONValue?, _ name: String, sentinel: Timestamp? = nil) throws(SnapshotError) -> Timestamp? {
        guard let n = v?.numberValue else { return nil }
        return try time(n, name, sentinel: sentinel)
    }

    /// "Not yet": where a phase, queue or agent time starts.
    static let notYet = Timestamp(milliseconds: .min)

    static func optionalCount(_ v: JSONValue?, _ name: String) throws(SnapshotError) -> Int? {
        guard let n = try optionalWhole(v, name) else { return nil }
        guard (0...maxCount).contains(n) else { throw SnapshotError("\(name) is out of range: \(n)") }
        return Int(n)
    }

    /// Refuses a record of another format: one written by a later version (after a rollback)
    /// would be misread, not refused.
    static func checkFormat(_ json: JSONValue) throws(SnapshotError) {
        guard let v = json["v"]?.numberValue else { return }   // none: the earliest records
        guard v == 1 else { throw SnapshotError("format \(v), this version reads format 1") }
    }
}

public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = "state record: \(d)" }
}

/// A changed customer's state as it was when taken (`Engine.takeChangedStates`). A copy shares
/// the state's storage (copy on write), so taking it costs a few retains, not an encoding.
public struct ChangedState: Sendable {
    public let customer: String
    let state: CustomerState?
    /// The moment ids of the rules the state was taken under (a reload may come before encoding).
    let momentIDs: [String]

    /// The record's value: the state as JSON, or nil (a tombstone) for a customer forgotten.
    public func encoded() -> [UInt8]? { state.map { Engine.encode($0, momentIDs: momentIDs) } }
}
