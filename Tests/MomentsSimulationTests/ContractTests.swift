import Foundation
import MomentsCore
import MomentsSimulation
import Testing

/// Every simulated event is a valid canonical event, and the stream is deterministic and ordered.
@Suite struct ContractTests {
    @Test func sameOptionsGiveTheSameStreamByteForByte() {
        let again = TrafficSimulator.events(options: Sample.options, count: 3000)
        #expect(again.map(\.json) == Sample.events.prefix(3000).map(\.json))
        #expect(TrafficSimulator.jsonLines(options: Sample.options, count: 50) == Sample.events.prefix(50).map(\.json))
    }

    @Test func anotherSeedGivesAnotherStream() {
        let other = TrafficSimulator.events(options: SimulationOptions(seed: 8), count: 2000)
        let shared = Set(other.map(\.json)).intersection(Sample.events.prefix(2000).map(\.json))
        #expect(shared.isEmpty)
    }

    @Test func anotherStartNeverReusesInteractionIDs() {
        // `moments simulate --start now` restarted onto the same topic must not collide with the
        // earlier run's ids: the daemon would drop the events as duplicates.
        var later = Sample.options
        later.start = later.start + .hours(1)
        let a = Set(Sample.events.prefix(2000).map(\.interactionID))
        let b = Set(TrafficSimulator.events(options: later, count: 2000).map(\.interactionID))
        #expect(a.isDisjoint(with: b))
    }

    @Test func defaultStartIsTheSimulateCommandsStart() {
        #expect(RFC3339.format(SimulationOptions().start) == "2026-11-24T04:00:00.000Z")
        #expect(Sample.events[0].json.contains(#""occurred_at":"2026-11-24T04:00:00.000Z""#))
    }

    @Test func eventsComeInEventTimeOrder() {
        let unordered = zip(Sample.events, Sample.events.dropFirst()).first { $0.occurredAt > $1.occurredAt }
        #expect(unordered == nil, "\(unordered.map { "\($0.0.json) before \($0.1.json)" } ?? "")")
    }

    @Test func everyLineIsAnEventWithTheRequiredFields() throws {
        var ids: Set<String> = []
        let timestamp = try Regex(#"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#)
        let channels: Set<String> = ["voice", "chat", "email", "sms", "social"]
        for e in Sample.events {
            #expect(!e.json.contains("\n"))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(e.json.utf8)) as? [String: Any], "\(e.json)")
            let id = try #require(object["event_id"] as? String)
            #expect(ids.insert(id).inserted, "duplicate event_id \(id)")
            #expect(object["type"] as? String == e.type)
            let occurredAt = try #require(object["occurred_at"] as? String)
            #expect(occurredAt.wholeMatch(of: timestamp) != nil, "\(occurredAt)")
            #expect(RFC3339.parse(Array(occurredAt.utf8)) == e.occurredAt)
            #expect(object["interaction_id"] as? String == e.interactionID)
            #expect(object["customer_id"] as? String == e.key)
            #expect(channels.contains(object["channel"] as? String ?? ""))
            #expect(object["queue"] is String || object["queue"] is NSNull)
            #expect(object["agent_id"] is String || object["agent_id"] is NSNull)
            #expect(object["data"] is [String: Any])
            let attributes = try #require(object["attributes"] as? [String: Any])
            #expect(attributes.values.allSatisfy { $0 is String })
            #expect(["gold", "silver", "standard"].contains(attributes["tier"] as? String ?? ""))
            #expect(["en", "de", "it", "nl", "id"].contains(attributes["language"] as? String ?? ""))
            #expect(attributes["region"] is String)
        }
    }

    @Test func typeSpecificDataHasTheContractShape() throws {
        let decoder = EventDecoder()
        let twoDecimals = try Regex(#""score":-?[01](\.[0-9]{1,2})?}"#)
        for e in Sample.events {
            let event = try decoder.decode(e.json).get()   // the daemon's own decoder accepts it
            let data = event.data
            switch event.type {
            case .interactionTransferred: #expect(Sample.options.queues.contains(data.toQueue ?? ""))
            case .interactionEscalated: #expect(data.to == "supervisor")
            case .messageSent:
                #expect(["customer", "agent"].contains(data.sender ?? ""))
                #expect(!(data.text ?? "").isEmpty)
                #expect(event.channel == .chat)
            case .sentimentScored:
                let score = try #require(data.score)
                #expect((-1...1).contains(score))
                #expect(abs((score * 100).rounded() - score * 100) < 1e-6, "two decimals: \(score)")
                #expect(e.json.contains(twoDecimals), "written in short form: \(e.json)")
            case .agentFlagged:
                #expect(!(data.flag ?? "").isEmpty)
                #expect(["qa", "speech_analytics"].contains(data.source ?? ""))
                #expect(event.agentID != nil)
            case .interactionEnded: #expect(["resolved", "abandoned", "unresolved"].contains(data.reason ?? ""))
            case .surveySubmitted: #expect((1...5).contains(data.csat ?? 0))
            case .agentConnected, .holdStarted, .holdEnded: #expect(event.agentID != nil)
            case .interactionStarted, .interactionQueued: #expect(event.agentID == nil)
            case .other(let name): Issue.record("unknown type \(name)")
            }
        }
    }

    @Test func averageEventSizeIsTheReferenceWorkloadsSize() {
        let size = Double(Sample.events.reduce(0) { $0 + $1.json.utf8.count }) / Double(Sample.events.count)
        print("simulator: average event size \(Int(size.rounded())) bytes over \(Sample.events.count) events (seed 7)")
        #expect((300...360).contains(size))
    }
}
