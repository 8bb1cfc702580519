import Testing
@testable import MomentsCore

/// Schedules: active days and hours in a named time zone, at event time, across DST.
@Suite struct ScheduleTests {
    static let yaml = """
        schedules:
          berlin-office: { timezone: Europe/Berlin, days: [mon-fri], hours: "08:00-18:00" }
        moments:
          - id: escalation
            kind: pain
            schedule: berlin-office
            outside: off
            when: { match: { event: interaction.escalated } }
          - id: long-wait
            kind: pain
            schedule: berlin-office
            outside: { longer_than: 300s }
            when: { wait: { from: interaction.queued, until: [agent.connected], longer_than: 120s } }
          - id: negative-sentiment
            kind: pain
            schedule: { timezone: America/New_York, hours: ["09:00-12:00", "13:00-17:00"] }
            outside: { below: -0.9 }
            when: { threshold: { event: sentiment.scored, field: score, below: -0.5 } }
        """

    func script(_ utc: String, interaction: String) -> Script {
        var s = Script()
        s.start = RFC3339.parse(utc)!
        s.interaction = interaction
        return s
    }

    @Test func theSameUTCHourIsInOrOutOfHoursAcrossTheDaylightSavingChange() throws {
        // Berlin is UTC+1 until 2026-03-29 02:00, UTC+2 after. 06:30 UTC is 07:30 local on
        // Friday 27 March (closed) and 08:30 local on Monday 30 March (open).
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        let before = script("2026-03-27T06:30:00Z", interaction: "i-fri")
        let after = script("2026-03-30T06:30:00Z", interaction: "i-mon")
        var out = engine.run([before.at(0, .interactionEscalated)])
        #expect(out.isEmpty)
        out = engine.run([after.at(0, .interactionEscalated)])
        #expect(out.ids == ["i-mon:escalation:1"])
        // 16:00 UTC on the Monday is 18:00 local: closed (the end is exclusive); a second earlier
        // (an event arriving late) it was still open.
        let evening = script("2026-03-30T16:00:00Z", interaction: "i-eve")
        #expect(engine.run([evening.at(0, .interactionEscalated)]).isEmpty)
        #expect(engine.run([evening.at(-1, .interactionEscalated, id: "late-open")]).isEmpty == false)  // 17:59:59 local
    }

