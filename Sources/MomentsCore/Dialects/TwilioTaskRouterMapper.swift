/// Twilio TaskRouter events: the Workspace event callback's parameters as a JSON object (every
/// value a string, `TaskAttributes` a JSON object inside a string), or an Event Streams
/// CloudEvent whose `data.payload` holds the same fields in snake_case (`task_sid`).
///
/// - task.created -> interaction.started; task-queue.entered -> interaction.queued (queue =
///   TaskQueueName, else TaskQueueSid); reservation.accepted -> agent.connected (agent = WorkerSid).
/// - task.canceled -> interaction.ended: abandoned when the customer went unserved
///   (TaskCanceledReason `hangup`, a TTL or timeout, or no reason), else unresolved (someone's
///   cancel: a supervisor, a duplicate, the API). task.completed -> interaction.ended {resolved}.
/// - task.transfer-initiated -> interaction.transferred (to_queue: TransferTo when it names a
///   TaskQueue, `WQ…`; a worker's `WK…` sid is no queue).
/// - The customer: TaskAttributes.customer_id, else the caller, `from`; for an outbound task
///   (`direction: outbound`, Flex's dialer) the party called, `outbound_to` or `to`, and `from`
///   only as the last resort (it is the company's own number, which made every outbound call
///   one customer's).
/// - task.wrapup, reservation.created/rejected/timeout, worker.* and the rest -> nothing.
///
/// The interaction id is the TaskSid. Event id: `twilio-taskrouter:<event Sid>` when the event
/// has its EV sid, else `twilio-taskrouter:<TaskSid>:<EventType>:<ReservationSid or ->:<ms>`.
enum TwilioTaskRouterMapper {
    static func events(_ root: JSONValue, key: [UInt8]?, customerKeys: [CustomerKey]) throws(DecodeError) -> [Event] {
        var body = root
        if let payload = try VendorJSON.object(try VendorJSON.find(root, ["data", "payload"]), field: "data.payload") { body = payload }
        var m = VendorMessage(dialect: .twilioTaskRouter, root: root, body: body, messageKey: key, customerKeys: customerKeys)
        let eventType = try VendorJSON.requiredText(m["EventType"], field: "EventType").lowercased()

        var data = EventData()
        let type: EventType
        switch eventType {
        case "task.created": type = .interactionStarted
        case "task-queue.entered", "task.queue.entered": type = .interactionQueued
        case "reservation.accepted": type = .agentConnected
        case "task.canceled":
            type = .interactionEnded
            // Until 2026-12-07 every cancel was an abandon, with its priority callback, a
            // supervisor's cleanup of a duplicate task too.
            let reason = try VendorJSON.text(m["TaskCanceledReason"], field: "TaskCanceledReason")
            data.reason = Self.customerWentUnserved(reason) ? "abandoned" : "unresolved"
        case "task.completed":
            type = .interactionEnded
            data.reason = "resolved"
        case "task.transfer-initiated": type = .interactionTransferred
        default: return []
        }
        let task = try VendorJSON.requiredText(m["TaskSid"], field: "TaskSid")
        let attributesObject = try VendorJSON.object(m["TaskAttributes"], field: "TaskAttributes")
        // Read once the event is one that is mapped, and its task named (the checks before
        // this one say what is wrong with a broken message first).
        if customerKeys == Dialect.twilioTaskRouter.defaultCustomerKeys, Self.isOutbound(attributesObject) {
            m = VendorMessage(dialect: .twilioTaskRouter, root: root, body: body, messageKey: key, customerKeys: Self.outboundCustomerKeys)
        }
        let at = try time(m)
        guard let channel = try channel(m, attributes: attributesObject) else {
            throw DecodeError(field: "TaskChannelUniqueName", reason: "invalid value: cannot tell the channel (no TaskChannelUniqueName and no channelType attribute)")
        }
        var queue = try VendorJSON.text(m["TaskQueueName"], field: "TaskQueueName")
        if queue == nil { queue = try VendorJSON.text(m["TaskQueueSid"], field: "TaskQueueSid") }
        if type == .interactionTransferred, let to = try VendorJSON.text(m["TransferTo"], field: "TransferTo"), to.hasPrefix("WQ") {
            // A TaskQueue's sid; a worker's (`WK…`) is no queue, and became the interaction's
            // queue for later outputs until 2026-12-07.
            data.toQueue = to
        }
        let agent = type == .agentConnected || type == .interactionTransferred ? try VendorJSON.text(m["WorkerSid"], field: "WorkerSid") : nil
        var attributes: [String: String] = [:]
        VendorJSON.attributes(attributesObject, into: &attributes)

        let idParts: [String]
        if let sid = try VendorJSON.text(m["Sid"], field: "Sid"), sid.hasPrefix("EV") {
            idParts = [sid]
        } else {
            let reservation = try VendorJSON.text(m["ReservationSid"], field: "ReservationSid") ?? "-"
            idParts = [task, eventType, reservation, String(at.milliseconds)]
        }
        return [
            try m.event(
                id: idParts, type, at: at, interaction: task, customer: try m.customerID(), channel: channel,
                queue: queue, agent: agent, data: data, attributes: attributes)
        ]
    }

