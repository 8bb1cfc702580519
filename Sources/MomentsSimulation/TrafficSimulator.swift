import MomentsCore

/// A seeded, deterministic contact center. New contacts arrive as a Poisson process; each
/// interaction is scripted in full when it starts; a customer whose problem was not solved may
/// contact again minutes or hours later; all events come out merged in event-time order.
///
/// Pure: no wall clock, no global randomness. The same options give the same stream, byte for
/// byte; interaction ids carry a tag derived from the seed and the start, so two runs with
/// different options never reuse each other's ids on the same topic.
public struct TrafficSimulator: Sendable {
    public let options: SimulationOptions
    private var rng: SplitMix64
    private var nextArrival: Timestamp
    private var started = 0
    private var pending = OrderedHeap<SimulatedEvent>()
    private var callBacks = OrderedHeap<CallBack>()
    private let runTag: String

    /// Share of arrivals that are new contacts; call-backs make up the rest (measured over long
    /// runs at the defaults, so that `arrivalsPerMinute` counts every interaction started).
    static let newContactShare = 0.86

    private struct CallBack: Sendable {
        let customer: Int
        let attempt: Int
    }

    public init(options: SimulationOptions) {
        self.options = options
        self.rng = SplitMix64(seed: options.seed)
        self.nextArrival = options.start
        var tagSource = SplitMix64(seed: options.seed ^ (UInt64(bitPattern: options.start.milliseconds) &* 0x9E37_79B9_7F4A_7C15))
        self.runTag = String(tagSource.next() % 1_679_616, radix: 36).leftPadded(to: 4)   // 36⁴
    }

    /// The next event in event-time order. The stream never ends.
    public mutating func next() -> SimulatedEvent {
        while true {
            let callBackDue = callBacks.earliest
            let due = callBackDue.map { min($0, nextArrival) } ?? nextArrival
            // Start everything due no later than the earliest pending event: a script's events
            // never precede its start, and starts come in time order, so what is popped is final.
            if let earliest = pending.earliest, earliest < due { return pending.pop() }
            if let callBackDue, callBackDue <= nextArrival {
                let c = callBacks.pop()
                startInteraction(at: callBackDue, customer: c.customer, attempt: c.attempt)
            } else {
                startInteraction(at: nextArrival, customer: Int(rng.between(0, Int64(max(1, options.customers) - 1))), attempt: 1)
                let rate = max(options.arrivalsPerMinute, 0.001) * Self.newContactShare
                nextArrival = nextArrival + Duration(milliseconds: max(1, Int64(rng.exponential(mean: 60_000 / rate))))
            }
        }
    }

    /// The first `count` events of the stream.
    public static func events(options: SimulationOptions, count: Int) -> [SimulatedEvent] {
        var sim = TrafficSimulator(options: options)
        return (0..<count).map { _ in sim.next() }
    }

    /// The first `count` events as JSON lines (without newlines), as `moments simulate --stdout` prints them.
    public static func jsonLines(options: SimulationOptions, count: Int) -> [String] {
        events(options: options, count: count).map(\.json)
    }

    private mutating func startInteraction(at time: Timestamp, customer number: Int, attempt: Int) {
        started += 1
        let customer = Customer(number: number, seed: options.seed)
        let channel: Channel = rng.chance(options.chatShare) ? .chat : .voice
        let script = InteractionScript(
            interactionID: "i-" + runTag + "-" + String(started), customer: customer, channel: channel,
            attempt: attempt, start: time, options: options, rng: &rng)
        for e in script.events { pending.push(e, at: e.occurredAt) }
        if let delay = callBackDelay(after: script.outcome, attempt: attempt) {
            callBacks.push(CallBack(customer: number, attempt: attempt + 1), at: script.endedAt + Duration(milliseconds: delay))
        }
    }

    /// Whether, and how long after the end, the customer contacts us again. Those who hung up
    /// in the queue redial within minutes; unsolved problems come back within minutes or hours;
    /// a few solved ones have a follow-up question. Chains of these are the repeat callers.
    private mutating func callBackDelay(after outcome: InteractionScript.Outcome, attempt: Int) -> Int64? {
        guard attempt < 6 else { return nil }   // even the most patient give up
        switch outcome {
        case .abandoned:
            return rng.chance(0.6) ? rng.logUniform(20_000, 300_000) : nil
        case .unresolved:
            guard rng.chance(0.4) else { return nil }
            return rng.chance(0.7) ? rng.logUniform(60_000, 1_200_000) : rng.logUniform(1_200_000, 18_000_000)
        case .resolved:
            return rng.chance(0.03) ? rng.logUniform(3_600_000, 28_800_000) : nil
        }
    }
}

/// Items by time, earliest first; ties in insertion order, so the stream is deterministic.
struct OrderedHeap<Item: Sendable>: Sendable {
    private var heap = MinHeap<(time: Timestamp, order: UInt64, item: Item)> { a, b in
        a.time != b.time ? a.time < b.time : a.order < b.order
    }
    private var counter: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var earliest: Timestamp? { heap.first?.time }

    mutating func push(_ item: Item, at time: Timestamp) {
        heap.push((time, counter, item))
        counter += 1
    }

    mutating func pop() -> Item { heap.pop()!.item }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
