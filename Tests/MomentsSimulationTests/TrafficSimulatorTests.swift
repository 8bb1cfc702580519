import Foundation
import MomentsCore
import MomentsSimulation
import Testing

@Suite struct TrafficSimulatorTests {
    static let stream = TrafficSimulator.events(options: SimulationOptions(seed: 7), count: 20_000)

    @Test func sameSeedSameStreamOtherSeedOtherStream() {
        let again = TrafficSimulator.events(options: SimulationOptions(seed: 7), count: 2000)
        #expect(again.map(\.json) == Self.stream.prefix(2000).map(\.json))
        let other = TrafficSimulator.events(options: SimulationOptions(seed: 8), count: 2000)
        #expect(other.map(\.json) != again.map(\.json))
    }

    @Test func everyEventFollowsTheContract() throws {
        let decoder = EventDecoder()
        for e in Self.stream {
            let event = try decoder.decode(e.json).get()
            #expect(event.customerID == e.key)
            #expect(event.occurredAt == e.occurredAt)
            #expect(event.type.isKnown)
        }
        let ids = Self.stream.map { ($0.json.split(separator: "\"")[3]) }
        #expect(Set(ids).count == ids.count)   // event ids are unique
    }

    @Test func eventsComeInEventTimeOrder() {
        #expect(zip(Self.stream, Self.stream.dropFirst()).allSatisfy { $0.occurredAt <= $1.occurredAt })
    }

    @Test func interactionsFollowASensibleOrder() throws {
        let decoder = EventDecoder()
        var byInteraction: [String: [Event]] = [:]
        for e in Self.stream { byInteraction[e.interactionID, default: []].append(try decoder.decode(e.json).get()) }
        for (_, events) in byInteraction {
            let types = events.map(\.type)
            #expect(types.first == .interactionStarted)
            if let connected = types.firstIndex(of: .agentConnected) {
                #expect(types.firstIndex(of: .interactionQueued)! < connected)
            }
            if let ended = types.firstIndex(of: .interactionEnded) {
                #expect(types[ended...].allSatisfy { $0 == .interactionEnded || $0 == .surveySubmitted })
            }
        }
    }

    @Test func theMixIsRealistic() throws {
        let decoder = EventDecoder()
        let events = try Self.stream.map { try decoder.decode($0.json).get() }
        let types = Set(events.map(\.type))
        #expect(types == Set(EventType.known))
        #expect(Set(events.compactMap { $0.attributes["language"] }) == ["en", "de", "it", "nl", "id"])
        #expect(Set(events.map(\.channel)) == [.voice, .chat])
        let churn = events.filter { $0.type == .messageSent && $0.data.sender == "customer" }.compactMap(\.data.text)
            .filter { t in ["cancel", "kündigen", "kundigen", "disdire", "opzeggen", "berhenti"].contains { t.lowercased().contains($0) } }
        #expect(!churn.isEmpty)
        let size = Double(Self.stream.reduce(0) { $0 + $1.json.utf8.count }) / Double(Self.stream.count)
        print("simulator: average event size \(Int(size)) bytes")
        #expect((280...380).contains(size))
    }

    @Test func waitsAreMostlyShortSometimesLong() throws {
        let decoder = EventDecoder()
        var queued: [String: Timestamp] = [:]
        var waits: [Duration] = []
        for e in Self.stream {
            let event = try decoder.decode(e.json).get()
            if event.type == .interactionQueued { queued[event.interactionID] = event.occurredAt }
            if event.type == .agentConnected, let q = queued.removeValue(forKey: event.interactionID) { waits.append(event.occurredAt - q) }
        }
        let long = Double(waits.filter { $0 > .seconds(120) }.count) / Double(waits.count)
        #expect(waits.count > 500)
        #expect((0.02...0.15).contains(long), "share of waits over 120 s: \(long)")
    }

    @Test func someCustomersComeBackThreeTimesInADay() throws {
        let starts = Self.stream.filter { $0.type == "interaction.started" }
        let perCustomer = Dictionary(grouping: starts, by: \.key).mapValues(\.count)
        #expect(perCustomer.values.contains { $0 >= 3 })
    }
}
