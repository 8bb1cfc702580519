extension Engine {
    /// Applies a known event: updates the interaction, then evaluates the rules that listen to
    /// its type.
    mutating func apply(_ event: Event, into out: inout [Output]) {
        markChanged(event.customerID)
        // Customer and interaction are moved out of their tables for the update and moved back
        // at the end (no defer: a deferred write-back copied the whole state, retaining every
        // reference in it, instead of moving it).
        var customer = CustomerState()
        let slot = customers.checkOut(event.customerID, into: &customer)
        var ix: InteractionState
        if customer.interactions.moveToEnd(event.interactionID) {
            ix = customer.interactions.removeLast()
        } else {
            ix = InteractionState(id: event.interactionID, customerID: event.customerID, channel: event.channel, at: event.occurredAt)
            schedule(.evictInteraction(customer: event.customerID, interaction: event.interactionID), at: event.occurredAt + rules.settings.interactionTimeout)
        }

        let phaseBefore = ix.phase
        let connectedBefore = ix.firstConnectedAt
        let phaseAtEnd = update(&ix, with: event)
        if event.type == .interactionStarted { recordStart(event, in: &customer) }
        if event.type == .interactionEnded {
            schedule(.evictInteraction(customer: event.customerID, interaction: event.interactionID), at: event.occurredAt + rules.settings.interactionGrace)
        }
        evaluateRules(event, phaseBefore: phaseBefore, ix: &ix, customer: &customer, into: &out)
        if let phaseAtEnd { judgeEndAgain(in: phaseAtEnd, after: event, ix: &ix, customer: &customer, into: &out) }
        if event.type == .agentConnected, phaseBefore == .ended, ix.firstConnectedAt != connectedBefore {
            judgeResolutionAgain(after: event, ix: &ix, customer: &customer, into: &out)
        }

        customer.interactions.put(consume ix)
        while customer.interactions.count > CustomerState.maxInteractions, forgetOneInteraction(of: &customer, keeping: event.interactionID) {}
        // A contact that started before others already seen (`starts` is in event time): after
        // its interaction is back in the table, where a customer-wide inhibitor that fired on
        // it is seen (`firedInhibitor`).
        if event.type == .interactionStarted, let last = customer.starts.last,
           CustomerState.precedes((event.interactionID, event.occurredAt), last) {
            countLaterContactsAgain(after: event, customer: &customer, into: &out)
        }
        customers.checkIn(event.customerID, &customer, at: slot)
    }

    /// Evaluates the moment rules that listen to the event's type.
    mutating func evaluateRules(
        _ event: Event, phaseBefore: Phase, ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]
    ) {
        guard let ordinal = event.type.ordinal else { return }
        // By position, not `for listener in`: iterating held a copy of the array (a retain
        // and a release per event, atomic).
        for k in index.momentsByEvent[ordinal].indices {
            let listener = index.momentsByEvent[ordinal][k]
            let r = listener.rule
            switch index.conditions[r] {
            case .wait(let w):
                if listener.opensWait { openWait(r, w, at: event.occurredAt, event: event, ix: &ix, customer: &customer, into: &out) }
                if listener.closesWait { closeWait(r, w, at: event.occurredAt, event: event, ix: &ix, customer: &customer, into: &out) }
            case .count(let c):
                guard c.value.matchers.allSatisfy({ $0.matches(event.data) }) else { continue }
                ix.counts[r, default: 0] += 1
                // At the n-th matching event or any later one (`fire` fires once): when the
                // n-th was held back (`only:`, or `outside: off` before the schedule's hours),
                // `==` never fired in that interaction, though a rule that is off may still fire
                // later in it. The measure is the count the moment was detected at.
                if let n = ix.counts[r], n >= c.value.reaches {
                    fire(r, ix: &ix, customer: &customer, event: event, time: event.occurredAt,
                         measures: [.init(name: c.value.measure, value: Double(n))], ofTheEvent: false, into: &out)
                }
            case .match(let c):
                guard c.value.matchers.allSatisfy({ $0.matches(event.data) }) else { continue }
                fire(r, ix: &ix, customer: &customer, event: event, time: event.occurredAt, into: &out)
            case .threshold(let c):
                evaluateThreshold(r, c, event: event, ix: &ix, customer: &customer, into: &out)
            case .ended(let c):
                guard let reason = event.data.reason, c.value.reasons.contains(reason),
                      c.value.phases.isEmpty || c.value.phases.contains(phaseBefore) else { continue }
                fire(r, ix: &ix, customer: &customer, event: event, time: event.occurredAt, into: &out)
            case .repeatContact(let c):
                let earlier = customer.contacts(before: event.interactionID, at: event.occurredAt, within: c.within)
                guard earlier + 1 >= c.atLeast else { continue }
                fire(r, ix: &ix, customer: &customer, event: event, time: event.occurredAt,
                     measures: [.init(name: "contacts", value: Double(earlier + 1))], into: &out)
            case .phrases(let m):
                // Read in place: `let c = m.condition` copied the phrase list per message.
                guard m.condition.sender == nil || m.condition.sender == event.data.sender, let text = event.data.text,
                      let n = m.firstMatch(in: text) else { continue }
                let hit = m.condition.phrases[n]
                fire(r, ix: &ix, customer: &customer, event: event, time: event.occurredAt,
                     details: ["phrase": hit.original, "language": hit.language], into: &out)
            case .resolution(let c):
                guard event.data.reason == "resolved" else { continue }
                judgeResolution(r, c, endedAt: event.occurredAt, cause: event, ofTheCause: true, ix: &ix, customer: &customer, into: &out)
            }
        }
    }

    /// Keeps the interaction's picture current. Phase changes only move forward in event time,
    /// so an event that arrives late cannot undo a later one. Returns the phase the interaction
    /// was in when it ended, when this event, arriving after the end, changes it.
    func update(_ ix: inout InteractionState, with event: Event) -> Phase? {
        let t = event.occurredAt
        if t > ix.lastEventAt { ix.lastEventAt = t }
        // The newest by event time wins (equal times: the later to arrive). Compared first:
        // most events repeat the interaction's queue and agent, and an assignment retained the
        // event's string and released the state's.
        if let q = event.queue, t >= ix.queueSetAt {
            if q != ix.queue { ix.queue = q }
            ix.queueSetAt = t
        }
        if let a = event.agentID, t >= ix.agentSetAt {
            if a != ix.agentID { ix.agentID = a }
            ix.agentSetAt = t
        }
        ix.attributes.merge(event.attributes)
        var next: Phase?
        switch event.type {
        case .interactionQueued: next = .queued
        case .agentConnected:
            next = .connected
            if ix.firstConnectedAt.map({ t < $0 }) ?? true { ix.firstConnectedAt = t }
        case .holdStarted: next = .on_hold
        case .holdEnded: next = .connected
        case .interactionTransferred:
            next = .queued
            if let q = event.data.toQueue, t >= ix.queueSetAt {
                ix.queue = q
                ix.queueSetAt = t
            }
        case .interactionEnded:
            next = .ended
            // A second end at another time: which of the two a late event came before is not
            // known, so the end is no longer judged again (its reason would be the first's,
            // its time the second's).
            if ix.phase == .ended, ix.endedAt != t { ix.endReason = nil }
            ix.endedAt = t
        default: break
        }
        guard let next else { return nil }
        if ix.phase == .ended {
            // Before the end, after the phase the end was judged in: the end is judged again.
            guard next != .ended, ix.endReason != nil, let ended = ix.endedAt, t < ended, t >= ix.phaseSetAt else { return nil }
            ix.phaseSetAt = t
            return next
        }
        if t >= ix.phaseSetAt {
            ix.phase = next
            // The end keeps the time of the phase it is judged in (see `phaseSetAt`), and its
            // reason only when it ends the interaction (an end before the last phase does not).
            if next == .ended { ix.endReason = event.data.reason.flatMap(EndReason.init(rawValue:)) } else { ix.phaseSetAt = t }
        }
        return nil
    }

    func recordStart(_ event: Event, in customer: inout CustomerState) {
        let horizon = event.occurredAt - index.historyWindow
        customer.starts.removeAll { $0.at < horizon }
        guard !customer.starts.contains(where: { $0.interaction == event.interactionID }) else { return }
        let start = (interaction: event.interactionID, at: event.occurredAt)
        let at = customer.starts.firstIndex { CustomerState.precedes(start, $0) } ?? customer.starts.count
        customer.starts.insert(start, at: at)
        if customer.starts.count > CustomerState.maxStarts { customer.starts.removeFirst() }
    }

    /// Past `CustomerState.maxInteractions`, one interaction goes, as if its grace or timeout
    /// had passed (its timers then find nothing): an ended one first (kept only for late events),
    /// else the one whose last event is oldest, never `current`; ties by id, so a restored engine
    /// forgets what a running one would. (The least recently active alone was usually a caller
    /// still waiting in queue, whose long wait was then never reported.) False when only
    /// `current` is left to forget.
    mutating func forgetOneInteraction(of customer: inout CustomerState, keeping current: String) -> Bool {
        var chosen: (id: String, ended: Bool, at: Timestamp)?
        customer.interactions.forEachUnordered { ix in
            guard ix.id != current else { return }
            let ended = ix.endedAt != nil
            let at = ix.endedAt ?? ix.lastEventAt
            if let c = chosen, c.ended && !ended || c.ended == ended && (c.at < at || c.at == at && c.id < ix.id) { return }
            chosen = (ix.id, ended, at)
        }
        guard let chosen else { return false }
        customer.interactions.removeValue(forKey: chosen.id)
        tallies.forgottenAtLimit += 1
        return true
    }

    mutating func schedule(_ timer: TimerQueue.Timer, at time: Timestamp) {
        timers.schedule(timer, at: time)
    }
}
