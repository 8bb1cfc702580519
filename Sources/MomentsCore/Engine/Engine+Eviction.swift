/// Bounded state: ended interactions leave after a grace period, silent ones after a timeout,
/// and a customer leaves once their contact history and cooldowns have expired.
extension Engine {
    /// - Parameter now: the eviction timer's deadline. Judged by it, not by the clock: the
    ///   clock may have jumped past the timers due before the new expiry (an idle partition's
    ///   next event, `advance`), and an interaction kept for its wait's timer was forgotten
    ///   before that timer fired, queued after this one (until 2026-12-07).
    mutating func evictInteractionIfExpired(customer id: String, interaction iid: String, at now: Timestamp) {
        // Read in place, without a copy of the customer: a copy would make the removal below
        // copy the customer's interactions (copy on write).
        let lateness = waitTimerLateness
        guard let c = customers.index(forKey: id),
              let ix = customers.inPlace(at: c, { $0.interactions.evictionFacts(of: iid, lateness: lateness) }) else { return }
        var expiry = ix.endedAt != nil
            ? max(ix.endedAt!, ix.lastEventAt) + rules.settings.interactionGrace
            : ix.lastEventAt + rules.settings.interactionTimeout
        // Not before its open waits are due (their timers fire first): an e-mail waiting 24 h
        // with no event was forgotten at the 12 h timeout, its wait with it, and never reported.
        // Ended, not before the long waits whose decision `allowed_lateness` holds back: with a
        // grace shorter than the lateness, those were forgotten before their timers.
        if let due = ix.waitDue, due >= expiry { expiry = due + Duration(milliseconds: 1) }
        guard now >= expiry else {
            schedule(.evictInteraction(customer: id, interaction: iid), at: expiry)
            return
        }
        customers.inPlace(at: c) { $0.interactions[iid] = nil }   // in place; the index is still valid
        markChanged(id)
        if customers.inPlace(at: c, { $0.interactions.isEmpty }) { evictCustomerIfExpired(id) }
    }

    mutating func evictCustomerIfExpired(_ id: String) {
        // Expired facts are dropped in place: removing the customer and inserting what is left
        // hashed the id twice more and could grow the table.
        guard let c = customers.index(forKey: id), customers.inPlace(at: c, { $0.interactions.isEmpty }) else { return }
        let now = clock, historyWindow = index.historyWindow, cooldowns = index.cooldowns
        markChanged(id)
        let (forget, next) = customers.inPlace(at: c) { customer -> (forget: Bool, next: Timestamp?) in
            customer.starts.removeAll { $0.at < now - historyWindow }
            customer.lastRecovery = customer.lastRecovery.filter { rule, at in
                guard let cooldown = cooldowns[rule] else { return false }
                return now - at < cooldown
            }
            if customer.isEmpty { return (true, nil) }
            // Come back when the oldest remembered fact expires.
            var next = customer.starts.first.map { $0.at + historyWindow }
            for (rule, at) in customer.lastRecovery {
                let expiry = at + (cooldowns[rule] ?? .zero)
                next = next.map { min($0, expiry) } ?? expiry
            }
            return (false, next)
        }
        if forget {
            customers.remove(at: c)
            return
        }
        if let next { schedule(.evictCustomer(customer: id), at: max(next, clock + Duration(milliseconds: 1))) }
    }
}
