/// Amazon Connect through EventBridge: "Amazon Connect Contact Event" (contact lifecycle) and
/// "Contact Lens Realtime (Chat) Rules Matched" (a real-time rule fired on a contact).
///
/// Mapping (see README, "Vendor dialects"):
/// - INITIATED -> interaction.started; with initiationMethod TRANSFER or QUEUE_TRANSFER and a
///   previousContactId, the new contact is a leg of the same interaction -> interaction.transferred.
/// - QUEUED -> interaction.queued, CONNECTED_TO_AGENT -> agent.connected.
/// - DISCONNECTED -> interaction.ended: resolved when an agent had been connected (agentInfo has a
///   connect time), abandoned when the contact had only been queued and the customer left
///   (disconnectReason CUSTOMER_DISCONNECT, or none given), unresolved otherwise. A leg that
///   names a nextContactId was handed over, not ended: nothing.
/// - Every event of a contact whose initiationMethod is DISCONNECT, MONITOR or AGENT_REPLY
///   (a disconnect flow, a supervisor listening in, an agent's email reply) -> nothing.
/// - CONTACT_DATA_UPDATED, CONNECTED_TO_SYSTEM and the rest -> nothing. TASK contacts are back-office
///   work, not a customer conversation -> nothing.
/// - Contact Lens rule matched -> agent.flagged {flag: rule name as a slug, source: contact-lens}.
///
/// The interaction id of a transfer leg is `initialContactId` (else `previousContactId`), so every
/// leg belongs to the first contact; any other contact is its own interaction. Event ids: `amazon-connect:<contactId>:<eventType>:<ms>`.
enum AmazonConnectMapper {
    static func events(_ root: JSONValue, key: [UInt8]?, customerKeys: [CustomerKey]) throws(DecodeError) -> [Event] {
        let detailType = try VendorJSON.text(VendorJSON.member(root, "detail-type"), field: "detail-type")
        let detail: JSONValue
        switch VendorJSON.member(root, "detail") {
        case .object(let members)?: detail = .object(members)
        case nil, .null?:
            // A bare contact event (the EventBridge envelope already stripped by the bridge).
            guard VendorJSON.member(root, "eventType") != nil || VendorJSON.member(root, "contactArn") != nil else {
                throw DecodeError(field: "detail", reason: "missing: not an Amazon Connect EventBridge event")
            }
            detail = root
        case let other?: throw DecodeError(field: "detail", reason: "expected an object, found \(other.typeName)")
        }
        let message = VendorMessage(dialect: .amazonConnect, root: root, body: detail, messageKey: key, customerKeys: customerKeys)
        if let detailType, detailType.hasPrefix("Contact Lens") {
            guard detailType.contains("Realtime") else { return [] }   // post-call analysis arrives too late to recover
            return try contactLens(message, chat: detailType.contains("Chat"))
        }
        if let detailType, detailType != "Amazon Connect Contact Event" { return [] }   // Voice ID, metrics rules...
        return try contactEvent(message)
    }

