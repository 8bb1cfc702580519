/// One vendor message being mapped: its parsed document, the part that holds the event (an
/// EventBridge `detail`, a Genesys `eventBody`), the Kafka key, and how the customer is found.
/// Builds canonical events with the checks the canonical decoder applies to its input.
struct VendorMessage {
    let dialect: Dialect
    let root: JSONValue
    let body: JSONValue
    let messageKey: [UInt8]?
    let customerKeys: [CustomerKey]

    /// Member of the body, tolerant of key case.
    subscript(_ key: String) -> JSONValue? { VendorJSON.member(body, key) }

    /// The customer key: the first configured (or default) place that holds one.
    func customerID() throws(DecodeError) -> String {
        for key in customerKeys {
            switch key {
            case .messageKey:
                if let bytes = messageKey, !bytes.isEmpty, let s = String(validating: bytes, as: UTF8.self) { return try checkedID(s, field: "customer_id") }
            case .path(let path):
                // Paths are read from the body first (`tags.customer_id`), then from the whole
                // message (`detail.tags.customer_id`), so either spelling works.
                for base in [body, root] {
                    let found = try VendorJSON.find(base, path)
                    if let s = try? VendorJSON.text(found, field: "customer_id") { return try checkedID(s, field: "customer_id") }
                }
            }
        }
        let tried = customerKeys.map(\.description).joined(separator: ", ")
        throw DecodeError(
            field: "customer_id",
            reason: "missing: \(dialect) events carry no customer id and none was found at \(tried.isEmpty ? "(nowhere configured)" : tried)\(Self.customerKeyAdvice)")
    }

    /// Advice for the dialect's usual places; `DialectDecoder` drops it when a customer_key is set.
    static let customerKeyAdvice = "; set the topic's customer_key (moments replay: --customer-key)"

    /// Ids become state keys and output keys: bounded, never empty.
    func checkedID(_ s: String, field: String) throws(DecodeError) -> String {
        guard !s.isEmpty else { throw DecodeError(field: field, reason: "empty") }
        try checkLength(s, field: field)
        return s
    }

    /// Refuses a value longer than an id may be (`maxIDBytes`).
    func checkLength(_ s: String, field: String) throws(DecodeError) {
        guard s.utf8.count <= VendorMessage.maxIDBytes else {
            throw DecodeError(field: field, reason: "invalid value: \(s.utf8.count) bytes, longer than \(VendorMessage.maxIDBytes)")
        }
    }

    static let maxIDBytes = 512

    /// A deterministic event id from the fields that identify the vendor event, so a message
    /// sent twice (Genesys re-sends, EventBridge retries) gives the same id and the engine's
    /// duplicate filter drops the second one.
    func eventID(_ parts: [String]) -> String { ([dialect.rawValue] + parts).joined(separator: ":") }

    func event(
        id parts: [String], _ type: EventType, at time: Timestamp, interaction: String, customer: String, channel: Channel,
        queue: String? = nil, agent: String? = nil, data: EventData = EventData(), attributes: [String: String] = [:]
    ) throws(DecodeError) -> Event {
        // The interaction is checked first: the event id contains it, and the error should name the culprit.
        let interactionID = try checkedID(interaction, field: "interaction_id")
        // A transfer's queue becomes the interaction's queue, in every later output: bounded as queues are.
        if let q = data.toQueue { try checkLength(q, field: "data.to_queue") }
        return Event(
            eventID: try checkedID(eventID(parts), field: "event_id"), type: type, occurredAt: time,
            interactionID: interactionID, customerID: customer, channel: channel,
            queue: try queue.map { q throws(DecodeError) in try checkedID(q, field: "queue") },
            agentID: try agent.map { a throws(DecodeError) in try checkedID(a, field: "agent_id") },
            data: data, attributes: Attributes(attributes))
    }
}
