import MomentsCore

/// Writes the whole life of one interaction — queue, agent, holds, transfers, chat, sentiment,
/// flags, the end and maybe a survey — as canonical events at their times.
struct InteractionScript {
    struct Customer {
        let id: String
        let tier: String
        let language: String
        let region: String
        let segment: String
        let site: String
    }

    let interactionID: String
    let customer: Customer
    let channel: Channel
    let start: Timestamp
    let options: SimulationOptions
    private(set) var events: [SimulatedEvent] = []
    private var sequence = 0
    private var queue: String
    private var agent: String?

    init(interactionID: String, customer: Customer, channel: Channel, start: Timestamp, options: SimulationOptions, rng: inout SplitMix64) {
        self.interactionID = interactionID
        self.customer = customer
        self.channel = channel
        self.start = start
        self.options = options
        self.queue = rng.pick(options.queues)
        write(&rng)
    }

    private mutating func write(_ rng: inout SplitMix64) {
        var t = start
        func after(_ lo: Int64, _ hi: Int64) -> Timestamp { t = t + Duration(milliseconds: rng.between(lo, hi)); return t }
        emit(.interactionStarted, at: t)
        emit(.interactionQueued, at: after(100, 1500))

        // The wait: mostly short, sometimes past two minutes.
        let longWait = rng.chance(0.08)
        let wait = longWait ? rng.between(121_000, 300_000) : rng.between(5_000, 90_000)
        let abandons = rng.chance(longWait ? 0.25 : 0.03)
        if abandons {
            emit(.interactionEnded, at: after(wait / 2, wait), data: ["reason": .string("abandoned")])
            return
        }
        connect(at: after(wait, wait), &rng)

        let fast = rng.chance(0.45)
        let talk = fast ? rng.between(50_000, 240_000) : rng.between(240_000, 900_000)
        let end = t + Duration(milliseconds: talk)
        var transfers = rng.chance(0.12) ? 1 : 0
        if rng.chance(0.04) { transfers = 2 }
        let sentimentLow = rng.chance(0.10)
        let rude = rng.chance(0.015)
        let otherFlag = rng.chance(0.02)
        let escalates = rng.chance(0.03)
        let churns = channel == .chat && rng.chance(0.05)

        // Activity within the conversation, in order.
        var steps = Int(talk / 30_000) + 2
        var scores = 0
        var holds = 0
        var transfersDone = 0
        while steps > 0 && t < end {
            steps -= 1
            _ = after(8_000, 30_000)
            switch rng.unit() {
            case ..<0.35 where channel == .chat:
                let customerSpeaks = rng.chance(0.55)
                let lines = customerSpeaks ? Catalogue.customerLines : Catalogue.agentLines
                var text = rng.pick(lines[customer.language]!)
                if customerSpeaks && churns && steps <= 2 { text = rng.pick(Catalogue.churnLines[customer.language]!) }
                emit(.messageSent, at: t, data: ["sender": .string(customerSpeaks ? "customer" : "agent"), "text": .string(text)])
            case ..<0.55 where channel == .voice && holds == 0:
                holds += 1
                let longHold = rng.chance(0.15)
                emit(.holdStarted, at: t)
                emit(.holdEnded, at: after(longHold ? 61_000 : 10_000, longHold ? 150_000 : 55_000))
            case ..<0.75 where scores < 4:
                scores += 1
                let base = sentimentLow && scores >= 2 ? -0.95 : -0.5
                let score = (Double(rng.between(0, 100)) / 100 * (0.9 - base) + base)
                emit(.sentimentScored, at: t, data: ["score": .number((score * 100).rounded() / 100)])
            default:
                if transfersDone < transfers {
                    transfersDone += 1
                    let next = rng.pick(options.queues.filter { $0 != queue })
                    emit(.interactionTransferred, at: t, data: ["to_queue": .string(next)])
                    queue = next
                    agent = nil
                    emit(.interactionQueued, at: after(200, 1500))
                    connect(at: after(10_000, 60_000), &rng)
                }
            }
        }
        if transfersDone < transfers {
            let next = rng.pick(options.queues.filter { $0 != queue })
            emit(.interactionTransferred, at: after(1000, 5000), data: ["to_queue": .string(next)])
            queue = next
            emit(.interactionQueued, at: after(200, 1500))
            connect(at: after(10_000, 60_000), &rng)
        }
        if rude { emit(.agentFlagged, at: after(1000, 5000), data: ["flag": .string("rude"), "source": .string(rng.pick(Catalogue.flagSources))]) }
        if otherFlag { emit(.agentFlagged, at: after(1000, 5000), data: ["flag": .string(rng.pick(Catalogue.flags)), "source": .string("qa")]) }
        if escalates { emit(.interactionEscalated, at: after(1000, 5000), data: ["to": .string("supervisor")]) }
        let resolved = rng.chance(escalates || rude ? 0.4 : 0.78)
        emit(.interactionEnded, at: max(after(1000, 3000), end), data: ["reason": .string(resolved ? "resolved" : "unresolved")])
        if rng.chance(0.35) {
            let csat = resolved && fast ? (rng.chance(0.6) ? 5 : 4) : Int(rng.between(1, 5))
            emit(.surveySubmitted, at: after(30_000, 300_000), data: ["csat": .number(Double(csat))], withAgent: false)
        }
    }

    private mutating func connect(at time: Timestamp, _ rng: inout SplitMix64) {
        agent = "a-" + String(format3: Int(rng.between(1, Int64(options.agents))))
        emit(.agentConnected, at: time)
    }

    private mutating func emit(_ type: EventType, at time: Timestamp, data: [String: JSONValue] = [:], withAgent: Bool = true) {
        sequence += 1
        var w = JSONWriter(capacity: 360)
        w.beginObject()
        w.key("event_id"); w.value("\(interactionID)-\(sequence)")
        w.key("type"); w.value(type.name)
        w.key("occurred_at"); w.value(time.description)
        w.key("interaction_id"); w.value(interactionID)
        w.key("customer_id"); w.value(customer.id)
        w.key("channel"); w.value(channel.rawValue)
        w.key("queue"); w.value(queue)
        w.key("agent_id"); w.value(withAgent ? agent : nil)
        w.key("data"); w.objectValue()
        for k in data.keys.sorted() { w.key(k); w.value(data[k]!) }
        w.endObject()
        w.key("attributes"); w.objectValue()
        w.key("tier"); w.value(customer.tier)
        w.key("language"); w.value(customer.language)
        w.key("region"); w.value(customer.region)
        w.key("segment"); w.value(customer.segment)
        w.key("site"); w.value(customer.site)
        w.endObject()
        w.endObject()
        events.append(SimulatedEvent(key: customer.id, occurredAt: time, type: type.name, interactionID: interactionID, json: w.string))
    }
}

extension String {
    /// Zero-padded to three digits ("a-007").
    init(format3 n: Int) {
        let s = String(n)
        self = s.count >= 3 ? s : String(repeating: "0", count: 3 - s.count) + s
    }
}
