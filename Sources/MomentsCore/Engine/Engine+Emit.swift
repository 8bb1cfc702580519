/// Turning a detected moment into outputs: the alert, the recovery action its rules allow
/// (precedence, cooldowns and budgets), and coaching for the agent. Detection and emission are
/// two steps, so inhibition and silences can hold a detected moment back (Engine+Suppression).
extension Engine {
    /// Fires a once-per-interaction moment caused by `event`. `ofTheEvent`: the moment is about
    /// the event itself (a flag, a score, a phrase, an end at its own time), so it names the
    /// event's queue and agent; false for one about the interaction (a count reached: "now in
    /// {queue}"; an average of scores) or about another event (an end judged again when a late
    /// event arrives is the end's, not the late event's), which names the interaction's.
    mutating func fire(
        _ r: Int, ix: inout InteractionState, customer: inout CustomerState, event: Event, time: Timestamp,
        measures: [Moment.Measure] = [], details: [String: String] = [:], ofTheEvent: Bool = true, into out: inout [Output]
    ) {
        guard !ix.fired.contains(r) else { return }
        let named = ofTheEvent ? Self.queueAndAgent(of: event, in: ix) : (ix.queue, ix.agentID)
        emitMoment(r, ix: &ix, customer: &customer, causeEventID: event.eventID, time: time, occurrence: 1,
                   measures: measures, details: details, queue: named.0, agent: named.1, into: &out)
    }

    /// The queue and agent of `event`, for a moment about it or an episode it opened or closed:
    /// each its own where it is one of this interaction's and carries it — a late event speaks
    /// of its own time (a rude flag from before a transfer is the first agent's, whoever holds
    /// the call now) — else the interaction's latest. For events in order the two are the same.
    static func queueAndAgent(of event: Event, in ix: InteractionState) -> (queue: String?, agent: String?) {
        guard event.interactionID == ix.id else { return (ix.queue, ix.agentID) }
        // A transfer names the queue it moved the interaction to, as `update` keeps it.
        let queue = (event.type == .interactionTransferred ? event.data.toQueue : nil) ?? event.queue
        return (queue ?? ix.queue, event.agentID ?? ix.agentID)
    }

    /// Records a detected moment of this step; `flushMoments` decides at the end of the step
    /// whether it emits (not inhibited, not silenced). A rule outside its schedule with
    /// `outside: off` detects nothing and stays free to fire later.
    mutating func emitMoment(
        _ r: Int, ix: inout InteractionState, customer: inout CustomerState, causeEventID: String?, time: Timestamp,
        occurrence: Int, measures: [Moment.Measure], details: [String: String], queue: String?, agent: String?,
        into out: inout [Output]
    ) {
        // Fields are read from the rule in place: a copy of the rule retained a dozen references.
        guard rules.moments[r].filter.matches(channel: ix.channel, queue: queue, attributes: ix.attributes) else { return }
        guard isOn(r, at: time) else { return }
        // Inhibitors that fired earlier (or earlier in this step) are in the fired sets now.
        let inhibitedBy = firedInhibitor(of: r, ix: ix, customer: customer)
        ix.fired.insert(r)
        stats.momentsDetected += 1
        let ruleID = rules.moments[r].id
        // Made whole, with its summary and runbook: a `Moment` is read-only once made.
        var fields = Moment.Fields(
            id: OutputID.join(ix.id, ruleID, occurrence), rule: ruleID, kind: rules.moments[r].kind, stage: rules.moments[r].stage,
            severity: rules.moments[r].severity, time: time, interactionID: ix.id, customerID: ix.customerID, channel: ix.channel,
            queue: queue, agentID: agent, attributes: ix.attributes, measures: measures, details: details,
            causeEventID: causeEventID, summary: "")
        fields.summary = rules.moments[r].summary.render(from: fields)
        fields.runbook = rules.moments[r].runbook?.render(from: fields, escape: URLComponent.encode)
        let moment = Moment(fields)
        pendingMoments.append(PendingMoment(rule: r, moment: moment, inhibitedBy: inhibitedBy))
    }

    /// The alert, the recovery action (one per moment: the first of its rules by precedence that
    /// its cooldown and budget allow) and the coaching of a moment that is neither silenced nor
    /// inhibited.
    mutating func emitOutputs(_ r: Int, _ moment: Moment, customer: inout CustomerState, into out: inout [Output]) {
        // At most one action (see `recover`), so no array of actions is built.
        var action: RecoveryAction?
        let candidates = index.recoveryByMoment[r]
        for (n, i) in candidates.enumerated() {
            if let issued = recover(i, moment: moment, customer: &customer) {
                action = issued
                stats.recoverySkippedPrecedence += candidates.count - n - 1
                break
            }
        }
        if rules.moments[r].alert {
            out.append(.alert(Alert(moment: moment, recoveryIDs: action.map { [$0.id] } ?? [])))
        }
        if let action { out.append(.recovery(action)) }
        if let agent = moment.agentID {
            for i in index.coachingByMoment[r] {
                let id = rules.coaching[i].id
                out.append(.coaching(CoachingSignal(
                    id: OutputID.join(moment.id, id), rule: id, kind: rules.coaching[i].kind, agentID: agent,
                    tip: rules.coaching[i].tip.render(from: moment.box.value), moment: moment)))
            }
        }
    }

    /// Issues a recovery action unless the customer is in its cooldown or today's budget is spent.
    /// A discount is money: with times out of order the cooldown errs towards not issuing.
    mutating func recover(_ i: Int, moment: Moment, customer: inout CustomerState) -> RecoveryAction? {
        let rule = rules.recovery[i]
        if let cooldown = rule.cooldown, let last = customer.lastRecovery[rule.id], moment.time - last < cooldown {
            stats.recoverySkippedCooldown += 1
            return nil
        }
        // The partition clock's day, which never moves back, not the moment's: a partition mixes
        // customers' event times, and late moments (or timer moments, which carry their
        // deadline) from the day before reset a count kept by the moment's day, each reset
        // opening a fresh budget, so discounts went out past it near every midnight.
        let day = clock.utcDay
        if let budget = rule.dailyBudget {
            let used = budgets[rule.id].flatMap { $0.day == day ? $0.used : nil } ?? 0
            guard used < budget else {
                stats.recoverySkippedBudget += 1
                return nil
            }
            budgets[rule.id] = (day, used + 1)
        }
        if rule.cooldown != nil {
            customer.lastRecovery[rule.id] = max(customer.lastRecovery[rule.id] ?? moment.time, moment.time)
        }
        return RecoveryAction(
            id: OutputID.join(moment.id, rule.id), rule: rule.id, action: rule.action,
            params: rule.params.map { .init(key: $0.key, value: $0.value) }, moment: moment)
    }
}
