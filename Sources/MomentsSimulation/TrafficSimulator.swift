import MomentsCore

/// A seeded, deterministic contact center: interactions arrive as a Poisson process, each
/// scripted in full when it starts, and their events come out merged in event-time order.
///
/// The same options give the same stream, byte for byte.
public struct TrafficSimulator: Sendable {
    public let options: SimulationOptions
    private var rng: SplitMix64
    private var nextArrival: Timestamp
    private var interactions = 0
    private var heap = EventHeap()
    /// A small pool of customers with an unresolved problem, who keep coming back.
    private let troubled: Int

    public init(options: SimulationOptions) {
        self.options = options
        self.rng = SplitMix64(seed: options.seed)
        self.nextArrival = options.start
        self.troubled = 40
    }

    /// The next event in event-time order. The stream never ends.
    public mutating func next() -> SimulatedEvent {
        while heap.isEmpty || nextArrival <= heap.earliest! {
            startInteraction(at: nextArrival)
            let gap = rng.exponential(mean: 60_000 / options.arrivalsPerMinute)
            nextArrival = nextArrival + Duration(milliseconds: max(1, Int64(gap)))
        }
        return heap.pop()
    }

    /// The first `count` events.
    public static func events(options: SimulationOptions, count: Int) -> [SimulatedEvent] {
        var sim = TrafficSimulator(options: options)
        return (0..<count).map { _ in sim.next() }
    }

    private mutating func startInteraction(at time: Timestamp) {
        interactions += 1
        let customerNumber = rng.chance(0.03) ? Int(rng.between(0, Int64(troubled - 1))) : Int(rng.between(0, Int64(options.customers - 1)))
        let channel: Channel = rng.chance(options.chatShare) ? .chat : .voice
        let script = InteractionScript(
            interactionID: "i-" + String(interactions), customer: customer(customerNumber), channel: channel,
            start: time, options: options, rng: &rng)
        for e in script.events { heap.push(e) }
    }

    /// Customer attributes derive from the customer number alone, so they are stable.
    private func customer(_ n: Int) -> InteractionScript.Customer {
        var r = SplitMix64(seed: options.seed &* 31 &+ UInt64(n))
        let tierRoll = r.unit()
        let tier = tierRoll < 0.10 ? "gold" : (tierRoll < 0.35 ? "silver" : "standard")
        let langRoll = r.unit()
        let language = langRoll < 0.4 ? "en" : langRoll < 0.6 ? "de" : langRoll < 0.75 ? "it" : langRoll < 0.9 ? "nl" : "id"
        return .init(
            id: "c-" + String(n), tier: tier, language: language, region: r.pick(Catalogue.regions[language]!),
            segment: r.chance(0.2) ? "business" : "consumer", site: r.pick(Catalogue.sites))
    }
}

/// Pending events, earliest first; ties in insertion order (determinism).
struct EventHeap: Sendable {
    private var heap = MinHeap<(SimulatedEvent, UInt64)> { a, b in
        a.0.occurredAt != b.0.occurredAt ? a.0.occurredAt < b.0.occurredAt : a.1 < b.1
    }
    private var counter: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var earliest: Timestamp? { heap.first?.0.occurredAt }

    mutating func push(_ e: SimulatedEvent) {
        heap.push((e, counter))
        counter += 1
    }

    mutating func pop() -> SimulatedEvent { heap.pop()!.0 }
}
