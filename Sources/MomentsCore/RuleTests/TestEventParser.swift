import Yams

/// Reads the `events:` of one test into canonical events: `+130s connected a-7`, or the same
/// line as a key with more fields, `+20s message: { sender: agent, text: "..." }`.
struct TestEventParser {
    let ctx: YAMLContext
    let start: Timestamp
    let defaults: EventDefaults
    /// What each interaction's next event carries unless it says otherwise, as in real traffic:
    /// the customer and channel of its first event, the last queue (a transfer's `to_queue`
    /// included) and the last agent named. So only the first event of a second customer's
    /// interaction names the customer, and `connected a-7` puts a-7 on the events after it.
    private var interactions: [String: Carried] = [:]
    private struct Carried { var customer: String; var channel: Channel; var queue: String?; var agent: String? }

    init(ctx: YAMLContext, start: Timestamp, defaults: EventDefaults) {
        self.ctx = ctx; self.start = start; self.defaults = defaults
    }

    /// Parses a test's events. An event without `id` is `e<position>` (`e1`, `e2`, ...), or, when
    /// another event of the test gives that id explicitly, the first of `e<position>-2`, `-3`, ...
    /// that none does: two events with one id are a duplicate the engine drops, so a test got one
    /// without asking and could pass for the wrong reason. Explicit ids may repeat on purpose.
    mutating func parse(_ items: [Node]) -> [Event] {
        var events: [Event] = []
        var automatic: [(index: Int, position: Int)] = []
        var explicitIDs: Set<String> = []
        for (i, item) in items.enumerated() {
            guard let (event, explicit) = parse(item) else { continue }
            if explicit { explicitIDs.insert(event.eventID) } else { automatic.append((events.count, i + 1)) }
            events.append(event)
        }
        for (index, position) in automatic {
            var id = "e\(position)", n = 1
            while explicitIDs.contains(id) { n += 1; id = "e\(position)-\(n)" }
            events[index].eventID = id
        }
        return events
    }

    /// One event, and whether it gives its `id` (without one, its id is left empty for `parse(_:)`).
    private mutating func parse(_ item: Node) -> (Event, explicitID: Bool)? {
        guard let (lineNode, mapped) = TestItems.split(item, ctx, what: "an event") else { return nil }
        var fieldsNode = mapped
        var line = lineNode.string ?? ""
        // `+20s message: "text with: a colon"`: a plain value after the colon is the type's value.
        if case .scalar(let s)? = fieldsNode {
            line += " " + s.string
            fieldsNode = nil
        }
        let compact: CompactLine
        switch CompactLine.parse(line) {
        case .success(let c): compact = c
        case .failure(.badOffset(let t)):
            ctx.error(lineNode, "bad time '\(t)' (write an offset from the test start: +0s, +130s, +2m10s, +1d)"); return nil
        case .failure(.empty): ctx.error(lineNode, "an event needs a time and a type, like '+0s queued'"); return nil
        }
        guard let offset = compact.offset else {
            ctx.error(lineNode, "an event must start with its time, like '+130s connected' (found '\(line)')"); return nil
        }
        let (word, rest) = CompactLine.split(compact.text)
        guard let type = TestEventVocabulary.type(named: String(word)) else {
            let names = TestEventVocabulary.shortNames.map(\.name).joined(separator: ", ")
            ctx.error(lineNode, "unknown event type '\(word)' (use \(names), or a full type such as agent.connected)"); return nil
        }

        // Raw field values with the node to blame, from the line and from the mapping.
        var raw: [String: (text: String, node: Node)] = [:]
        if !rest.isEmpty {
            guard let field = TestEventVocabulary.valueField(of: type) else {
                ctx.error(lineNode, "\(word) takes no value after the type (found '\(rest)')"); return nil
            }
            if field != "text", rest.contains(where: \.isWhitespace) {
                ctx.error(lineNode, "one value expected after '\(word)' (its \(field)), found '\(rest)'"); return nil
            }
            raw[field] = (CompactLine.unquoted(rest), lineNode)
        }
        let allowed = TestEventVocabulary.envelopeFields + TestEventVocabulary.dataFields(of: type)
        var attributes = defaults.attributes
        if let fieldsNode {
            guard let members = ctx.mapping(fieldsNode, what: "the fields of \(type.name)", allowed: allowed) else { return nil }
            for m in members {
                if m.key == "attributes" {
                    if let a = TestFields.attributes(m.value, ctx) { attributes.merge(a) { $1 } }
                    continue
                }
                if raw[m.key] != nil { ctx.error(m.keyNode, "\(m.key) is given twice (after the type and as a field)"); continue }
                guard case .scalar(let s) = m.value else { ctx.error(m.value, "\(m.key) must be a single value"); continue }
                raw[m.key] = (s.string, m.value)
            }
        }
        for field in TestEventVocabulary.requiredDataFields(of: type) where raw[field] == nil {
            ctx.error(lineNode, "\(type.name) needs its \(field): write it after the type ('\(word) ...') or as a field")
        }

        let interaction = raw["interaction"]?.text ?? defaults.interaction
        var carried = interactions[interaction]
            ?? Carried(customer: defaults.customer, channel: defaults.channel, queue: defaults.queue, agent: defaults.agent)
        if let c = raw["customer"] { carried.customer = c.text }
        if let c = raw["channel"] { carried.channel = TestFields.channel(c.node, ctx) ?? carried.channel }
        if let q = raw["queue"] { carried.queue = q.text }
        if let a = raw["agent"] { carried.agent = a.text }
        let queue = carried.queue
        if let to = raw["to_queue"] { carried.queue = to.text }   // the transfer itself is still in the old queue
        interactions[interaction] = carried

        guard let data = data(type, raw) else { return nil }
        let event = Event(
            eventID: raw["id"]?.text ?? "", type: type, occurredAt: start + offset,
            interactionID: interaction, customerID: carried.customer, channel: carried.channel,
            queue: queue, agentID: carried.agent, data: data, attributes: Attributes(attributes))
        return (event, raw["id"] != nil)
    }

