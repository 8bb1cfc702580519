import MomentsCore

/// Writes the whole life of one interaction — queue, agent, holds, transfers, chat, sentiment,
/// flags, the end and maybe a survey — as canonical events at their times, in order.
///
/// Everything is decided up front from the generator (so one draw order, one stream), then laid
/// out on a timeline of conversation "beats". The probabilities are tuned so that every kind of
/// moment shows up within minutes at the default 60 arrivals a minute, while staying plausible
/// (TrafficMixTests and DefaultRulesTests measure them).
struct InteractionScript {
    enum Outcome: Sendable { case resolved, unresolved, abandoned }

    let interactionID: String
    let customer: Customer
    let channel: Channel
    /// 1 for a first contact, 2 for the first call back, ...
    let attempt: Int
    private(set) var events: [SimulatedEvent] = []
    private(set) var outcome = Outcome.resolved
    private let agents: Int
    private let queues: [String]
    private var t: Timestamp
    private var sequence = 0
    private var queue: String
    private var agent: String?

    init(interactionID: String, customer: Customer, channel: Channel, attempt: Int, start: Timestamp,
         options: SimulationOptions, rng: inout SplitMix64) {
        self.interactionID = interactionID
        self.customer = customer
        self.channel = channel
        self.attempt = attempt
        self.agents = max(1, options.agents)
        self.queues = options.queues.isEmpty ? ["general"] : options.queues
        self.t = start
        self.queue = rng.pick(queues)
        write(&rng)
    }

    /// When the interaction ended (the survey, if any, comes later).
    private(set) var endedAt = Timestamp(milliseconds: 0)

    // MARK: - The script

    private enum Special { case churn, hold, escalation, rude, transfer }

    private mutating func write(_ rng: inout SplitMix64) {
        emit(.interactionStarted)
        advance(rng.between(100, 1500))
        emit(.interactionQueued)

        // The wait: mostly 5–90 s, sometimes past the two minutes the default rules alert on.
        let longWait = rng.chance(0.08)
        let wait = longWait ? rng.between(121_000, 300_000) : rng.between(5_000, 90_000)
        // Patience runs out mostly on long waits (about 4 % abandon overall), and sooner for
        // someone calling about the same problem again.
        if rng.chance(attempt > 1 ? (longWait ? 0.35 : 0.06) : (longWait ? 0.2 : 0.025)) {
            advance(rng.between(longWait ? 60_000 : wait / 2, wait))
            finish(.abandoned, fast: false, &rng)
            return
        }
        advance(wait)
        connect(&rng)

        // Decisions for the conversation. Repeat contacts go worse: that is why they repeat.
        let repeatContact = attempt > 1
        let fast = rng.chance(repeatContact ? 0.3 : 0.5)
        let talk = fast ? rng.between(45_000, 180_000) : rng.between(240_000, 900_000)
        var transfers = rng.chance(0.12) ? 1 : 0
        if rng.chance(0.04) { transfers = rng.chance(0.2) ? 3 : 2 }
        let escalates = rng.chance(attempt >= 3 ? 0.08 : 0.03)
        let rude = rng.chance(0.015)
        let otherFlag = rng.chance(0.02)
        let churns = channel == .chat && rng.chance(repeatContact ? 0.08 : 0.03)
        let holds = channel == .voice && rng.chance(0.3) ? (rng.chance(0.15) ? 2 : 1) : 0
        let angry = rng.chance(0.05 + (longWait ? 0.2 : 0) + (rude ? 0.3 : 0) + (churns ? 0.4 : 0)
                               + 0.1 * Double(transfers) + 0.1 * Double(attempt - 1))
        let trouble = escalates || rude || churns
        let resolved = rng.chance(max(0.2, 0.8 - 0.15 * Double(attempt - 1) - (trouble ? 0.35 : 0) - 0.1 * Double(transfers)))

        // Beats: chat messages come every 8–30 s; on voice, speech analytics scores every 25–60 s.
        let gap: ClosedRange<Int64> = channel == .chat ? 8_000...30_000 : 25_000...60_000
        let beats = max(3, Int(talk / ((gap.lowerBound + gap.upperBound) / 2)))
        var plan: [Int: [Special]] = [:]
        func place(_ s: Special, in range: ClosedRange<Int>) { plan[Int(rng.between(Int64(range.lowerBound), Int64(range.upperBound))), default: []].append(s) }
        if churns { place(.churn, in: 1...(beats - 2)) }
        for _ in 0..<holds { place(.hold, in: 1...(beats - 1)) }
        if escalates { place(.escalation, in: (beats / 2)...(beats - 1)) }
        if rude { place(.rude, in: 1...(beats - 1)) }
        for _ in 0..<transfers { place(.transfer, in: 1...(beats - 1)) }

        var customerSpoke = false
        var scores = 0
        for beat in 0..<beats {
            advance(beat == 0 ? rng.between(2_000, 8_000) : rng.between(gap.lowerBound, gap.upperBound))
            if channel == .chat {
                // The customer opens and closes; in between the turn passes most of the time.
                let customerTurn = beat == 0 || beat == beats - 1 || (customerSpoke ? rng.chance(0.3) : rng.chance(0.7))
                let lines: [String: [String]]
                if !customerTurn { lines = Catalogue.agentLines }
                else if beat == 0 { lines = Catalogue.openers }
                else if beat == beats - 1 { lines = resolved ? Catalogue.thanks : Catalogue.stillBroken }
                else if repeatContact && beat <= 2 { lines = Catalogue.repeatLines }
                else { lines = Catalogue.customerLines }
                message(customer: customerTurn, rng.pick(lines[customer.language]!))
                customerSpoke = customerTurn
            }
            // Sentiment is scored now and then (capped, as analytics vendors batch it).
            if scores < 6, rng.chance(channel == .chat ? 0.3 : 0.6) {
                scores += 1
                let progress = Double(beat) / Double(beats)
                // An angry customer's score sinks below -0.6 after the first third.
                let (lo, hi) = angry && progress > 0.33 ? (-0.98, -0.45) : (resolved ? (-0.3, 0.95) : (-0.6, 0.5))
                let score = ((lo + rng.unit() * (hi - lo)) * 100).rounded() / 100
                emit(.sentimentScored, data: [("score", .number(score))])
            }
            for special in plan[beat] ?? [] { perform(special, &rng) }
        }
        if otherFlag {
            advance(rng.between(500, 3_000))
            emit(.agentFlagged, data: [("flag", .string(rng.pick(Catalogue.otherFlags))), ("source", .string("qa"))])
        }
        advance(rng.between(1_000, 4_000))
        finish(resolved ? .resolved : .unresolved, fast: fast, &rng)
    }

