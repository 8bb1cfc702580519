/// Wait conditions (long wait in queue, long hold): an opening event starts an episode and a
/// timer; the timer reports the moment while the customer is still waiting.
///
/// The condition comes as the rule index's shared box, read in place: passed as a value, it was
/// copied out of the box (its arrays and strings retained, then released) for every event.
extension Engine {
    mutating func openWait(
        _ r: Int, _ w: Shared<WaitCondition>, at t: Timestamp, event: Event,
        ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]
    ) {
        var ws = ix.waits[r] ?? WaitState()
        defer { ix.waits[r] = ws }
        guard ws.openedAt == nil else { return }   // already waiting: a repeated opener changes nothing
        // Within the episode that last closed: a repeated opener of it, arriving after its close.
        if ws.lastEpisode.contains(t) { return }
        let limit = waitLimit(r, w, at: t, ix: ix)
        if let closed = ws.pendingCloses.take(notBefore: t) {
            // The closing event arrived before this opener (out of order): the episode is over.
            ws.episode += 1
            ws.limit = limit
            ws.lastEpisode = t..<closed
            if closed - t >= limit {
                fireWait(r, w, episode: ws.episode, waited: closed - t, deadline: t + limit, cause: event.eventID, ws: &ws, ix: &ix, customer: &customer, into: &out)
            }
            return
        }
        ws.episode += 1
        ws.openedAt = t
        ws.limit = limit
        schedule(.wait(customer: event.customerID, interaction: event.interactionID, rule: r, episode: ws.episode),
                 at: t + limit + rules.settings.allowedLateness)
    }

    mutating func closeWait(
        _ r: Int, _ w: Shared<WaitCondition>, at t: Timestamp, event: Event,
        ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]
    ) {
        var ws = ix.waits[r] ?? WaitState()
        defer { ix.waits[r] = ws }
        guard let opened = ws.openedAt else {
            ws.pendingCloses.add(t)
            return
        }
        guard t >= opened else { return }   // a late closer of an earlier episode
        ws.openedAt = nil
        ws.lastEpisode = opened..<t
        // Normally the timer has reported a long wait already; this covers allowed lateness.
        if t - opened >= ws.limit {
            fireWait(r, w, episode: ws.episode, waited: t - opened, deadline: opened + ws.limit, cause: event.eventID, ws: &ws, ix: &ix, customer: &customer, into: &out)
        }
    }

    mutating func fireWaitTimer(customer id: String, interaction iid: String, rule r: Int, episode: Int, into out: inout [Output]) {
        // Most wait timers find the episode closed: check that in place before moving anything.
        guard case .wait(let shared) = index.conditions[r], let c = customers.index(forKey: id),
              let waiting = customers.inPlace(at: c, { $0.interactions.waitState(of: iid, rule: r) }),
              waiting.episode == episode, let opened = waiting.openedAt else { return }
        var customer = CustomerState()
        customers.checkOut(at: c, into: &customer)
        _ = customer.interactions.moveToEnd(iid)   // there: its wait state was just read
        var ix = customer.interactions.removeLast()
        markChanged(id)
        var ws = waiting
        fireWait(r, shared, episode: episode, waited: ws.limit, deadline: opened + ws.limit, cause: nil, ws: &ws, ix: &ix, customer: &customer, into: &out)
        ix.waits[r] = ws
        customer.interactions.put(consume ix)
        customers.checkIn(id, &customer, at: c)
    }

    mutating func fireWait(
        _ r: Int, _ shared: Shared<WaitCondition>, episode: Int, waited: Duration, deadline: Timestamp, cause: String?,
        ws: inout WaitState, ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]
    ) {
        let w = shared.value
        switch w.oncePer {
        case .episode:
            guard !ws.firedEpisodes.contains(episode) else { return }
            ws.firedEpisodes.insert(episode)
        case .interaction:
            guard !ix.fired.contains(r) else { return }
        }
        emitMoment(
            r, ix: &ix, customer: &customer, causeEventID: cause, time: deadline,
            occurrence: w.oncePer == .episode ? episode : 1,
            measures: [.init(name: w.measure + "_seconds", value: waited.seconds)],
            details: [w.measure: waited.description], into: &out)
    }
}