    /// Where an outbound task's customer is: the party called, not the caller id in `from`
    /// (still the last resort, as before, rather than a dead letter).
    static let outboundCustomerKeys: [CustomerKey] = [
        .path(["TaskAttributes", "customer_id"]), .path(["TaskAttributes", "outbound_to"]), .path(["TaskAttributes", "to"]),
        .path(["TaskAttributes", "from"]),
    ]

    /// `direction: outbound` in the task's attributes; a direction that is not text is none.
    static func isOutbound(_ attributes: JSONValue?) -> Bool {
        (try? VendorJSON.text(VendorJSON.member(attributes, "direction"), field: "TaskAttributes.direction"))??.lowercased() == "outbound"
    }

    /// A cancel that left the customer unserved: the caller hung up in queue (Twilio says
    /// `hangup`), or the task waited until it expired (`Task TTL Exceeded`, a timeout: nobody
    /// took it, and the customer is owed the abandon's recovery). Without a reason it is taken
    /// for one, as before. Any other reason is someone's decision, not the customer's wait
    /// (a supervisor's cleanup, `duplicate task`, the API): unresolved.
    static func customerWentUnserved(_ reason: String?) -> Bool {
        guard let r = reason?.lowercased(), !r.isEmpty else { return true }
        // By word, so that "settled" is no TTL.
        let words = Set(r.split { !$0.isLetter && !$0.isNumber }.map(String.init))
        return !words.isDisjoint(with: ["hangup", "abandon", "abandoned", "ttl", "timeout", "expired"])
            || r.contains("hang up") || r.contains("hung up") || r.contains("timed out")
    }

    /// TimestampMs when present; the callback's Timestamp is epoch seconds as a string, Event
    /// Streams' timestamp is RFC 3339.
    static func time(_ m: VendorMessage) throws(DecodeError) -> Timestamp {
        if let t = try VendorTime.parse(m["TimestampMs"], field: "TimestampMs") { return t }
        if let t = try VendorTime.parse(m["Timestamp"], field: "Timestamp") { return t }
        throw DecodeError(field: "Timestamp", reason: "missing")
    }

    static func channel(_ m: VendorMessage, attributes: JSONValue?) throws(DecodeError) -> Channel? {
        let unique = try VendorJSON.text(m["TaskChannelUniqueName"], field: "TaskChannelUniqueName")?.lowercased()
        switch unique {
        case "voice"?: return .voice
        case "chat"?: return .chat
        case "sms"?: return .sms
        case "email"?: return .email
        default: break
        }
        // Flex puts the conversation's medium in the task attributes.
        switch try VendorJSON.text(VendorJSON.member(attributes, "channelType"), field: "TaskAttributes.channelType")?.lowercased() {
        case "voice"?: return .voice
        case "web"?, "chat"?: return .chat
        case "sms"?: return .sms
        case "email"?: return .email
        case "whatsapp"?, "facebook"?, "messenger"?, "instagram"?, "twitter"?, "line"?: return .social
        default: break
        }
        if VendorJSON.member(attributes, "call_sid") != nil { return .voice }
        return nil
    }
}
