import MomentsCore

/// One simulated event: its Kafka key (the customer), its event time and its canonical JSON.
public struct SimulatedEvent: Sendable {
    public let key: String
    public let occurredAt: Timestamp
    public let type: String
    public let interactionID: String
    public let json: String
}

/// Settings of the simulated contact center.
public struct SimulationOptions: Sendable {
    public var seed: UInt64 = 7
    /// Event time of the first arrival.
    public var start = Timestamp(milliseconds: 1_795_766_400_000)   // 2026-11-24T04:00:00Z
    public var customers = 200_000
    public var agents = 120
    public var queues = ["billing", "support", "sales", "retention", "tech"]
    /// Interactions started per simulated minute.
    public var arrivalsPerMinute = 60.0
    /// Share of chat interactions (the rest are voice).
    public var chatShare = 0.4

    public init(seed: UInt64 = 7) { self.seed = seed }

    /// Arrivals a simulated minute it can make: fewer, and the gaps between arrivals ran past
    /// the years a timestamp can be written in (at 0 or NaN, a trap); more, and they are under
    /// a millisecond apart.
    public static let arrivalsRange = 0.01...100_000.0
    /// Starts whose traffic stays within the event times Moments accepts (2000–2100), for a
    /// year of it.
    public static let startRange = Timestamp(milliseconds: 946_684_800_000)...Timestamp(milliseconds: 4_070_908_800_000)   // 2000-01-01 to 2099-01-01

    /// The first event time Moments refuses (2100-01-01): traffic that reaches it (a late start
    /// and few arrivals) is stopped there, rather than written for `replay` to refuse.
    public static let endOfEventTime = Timestamp(milliseconds: 4_102_444_800_000)

    /// Why the simulation stops before `event`, if it must.
    public static func problem(reaching event: SimulatedEvent, after count: Int) -> String? {
        guard event.occurredAt >= endOfEventTime else { return nil }
        return "simulated time reached 2100-01-01, past which events are refused, after \(count) events; start earlier or raise --arrivals"
    }

    /// Why `arrivals` cannot be simulated, if it cannot.
    public static func problem(arrivals: Double) -> String? {
        arrivalsRange.contains(arrivals) ? nil : "--arrivals must be between 0.01 and 100000 interactions a simulated minute, found \(arrivals)"
    }
}
