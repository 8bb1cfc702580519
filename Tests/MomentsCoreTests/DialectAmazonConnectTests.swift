import Foundation
import Testing
@testable import MomentsCore

@Suite struct DialectAmazonConnectTests {
    let c1 = "5f0e8d3c-1111-4a7b-9c2d-000000000001"
    let c2 = "5f0e8d3c-2222-4a7b-9c2d-000000000002"
    let c3 = "5f0e8d3c-3333-4a7b-9c2d-000000000003"
    let billing = "7c2b1a00-0000-4000-8000-00000000b111"
    let retention = "7c2b1a00-0000-4000-8000-00000000e222"
    let agent = "3e4f5a6b-0000-4000-8000-000000000042"
    let phone = "+12065550100"
    let tags: Attributes = ["customer_id": "cust-1001", "tier": "gold"]

    func one(_ file: String, customerKey: String? = nil, key: String? = nil) throws -> Event {
        let events = try DialectExamples.events(.amazonConnect, file, customerKey: customerKey, key: key)
        try #require(events.count == 1, "\(file) gave \(events.count) events")
        return events[0]
    }

    func id(_ contact: String, _ type: String, _ time: String) -> String { "amazon-connect:\(contact):\(type):\(at(time).milliseconds)" }

    @Test func initiatedStartsTheInteractionKeyedByTheCallersEndpoint() throws {
        #expect(try one("01-initiated.json") == Event(
            eventID: id(c1, "INITIATED", "2026-11-24T09:00:00Z"), type: .interactionStarted, occurredAt: at("2026-11-24T09:00:00Z"),
            interactionID: c1, customerID: phone, channel: .voice, attributes: tags))
    }

    @Test func queuedTakesTheEnqueueTimeAndTheQueueIdFromItsArn() throws {
        #expect(try one("02-queued.json") == Event(
            eventID: id(c1, "QUEUED", "2026-11-24T09:00:20Z"), type: .interactionQueued, occurredAt: at("2026-11-24T09:00:20Z"),
            interactionID: c1, customerID: phone, channel: .voice, queue: billing, attributes: tags))
    }

    @Test func connectedReadsCapitalisedAgentInfo() throws {
        // 03 spells AgentInfo/AgentArn/ConnectedToAgentTimestamp and channel "voice".
        #expect(try one("03-connected-to-agent.json") == Event(
            eventID: id(c1, "CONNECTED_TO_AGENT", "2026-11-24T09:03:05Z"), type: .agentConnected, occurredAt: at("2026-11-24T09:03:05Z"),
            interactionID: c1, customerID: phone, channel: .voice, queue: billing, agentID: agent, attributes: tags))
    }

    @Test func contactDataUpdatesGiveNoEvent() throws {
        #expect(try DialectExamples.events(.amazonConnect, "04-contact-data-updated.json").isEmpty)
    }

    @Test func contactLensRuleNeedsACustomerKeyFromTheMessageKey() throws {
        let error = try DialectExamples.decode(.amazonConnect, "05-contact-lens-realtime-rule.json").decodeError
        #expect(error?.field == "customer_id")
        #expect(error?.category == "missing_field")
        #expect(try one("05-contact-lens-realtime-rule.json", customerKey: "@key", key: phone) == Event(
            eventID: "amazon-connect:\(c1):contact-lens:rude:\(at("2026-11-24T09:04:30Z").milliseconds)", type: .agentFlagged,
            occurredAt: at("2026-11-24T09:04:30Z"), interactionID: c1, customerID: phone, channel: .voice, queue: billing, agentID: agent,
            data: EventData(flag: "rude", source: "contact-lens")))
    }

    @Test func aTransferLegIsATransferOfTheInitialContact() throws {
        #expect(try one("06-transfer-initiated.json") == Event(
            eventID: id(c2, "INITIATED", "2026-11-24T09:06:00Z"), type: .interactionTransferred, occurredAt: at("2026-11-24T09:06:00Z"),
            interactionID: c1, customerID: phone, channel: .voice, queue: retention, data: EventData(toQueue: retention), attributes: tags))
    }

    @Test func theHandedOverLegDoesNotEndTheInteraction() throws {
        #expect(try DialectExamples.events(.amazonConnect, "07-transferred-leg-disconnected.json").isEmpty)
    }

    @Test func disconnectAfterAnAgentIsResolved() throws {
        #expect(try one("08-disconnected.json") == Event(
            eventID: id(c2, "DISCONNECTED", "2026-11-24T09:12:00Z"), type: .interactionEnded, occurredAt: at("2026-11-24T09:12:00Z"),
            interactionID: c1, customerID: phone, channel: .voice, queue: retention, agentID: "3e4f5a6b-0000-4000-8000-000000000077",
            data: EventData(reason: "resolved"), attributes: tags))
    }

    @Test func chatDisconnectedInQueueIsAbandoned() throws {
        let started = try one("09-chat-initiated.json")
        #expect(started.type == .interactionStarted && started.channel == .chat && started.customerID == "chat-visitor-5521")
        #expect(try one("10-chat-queued.json").occurredAt == at("2026-11-24T10:00:02Z"))
        #expect(try one("11-chat-abandoned.json") == Event(
            eventID: id(c3, "DISCONNECTED", "2026-11-24T10:01:30Z"), type: .interactionEnded, occurredAt: at("2026-11-24T10:01:30Z"),
            interactionID: c3, customerID: "chat-visitor-5521", channel: .chat, queue: billing, data: EventData(reason: "abandoned")))
    }

    @Test func aCallerWhoHangsUpWhileAnAgentIsOfferedTheCallAbandoned() throws {
        let json = #"{"detail-type":"Amazon Connect Contact Event","time":"2026-11-24T09:05:00Z","detail":{"eventType":"DISCONNECTED","contactId":"c-9","channel":"VOICE","disconnectTimestamp":"2026-11-24T09:05:00Z","queueInfo":{"queueArn":"arn:x/queue/q1"},"agentInfo":{"agentArn":"arn:x/agent/a1"},"customerEndpoint":{"address":"+1"}}}"#
        #expect(try DialectDecoder(dialect: .amazonConnect).decode(json).get().map(\.data.reason) == ["abandoned"])
        let noQueue = json.replacingOccurrences(of: #""queueInfo":{"queueArn":"arn:x/queue/q1"},"#, with: "")
        #expect(try DialectDecoder(dialect: .amazonConnect).decode(noQueue).get().map(\.data.reason) == ["unresolved"])
        // A connect time that is null or empty is none: the member being there made it resolved.
        for none in ["null", "\"\""] {
            let named = json.replacingOccurrences(
                of: #""agentArn":"arn:x/agent/a1""#, with: #""agentArn":"arn:x/agent/a1","connectedToAgentTimestamp":"# + none)
            #expect(named != json)
            #expect(try DialectDecoder(dialect: .amazonConnect).decode(named).get().map(\.data.reason) == ["abandoned"], "connect time \(none)")
        }
    }

    /// An abandon is the customer leaving the queue. A queued contact the flow or the system
    /// ended (a callback taken instead, a closed queue, an expired chat) is unresolved: until
    /// 2026-12-07 it was abandoned, with its priority callback for a customer already getting one.
    @Test func aQueuedContactTheFlowEndedIsNotAnAbandon() throws {
        let json = { (reason: String) in
            #"{"detail-type":"Amazon Connect Contact Event","time":"2026-11-24T09:05:00Z","detail":{"eventType":"DISCONNECTED","contactId":"c-9","channel":"VOICE","initiationMethod":"INBOUND","disconnectTimestamp":"2026-11-24T09:05:00Z","disconnectReason":""# + reason + #"","queueInfo":{"queueArn":"arn:x/queue/q1","enqueueTimestamp":"2026-11-24T09:01:00Z"},"customerEndpoint":{"address":"+1"}}}"#
        }
        let decoder = DialectDecoder(dialect: .amazonConnect)
        #expect(try decoder.decode(json("CUSTOMER_DISCONNECT")).get().map(\.data.reason) == ["abandoned"])
        for reason in ["CONTACT_FLOW_DISCONNECT", "API", "EXPIRED", "TELECOM_PROBLEM", "OTHER"] {
            #expect(try decoder.decode(json(reason)).get().map(\.data.reason) == ["unresolved"], "\(reason)")
        }
    }

    /// The contacts Amazon Connect makes that are no customer's conversation — a chat's
    /// disconnect flow, a supervisor listening in, an agent's email reply — give nothing: until
    /// 2026-12-07 each started an interaction of the customer, and a chat with its disconnect
    /// flow counted twice towards `repeat-contact`.
    @Test func disconnectFlowMonitorAndAgentReplyContactsAreNoCustomers() throws {
        let decoder = DialectDecoder(dialect: .amazonConnect)
        for method in ["DISCONNECT", "MONITOR", "AGENT_REPLY"] {
            for (type, extra) in [("INITIATED", #""initiationTimestamp":"2026-11-24T09:00:00Z""#), ("DISCONNECTED", #""disconnectTimestamp":"2026-11-24T09:02:00Z""#)] {
                let json = #"{"detail-type":"Amazon Connect Contact Event","time":"2026-11-24T09:00:00Z","detail":{"eventType":""# + type + #"","contactId":"c-7","previousContactId":"c-6","channel":"CHAT","initiationMethod":""# + method + #"","# + extra + #","customerEndpoint":{"address":"visitor-1"}}}"#
                #expect(try decoder.decode(json).get().isEmpty, "\(method) \(type)")
            }
        }
        let inbound = #"{"detail-type":"Amazon Connect Contact Event","time":"2026-11-24T09:00:00Z","detail":{"eventType":"INITIATED","contactId":"c-7","channel":"CHAT","initiationMethod":"API","initiationTimestamp":"2026-11-24T09:00:00Z","customerEndpoint":{"address":"visitor-1"}}}"#
        #expect(try decoder.decode(inbound).get().map(\.type) == [.interactionStarted])
    }

    @Test func aCallbackNamingTheFirstContactIsANewInteraction() throws {
        let json = #"{"detail-type":"Amazon Connect Contact Event","time":"2026-11-24T11:00:00Z","detail":{"eventType":"INITIATED","contactId":"cb-1","initialContactId":"c-0","previousContactId":"c-0","initiationMethod":"CALLBACK","channel":"VOICE","customerEndpoint":{"address":"+1"}}}"#
        let events = try DialectDecoder(dialect: .amazonConnect).decode(json).get()
        #expect(events.map(\.type) == [.interactionStarted])
        #expect(events.map(\.interactionID) == ["cb-1"])
    }

    @Test func aConfiguredCustomerKeyIsTheOnlyPlaceLookedAt() throws {
        #expect(try one("01-initiated.json", customerKey: "tags.customer_id").customerID == "cust-1001")
        #expect(try one("01-initiated.json", customerKey: "detail.tags.customer_id").customerID == "cust-1001")
        let error = try DialectExamples.decode(.amazonConnect, "09-chat-initiated.json", customerKey: "tags.customer_id").decodeError
        #expect(error?.field == "customer_id")
        #expect(error?.reason.contains("tags.customer_id") == true)
    }

    /// The advice to set the topic's customer_key is given when none is set; with one set it
    /// was given too (until 2026-12-08), repeating advice already taken.
    @Test func aMissingCustomerAdvisesACustomerKeyOnlyWhenNoneIsSet() throws {
        let json = #"{"detail-type":"Amazon Connect Contact Event","time":"2026-11-24T11:00:00Z","detail":{"eventType":"INITIATED","contactId":"c-1","initiationMethod":"INBOUND","channel":"VOICE"}}"#
        let unset = DialectDecoder(dialect: .amazonConnect).decode(json).decodeError
        #expect(unset?.reason.hasSuffix("; set the topic's customer_key (moments replay: --customer-key)") == true, "\(unset?.reason ?? "")")
        let set = DialectDecoder(dialect: .amazonConnect, customerKey: .path(["tags", "customer_id"])).decode(json).decodeError
        #expect(set?.field == "customer_id")
        #expect(set?.reason == "missing: amazon-connect events carry no customer id and none was found at tags.customer_id (the customer_key given)", "\(set?.reason ?? "")")
    }

    @Test func theSameMessageTwiceGivesTheSameEventID() throws {
        #expect(try one("02-queued.json").eventID == one("02-queued.json").eventID)
    }

    @Test func tasksAndOtherConnectEventsAreIgnored() throws {
        let decoder = DialectDecoder(dialect: .amazonConnect)
        let task = #"{"detail-type":"Amazon Connect Contact Event","time":"2026-11-24T09:00:00Z","detail":{"eventType":"INITIATED","contactId":"t-1","channel":"TASK"}}"#
        #expect(try decoder.decode(task).get().isEmpty)
        let voiceID = #"{"detail-type":"Voice ID Evaluate Session Action","time":"2026-11-24T09:00:00Z","detail":{"sessionId":"s"}}"#
        #expect(try decoder.decode(voiceID).get().isEmpty)
    }

    @Test func wrongShapesAreDecodeErrors() {
        let decoder = DialectDecoder(dialect: .amazonConnect)
        let cases: [(String, String)] = [
            (#"{"detail-type":"Amazon Connect Contact Event","detail":"x"}"#, "detail"),
            (#"{"detail-type":"Amazon Connect Contact Event","time":"2026-11-24T09:00:00Z","detail":{"eventType":"QUEUED","contactId":"c","channel":"PIGEON"}}"#, "detail.channel"),
            (#"{"detail-type":"Amazon Connect Contact Event","time":"2026-11-24T09:00:00Z","detail":{"eventType":"QUEUED","contactId":{"a":1},"channel":"VOICE"}}"#, "detail.contactId"),
            (#"{"detail-type":"Amazon Connect Contact Event","time":"3026-11-24T09:00:00Z","detail":{"eventType":"QUEUED","contactId":"c","channel":"VOICE"}}"#, "time"),
            (#"{"detail-type":"Amazon Connect Contact Event","detail":{"eventType":"QUEUED","contactId":"c","channel":"VOICE"}}"#, "detail.queueInfo.enqueueTimestamp"),
        ]
        for (json, field) in cases {
            #expect(decoder.decode(json).decodeError?.field == field, "\(json)")
        }
    }
}
