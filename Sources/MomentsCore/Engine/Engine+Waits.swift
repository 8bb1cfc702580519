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
        if let opened = ws.openedAt {
            // Already waiting: a repeat changes nothing, unless this episode's closer is late
            // and this opener is the next episode's (kept for `closeWait` to tell).
            if t > opened && (ws.laterOpener == .never || t > ws.laterOpener) { ws.laterOpener = t }
            return
        }
        // Within the episode that last closed: a repeated opener of it, arriving after its close.
        if ws.isWithinLastEpisode(t) { return }
        openEpisode(r, w, at: t, opener: event, ws: &ws, ix: &ix, customer: &customer, into: &out)
    }

    /// Opens an episode at `t`, or, when its closer came first, judges it whole. `opener`: the
    /// opening event, nil for one kept from before (`WaitState.laterOpener`), whose queue is
    /// then the interaction's.
    @inline(__always)
    mutating func openEpisode(
        _ r: Int, _ w: Shared<WaitCondition>, at t: Timestamp, opener event: Event?,
        ws: inout WaitState, ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]
    ) {
        // Only a lateness holds decisions back (the check kept inline: most rules have none).
        if waitTimerLateness > .zero { settleClosedEpisode(r, w, ws: &ws, ix: &ix, customer: &customer, into: &out) }
        let limit = waitLimit(r, w, at: t, opener: event, ix: ix)
        if var closed = ws.pendingCloses.take(notBefore: t) {
            // The closing event arrived before this opener (out of order): the episode is over,
            // at the interaction's end if that came first (as `closeWait` ends it).
            if let ended = ix.endedAt, ended >= t { closed = min(closed, ended) }
            ws.episode += 1
            ws.limit = limit
            ws.lastEpisode = t..<closed
            if closed - t >= limit {
                // With `allowed_lateness`, an earlier closer may still come: its timer decides.
                let due = t + limit + rules.settings.allowedLateness
                if due > clock {
                    schedule(.wait(customer: ix.customerID, interaction: ix.id, rule: r, episode: ws.episode), at: due)
                } else {
                    fireWait(r, w, episode: ws.episode, waited: closed - t, deadline: t + limit, cause: event,
                             ws: &ws, ix: &ix, customer: &customer, into: &out)
                }
            }
            return
        }
        ws.episode += 1
        ws.openedAt = t
        ws.limit = limit
        schedule(.wait(customer: ix.customerID, interaction: ix.id, rule: r, episode: ws.episode),
                 at: t + limit + rules.settings.allowedLateness)
    }

    @inline(__always)
    mutating func closeWait(
        _ r: Int, _ w: Shared<WaitCondition>, at t: Timestamp, event: Event,
        ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]
    ) {
        var ws = ix.waits[r] ?? WaitState()
        defer { ix.waits[r] = ws }
        guard let opened = ws.openedAt else {
            if waitTimerLateness == .zero || !shortenHeldBackEpisode(at: t, &ws) { ws.pendingCloses.add(t) }
            return
        }
        // Nobody waits past the interaction's end: a closer that arrives after it ends the
        // episode at the end (a hold closed 45 s after the call ended was a long hold of the
        // whole time; see `fireWaitTimer`).
        let t = ix.endedAt.map { min(t, $0) } ?? t
        guard t >= opened else { return }   // a late closer of an earlier episode
        ws.openedAt = nil
        ws.lastEpisode = opened..<t
        // An opener that happened after this closer, which arrived late: the next episode, open
        // from its time (until 2026-12-07 it was taken for a repeat of this one, and a long hold
        // after a short one was never reported). One before it was a repeat.
        defer { if ws.laterOpener != .never { openLaterEpisode(r, w, closedAt: t, ws: &ws, ix: &ix, customer: &customer, into: &out) } }
        // A long wait: reported by its timer already, unless `allowed_lateness` holds the timer
        // back; then the timer still decides, so that a closer that happened earlier and
        // arrives later ends the episode there. (Until 2026-12-07 the first closer to arrive
        // decided: a call connected at 100 s whose `agent.connected` came after its end at
        // 130 s got a long wait of 130 s and an apology discount, with lateness meant to
        // prevent just that.)
        if t - opened >= ws.limit, opened + ws.limit + rules.settings.allowedLateness <= clock {
            fireWait(r, w, episode: ws.episode, waited: t - opened, deadline: opened + ws.limit, cause: event,
                     ws: &ws, ix: &ix, customer: &customer, into: &out)
        }
    }

    /// The episode of the opener kept while the last one was open (`WaitState.laterOpener`), if
    /// it happened after that one's closer at `t`. Out of line: rare.
    @inline(never)
    mutating func openLaterEpisode(
        _ r: Int, _ w: Shared<WaitCondition>, closedAt t: Timestamp,
        ws: inout WaitState, ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]
    ) {
        let later = ws.laterOpener
        ws.laterOpener = .never
        // At the closer's very instant it is a repeat too: in order, `queued` and `connected`
        // of the same second are a zero-length episode, as before.
        if later > t { openEpisode(r, w, at: later, opener: nil, ws: &ws, ix: &ix, customer: &customer, into: &out) }
    }

    /// A closer earlier than the one that ended the last episode, whose moment waits for its
    /// timer (`allowed_lateness`): the episode ended here, and the timer judges that. The closer
    /// it had is kept for an opener that arrives later between the two. Out of line: rare, and
    /// inlined it made every closing event's path longer.
    @inline(never)
    func shortenHeldBackEpisode(at t: Timestamp, _ ws: inout WaitState) -> Bool {
        guard ws.lastEpisode.contains(t), let due = ws.decisionDue(lateness: waitTimerLateness), due > clock else { return false }
        ws.pendingCloses.add(ws.lastEpisode.upperBound)
        ws.lastEpisode = ws.lastEpisode.lowerBound..<t
        return true
    }

    /// A new episode opens while the last one, closed long, waits for its timer: it is decided
    /// now, as the timer will find the episode number moved on (a closer of it arriving later
    /// still is then too late). By the largest lateness a pending timer may have been set with
    /// (`waitTimerLateness`): a reload that lowered it left such timers pending.
    mutating func settleClosedEpisode(
        _ r: Int, _ w: Shared<WaitCondition>, ws: inout WaitState, ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]
    ) {
        guard ws.openedAt == nil, let due = ws.decisionDue(lateness: waitTimerLateness), due > clock else { return }
        let episode = ws.lastEpisode
        fireWait(r, w, episode: ws.episode, waited: episode.upperBound - episode.lowerBound, deadline: episode.lowerBound + ws.limit, cause: nil, ws: &ws, ix: &ix, customer: &customer, into: &out)
    }

    mutating func fireWaitTimer(customer id: String, interaction iid: String, rule r: Int, episode: Int, into out: inout [Output]) {
        // Most wait timers find the episode closed: check that in place before moving anything.
        guard case .wait(let shared) = index.conditions[r], let c = customers.index(forKey: id),
              let waiting = customers.inPlace(at: c, { $0.interactions.waitState(of: iid, rule: r) }),
              waiting.episode == episode, waiting.openedAt != nil || waiting.closedLong else { return }
        var customer = CustomerState()
        customers.checkOut(at: c, into: &customer)
        _ = customer.interactions.moveToEnd(iid)   // there: its wait state was just read
        var ix = customer.interactions.removeLast()
        var ws = waiting
        // Still waiting: reported at the limit. Closed long, its decision held back by
        // `allowed_lateness` (`closeWait`): reported as long as it lasted.
        let opened = ws.openedAt ?? ws.lastEpisode.lowerBound
        // An open wait of an interaction that ended before the limit: nobody was waiting any
        // more (a caller who hung up in queue after 45 s got a long wait, and its apology
        // discount, at 2 min until 2026-12-07, or not, as its eviction came first or not).
        if ws.openedAt != nil, let ended = ix.endedAt, ended < opened + ws.limit {
            customer.interactions.put(consume ix)
            customers.checkIn(id, &customer, at: c)
            return
        }
        markChanged(id)
        let waited = ws.openedAt == nil ? ws.lastEpisode.upperBound - opened : ws.limit
        fireWait(r, shared, episode: episode, waited: waited, deadline: opened + ws.limit, cause: nil, ws: &ws, ix: &ix, customer: &customer, into: &out)
        ix.waits[r] = ws
        customer.interactions.put(consume ix)
        customers.checkIn(id, &customer, at: c)
    }

    /// Fires a wait's moment. `cause`: the event that opened or closed the episode, when that
    /// decided it (an opener arriving after its closer, a closer of a long episode): the moment
    /// names that event's queue and agent, the episode's (a long hold is the agent's who held,
    /// even when the closer arrives after a transfer). A timer's moment names the interaction's.
    mutating func fireWait(
        _ r: Int, _ shared: Shared<WaitCondition>, episode: Int, waited: Duration, deadline: Timestamp, cause: Event?,
        ws: inout WaitState, ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]
    ) {
        let w = shared.value
        switch w.oncePer {
        case .episode:
            guard !ws.firedEpisodes.contains(episode) else { return }
            ws.firedEpisodes.insert(episode)
        case .interaction:
            guard !ix.fired.contains(r) else { return }
            // Its episode noted too: a reload to `once_per: episode` while it is open found the
            // episode not yet fired and fired it again, under the same id (until 2026-12-07).
            ws.firedEpisodes.insert(episode)
        }
        let named = cause.map { Self.queueAndAgent(of: $0, in: ix) } ?? (ix.queue, ix.agentID)
        emitMoment(
            r, ix: &ix, customer: &customer, causeEventID: cause?.eventID, time: deadline,
            occurrence: w.oncePer == .episode ? episode : 1,
            measures: [.init(name: w.measure + "_seconds", value: waited.seconds)],
            details: [w.measure: waited.description], queue: named.0, agent: named.1, into: &out)
    }
}
