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
}
