/// Genesys Cloud conversation snapshots: the analytics conversation detail record
/// (`conversationId`, `conversationStart`/`conversationEnd`, `participants[]` with `purpose`,
/// `sessions[]` and `segments[]`), bare or as a notification's `eventBody`. A snapshot is sent
/// again as the conversation grows, so each segment edge gets an id from what identifies it:
/// `genesys-cloud:<conversationId>:<participantId>:<sessionId>:<segmentType>:<segmentStart ms>:<start|end>`,
/// and a re-sent segment is dropped by the engine's duplicate filter while new ones count.
///
/// - the customer's (or external party's) first segment start -> interaction.started;
/// - an ACD participant's `interact` segment start -> interaction.queued (queue = queueId);
/// - an agent's `interact` segment start -> agent.connected (agent = userId); its end with a
///   transfer's disconnectType (`transfer`, `consultTransfer`, `forwardTransfer`,
///   `conferenceTransfer`: `GenesysDisconnect.isTransfer`) -> interaction.transferred;
/// - an agent's `hold` segment -> hold.started at its start, hold.ended at its end;
/// - `conversationEnd` -> interaction.ended: resolved when an agent interacted, else abandoned
///   (id `genesys-cloud:<conversationId>:conversation:end:<ms>`).
/// Events come out in time order. Segments past `maxSegments` are ignored, bounding the output.
enum GenesysConversationSnapshot {
    static let maxSegments = 1000

    static func isSnapshot(_ body: JSONValue?) -> Bool {
        if case .array? = VendorJSON.member(body, "participants") { return true }
        return false
    }

    struct Edge {
        var id: [String]
        var type: EventType
        var at: Timestamp
        var queue: String?
        var agent: String?
        var data = EventData()
    }

    static func events(_ root: JSONValue, body: JSONValue, key: [UInt8]?, customerKeys: [CustomerKey]) throws(DecodeError) -> [Event] {
        let conversation = try VendorJSON.requiredText(VendorJSON.member(body, "conversationId"), field: "conversationId")
        guard case .array(let participants)? = VendorJSON.member(body, "participants") else { return [] }
        var edges: [Edge] = []
        var customer: JSONValue?
        var channel: Channel?
        var agentInteracted = false
        var segmentsSeen = 0
        for (p, participant) in participants.enumerated() {
            guard case .object = participant else { throw DecodeError(field: "participants[\(p)]", reason: "expected an object, found \(participant.typeName)") }
            let purpose = try VendorJSON.text(VendorJSON.member(participant, "purpose"), field: "participants[\(p)].purpose")?.lowercased() ?? ""
            let participantID = try VendorJSON.text(VendorJSON.member(participant, "participantId"), field: "participants[\(p)].participantId") ?? "p\(p)"
            let user = try VendorJSON.text(VendorJSON.member(participant, "userId"), field: "participants[\(p)].userId")
            let isCustomer = purpose == "customer" || purpose == "external"
            if isCustomer && customer == nil { customer = participant }
            guard case .array(let sessions)? = VendorJSON.member(participant, "sessions") else { continue }
            for (s, session) in sessions.enumerated() {
                let sessionID = try VendorJSON.text(VendorJSON.member(session, "sessionId"), field: "participants[\(p)].sessions[\(s)].sessionId") ?? "s\(s)"
                if isCustomer && channel == nil { channel = try GenesysCloudMapper.channel(session, prefix: "participants[\(p)].sessions[\(s)]") }
                guard case .array(let segments)? = VendorJSON.member(session, "segments") else { continue }
                var first = true
                for (g, segment) in segments.enumerated() {
                    segmentsSeen += 1
                    guard segmentsSeen <= maxSegments else { break }
                    let field = "participants[\(p)].sessions[\(s)].segments[\(g)]"
                    let kind = try VendorJSON.text(VendorJSON.member(segment, "segmentType"), field: "\(field).segmentType")?.lowercased() ?? ""
                    guard let start = try VendorTime.parse(VendorJSON.member(segment, "segmentStart"), field: "\(field).segmentStart") else {
                        throw DecodeError(field: "\(field).segmentStart", reason: "missing")
                    }
                    let end = try VendorTime.parse(VendorJSON.member(segment, "segmentEnd"), field: "\(field).segmentEnd")
                    let queue = try VendorJSON.text(VendorJSON.member(segment, "queueId"), field: "\(field).queueId")
                    let disconnect = try VendorJSON.text(VendorJSON.member(segment, "disconnectType"), field: "\(field).disconnectType")?.lowercased()
                    let id = [conversation, participantID, sessionID, kind, String(start.milliseconds)]
                    func edge(_ type: EventType, _ at: Timestamp, _ side: String, data: EventData = EventData()) {
                        edges.append(Edge(id: id + [side], type: type, at: at, queue: queue, agent: user, data: data))
                    }
                    switch (purpose, kind) {
                    case _ where isCustomer:
                        if first { edge(.interactionStarted, start, "start") }
                    case ("acd", "interact"):
                        edge(.interactionQueued, start, "start")
                    case ("agent", "interact"), ("user", "interact"):
                        agentInteracted = true
                        edge(.agentConnected, start, "start")
                        if let end, GenesysDisconnect.isTransfer(disconnect) { edge(.interactionTransferred, end, "end") }
                    case ("agent", "hold"), ("user", "hold"):
                        edge(.holdStarted, start, "start")
                        if let end { edge(.holdEnded, end, "end") }
                    default: break
                    }
                    first = false
                }
            }
        }
        if let endAt = try VendorTime.parse(VendorJSON.member(body, "conversationEnd"), field: "conversationEnd") {
            edges.append(Edge(id: [conversation, "conversation", "end", String(endAt.milliseconds)], type: .interactionEnded, at: endAt,
                              data: EventData(reason: agentInteracted ? "resolved" : "abandoned")))
        }
        guard !edges.isEmpty else { return [] }
        guard let channel else { throw DecodeError(field: "participants", reason: "missing: no customer participant with a session to tell the channel") }
        // Read the customer key where the customer is: its participant, then the whole document.
        let keys = customerKeys == Dialect.genesysCloud.defaultCustomerKeys
            ? [.path(["externalContactId"]), .path(["sessions", "0", "ani"])] : customerKeys
        let m = VendorMessage(dialect: .genesysCloud, root: root, body: customer ?? body, messageKey: key, customerKeys: keys)
        let customerID = try m.customerID()
        // Time order, stable, so the engine sees a conversation as it happened.
        let ordered = edges.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        var out: [Event] = []
        for e in ordered {
            out.append(try m.event(id: e.id, e.type, at: e.at, interaction: conversation, customer: customerID, channel: channel,
                                   queue: e.queue, agent: e.agent, data: e.data))
        }
        return out
    }
}
