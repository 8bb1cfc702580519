import MomentsCore

/// One simulated event: its Kafka key (the customer), its event time and its canonical JSON.
public struct SimulatedEvent: Sendable {
    /// The Kafka message key: the event's `customer_id`.
    public let key: String
    /// The event's `occurred_at`.
    public let occurredAt: Timestamp
    /// The event's `type`, e.g. `interaction.started`.
    public let type: String
    /// The event's `interaction_id`.
    public let interactionID: String
    /// One canonical event as compact JSON, without a trailing newline.
    public let json: String
}

/// Settings of the simulated contact center. The defaults are the reference workload.
public struct SimulationOptions: Sendable {
    /// The same seed and options give the same stream, byte for byte.
    public var seed: UInt64 = 7
    /// Event time of simulated time zero (the first arrival); the default is also
    /// `moments simulate`'s, so benchmarks and `simulate --seed 7` produce the same stream.
    public var start = Timestamp(milliseconds: 1_795_492_800_000)   // 2026-11-24T04:00:00Z
    /// Size of the customer base new contacts are drawn from. Large enough that chance alone
    /// rarely makes a customer contact three times a day even in a day-long run at the
    /// default rate; repeat contacts come from call-backs after unresolved or abandoned contacts.
    public var customers = 200_000
    /// Agents (a-001 ...); each connection picks one.
    public var agents = 120
    /// Queues an interaction starts in or is transferred to.
    public var queues = ["billing", "support", "sales", "retention", "tech"]
    /// Interactions started per simulated minute, call-backs included.
    public var arrivalsPerMinute = 60.0
    /// Share of chat interactions (the rest are voice).
    public var chatShare = 0.4

    public init(seed: UInt64 = 7) { self.seed = seed }
}
