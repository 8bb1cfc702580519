/// The detection and recovery engine: `state + event | clock tick → state' + outputs`.
///
/// Pure and deterministic: no I/O, no wall clock, no globals. Time comes in with events and
/// through `advance(to:)`; the same inputs in the same order give the same outputs with the same
/// ids. One engine serves one input partition; state is keyed by customer.
public struct Engine: Sendable {
    public let rules: RuleSet
    /// Event time of this engine: the largest time seen or advanced to. Never moves back.
    public internal(set) var clock: Timestamp
    public internal(set) var stats = EngineStats()

    var customers = CustomerTable()
    var timers = TimerQueue()
    var duplicates: DuplicateFilter
    /// Recovery rule id → (UTC day, actions issued that day).
    var budgets: [String: (day: Int64, used: Int)] = [:]
    let index: RuleIndex
    /// When on, customers whose state changed are remembered for `takeChangedCustomers()`, so a
    /// runtime can write them to a changelog.
    public var tracksChanges = false
    var changed = ChangedCustomers()
    /// Silences in force (matched against each moment's event time); see `setSilences`.
    public internal(set) var silences: [Silence]
    /// Moments detected in the current step (one event, or one wake-up of timers), held back
    /// until the step ends so moments detected together can inhibit each other in any file order.
    var pendingMoments: [PendingMoment] = []
    /// An empty buffer with capacity that `flushMoments` trades with `pendingMoments`.
    var spareMoments: [PendingMoment] = []
    /// What the daemon counts that no output shows, since `takeTallies()`.
    var tallies = EngineTallies()
    /// The largest `allowed_lateness` a wait timer still pending may have been set with: a reload
    /// keeps the timers set under the rules before it, so an interaction is kept until its open
    /// waits are due by this (`evictInteractionIfExpired`), not by the current one only.
    var waitTimerLateness: Duration

    public init(rules: RuleSet, clock: Timestamp = Timestamp(milliseconds: 0)) {
        self.rules = rules
        self.clock = clock
        self.waitTimerLateness = rules.settings.allowedLateness
        self.duplicates = DuplicateFilter(capacity: rules.settings.duplicateWindow)
        self.index = RuleIndex(rules)
        self.silences = rules.silences
    }

    /// Processes one event: first fires the timers its time makes due, then applies it.
    public mutating func process(_ event: Event) -> [Output] {
        guard duplicates.insert(event.eventID) else {
            stats.duplicatesDropped += 1
            return []
        }
        stats.eventsProcessed += 1
        var out: [Output] = []
        advance(to: event.occurredAt, into: &out)
        if event.type.isKnown {
            apply(event, into: &out)
            flushMoments(into: &out)
            // A late event can schedule a timer whose deadline has already passed.
            fireDueTimers(into: &out)
        } else {
            stats.eventsIgnored += 1
        }
        return out
    }

    /// Moves the clock forward (never back) and fires every timer now due.
    public mutating func advance(to time: Timestamp) -> [Output] {
        var out: [Output] = []
        advance(to: time, into: &out)
        return out
    }

    /// The earliest instant at which a timer is due, so a runtime can sleep until then.
    public var nextDeadline: Timestamp? { timers.earliest }

    public var openInteractions: Int { customers.interactionCount }
    public var customerCount: Int { customers.count }
    public var pendingTimers: Int { timers.count }

    mutating func advance(to time: Timestamp, into out: inout [Output]) {
        if time > clock { clock = time }
        fireDueTimers(into: &out)
    }

    /// Settles the moments detected so far in this step when one is `customer`'s, whose state
    /// is about to go (an eviction), while it is surely still there. Only then: settled for any
    /// eviction, the moments of timers due at one instant were split in two by another
    /// customer's eviction due then too, and one no longer inhibited the other (until 2026-12-07).
    mutating func flushMoments(of customer: String, into out: inout [Output]) {
        if pendingMoments.contains(where: { $0.moment.customerID == customer }) { flushMoments(into: &out) }
    }

    mutating func markChanged(_ customer: String) {
        if tracksChanges { changed.insert(customer) }
    }

    mutating func fireDueTimers(into out: inout [Output]) {
        var instant: Timestamp?
        while let entry = timers.popDue(at: clock) {
            // Moments of timers due at different instants are not detected together: each
            // instant's are settled before the next's fire, as the wall clock fires them apart.
            // Settled once per clock step, a later deadline's moment inhibited an earlier one's,
            // whenever nothing else had moved the clock between them (so a customer's outputs
            // hung on other customers' traffic and on the partition count).
            if let instant, instant != entry.deadline { flushMoments(into: &out) }
            instant = entry.deadline
            // Those of one instant in the order of what they are about (`TimerQueue.Timer.order`).
            fire(entry.timer, at: entry.deadline, into: &out)
        }
        flushMoments(into: &out)
    }

