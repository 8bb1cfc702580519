import Testing
@testable import MomentsCore

@Suite struct DialectTwilioTaskRouterTests {
    let task = "WT8f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
    let start: Int64 = 1_795_510_800_000   // 2026-11-24T09:00:00Z
    let attributes: Attributes = [
        "type": "inbound", "name": "+14155550100", "from": "+14155550100", "to": "+18005550111", "channelType": "voice",
        "call_sid": "CA11111111111111111111111111111111", "customer_id": "cust-8842", "tier": "gold",
    ]

    func one(_ file: String) throws -> Event {
        let events = try DialectExamples.events(.twilioTaskRouter, file)
        try #require(events.count == 1, "\(file) gave \(events.count) events")
        return events[0]
    }

    @Test func taskCreatedStartsWithTheAttributesFromTheJSONString() throws {
        #expect(try one("01-task-created.json") == Event(
            eventID: "twilio-taskrouter:EV00000000000000000000000000000001", type: .interactionStarted, occurredAt: epochMs(start),
            interactionID: task, customerID: "cust-8842", channel: .voice, attributes: attributes))
    }

    @Test func queueEnteredReadsEpochSecondsText() throws {
        #expect(try one("02-task-queue-entered.json") == Event(
            eventID: "twilio-taskrouter:EV00000000000000000000000000000002", type: .interactionQueued, occurredAt: epochMs(start + 5_000),
            interactionID: task, customerID: "cust-8842", channel: .voice, queue: "Support", attributes: attributes))
    }

    @Test func reservationAcceptedConnectsTheWorker() throws {
        #expect(try one("04-reservation-accepted.json") == Event(
            eventID: "twilio-taskrouter:EV00000000000000000000000000000004", type: .agentConnected, occurredAt: epochMs(start + 155_000),
            interactionID: task, customerID: "cust-8842", channel: .voice, queue: "Support", agentID: "WK11111111111111111111111111111111",
            attributes: attributes))
    }

    @Test func reservationCreatedAndWrapupGiveNothing() throws {
        #expect(try DialectExamples.events(.twilioTaskRouter, "03-reservation-created.json").isEmpty)
        #expect(try DialectExamples.events(.twilioTaskRouter, "05-task-wrapup.json").isEmpty)
    }

    @Test func taskCompletedIsResolved() throws {
        #expect(try one("06-task-completed.json") == Event(
            eventID: "twilio-taskrouter:EV00000000000000000000000000000006", type: .interactionEnded, occurredAt: epochMs(start + 420_000),
            interactionID: task, customerID: "cust-8842", channel: .voice, data: EventData(reason: "resolved"), attributes: attributes))
    }

    @Test func eventStreamsCanceledTaskIsAbandonedWithABuiltID() throws {
        let t = at("2026-11-24T10:02:00Z")
        let task2 = "WT00000000000000000000000000000002"
        #expect(try one("07-event-streams-task-canceled.json") == Event(
            eventID: "twilio-taskrouter:\(task2):task.canceled:-:\(t.milliseconds)", type: .interactionEnded, occurredAt: t,
            interactionID: task2, customerID: "cust-3107", channel: .chat, queue: "Support", data: EventData(reason: "abandoned"),
            attributes: ["channelType": "web", "customer_id": "cust-3107", "language": "de"]))
    }

    @Test func brokenTaskAttributesAreADecodeError() {
        let json = #"{"EventType":"task.created","TaskSid":"WT1","Timestamp":"1795510800","TaskChannelUniqueName":"voice","TaskAttributes":"{\"from\": \"+1"}"#
        let error = DialectDecoder(dialect: .twilioTaskRouter).decode(json).decodeError
        #expect(error?.field == "TaskAttributes")
    }

    @Test func workerEventsAreIgnoredAndTheCustomerPathIsConfigurable() throws {
        let decoder = DialectDecoder(dialect: .twilioTaskRouter, customerKey: try CustomerKey(parsing: "TaskAttributes.customers.external_id"))
        #expect(try decoder.decode(#"{"EventType":"worker.activity.update","WorkerSid":"WK1","Timestamp":"1795510800"}"#).get().isEmpty)
        let json = #"{"EventType":"task.created","TaskSid":"WT1","Timestamp":"1795510800","TaskChannelUniqueName":"sms","TaskAttributes":"{\"customers\":{\"external_id\":\"crm-77\"}}"}"#
        let events = try decoder.decode(json).get()
        #expect(events.map(\.customerID) == ["crm-77"])
        #expect(events.map(\.channel) == [.sms])
        #expect(events.map(\.eventID) == ["twilio-taskrouter:WT1:task.created:-:1795510800000"])
    }
    /// A cancel by someone (a supervisor's cleanup, a duplicate, the API) is no abandon, and
    /// gets no priority callback: until 2026-12-07 every cancel was one. A hang-up, a task
    /// that expired unserved (TTL, timeout) or no reason stay abandoned.
    @Test func onlyACustomerLeftUnservedIsAnAbandon() throws {
        let decoder = DialectDecoder(dialect: .twilioTaskRouter)
        func canceled(_ reason: String?) throws -> String? {
            let field = reason.map { #","TaskCanceledReason":""# + $0 + #"""# } ?? ""
            let json = #"{"EventType":"task.canceled","TaskSid":"WT1","TaskChannelUniqueName":"voice","Timestamp":"1795510800","TaskAttributes":"{\"from\":\"+1555\"}""# + field + "}"
            return try decoder.decode(json).get().first?.data.reason
        }
        for reason in [nil, "hangup", "Task TTL Exceeded", "Workflow timeout"] as [String?] {
            #expect(try canceled(reason) == "abandoned", "\(reason ?? "none")")
        }
        for reason in ["Canceled by supervisor: duplicate task", "api cleanup", "settled by phone"] {
            #expect(try canceled(reason) == "unresolved", "\(reason)")
        }
    }

    /// A transfer to a worker (`WK…`) names no queue; one to a TaskQueue (`WQ…`) does. Until
    /// 2026-12-07 a worker's sid became the interaction's queue in later outputs.
    @Test func aTransferToAWorkerNamesNoQueue() throws {
        let decoder = DialectDecoder(dialect: .twilioTaskRouter)
        let json = { (to: String) in
            #"{"EventType":"task.transfer-initiated","TaskSid":"WT1","TaskChannelUniqueName":"voice","Timestamp":"1795510800","TransferTo":""# + to + #"","TaskAttributes":"{\"from\":\"+1555\"}"}"#
        }
        #expect(try decoder.decode(json("WK0000000000000000000000000000000a")).get().first?.data.toQueue == nil)
        #expect(try decoder.decode(json("WQ0000000000000000000000000000000b")).get().first?.data.toQueue == "WQ0000000000000000000000000000000b")
    }

    /// An outbound task's customer is the party called: `from` is the company's own caller id,
    /// which made every outbound call one customer's (until 2026-12-07).
    @Test func anOutboundTasksCustomerIsThePartyCalled() throws {
        let decoder = DialectDecoder(dialect: .twilioTaskRouter)
        let json = { (attributes: String) in
            #"{"EventType":"task.created","TaskSid":"WT1","TaskChannelUniqueName":"voice","Timestamp":"1795510800","TaskAttributes":""# + attributes + #""}"#
        }
        #expect(try decoder.decode(json(#"{\"direction\":\"outbound\",\"from\":\"+18005550111\",\"outbound_to\":\"+14155550123\"}"#)).get().first?.customerID == "+14155550123")
        #expect(try decoder.decode(json(#"{\"direction\":\"outbound\",\"from\":\"+18005550111\",\"to\":\"+14155550124\"}"#)).get().first?.customerID == "+14155550124")
        #expect(try decoder.decode(json(#"{\"direction\":\"outbound\",\"from\":\"+18005550111\",\"to\":\"+1415\",\"customer_id\":\"crm-9\"}"#)).get().first?.customerID == "crm-9")
        #expect(try decoder.decode(json(#"{\"direction\":\"inbound\",\"from\":\"+14155550125\",\"to\":\"+18005550111\"}"#)).get().first?.customerID == "+14155550125")
        // Nobody called named: the caller id, as before, rather than a dead letter.
        #expect(try decoder.decode(json(#"{\"direction\":\"outbound\",\"from\":\"+18005550111\"}"#)).get().first?.customerID == "+18005550111")
    }

}
