import Testing
@testable import MomentsCore

@Suite struct DialectGenesysCloudTests {
    let conversation = "3d7f0c2e-5b1a-4c8e-9f00-000000000001"
    let contact = "9a8b7c6d-0000-4000-8000-00000000c077"
    let queue = "5b6c7d8e-0000-4000-8000-0000000a5a1e"
    let start: Int64 = 1_795_510_800_000   // 2026-11-24T09:00:00Z
    let inbound: Attributes = ["direction": "inbound"]

    func one(_ file: String) throws -> Event {
        let events = try DialectExamples.events(.genesysCloud, file)
        try #require(events.count == 1, "\(file) gave \(events.count) events")
        return events[0]
    }

    func id(_ participant: String, _ session: String, _ kind: String, _ seconds: Int64) -> String {
        "genesys-cloud:\(conversation):\(participant):\(session):\(kind):\(start + seconds * 1000)"
    }

    @Test func customerStartFromTheEventBridgeWrapperStartsTheInteraction() throws {
        #expect(try one("01-customer-start.json") == Event(
            eventID: id("p-cust-01", "s-cust-01", "customer.start", 0), type: .interactionStarted, occurredAt: epochMs(start),
            interactionID: conversation, customerID: contact, channel: .voice, attributes: inbound))
    }

    @Test func acdStartFromTheRawNotificationIsQueued() throws {
        #expect(try one("02-acd-start.json") == Event(
            eventID: id("p-acd-01", "s-acd-01", "acd.start", 15), type: .interactionQueued, occurredAt: epochMs(start + 15_000),
            interactionID: conversation, customerID: contact, channel: .voice, queue: queue, attributes: inbound))
    }

    /// The direction becomes an attribute within the attributes' limits, as every other dialect
    /// attribute does: an oversized one is left out, not kept with the interaction.
    @Test func anOversizedDirectionIsLeftOut() throws {
        let json = { (direction: String) in
            #"{"topicName":"v2.detail.events.conversation.c1.customer.start","eventBody":{"eventTime":1795511700000,"conversationId":"c1","participantId":"p","sessionId":"s","mediaType":"VOICE","ani":"tel:1","direction":""# + direction + #""}}"#
        }
        let decoder = DialectDecoder(dialect: .genesysCloud)
        #expect(try decoder.decode(json("Inbound")).get().map { $0.attributes["direction"] } == ["inbound"])
        let long = String(repeating: "x", count: Attributes.maxValueBytes + 1)
        let events = try decoder.decode(json(long)).get()
        #expect(events.count == 1)
        #expect(events.first?.attributes["direction"] == nil)
        // Measured as kept: "İ" (2 bytes) lowers to 3, so 128 of them were 384 bytes kept.
        let growing = try decoder.decode(json(String(repeating: "İ", count: 128))).get()
        #expect(growing.first?.attributes["direction"] == nil)
        let fits = try decoder.decode(json(String(repeating: "İ", count: 85))).get()
        #expect(fits.first?.attributes["direction"]?.utf8.count == 255)
    }

    @Test func aResentEventGivesTheSameEvent() throws {
        // 03 is 02 delivered again (another correlation id): same id, so the engine drops it.
        #expect(try one("03-acd-start-resent.json") == one("02-acd-start.json"))
    }

    @Test func answeredAcdEndAcwAndFlowGiveNothing() throws {
        for file in ["04-acd-end-answered.json", "07-acw.json", "10-flow-start.json"] {
            #expect(try DialectExamples.events(.genesysCloud, file).isEmpty, "\(file)")
        }
    }

    @Test func userStartConnectsTheAgent() throws {
        #expect(try one("05-user-start.json") == Event(
            eventID: id("p-agent-01", "s-agent-01", "user.start", 200), type: .agentConnected, occurredAt: epochMs(start + 200_000),
            interactionID: conversation, customerID: contact, channel: .voice, queue: queue, agentID: "u-7a8b", attributes: inbound))
    }

    @Test func userEndByTransferIsATransfer() throws {
        #expect(try one("06-user-end-transfer.json") == Event(
            eventID: id("p-agent-01", "s-agent-01", "user.end", 480), type: .interactionTransferred, occurredAt: epochMs(start + 480_000),
            interactionID: conversation, customerID: contact, channel: .voice, queue: queue, agentID: "u-7a8b", attributes: inbound))
    }

    @Test func customerEndIsResolved() throws {
        #expect(try one("08-customer-end.json") == Event(
            eventID: id("p-cust-01", "s-cust-01", "customer.end", 900), type: .interactionEnded, occurredAt: epochMs(start + 900_000),
            interactionID: conversation, customerID: contact, channel: .voice, data: EventData(reason: "resolved"), attributes: inbound))
    }

    @Test func abandonedWhatsAppMessageFallsBackToTheAniWithAnISOTime() throws {
        let conversation2 = "3d7f0c2e-5b1a-4c8e-9f00-000000000002"
        let t = at("2026-11-24T10:01:40Z")
        #expect(try one("09-acd-end-abandoned.json") == Event(
            eventID: "genesys-cloud:\(conversation2):p-acd-02:s-acd-02:acd.end:\(t.milliseconds)", type: .interactionEnded, occurredAt: t,
            interactionID: conversation2, customerID: "whatsapp:+4915112345678", channel: .social, queue: queue,
            data: EventData(reason: "abandoned"), attributes: inbound))
    }

    /// The values Genesys sends (its platform API's enums): an abandon is `ABANDON` (until
    /// 2026-12-07 only `ABANDONED`, which it never sends, was read: no queue abandon was seen);
    /// a consult, forward or conference transfer is a transfer (only `TRANSFER` was), a routing
    /// re-offer to another agent is not; a dropped call ends unresolved (it ended resolved).
    @Test func genesysOwnValuesForAbandonsTransfersAndDroppedCalls() throws {
        let decoder = DialectDecoder(dialect: .genesysCloud)
        func event(_ kind: String, _ body: String) throws -> [Event] {
            try decoder.decode(#"{"topicName":"v2.detail.events.conversation.c1."# + kind + #"","eventBody":{"eventTime":1795510800000,"conversationId":"c1","participantId":"p","sessionId":"s","mediaType":"VOICE","ani":"tel:1","userId":"u1","#
                + body + "}}").get()
        }
        for outcome in ["ABANDON", "ABANDONED", "abandon"] {
            let ended = try event("acd.end", #""acdOutcome":""# + outcome + #"""#)
            #expect(ended.map(\.type) == [.interactionEnded] && ended.first?.data.reason == "abandoned", "\(outcome)")
        }
        #expect(try event("acd.end", #""acdOutcome":"FLOW_OUT""#).isEmpty)
        for transfer in ["TRANSFER", "CONSULT_TRANSFER", "FORWARD_TRANSFER", "CONFERENCE_TRANSFER"] {
            #expect(try event("user.end", #""disconnectType":""# + transfer + #"""#).map(\.type) == [.interactionTransferred], "\(transfer)")
        }
        for notATransfer in ["NO_ANSWER_TRANSFER", "NOT_AVAILABLE_TRANSFER", "DND_TRANSFER", "CLIENT", "PEER"] {
            #expect(try event("user.end", #""disconnectType":""# + notATransfer + #"""#).isEmpty, "\(notATransfer)")
        }
        for (disconnect, reason) in [("TRANSPORT_FAILURE", "unresolved"), ("UNCALLABLE", "unresolved"), ("INACTIVITY", "unresolved"), ("SYSTEM", "unresolved"), ("PEER", "resolved"), ("CLIENT", "resolved")] {
            #expect(try event("customer.end", #""disconnectType":""# + disconnect + #"""#).first?.data.reason == reason, "\(disconnect)")
        }
        // A conversation record spells them in camel case, the Conversations API after a dot.
        #expect(GenesysDisconnect.isTransfer("consultTransfer") && GenesysDisconnect.isTransfer("transfer.consult"))
        #expect(!GenesysDisconnect.isTransfer("noAnswerTransfer") && !GenesysDisconnect.isTransfer("transfer.noanswer") && !GenesysDisconnect.isTransfer(nil))
        #expect(GenesysDisconnect.endsUnresolved("transportFailure") && !GenesysDisconnect.endsUnresolved("endpoint"))
    }

    @Test func aConversationSnapshotGivesItsSegmentEdgesInTimeOrder() throws {
        let c = "3d7f0c2e-5b1a-4c8e-9f00-000000000003", customer = "9a8b7c6d-0000-4000-8000-00000000c099"
        func id(_ p: String, _ s: String, _ kind: String, _ start: String, _ side: String) -> String {
            "genesys-cloud:\(c):\(p):\(s):\(kind):\(at(start).milliseconds):\(side)"
        }
        let early = try DialectExamples.events(.genesysCloud, "11-conversation-snapshot.json")
        #expect(early == [
            Event(eventID: id("p-cust-03", "s-cust-03", "interact", "2026-11-24T11:00:00Z", "start"), type: .interactionStarted,
                  occurredAt: at("2026-11-24T11:00:00Z"), interactionID: c, customerID: customer, channel: .voice),
            Event(eventID: id("p-acd-03", "s-acd-03", "interact", "2026-11-24T11:00:05Z", "start"), type: .interactionQueued,
                  occurredAt: at("2026-11-24T11:00:05Z"), interactionID: c, customerID: customer, channel: .voice, queue: queue),
            Event(eventID: id("p-agent-03", "s-agent-03", "interact", "2026-11-24T11:01:35Z", "start"), type: .agentConnected,
                  occurredAt: at("2026-11-24T11:01:35Z"), interactionID: c, customerID: customer, channel: .voice, queue: queue, agentID: "u-7a8b"),
            Event(eventID: id("p-agent-03", "s-agent-03", "hold", "2026-11-24T11:05:00Z", "start"), type: .holdStarted,
                  occurredAt: at("2026-11-24T11:05:00Z"), interactionID: c, customerID: customer, channel: .voice, queue: queue, agentID: "u-7a8b"),
        ])
        let later = try DialectExamples.events(.genesysCloud, "12-conversation-snapshot-later.json")
        // The grown snapshot repeats the early edges with the same ids, then adds the new ones.
        #expect(Array(later.prefix(4)) == early)
        #expect(later.dropFirst(4).map(\.type) == [.holdEnded, .agentConnected, .interactionEnded])
        #expect(later.last?.eventID == "genesys-cloud:\(c):conversation:end:\(at("2026-11-24T11:20:00Z").milliseconds)")
        #expect(later.last?.data.reason == "resolved")
        #expect(later[4].occurredAt == at("2026-11-24T11:07:30Z"))
    }

    /// A snapshot's agent segment that ended by a consult transfer is a transfer, as one that
    /// ended by a blind one is (until 2026-12-07 only `transfer` counted).
    @Test func aSnapshotsConsultTransferIsATransfer() throws {
        let json = #"{"conversationId":"c8","participants":[{"purpose":"customer","participantId":"pc","sessions":[{"sessionId":"sc","mediaType":"voice","ani":"tel:+1555","segments":[{"segmentType":"interact","segmentStart":"2026-11-24T12:00:00Z"}]}]},{"purpose":"agent","participantId":"pa","userId":"u1","sessions":[{"sessionId":"sa","mediaType":"voice","segments":[{"segmentType":"interact","segmentStart":"2026-11-24T12:01:00Z","segmentEnd":"2026-11-24T12:03:00Z","disconnectType":"consultTransfer"}]}]},{"purpose":"agent","participantId":"pb","userId":"u2","sessions":[{"sessionId":"sb","mediaType":"voice","segments":[{"segmentType":"interact","segmentStart":"2026-11-24T12:03:00Z","segmentEnd":"2026-11-24T12:06:00Z","disconnectType":"forwardTransfer"}]}]}]}"#
        let events = try DialectDecoder(dialect: .genesysCloud).decode(json).get()
        #expect(events.map(\.type) == [.interactionStarted, .agentConnected, .interactionTransferred, .agentConnected, .interactionTransferred])
    }

    @Test func aSnapshotWithoutAnAgentEndsAbandoned() throws {
        let json = #"{"conversationId":"c9","conversationEnd":"2026-11-24T12:01:00Z","participants":[{"purpose":"customer","participantId":"pc","sessions":[{"sessionId":"sc","mediaType":"chat","segments":[{"segmentType":"interact","segmentStart":"2026-11-24T12:00:00Z"}]}],"externalContactId":"x-1"},{"purpose":"acd","participantId":"pa","sessions":[{"sessionId":"sa","mediaType":"chat","segments":[{"segmentType":"interact","segmentStart":"2026-11-24T12:00:02Z","queueId":"q"}]}]}]}"#
        let events = try DialectDecoder(dialect: .genesysCloud).decode(json).get()
        #expect(events.map(\.type) == [.interactionStarted, .interactionQueued, .interactionEnded])
        #expect(events.last?.data.reason == "abandoned")
        #expect(events.allSatisfy { $0.customerID == "x-1" && $0.channel == .chat })
    }

    @Test func anUnknownMediaTypeNamesWhereItWasFound() {
        let decoder = DialectDecoder(dialect: .genesysCloud)
        let snapshot = #"{"conversationId":"c1","participants":[{"purpose":"customer","sessions":[{"mediaType":"fax","segments":[{"segmentType":"interact","segmentStart":"2026-11-24T10:00:00Z"}]}]}]}"#
        #expect(decoder.decode(snapshot).decodeError?.field == "participants[0].sessions[0].mediaType")
        let detail = #"{"topicName":"v2.detail.events.conversation.c.acd.start","eventBody":{"eventTime":1795510800000,"conversationId":"c","mediaType":"FAX","ani":"a"}}"#
        #expect(decoder.decode(detail).decodeError?.field == "eventBody.mediaType")
    }

    @Test func noCustomerAnywhereIsAClearError() {
        let json = #"{"topicName":"v2.detail.events.conversation.c.acd.start","eventBody":{"eventTime":1795510800000,"conversationId":"c","mediaType":"CHAT"}}"#
        let error = DialectDecoder(dialect: .genesysCloud).decode(json).decodeError
        #expect(error?.field == "customer_id")
        #expect(error?.reason.contains("conversationExternalContactIds.0") == true)
    }

    @Test func otherTopicsAreIgnoredAndMissingPartsAreErrors() throws {
        let decoder = DialectDecoder(dialect: .genesysCloud)
        #expect(try decoder.decode(#"{"topicName":"v2.users.u1.presence","eventBody":{}}"#).get().isEmpty)
        #expect(decoder.decode(#"{"eventBody":{}}"#).decodeError?.field == "topicName")
        #expect(decoder.decode(#"{"topicName":"v2.detail.events.conversation.c.acd.start"}"#).decodeError?.field == "eventBody")
        #expect(decoder.decode(#"{"topicName":"v2.detail.events.conversation.c.acd.start","eventBody":{"eventTime":1e300,"conversationId":"c","mediaType":"CHAT","ani":"a"}}"#).decodeError?.category == "out_of_range")
        #expect(decoder.decode(#"{"topicName":"v2.detail.events.conversation.c.acd.start","eventBody":{"eventTime":99999999999999,"conversationId":"c","mediaType":"CHAT","ani":"a"}}"#).decodeError?.field == "eventBody.eventTime")
    }
}
