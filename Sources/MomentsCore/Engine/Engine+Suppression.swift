/// Inhibition and silences: a detected moment is held back from output, but still counted.
///
/// Inhibition: a moment B is inhibited by a moment A that `inhibits` it when A fired in B's
/// scope (the interaction, or any interaction of the customer still in state) before B, or
/// in the same step as B (the same event, or timers falling due at one clock step), whatever
/// their order in the file. A moment that fired before its inhibitor stays: outputs are never
/// taken back, so a recovery action is decided when its moment emits. Inhibited and silenced
/// moments still count as fired (they do not fire again) and still inhibit others.
extension Engine {
    /// Replaces the silences in force; takes effect from the next moment on. Pure data: the
    /// runtime hands in what the rules file and the admin endpoint say.
    public mutating func setSilences(_ silences: [Silence]) { self.silences = silences }

    /// Suppressed moments counted since the last call, by rule, kind, queue and reason (a silenced
    /// moment emits nothing to count at delivery); the other tallies are kept for `takeTallies`.
    public mutating func takeSuppressionCounts() -> [SuppressionKey: Int] {
        defer { tallies.suppressed.removeAll(keepingCapacity: true) }
        return tallies.suppressed
    }

    /// Everything counted since the last call, which the daemon turns into metrics.
    public mutating func takeTallies() -> EngineTallies {
        defer { tallies = EngineTallies() }
        return tallies
    }

    /// The first rule inhibiting `r` that has already fired in its scope.
    func firedInhibitor(of r: Int, ix: InteractionState, customer: CustomerState) -> Int? {
        for inhibitor in index.inhibitors[r] {
            let a = inhibitor.rule
            if ix.fired.contains(a) { return a }
            if inhibitor.scope == .customer, customer.interactions.contains(where: { $0.fired.contains(a) }) { return a }
        }
        return nil
    }

    /// Ends a step: resolves inhibition among the moments detected together, applies silences,
    /// and emits the rest in detection order.
    mutating func flushMoments(into out: inout [Output]) {
        guard !pendingMoments.isEmpty else { return }
        // Swapped with a spare buffer, not copied: a copy made `removeAll(keepingCapacity:)`
        // allocate a new buffer on every step that detected something.
        var batch: [PendingMoment] = []
        swap(&batch, &spareMoments)
        swap(&batch, &pendingMoments)
        defer {
            batch.removeAll(keepingCapacity: true)
            swap(&batch, &spareMoments)
        }
        for i in batch.indices {
            let p = batch[i]
            var inhibitedBy = p.inhibitedBy
            let inhibitors = index.inhibitors[p.rule]
            if inhibitedBy == nil, !inhibitors.isEmpty {
                inhibitedBy = batch.indices.lazy.filter { $0 != i }.compactMap { j -> Int? in
                    let q = batch[j]
                    guard let scope = inhibitors.first(where: { $0.rule == q.rule })?.scope else { return nil }
                    // An interaction is its customer's: two customers' interactions that share an
                    // id (ids are the source system's) are not one scope.
                    let same = q.moment.customerID == p.moment.customerID && (scope == .customer || q.moment.interactionID == p.moment.interactionID)
                    return same ? q.rule : nil
                }.first
            }
            if let by = inhibitedBy {
                stats.momentsInhibited += 1
                count(p, .inhibited(by: rules.moments[by].id))
                continue
            }
            if let silence = silences.first(where: { $0.matches(p.moment) }) {
                stats.momentsSilenced += 1
                count(p, .silenced(silence.id))
                continue
            }
            let id = p.moment.customerID
            // The customer is in state: a step ends before any eviction runs. Were it gone, the
            // moment still emits, but no state is created that no eviction timer would clear.
            var state = CustomerState()
            let slot = customers.checkOut(id, into: &state)
            emitOutputs(p.rule, p.moment, customer: &state, into: &out)
            if !rules.moments[p.rule].alert {
                tallies.unalerted[DetectedKey(rule: p.moment.rule, kind: p.moment.kind, queue: p.moment.queue), default: 0] += 1
            }
            if let slot { customers.checkIn(id, &state, at: slot); markChanged(id) }
        }
    }

    private mutating func count(_ p: PendingMoment, _ reason: SuppressionKey.Reason) {
        let m = p.moment
        tallies.suppressed[SuppressionKey(rule: m.rule, kind: m.kind, queue: m.queue, reason: reason), default: 0] += 1
    }
}

/// A moment detected in the current step, not yet emitted.
struct PendingMoment: Sendable {
    var rule: Int
    var moment: Moment
    /// The rule that had already inhibited it when it was detected.
    var inhibitedBy: Int?
}

/// What the engine counts that no output shows: the daemon's metrics take them
/// (`Engine.takeTallies`).
public struct EngineTallies: Sendable {
    /// Detected moments held back (silenced or inhibited).
    public var suppressed: [SuppressionKey: Int] = [:]
    /// Moments emitted without an alert (`alert: false`): the daemon counts detected moments
    /// from their delivered alerts, and never saw these (a moment of glory meant only for
    /// coaching was missing from every dashboard by rule).
    public var unalerted: [DetectedKey: Int] = [:]
    /// Interactions forgotten because their customer held `CustomerState.maxInteractions` (a
    /// key many callers share).
    public var forgottenAtLimit = 0
}

/// What a detected moment is counted under.
public struct DetectedKey: Hashable, Sendable {
    public var rule: String
    public var kind: MomentKind
    public var queue: String?
}

/// What a suppressed moment is counted under.
public struct SuppressionKey: Hashable, Sendable {
    public enum Reason: Hashable, Sendable {
        case silenced(String)
        case inhibited(by: String)
    }
    public var rule: String
    public var kind: MomentKind
    public var queue: String?
    public var reason: Reason
}
