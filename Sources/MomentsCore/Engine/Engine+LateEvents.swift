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
            fire(r, ix: &ix, customer: &customer, event: event, time: ended, ofTheEvent: false, into: &out)
        }
    }

    /// The resolution conditions judged again when an interaction already resolved learns of
    /// an earlier first connection (`event`, an `agent.connected` arriving after the end): a
    /// fast resolution that fits fires, at the end's time, caused by `event`. Until 2026-12-07
    /// a call whose `connected` came two seconds after its resolved end got no fast-resolution
    /// moment and no kudos, as `abandoned` got none before 2026-12-06 (`judgeEndAgain`).
    mutating func judgeResolutionAgain(after event: Event, ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]) {
        guard ix.endReason == .resolved, let ended = ix.endedAt, let ordinal = EventType.interactionEnded.ordinal else { return }
        for k in index.momentsByEvent[ordinal].indices {
            let r = index.momentsByEvent[ordinal][k].rule
            guard case .resolution(let c) = index.conditions[r] else { continue }
            judgeResolution(r, c, endedAt: ended, cause: event, ofTheCause: false, ix: &ix, customer: &customer, into: &out)
        }
    }

    /// A resolution at `endedAt`: fires when the handle time from the first connection is
    /// within the condition's, and, with `first_contact_within`, no other contact of the
    /// customer started within that window before this one. `ofTheCause`: `event` is the end
    /// itself, whose queue and agent the moment names (else the interaction's: see `fire`).
    mutating func judgeResolution(
        _ r: Int, _ c: ResolutionCondition, endedAt: Timestamp, cause event: Event, ofTheCause: Bool,
        ix: inout InteractionState, customer: inout CustomerState, into out: inout [Output]
    ) {
        guard let connected = ix.firstConnectedAt else { return }
        let handle = endedAt - connected
        guard handle.milliseconds >= 0, handle <= c.within else { return }
        if let window = c.firstContactWithin {
            // The id taken out first: read inside the closures, it copied the whole interaction.
            let id = ix.id
            let startedAt = customer.starts.first(where: { $0.interaction == id })?.at ?? connected
            let other = customer.starts.contains {
                $0.at >= startedAt - window && CustomerState.precedes($0, (id, startedAt))
            }
            guard !other else { return }
        }
        fire(r, ix: &ix, customer: &customer, event: event, time: endedAt,
             measures: [.init(name: "handle_seconds", value: handle.seconds)], details: ["handle": handle.description],
             ofTheEvent: ofTheCause, into: &out)
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
            let late = (interaction: event.interactionID, at: t)
            let later = customer.starts.filter { $0.at - c.within <= t && CustomerState.precedes(late, $0) }
            // Read in place: a lookup by subscript copied the whole interaction for one flag.
            for contact in later where !(customer.interactions.read(contact.interaction, { $0.fired.contains(r) }) ?? true) {
                let earlier = customer.contacts(before: contact.interaction, at: contact.at, within: c.within)
                guard earlier + 1 >= c.atLeast, var other = customer.interactions.removeValue(forKey: contact.interaction) else { continue }
                fire(r, ix: &other, customer: &customer, event: event, time: contact.at,
                     measures: [.init(name: "contacts", value: Double(earlier + 1))], ofTheEvent: false, into: &out)
                customer.interactions.put(consume other)
            }
        }
    }
}
