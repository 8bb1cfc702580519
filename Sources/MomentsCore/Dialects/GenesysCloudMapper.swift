/// Genesys Cloud analytics detail events: the `v2.detail.events.conversation.{id}.*` topics,
/// either as the notification (`{topicName, version, eventBody}`) or wrapped by the EventBridge
/// integration (`{detail-type: <topic>, detail: {topicName, eventBody}}`).
///
/// Each event is one edge of a participant's segment in the conversation model:
/// - customer.start -> interaction.started; customer.end -> interaction.ended (resolved, or
///   unresolved when the disconnect type says the system, the network or an error ended it:
///   `GenesysDisconnect.endsUnresolved`).
/// - acd.start -> interaction.queued; acd.end with acdOutcome ABANDON -> interaction.ended
///   {abandoned}; other ACD outcomes (ANSWERED, FLOW_OUT) -> nothing (the agent's user.start
///   follows).
/// - user.start -> agent.connected; user.end whose disconnectType is a transfer the customer
///   goes through (`GenesysDisconnect.isTransfer`: TRANSFER, CONSULT_TRANSFER, FORWARD_TRANSFER,
///   CONFERENCE_TRANSFER) -> interaction.transferred; other user.end -> nothing (the customer's
///   end closes the interaction).
/// - acw (wrap-up), attributes, flow, outbound and the rest -> nothing.
///
/// Detail events carry no event id. The id is built from what identifies the segment edge:
/// `genesys-cloud:<conversationId>:<participantId>:<sessionId>:<kind>:<eventTime ms>`, so an
/// event Genesys delivers twice is dropped by the engine's duplicate filter.
enum GenesysCloudMapper {
    static let topicPrefix = "v2.detail.events.conversation."

    static func events(_ root: JSONValue, key: [UInt8]?, customerKeys: [CustomerKey]) throws(DecodeError) -> [Event] {
        var envelope = root
        if let detail = try VendorJSON.object(VendorJSON.member(root, "detail"), field: "detail") { envelope = detail }
        // A conversation snapshot (participants, sessions, segments), bare or in a notification.
        let snapshot = try VendorJSON.object(VendorJSON.member(envelope, "eventBody"), field: "eventBody") ?? envelope
        if GenesysConversationSnapshot.isSnapshot(snapshot) {
            return try GenesysConversationSnapshot.events(root, body: snapshot, key: key, customerKeys: customerKeys)
        }
        // `??` with a throwing right side would widen the error type: two steps.
        var topic = try VendorJSON.text(VendorJSON.member(envelope, "topicName"), field: "topicName")
        if topic == nil { topic = try VendorJSON.text(VendorJSON.member(root, "detail-type"), field: "detail-type") }
        guard let topic else { throw DecodeError(field: "topicName", reason: "missing: not a Genesys Cloud notification") }
        guard topic.hasPrefix(topicPrefix) else { return [] }   // other Genesys topics (users, queues) are not conversations
        guard let body = try VendorJSON.object(VendorJSON.member(envelope, "eventBody"), field: "eventBody") else {
            throw DecodeError(field: "eventBody", reason: "missing")
        }
        // `v2.detail.events.conversation.<id>.acd.start` -> `acd.start`
        let afterPrefix = topic.dropFirst(topicPrefix.count)
        guard let dot = afterPrefix.firstIndex(of: ".") else { return [] }
        let kind = String(afterPrefix[afterPrefix.index(after: dot)...]).lowercased()
        let m = VendorMessage(dialect: .genesysCloud, root: root, body: body, messageKey: key, customerKeys: customerKeys)

        var data = EventData()
        let type: EventType
        let disconnect = try VendorJSON.text(m["disconnectType"], field: "eventBody.disconnectType")?.uppercased()
        switch kind {
        case "customer.start": type = .interactionStarted
        case "customer.end":
            type = .interactionEnded
            data.reason = GenesysDisconnect.endsUnresolved(disconnect) ? "unresolved" : "resolved"
        case "acd.start": type = .interactionQueued
        case "acd.end":
            // Genesys sends ABANDON (with ANSWERED and FLOW_OUT); until 2026-12-07 only ABANDONED,
            // which it never sends, was read, and no queue abandon was ever seen. Both are taken.
            let outcome = try VendorJSON.text(m["acdOutcome"], field: "eventBody.acdOutcome")?.uppercased()
            guard outcome == "ABANDON" || outcome == "ABANDONED" else { return [] }
            type = .interactionEnded
            data.reason = "abandoned"
        case "user.start": type = .agentConnected
        case "user.end":
            guard GenesysDisconnect.isTransfer(disconnect) else { return [] }
            type = .interactionTransferred
        default: return []
        }
        let conversation = try VendorJSON.requiredText(m["conversationId"], field: "eventBody.conversationId")
        guard let at = try VendorTime.parse(m["eventTime"] ?? m["eventDateTime"], field: "eventBody.eventTime") else {
            throw DecodeError(field: "eventBody.eventTime", reason: "missing")
        }
        guard let channel = try channel(body, prefix: "eventBody") else { return [] }
        let participant = try VendorJSON.text(m["participantId"], field: "eventBody.participantId") ?? "-"
        let session = try VendorJSON.text(m["sessionId"], field: "eventBody.sessionId") ?? "-"
        let agent = kind.hasPrefix("user.") ? try VendorJSON.text(m["userId"], field: "eventBody.userId") : nil
        var attributes: [String: String] = [:]
        // Within the attributes' limits, as `VendorJSON.attributes` keeps every other dialect
        // attribute: a megabyte of it was kept by the interaction and sent with every alert.
        // Measured once lowered: "İ" is two bytes, and three lowered.
        if let direction = try VendorJSON.text(m["direction"], field: "eventBody.direction")?.lowercased(), direction.utf8.count <= Attributes.maxValueBytes {
            attributes["direction"] = direction
        }
        return [
            try m.event(
                id: [conversation, participant, session, kind, String(at.milliseconds)], type, at: at, interaction: conversation,
                customer: try m.customerID(), channel: channel,
                queue: try VendorJSON.text(m["queueId"], field: "eventBody.queueId"), agent: agent, data: data, attributes: attributes)
        ]
    }

    /// Genesys media types onto the contract's channels; co-browse, video and screen share are
    /// companions of another conversation (nil: ignored).
    static func channel(_ value: JSONValue, prefix: String) throws(DecodeError) -> Channel? {
        let media = try VendorJSON.requiredText(VendorJSON.member(value, "mediaType"), field: "\(prefix).mediaType").uppercased()
        switch media {
        case "VOICE", "CALLBACK": return .voice
        case "CHAT": return .chat
        case "EMAIL": return .email
        case "MESSAGE":
            switch try VendorJSON.text(VendorJSON.member(value, "messageType"), field: "\(prefix).messageType")?.uppercased() {
            case "SMS"?: return .sms
            case "FACEBOOK"?, "TWITTER"?, "INSTAGRAM"?, "WHATSAPP"?, "LINE"?, "APPLE"?: return .social
            default: return .chat
            }
        case "COBROWSE", "VIDEO", "SCREENSHARE", "INTERNALMESSAGE": return nil
        default: throw DecodeError(field: "\(prefix).mediaType", reason: "'\(DecodeError.clip(media))' is not a Genesys media type")
        }
    }
}