    private mutating func perform(_ special: Special, _ rng: inout SplitMix64) {
        advance(rng.between(500, 4_000))
        switch special {
        case .churn:
            message(customer: true, rng.pick(Catalogue.churnLines[customer.language]!))
        case .hold:
            emit(.holdStarted)
            // Mostly under a minute; about one hold in ten runs past the 60 s the rules alert on.
            advance(rng.chance(0.10) ? rng.between(61_000, 180_000) : rng.between(8_000, 55_000))
            emit(.holdEnded)
        case .escalation:
            emit(.interactionEscalated, data: [("to", .string("supervisor"))])
        case .rude:
            emit(.agentFlagged, data: [("flag", .string("rude")), ("source", .string(rng.pick(Catalogue.flagSources)))])
        case .transfer:
            let next = queues.count > 1 ? rng.pick(queues.filter { $0 != queue }) : queue
            emit(.interactionTransferred, data: [("to_queue", .string(next))])
            queue = next
            let previous = agent
            agent = nil
            advance(rng.between(200, 1_500))
            emit(.interactionQueued)
            advance(rng.between(10_000, 60_000))
            connect(avoiding: previous, &rng)
        }
    }

    private mutating func finish(_ outcome: Outcome, fast: Bool, _ rng: inout SplitMix64) {
        self.outcome = outcome
        emit(.interactionEnded, data: [("reason", .string(outcome == .resolved ? "resolved" : outcome == .abandoned ? "abandoned" : "unresolved"))])
        endedAt = t
        // Surveys: more often after a quick fix (the happy answer), rarely after hanging up.
        let surveyed: Bool
        let csat: Int
        switch outcome {
        case .resolved where fast:
            surveyed = rng.chance(0.45)
            csat = rng.chance(0.65) ? 5 : rng.chance(0.7) ? 4 : 3
        case .resolved:
            surveyed = rng.chance(0.3)
            csat = [5, 5, 4, 4, 4, 3, 2][Int(rng.between(0, 6))]
        case .unresolved:
            surveyed = rng.chance(0.3)
            csat = [1, 1, 2, 2, 3, 4][Int(rng.between(0, 5))]
        case .abandoned:
            surveyed = rng.chance(0.1)
            csat = rng.chance(0.6) ? 1 : 2
        }
        guard surveyed else { return }
        advance(rng.between(20_000, 300_000))
        agent = nil   // survey systems report the interaction, not the agent
        emit(.surveySubmitted, data: [("csat", .number(Double(csat)))])
    }

    // MARK: - Writing events

    private mutating func advance(_ ms: Int64) { t = t + Duration(milliseconds: ms) }

    private mutating func connect(avoiding previous: String? = nil, _ rng: inout SplitMix64) {
        var next = Int(rng.between(1, Int64(agents)))
        // After a transfer the call goes to someone else.
        if agents > 1, agent(number: next) == previous { next = next % agents + 1 }
        agent = agent(number: next)
        emit(.agentConnected)
    }

    private func agent(number n: Int) -> String {
        let s = String(n)
        return "a-" + (s.count >= 3 ? s : String(repeating: "0", count: 3 - s.count) + s)
    }

    private mutating func message(customer fromCustomer: Bool, _ text: String) {
        emit(.messageSent, data: [("sender", .string(fromCustomer ? "customer" : "agent")), ("text", .string(text))])
    }

    private mutating func emit(_ type: EventType, data: [(String, JSONValue)] = []) {
        sequence += 1
        let json = EventJSON.write(
            eventID: interactionID + "-" + String(sequence), type: type, at: t, interactionID: interactionID,
            customer: customer, channel: channel, queue: queue, agentID: agent, data: data)
        events.append(SimulatedEvent(key: customer.id, occurredAt: t, type: type.name, interactionID: interactionID, json: json))
    }
}