    /// The typed data, checked as the event decoder checks it, so a test cannot feed the engine an
    /// event that real traffic could not carry.
    private func data(_ type: EventType, _ raw: [String: (text: String, node: Node)]) -> EventData? {
        var d = EventData()
        var ok = true
        func oneOf(_ field: String, _ values: [String]) -> String? {
            guard let v = raw[field] else { return nil }
            if values.contains(v.text) { return v.text }
            ctx.error(v.node, "\(field) must be \(values.joined(separator: ", ")), found '\(v.text)'")
            ok = false
            return nil
        }
        d.toQueue = raw["to_queue"]?.text
        d.to = raw["to"]?.text
        d.text = raw["text"]?.text
        d.flag = raw["flag"]?.text
        d.source = raw["source"]?.text
        d.reason = oneOf("reason", ["resolved", "abandoned", "unresolved"])
        if type == .messageSent { d.sender = oneOf("sender", ["customer", "agent"]) ?? (raw["sender"] == nil ? "customer" : nil) }
        if let s = raw["score"] {
            if YAMLContext.isDecimal(s.text), let v = Double(s.text), (-1...1).contains(v) { d.score = v } else {
                ctx.error(s.node, "score must be a number from -1 to 1, found '\(s.text)'"); ok = false
            }
        }
        if let c = raw["csat"] {
            if let v = Int(c.text), (1...5).contains(v) { d.csat = v } else {
                ctx.error(c.node, "csat must be a whole number from 1 to 5, found '\(c.text)'"); ok = false
            }
        }
        return ok ? d : nil
    }
}

/// Items written either as a line (`+0s queued`) or as that line mapped to its fields.
enum TestItems {
    static func split(_ item: Node, _ ctx: YAMLContext, what: String) -> (line: Node, fields: Node?)? {
        switch item {
        case .scalar: return (item, nil)
        case .mapping(let m) where m.count == 1:
            let (k, v) = m.first!
            guard case .scalar = k else { ctx.error(k, "\(what) must start with a line of text"); return nil }
            return (k, v)
        default:
            ctx.error(item, "\(what) is a line like '+0s queued', or that line followed by ':' and a mapping of fields")
            return nil
        }
    }
}
