/// Bounded state: ended interactions leave after a grace period, silent ones after a timeout,
/// and a customer leaves once their contact history and cooldowns have expired.
extension Engine {
    mutating func evictInteractionIfExpired(customer id: String, interaction iid: String) {
        // Read in place, without a copy of the customer: a copy would make the removal below
        // copy the customer's interactions (copy on write).
        guard let c = customers.index(forKey: id),
              let ix = customers.values[c].interactions.read(iid, { (endedAt: $0.endedAt, lastEventAt: $0.lastEventAt) }) else { return }
        let expiry = ix.endedAt != nil
            ? max(ix.endedAt!, ix.lastEventAt) + rules.settings.interactionGrace
            : ix.lastEventAt + rules.settings.interactionTimeout
        guard clock >= expiry else {
            schedule(.evictInteraction(customer: id, interaction: iid), at: expiry)
            return
        }
        customers.values[c].interactions[iid] = nil   // in place; the index is still valid
        markChanged(id)
        if customers.values[c].interactions.isEmpty { evictCustomerIfExpired(id) }
    }

    mutating func evictCustomerIfExpired(_ id: String) {
        guard customers[id]?.interactions.isEmpty == true, var customer = customers.removeValue(forKey: id) else { return }
        let horizon = clock - index.historyWindow
        customer.starts.removeAll { $0.at < horizon }
        customer.lastRecovery = customer.lastRecovery.filter { rule, at in
            guard let cooldown = index.cooldowns[rule] else { return false }
            return clock - at < cooldown
        }
        markChanged(id)
        if customer.isEmpty { return }
        // Come back when the oldest remembered fact expires.
        var next = customer.starts.first.map { $0.at + index.historyWindow }
        for (rule, at) in customer.lastRecovery {
            let expiry = at + (index.cooldowns[rule] ?? .zero)
            next = next.map { min($0, expiry) } ?? expiry
        }
        customers[id] = customer
        if let next { schedule(.evictCustomer(customer: id), at: max(next, clock + Duration(milliseconds: 1))) }
    }
}
