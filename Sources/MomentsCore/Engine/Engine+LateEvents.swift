/// Events that arrive after events that happened after them: what the engine does once it
/// learns of them, beyond what `update` and the waits (`Engine+Waits`) already do.
extension Engine {
    /// The `ended` conditions with a `while:` judged again for `phase`, the phase the
    /// interaction now turns out to have been in when it ended (`update`): a moment that fits
    /// fires, at the end's time, caused by `event` (the event whose late arrival showed it). One
    /// that fired for the phase the end was first judged in stays (outputs are not withdrawn),
    /// and none fires twice for an interaction.
    mutating func judgeEndAgain(in phase: Phase, after event: Event, ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]) {
        guard let reason = ix.endReason, let ended = ix.endedAt, let ordinal = EventType.interactionEnded.ordinal else { return }
        for k in index.momentsByEvent[ordinal].indices {
            let r = index.momentsByEvent[ordinal][k].rule
            guard case .ended(let c) = index.conditions[r], !c.value.phases.isEmpty, c.value.phases.contains(phase),
                  c.value.reasons.contains(reason.rawValue) else { continue }
            fire(r, ix: &ix, customer: &customer, event: event, time: ended, into: &out)
        }
    }

    /// The customer's contacts that started after `event`'s, counted again now that it is
    /// known: one that now reaches `at_least` fires, at its own start, caused by `event` (whose
    /// late arrival showed it). Until 2026-12-06 a contact was counted only with the contacts
    /// that had arrived before it, so the third of three contacts arriving out of order could
    /// go unreported. A contact whose interaction was already forgotten is not reported.
    mutating func countLaterContactsAgain(after event: Event, customer: inout CustomerState, into out: inout [Output]) {
        guard let ordinal = EventType.interactionStarted.ordinal else { return }
        let t = event.occurredAt
        for k in index.momentsByEvent[ordinal].indices {
            let r = index.momentsByEvent[ordinal][k].rule
            guard case .repeatContact(let c) = index.conditions[r] else { continue }
            let later = customer.starts.filter { $0.interaction != event.interactionID && $0.at > t && $0.at - c.within <= t }
            // Read in place: a lookup by subscript copied the whole interaction for one flag.
            for contact in later where !(customer.interactions.read(contact.interaction, { $0.fired.contains(r) }) ?? true) {
                let earlier = customer.contacts(before: contact.at, within: c.within, besides: contact.interaction)
                guard earlier + 1 >= c.atLeast, var other = customer.interactions.removeValue(forKey: contact.interaction) else { continue }
                fire(r, ix: &other, customer: &customer, event: event, time: contact.at,
                     measures: [.init(name: "contacts", value: Double(earlier + 1))], into: &out)
                customer.interactions.put(consume other)
            }
        }
    }
}
