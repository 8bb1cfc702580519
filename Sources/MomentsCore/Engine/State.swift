/// Everything the engine remembers about one customer: open and recently ended interactions,
/// recent contacts, and recovery cooldowns. State is keyed by customer because inputs are.
struct CustomerState: Sendable {
    var interactions = InteractionTable()
    /// Interactions started, oldest first, within the history window.
    var starts: [(interaction: String, at: Timestamp)] = []
    /// Recovery rule id → when the last action of that rule was issued to this customer.
    var lastRecovery = [String: Timestamp]()
    var evictionScheduled = false

    var isEmpty: Bool { interactions.isEmpty && starts.isEmpty && lastRecovery.isEmpty }
}

struct InteractionState: Sendable {
    let id: String
    let customerID: String
    var channel: Channel
    var queue: String?
    var agentID: String?
    /// Attributes merged over the interaction's events (later events win).
    var attributes: Attributes
    var phase: Phase = .started
    /// Event time of the event that set `phase`, so a late event cannot move the phase back.
    var phaseSetAt = Timestamp(milliseconds: .min)
    var firstConnectedAt: Timestamp?
    var endedAt: Timestamp?
    var lastEventAt: Timestamp
    /// Moment rules (by index) that already fired for this interaction.
    var fired = SmallIntSet()
    /// Per wait rule (by index): the current episode.
    var waits = SmallIntMap<WaitState>()
    /// Per count rule (by index): matching events seen.
    var counts = SmallIntMap<Int>()
    /// Per threshold rule with `average_over` (by index): its recent values.
    var windows = SmallIntMap<TrailingSamples>()
    var evictionScheduled = false

    init(id: String, customerID: String, channel: Channel, at time: Timestamp) {
        self.id = id
        self.customerID = customerID
        self.channel = channel
        self.attributes = [:]
        self.lastEventAt = time
    }
}

struct WaitState: Sendable {
    /// Episodes opened so far; the current one is `episode`.
    var episode = 0
    var openedAt: Timestamp?
    var limit = Duration.zero
    /// A closing event that arrived while no episode was open (it may belong to a late opener).
    var pendingCloseAt: Timestamp?
    /// Episodes that already fired (per-episode waits).
    var firedEpisodes = SmallIntSet()
}