    @Test func weekendsAreOffAndOffLeavesTheRuleFreeToFireLater() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        // Saturday 28 March 10:00 local.
        let sat = script("2026-03-28T09:00:00Z", interaction: "i-sat")
        #expect(engine.run([sat.at(0, .interactionEscalated)]).isEmpty)
        // Monday 30 March 07:50 local: off; at 08:10, same interaction, it fires.
        let mon = script("2026-03-30T05:50:00Z", interaction: "i-mon")
        #expect(engine.run([mon.at(0, .interactionEscalated)]).isEmpty)
        #expect(engine.run([mon.at(20 * 60, .interactionEscalated)]).alerts.map(\.id) == ["i-mon:escalation:1"])
    }

    /// A count whose n-th event came while the rule was off fires at the next one in hours
    /// (it never fired in that interaction: it fired only at exactly the n-th), with the count.
    @Test func aCountHeldBackAtItsNthEventFiresAtALaterOne() throws {
        var engine = Engine(rules: try Fixtures.rules("""
            schedules:
              berlin-office: { timezone: Europe/Berlin, days: [mon-fri], hours: "08:00-18:00" }
            moments:
              - id: transfers
                kind: pain
                schedule: berlin-office
                outside: off
                when: { count: { event: interaction.transferred, reaches: 2, measure: transfers } }
            """))
        // Monday 30 March 07:58 and 07:59 local (off), then 08:01.
        let mon = script("2026-03-30T05:58:00Z", interaction: "i-mon")
        #expect(engine.run([mon.at(0, .interactionTransferred), mon.at(60, .interactionTransferred)]).isEmpty)
        let out = engine.run([mon.at(180, .interactionTransferred), mon.at(240, .interactionTransferred)])
        #expect(out.alerts.map(\.id) == ["i-mon:transfers:1"])
        #expect(out.alerts.first?.moment.measures.map(\.value) == [3])
    }

    @Test func outsideHoursAWaitGetsItsOtherLimit() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        let open = script("2026-03-30T08:00:00Z", interaction: "i-open")      // 10:00 local
        let closed = script("2026-03-30T20:00:00Z", interaction: "i-closed")  // 22:00 local
        _ = engine.run([open.at(0, .interactionQueued)])
        #expect(engine.advance(to: open.time(121)).alerts.map(\.id) == ["i-open:long-wait:1"])
        _ = engine.run([closed.at(0, .interactionQueued)])
        #expect(engine.advance(to: closed.time(200)).alerts.isEmpty)
        #expect(engine.advance(to: closed.time(301)).alerts.map(\.id) == ["i-closed:long-wait:1"])
    }

    @Test func outsideHoursAThresholdGetsItsOtherBounds() throws {
        var engine = Engine(rules: try Fixtures.rules(Self.yaml))
        // 12:30 in New York (lunch: outside both ranges), a -0.7 is not enough, -0.95 is.
        let lunch = script("2026-11-24T17:30:00Z", interaction: "i-lunch")
        #expect(engine.run([lunch.at(0, .sentimentScored, data: EventData(score: -0.7))]).isEmpty)
        #expect(engine.run([lunch.at(1, .sentimentScored, data: EventData(score: -0.95))]).alerts.count == 1)
        let morning = script("2026-11-24T15:00:00Z", interaction: "i-morning")   // 10:00 in New York
        #expect(engine.run([morning.at(0, .sentimentScored, data: EventData(score: -0.7))]).alerts.count == 1)
    }

    @Test func rulesJSONDescribesTheSchedule() throws {
        var w = JSONWriter()
        try Fixtures.rules(Self.yaml).json(into: &w)
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text.contains(#""schedule":"berlin-office: Europe/Berlin mon,tue,wed,thu,fri 08:00-18:00, outside: longer than 5 min""#))
        #expect(text.contains(#""schedule":"America/New_York mon,tue,wed,thu,fri,sat,sun 09:00-12:00,13:00-17:00, outside: threshold sentiment.scored score < -0.9""#))
    }

    @Test func scheduleErrorsAreLocated() {
        let errors = Fixtures.errors("""
            schedules:
              office: { timezone: Mars/Olympus, days: [mon-fry], hours: "18:00-08:00" }
            moments:
              - id: a
                kind: pain
                schedule: nowhere
                when: { match: { event: interaction.escalated } }
              - id: b
                kind: pain
                schedule: { timezone: UTC, days: mon-fri }
                outside: { longer_than: 300s }
                when: { match: { event: interaction.escalated } }
              - id: c
                kind: pain
                schedule: { timezone: UTC, days: mon-fri }
                outside: sometimes
                when: { match: { event: interaction.escalated } }
            """)
        #expect(errors.map(\.description) == [
            "test.yaml:2:23: error: unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/Berlin, America/New_York or UTC)",
            "test.yaml:2:44: error: bad day 'mon-fry' in days (use mon, tue, wed, thu, fri, sat, sun or a range such as mon-fri)",
            "test.yaml:2:61: error: bad hours '18:00-08:00' (use HH:MM-HH:MM with the end after the start, such as 08:00-18:00; split a night shift into 22:00-24:00 and 00:00-06:00)",
            "test.yaml:6:15: error: unknown schedule 'nowhere' (declare it under 'schedules:')",
            "test.yaml:11:14: error: other limits outside the schedule exist for wait (longer_than) and threshold conditions; use outside: off",
            "test.yaml:16:14: error: outside must be off or a mapping of other limits, found 'sometimes'",
        ])
    }
}
