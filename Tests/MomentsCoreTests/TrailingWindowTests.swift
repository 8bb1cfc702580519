import Testing
@testable import MomentsCore

/// Thresholds over the average of the last n values or the last span of event time.
@Suite struct TrailingWindowTests {
    static let yaml = """
        moments:
          - id: sour-mood
            kind: pain
            summary: "average {score} over {score_samples} scores"
            when: { threshold: { event: sentiment.scored, field: score, below: -0.4, average_over: 3 } }
          - id: sour-minutes
            kind: pain
            when: { threshold: { event: sentiment.scored, field: score, below: -0.5, average_over: 120s, min_samples: 2 } }
        """

    func scores(_ s: Script, _ values: [(Double, Double)]) -> [Event] {
        values.map { s.at($0.0, .sentimentScored, data: EventData(score: $0.1)) }
    }

    @Test func theAverageOfTheLastThreeScores() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        let s = Script()
        // One very low score alone is not enough: the window must be full.
        var out = engine.run(scores(s, [(0, -0.9), (10, 0.3)]))
        #expect(out.alerts.filter { $0.moment.rule == "sour-mood" }.isEmpty)
        // (-0.9 + 0.3 - 0.5) / 3 = -0.367: not below. Then (0.3 - 0.5 - 0.7) / 3 = -0.3; then
        // (-0.5 - 0.7 - 0.5) / 3 = -0.567: fires.
        out = engine.run(scores(s, [(20, -0.5), (30, -0.7)]))
        #expect(out.alerts.filter { $0.moment.rule == "sour-mood" }.isEmpty)
        out = engine.run(scores(s, [(40, -0.5)]))
        let alert = try #require(out.alerts.first { $0.moment.rule == "sour-mood" })
        #expect(alert.moment.summary == "average -0.567 over 3 scores")
    }

    @Test func theAverageOverTheLastTwoMinutes() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        let s = Script()
        // -0.9 at 0 s and 0.2 at 150 s: 0 s has left the window by then, so one value, below min_samples.
        var out = engine.run(scores(s, [(0, -0.9), (150, 0.2)]))
        #expect(out.alerts.filter { $0.moment.rule == "sour-minutes" }.isEmpty)
        // 150 s, 200 s, 260 s: (0.2 - 0.9 - 0.9) / 3 = -0.533.
        out = engine.run(scores(s, [(200, -0.9), (260, -0.9)]))
        #expect(out.alerts.filter { $0.moment.rule == "sour-minutes" }.map { $0.moment.time } == [s.time(260)])
    }

    @Test func theWindowStaysBounded() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: m
                kind: pain
                when: { threshold: { event: sentiment.scored, field: score, below: -0.99, average_over: 1h } }
            """)
        var engine = Engine(rules: rules)
        let s = Script()
        _ = engine.run((0..<500).map { s.at(Double($0), .sentimentScored, data: EventData(score: 0)) })
        let window = try #require(engine.customers["c-1"]?.interactions["i-1"]?.windows[0])
        #expect(window.count == TrailingWindow.maxSamples)
        #expect(window.values.last?.at == s.time(499))
    }

    @Test func aSnapshotRoundTripsTheWindow() throws {
        let rules = try Fixtures.rules(Self.yaml)
        let s = Script()
        // Split the stream after two scores: the restored engine must remember them.
        var whole = Engine(rules: rules)
        let events = scores(s, [(0, -0.6), (10, -0.6), (20, -0.6)])
        let expected = whole.run(events)
        #expect(expected.alerts.map(\.moment.rule).contains("sour-mood"))

        var first = Engine(rules: rules)
        first.tracksChanges = true
        var got = first.run(Array(events[..<2]))
        let records = Dictionary(uniqueKeysWithValues: first.takeChangedCustomers().compactMap { c in c.state.map { (c.customer, $0) } })
        #expect(String(decoding: records["c-1"]!, as: UTF8.self).contains(#""windows":{"sour-mood":[["#))
        var second = try Engine.restored(rules: rules, partition: first.partitionState(inputOffset: 1), customers: records)
        #expect(second.customers["c-1"]?.interactions["i-1"]?.windows == first.customers["c-1"]?.interactions["i-1"]?.windows)
        got += second.run(Array(events[2...]))
        #expect(got.ids == expected.ids)
        // A record written before windows existed (no "windows" key) still restores.
        let old = String(decoding: records["c-1"]!, as: UTF8.self).replacing(#/"windows":\{.*?\]\]\},/#, with: "")
        #expect(!old.contains("windows"))
        let restoredOld = try Engine.restored(rules: rules, partition: nil, customers: ["c-1": Array(old.utf8)])
        #expect(restoredOld.customers["c-1"]?.interactions["i-1"]?.windows.isEmpty == true)
    }

    @Test func windowErrorsAreLocated() {
        let errors = Fixtures.errors("""
            moments:
              - id: a
                kind: pain
                when: { threshold: { event: sentiment.scored, field: score, below: -0.4, average_over: 1 } }
              - id: b
                kind: pain
                when: { threshold: { event: sentiment.scored, field: score, below: -0.4, average_over: 3, min_samples: 4 } }
              - id: c
                kind: pain
                when: { threshold: { event: sentiment.scored, field: score, below: -0.4, average_over: 2x } }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:4:92: error: average_over must count 2 to 100 values, found 1",
            "test.yaml:7:108: error: min_samples must be at most 3, found 4",
            "test.yaml:10:92: error: bad duration '2x' for average_over (use a number with a unit: 500ms, 120s, 5m, 24h, 30d; several units from larger to smaller: 1h30m)",
        ])
    }
}
