/// Everything the engine remembers about one customer: open and recently ended interactions,
/// recent contacts, and recovery cooldowns. State is keyed by customer because inputs are.
struct CustomerState: Sendable {
    var interactions = InteractionTable()
    /// Interactions started, oldest first (`precedes`), within the history window and
    /// `allowed_lateness` (`RuleIndex.historyWindow`).
    var starts: [(interaction: String, at: Timestamp)] = []
    /// Recovery rule id → when the last action of that rule was issued to this customer.
    var lastRecovery = [String: Timestamp]()
    var evictionScheduled = false

    var isEmpty: Bool { interactions.isEmpty && starts.isEmpty && lastRecovery.isEmpty }

    /// Interactions one customer holds at most, for one key shared by many callers (a
    /// placeholder such as `anonymous` for withheld numbers, or a hostile sender): its state
    /// stays bounded and its changelog record within Kafka's message size. Past this, one is
    /// forgotten (`Engine.forgetOneInteraction`).
    static let maxInteractions = 1_000
    /// Starts one customer remembers at most (the newest): a repeat contact counts a few, and
    /// a late start recounts the later ones against all of them (quadratic in this number).
    static let maxStarts = 256

    /// Contacts that started within `window` before `interaction`'s start at `time`: what
    /// `repeat-contact` counts for a contact starting then (as it arrives, and again when an
    /// earlier one arrives late).
    func contacts(before interaction: String, at time: Timestamp, within window: Duration) -> Int {
        starts.lazy.filter { $0.at >= time - window && Self.precedes($0, (interaction, time)) }.count
    }

    /// The order of contacts: by start time, and contacts that start in the same moment (whole
    /// seconds make that common) by interaction id, so that of two such contacts exactly one
    /// counts the other, whichever arrives first. `starts` is kept in this order.
    static func precedes(_ a: (interaction: String, at: Timestamp), _ b: (interaction: String, at: Timestamp)) -> Bool {
        a.at != b.at ? a.at < b.at : a.interaction < b.interaction
    }
}

/// Its fields are declared in the order that packs them (Swift lays a struct out in declaration
/// order): the one-byte fields sit in the seven bytes an optional time leaves after its nine,
/// so the state is 184 bytes a copy rather than 208 — it is moved in and out of its table at
/// every event, and an open interaction's resident memory is a target (issue #6).
struct InteractionState: Sendable {
    let id: String
    let customerID: String
    var queue: String?
    var agentID: String?
    /// Event times of the events `queue` and `agentID` were taken from: an event that arrives
    /// late (from before a transfer) does not put back the queue or agent of its time, which
    /// a moment timed later (a long hold) and its coaching would name. Until 2026-12-07 the
    /// last event to arrive set them.
    var queueSetAt = Timestamp(milliseconds: .min)
    var agentSetAt = Timestamp(milliseconds: .min)
    /// Attributes merged over the interaction's events (later events win).
    var attributes: Attributes
    /// Event time of the event that set `phase`, so a late event cannot move the phase back.
    /// Once ended: of the phase the end is judged in (see `endReason`), which the end does not
    /// replace — kept here rather than in a field of its own, which made every interaction's
    /// state 8 bytes larger and cost 70 bytes of resident memory an open interaction.
    var phaseSetAt = Timestamp(milliseconds: .min)
    var lastEventAt: Timestamp
    /// Moment rules (by index) that already fired for this interaction.
    var fired = SmallIntSet()
    /// Per wait rule (by index): the current episode.
    var waits = SmallIntMap<WaitState>()
    /// Per count rule (by index): matching events seen.
    var counts = SmallIntMap<Int>()
    /// Per threshold rule with `average_over` (by index): its recent values.
    var windows = SmallIntMap<TrailingSamples>()
    var firstConnectedAt: Timestamp?
    var channel: Channel
    var phase: Phase = .started
    var evictionScheduled = false
    var endedAt: Timestamp?
    /// The end's reason: an event that arrives after the end but happened before it, later
    /// than the phase the end is judged in (`phaseSetAt`), moves that phase
    /// (`Engine.judgeEndAgain`), so an `abandoned` end that arrives before its `queued` is
    /// still the `abandoned` moment.
    var endReason: EndReason?

    init(id: String, customerID: String, channel: Channel, at time: Timestamp) {
        self.id = id
        self.customerID = customerID
        self.channel = channel
        self.attributes = [:]
        self.lastEventAt = time
    }
}

/// The reasons an interaction ends with (the event contract's `data.reason`).
enum EndReason: String, Sendable {
    case resolved, abandoned, unresolved
}