    static func contactEvent(_ m: VendorMessage) throws(DecodeError) -> [Event] {
        let contactID = try VendorJSON.requiredText(m["contactId"], field: "detail.contactId")
        let eventType = try VendorJSON.requiredText(m["eventType"], field: "detail.eventType").uppercased()
        let channelText = try VendorJSON.requiredText(m["channel"], field: "detail.channel")
        guard let channel = try channel(channelText) else { return [] }
        let queueInfo = try VendorJSON.object(m["queueInfo"], field: "detail.queueInfo")
        let agentInfo = try VendorJSON.object(m["agentInfo"], field: "detail.agentInfo")
        let envelopeTime = try VendorTime.parse(VendorJSON.member(m.root, "time"), field: "time")
        func time(_ value: JSONValue?, _ field: String) throws(DecodeError) -> Timestamp {
            if let t = try VendorTime.parse(value, field: field) { return t }
            if let t = envelopeTime { return t }
            throw DecodeError(field: field, reason: "missing, and the event has no time either")
        }

        let method = try VendorJSON.text(m["initiationMethod"], field: "detail.initiationMethod")?.uppercased()
        // Contacts that are no customer's: a disconnect flow's run after a chat or task ends
        // (DISCONNECT), a supervisor listening in (MONITOR), an agent's reply to an email
        // (AGENT_REPLY). Until 2026-12-07 each was a new interaction of the customer: a chat
        // and its disconnect flow counted twice towards `repeat-contact`, and the flow's
        // contact ended `unresolved`.
        if let method, Self.notCustomerContacts.contains(method) { return [] }
        let previous = try VendorJSON.text(m["previousContactId"], field: "detail.previousContactId")
        let isTransferLeg = previous != nil && (method == "TRANSFER" || method == "QUEUE_TRANSFER")
        let type: EventType
        let at: Timestamp
        var data = EventData()
        switch eventType {
        case "INITIATED":
            at = try time(m["initiationTimestamp"], "detail.initiationTimestamp")
            if isTransferLeg {
                type = .interactionTransferred
                data.toQueue = try queue(queueInfo)
            } else {
                type = .interactionStarted
            }
        case "QUEUED":
            type = .interactionQueued
            at = try time(VendorJSON.member(queueInfo, "enqueueTimestamp"), "detail.queueInfo.enqueueTimestamp")
        case "CONNECTED_TO_AGENT":
            type = .agentConnected
            at = try time(VendorJSON.member(agentInfo, "connectedToAgentTimestamp"), "detail.agentInfo.connectedToAgentTimestamp")
        case "DISCONNECTED":
            if try VendorJSON.text(m["nextContactId"], field: "detail.nextContactId") != nil { return [] }
            type = .interactionEnded
            at = try time(m["disconnectTimestamp"], "detail.disconnectTimestamp")
            // An agent who was offered the contact but never connected (the caller hung up while
            // it rang) leaves agentInfo without a connect time: that is still an abandon. Read as
            // the connect event reads it: null or empty is no connect time (a member that was
            // there at all counted, and a null one made an abandoned call resolved).
            let connectedAt = try VendorTime.parse(
                VendorJSON.member(agentInfo, "connectedToAgentTimestamp"), field: "detail.agentInfo.connectedToAgentTimestamp")
            // An abandon is the customer leaving the queue: a contact the flow or the system
            // ended while queued (a callback taken instead, a queue closed or full, a chat
            // expired: CONTACT_FLOW_DISCONNECT, API, EXPIRED, TELECOM_PROBLEM...) is
            // `unresolved`, and gets no `abandoned` moment and its callback (until 2026-12-07 it
            // did). Without a reason (older events), queued and not connected is an abandon.
            let reason = try VendorJSON.text(m["disconnectReason"], field: "detail.disconnectReason")?.uppercased()
            if connectedAt != nil {
                data.reason = "resolved"
            } else if queueInfo != nil && (reason == nil || reason == "CUSTOMER_DISCONNECT") {
                data.reason = "abandoned"
            } else {
                data.reason = "unresolved"
            }
        default:
            return []
        }
        // Only a transfer leg continues the initial contact's interaction; a callback or an
        // outbound follow-up that names it is a new contact (and counts as a repeat contact).
        var interaction = contactID
        if isTransferLeg { interaction = try VendorJSON.text(m["initialContactId"], field: "detail.initialContactId") ?? previous ?? contactID }
        var attributes: [String: String] = [:]
        VendorJSON.attributes(try VendorJSON.object(m["tags"], field: "detail.tags"), into: &attributes)
        VendorJSON.attributes(try VendorJSON.object(m["attributes"], field: "detail.attributes"), into: &attributes)
        let agent = try VendorJSON.text(VendorJSON.member(agentInfo, "agentArn"), field: "detail.agentInfo.agentArn").map(VendorJSON.lastSegment)
        return [
            try m.event(
                id: [contactID, eventType, String(at.milliseconds)], type, at: at, interaction: interaction,
                customer: try m.customerID(), channel: channel, queue: try queue(queueInfo), agent: agent, data: data, attributes: attributes)
        ]
    }

    /// `initiationMethod`s of contacts that are not a customer's conversation (see `contactEvent`).
    static let notCustomerContacts: Set<String> = ["DISCONNECT", "MONITOR", "AGENT_REPLY"]

    static func contactLens(_ m: VendorMessage, chat: Bool) throws(DecodeError) -> [Event] {
        let contactArn = try VendorJSON.requiredText(m["contactArn"], field: "detail.contactArn")
        let contactID = VendorJSON.lastSegment(contactArn)
        let rule = try VendorJSON.requiredText(m["ruleName"], field: "detail.ruleName")
        guard let at = try VendorTime.parse(VendorJSON.member(m.root, "time"), field: "time") else {
            throw DecodeError(field: "time", reason: "missing")
        }
        let flag = slug(rule)
        guard !flag.isEmpty else { throw DecodeError(field: "detail.ruleName", reason: "invalid value: '\(DecodeError.clip(rule))' has no letters or digits") }
        let agent = try VendorJSON.text(m["agentArn"], field: "detail.agentArn").map(VendorJSON.lastSegment)
        let queue = try VendorJSON.text(m["queueArn"], field: "detail.queueArn").map(VendorJSON.lastSegment)
        return [
            try m.event(
                id: [contactID, "contact-lens", flag, String(at.milliseconds)], .agentFlagged, at: at, interaction: contactID,
                customer: try m.customerID(), channel: chat ? .chat : .voice, queue: queue, agent: agent,
                data: EventData(flag: flag, source: "contact-lens"))
        ]
    }

    /// VOICE, Voice and voice alike. TASK is not a customer conversation (nil: ignored).
    static func channel(_ text: String) throws(DecodeError) -> Channel? {
        switch text.lowercased() {
        case "voice": return .voice
        case "chat": return .chat
        case "email": return .email
        case "task": return nil
        default: throw DecodeError(field: "detail.channel", reason: "'\(DecodeError.clip(text))' is not VOICE, CHAT, EMAIL or TASK")
        }
    }

    /// The queue's id from its ARN (contact events carry no queue name).
    static func queue(_ queueInfo: JSONValue?) throws(DecodeError) -> String? {
        try VendorJSON.text(VendorJSON.member(queueInfo, "queueArn"), field: "detail.queueInfo.queueArn").map(VendorJSON.lastSegment)
    }

    /// "Rude Agent!" -> "rude-agent": matchable from a rule's `where: { flag: rude-agent }`.
    static func slug(_ s: String) -> String {
        var out = ""
        var dash = false
        for u in s.lowercased().unicodeScalars.prefix(128) {
            if (u >= "a" && u <= "z") || (u >= "0" && u <= "9") {
                if dash && !out.isEmpty { out.append("-") }
                out.unicodeScalars.append(u)
                dash = false
            } else {
                dash = true
            }
        }
        return out
    }
}