    mutating func fire(_ timer: TimerQueue.Timer, at deadline: Timestamp, into out: inout [Output]) {
        switch timer {
        case let .wait(customer, interaction, rule, episode):
            fireWaitTimer(customer: customer, interaction: interaction, rule: rule, episode: episode, into: &out)
        case let .evictInteraction(customer, interaction):
            flushMoments(of: customer, into: &out)
            evictInteractionIfExpired(customer: customer, interaction: interaction, at: deadline)
        case let .evictCustomer(customer):
            flushMoments(of: customer, into: &out)
            evictCustomerIfExpired(customer)
        }
    }
}

public struct EngineStats: Sendable, Equatable {
    public var eventsProcessed = 0
    public var duplicatesDropped = 0
    public var eventsIgnored = 0
    public var momentsDetected = 0
    public var recoverySkippedCooldown = 0
    public var recoverySkippedBudget = 0
    /// Detected moments that emitted nothing because a silence matched them.
    public var momentsSilenced = 0
    /// Detected moments that emitted nothing because another moment inhibited them.
    public var momentsInhibited = 0
    /// Recovery rules not tried because a rule of higher priority acted for the same moment.
    public var recoverySkippedPrecedence = 0
}

/// Lookups computed once per rule set so each event touches only the rules that care about it.
struct RuleIndex: Sendable {
    /// Per known event type (by `ordinal`): the moment rules that listen to it, and for wait
    /// rules whether this type opens or closes an episode (sets would hash on every event).
    var momentsByEvent: [[Listener]] = Array(repeating: [], count: EventType.known.count)
    struct Listener: Sendable {
        var rule: Int
        var opensWait = false
        var closesWait = false
    }
    /// Per moment rule (by index): its recovery rules by precedence, and its coaching rules.
    /// Arrays by index rather than dictionaries by moment id: no id hashed per emitted moment.
    var recoveryByMoment: [[Int]]
    var coachingByMoment: [[Int]]
    /// Per moment rule (by index): the rules that inhibit it, with their scope.
    var inhibitors: [[Inhibitor]]
    struct Inhibitor: Sendable {
        var rule: Int
        var scope: InhibitionScope
    }
    /// Per moment rule (by index): its condition, boxed for evaluation (see `ListenedCondition`).
    var conditions: [ListenedCondition]
    /// Per moment rule (by index): its id, as state records name it.
    var momentIDs: [String]
    var cooldowns: [String: Duration] = [:]
    /// How long a contact's start is remembered behind the newest start and behind the clock:
    /// the longest repeat-contact or first-contact window, plus `allowed_lateness`, so that a
    /// start arriving that late still counts the contacts within its own window (a start only
    /// the window behind the newest one was forgotten as that one arrived).
    var historyWindow: Duration

    init(_ rules: RuleSet) {
        let window = rules.contactHistoryWindow
        historyWindow = window > .zero ? Duration(milliseconds: window.milliseconds + rules.settings.allowedLateness.milliseconds) : window
        recoveryByMoment = Array(repeating: [], count: rules.moments.count)
        coachingByMoment = Array(repeating: [], count: rules.moments.count)
        inhibitors = Array(repeating: [], count: rules.moments.count)
        conditions = rules.moments.map { ListenedCondition($0.condition) }
        momentIDs = rules.moments.map(\.id)
        for (i, m) in rules.moments.enumerated() {
            var types: Set<EventType>
            switch m.condition {
            case .wait(let w): types = w.from.union(w.until)
            case .count(let c): types = [c.event]
            case .match(let c): types = [c.event]
            case .threshold(let c): types = [c.event]
            case .ended, .resolution: types = [.interactionEnded]
            case .repeatContact: types = [.interactionStarted]
            case .phrases: types = [.messageSent]
            }
            for t in EventType.known where types.contains(t) {
                var listener = Listener(rule: i)
                if case .wait(let w) = m.condition { listener.opensWait = w.from.contains(t); listener.closesWait = w.until.contains(t) }
                momentsByEvent[t.ordinal!].append(listener)
            }
        }
        var recoveryByID: [String: [Int]] = [:]
        for (i, r) in rules.recovery.enumerated() {
            for m in r.on { recoveryByID[m, default: []].append(i) }
            if let c = r.cooldown { cooldowns[r.id] = c }
        }
        // Precedence: highest priority first, ties in file order.
        for (m, list) in recoveryByID {
            recoveryByID[m] = list.enumerated().sorted { a, b in
                let pa = rules.recovery[a.element].priority, pb = rules.recovery[b.element].priority
                return pa != pb ? pa > pb : a.offset < b.offset
            }.map(\.element)
        }
        var coachingByID: [String: [Int]] = [:]
        for (i, c) in rules.coaching.enumerated() {
            for m in c.on { coachingByID[m, default: []].append(i) }
        }
        let byID = Dictionary(rules.moments.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (i, m) in rules.moments.enumerated() {
            recoveryByMoment[i] = recoveryByID[m.id] ?? []
            coachingByMoment[i] = coachingByID[m.id] ?? []
            for inhibition in m.inhibits {
                for target in inhibition.moments {
                    if let t = byID[target] { inhibitors[t].append(Inhibitor(rule: i, scope: inhibition.scope)) }
                }
            }
        }
    }
}
