import MomentsCore
import MomentsSimulation
import Testing

/// Each interaction's events tell a possible story, and customers stay who they are.
@Suite struct InteractionLifecycleTests {
    /// Walks one interaction's events as a state machine; returns what is wrong, if anything.
    static func problems(in events: [Event]) -> [String] {
        enum Phase { case new, queued, connected, onHold, ended }
        var phase = Phase.new
        var problems: [String] = []
        var surveys = 0
        for (i, e) in events.enumerated() {
            func bad() { problems.append("\(e.type) at \(i) in phase \(phase)") }
            switch (e.type, phase) {
            case (.interactionStarted, .new) where i == 0: phase = .new
            case (.interactionQueued, .new) where i == 1, (.interactionQueued, .connected) where events[i - 1].type == .interactionTransferred:
                phase = .queued
            case (.agentConnected, .queued): phase = .connected
            case (.holdStarted, .connected): phase = .onHold
            case (.holdEnded, .onHold): phase = .connected
            case (.interactionTransferred, .connected), (.interactionEscalated, .connected), (.messageSent, .connected),
                 (.sentimentScored, .connected), (.agentFlagged, .connected):
                break
            case (.interactionEnded, .queued) where e.data.reason == "abandoned": phase = .ended
            case (.interactionEnded, .connected) where e.data.reason != "abandoned": phase = .ended
            case (.surveySubmitted, .ended): surveys += 1; if surveys > 1 { bad() }
            default: bad()
            }
        }
        return problems
    }

    @Test func everyInteractionFollowsASensibleOrder() throws {
        let interactions = try Sample.byInteraction(Sample.events)
        #expect(interactions.count > 1000)
        var early = 0, earlyComplete = 0
        for (id, events) in interactions {
            // The stream starts at time zero, so every interaction in it is seen from its start.
            #expect(events.first?.type == .interactionStarted, "\(id)")
            let problems = Self.problems(in: events)
            #expect(problems.isEmpty, "\(id): \(problems)")
            // Those that started in the first five minutes have had 20 more to finish.
            if events[0].occurredAt < Sample.options.start + .minutes(5) {
                early += 1
                if events.contains(where: { $0.type == .interactionEnded }) { earlyComplete += 1 }
            }
        }
        #expect(early > 200)
        #expect(Double(earlyComplete) / Double(early) > 0.97)
    }

    @Test func theCheckerCatchesDisorder() throws {
        // The state machine above must be able to fail: swap a queued and a connect.
        let events = try #require(try Sample.byInteraction(Sample.events).values.first { $0.count > 4 && $0[2].type == .agentConnected })
        var swapped = events
        swapped.swapAt(1, 2)
        #expect(Self.problems(in: events).isEmpty)
        #expect(!Self.problems(in: swapped).isEmpty)
        #expect(!Self.problems(in: events + [events.last!]).isEmpty)
    }

    @Test func customerAttributesAreStable() throws {
        let decoder = EventDecoder()
        var seen: [String: [String: String]] = [:]
        for e in Sample.events {
            let event = try decoder.decode(e.json).get()
            if let before = seen[event.customerID] { #expect(before == event.attributes, "\(event.customerID)") }
            seen[event.customerID] = event.attributes
        }
        // And across runs with other options: attributes belong to the customer, not the run.
        var busier = Sample.options
        busier.arrivalsPerMinute = 200
        for e in TrafficSimulator.events(options: busier, count: 5000) {
            let event = try decoder.decode(e.json).get()
            if let before = seen[event.customerID] { #expect(before == event.attributes) }
        }
    }
}