struct WaitState: Sendable {
    /// Episodes opened so far; the current one is `episode`.
    var episode = 0
    var openedAt: Timestamp?
    var limit = Duration.zero
    /// Closing events that arrived while no episode was open (they may belong to late openers):
    /// a late opener's episode ends at the first of them at or after it. One value was kept
    /// before, the latest, so a late `queued` was measured to the call's end instead of to the
    /// `connected` that had closed it.
    var pendingCloses = PendingCloses()
    /// The latest opener that arrived while an episode was open and happened after it opened:
    /// a repeat of it, or the next episode's opener ahead of this one's late closer. A closer
    /// before it then ends this episode and opens that one at its time (`Engine.closeWait`);
    /// one after it shows it was a repeat. `Timestamp.never` for none: an optional made the
    /// state 8 bytes larger.
    var laterOpener = Timestamp.never
    /// When the episode that last closed opened and closed: an opener within it belongs to it
    /// (a repeated `hold.started` arriving after the `hold.ended` opened a hold that never ended).
    /// Empty until an episode closes; a range, not an optional pair, to keep the state small
    /// (it is copied in and out of its table at every event of the interaction).
    var lastEpisode = Timestamp(milliseconds: 0)..<Timestamp(milliseconds: 0)
    /// Episodes that already fired (per-episode waits).
    var firedEpisodes = SmallIntSet()

    /// Whether an opener at `t` belongs to the episode that last closed: within it, or at its
    /// very instant when it lasted no time (`queued` and `connected` in the same second, common
    /// with timestamps in whole seconds). Such an episode is an empty range, which contains no
    /// instant, so a repeated `queued` of that second (another event id) opened a wait that
    /// nothing closed, and a long wait was reported for a customer already connected (until
    /// 2026-12-07). The initial range, at the epoch, is no episode.
    func isWithinLastEpisode(_ t: Timestamp) -> Bool {
        lastEpisode.contains(t) || lastEpisode.isEmpty && t == lastEpisode.lowerBound && hasClosedEpisode
    }

    /// Whether an episode has closed (`lastEpisode` is set; the epoch is never an event time).
    var hasClosedEpisode: Bool { lastEpisode.upperBound.milliseconds != 0 }

    /// The episode that last closed lasted `limit` or longer.
    var closedLong: Bool { !lastEpisode.isEmpty && lastEpisode.upperBound - lastEpisode.lowerBound >= limit }

    /// When this wait's moment is decided, if that is still to come: the open episode's timer
    /// or, with `allowed_lateness`, the timer of a long episode already closed, which waits so
    /// that a closer that happened earlier, arriving later, can still end the episode there
    /// (`Engine.closeWait`). Without lateness a closed episode's timer has always passed.
    func decisionDue(lateness: Duration) -> Timestamp? {
        if let opened = openedAt { return opened + limit + lateness }
        guard lateness > .zero, closedLong else { return nil }
        return lastEpisode.lowerBound + limit + lateness
    }
}

extension Timestamp {
    /// Never an event time (those are refused outside 2000–2100): marks an empty place in state
    /// kept without optionals.
    static var never: Timestamp { Timestamp(milliseconds: .max) }
}

/// The closing events of a wait that arrived while no episode was open, earliest first: two,
/// held inline. A wait has two kinds of closer (its `until` events and the interaction's end),
/// and events arrive only slightly out of order; a third drops the earliest, the likeliest to
/// belong to no opener. Inline rather than an array: most waits that never open (a hold in a
/// call without one) get the interaction's end as a pending close, and an array allocated for
/// each cost 180 instructions an event.
struct PendingCloses: Sendable, Equatable {
    /// Empty places hold `Timestamp.never`: optionals made the wait state 16 bytes larger, and
    /// every copy of it dearer.
    private var a = Timestamp.never, b = Timestamp.never   // a <= b; `never` sorts last

    var all: [Timestamp] { [a, b].filter { $0 != .never } }

    mutating func add(_ t: Timestamp) {
        if t == a || t == b { return }
        guard b != .never else {
            (a, b) = t < a ? (t, a) : (a, t)
            return
        }
        // Past two, the earliest of the three goes.
        if t < a { return }
        (a, b) = t < b ? (t, b) : (b, t)
    }

    /// The first close at or after `t`, taken out, once the closes before `t` (of earlier
    /// episodes) are dropped.
    mutating func take(notBefore t: Timestamp) -> Timestamp? {
        guard a != .never else { return nil }
        if a >= t { let first = a; (a, b) = (b, .never); return first }
        let second = b
        (a, b) = (.never, .never)
        return second != .never && second >= t ? second : nil
    }
}
