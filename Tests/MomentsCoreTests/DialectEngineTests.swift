import Testing
@testable import MomentsCore

/// Vendor streams replayed through the engine with the default rules (config/moments.yaml):
/// the moments a platform's own events can show.
@Suite struct DialectEngineTests {
    func replay(_ dialect: Dialect, _ files: [String], customerKey: String? = nil) throws -> (outputs: [Output], replayer: Replayer) {
        let decoder = DialectDecoder(dialect: dialect, customerKey: try customerKey.map { try CustomerKey(parsing: $0) })
        var replayer = Replayer(rules: try Fixtures.defaultRules(), dialect: decoder)
        var outputs: [Output] = []
        for (n, file) in files.enumerated() {
            for item in replayer.feed(line: try DialectExamples.bytes(dialect, file), file: file, lineNumber: n + 1) {
                switch item {
                case .output(let o): outputs.append(o)
                case .deadLetter(let d): Issue.record("\(file) dead-lettered: \(d.error)")
                }
            }
        }
        return (outputs, replayer)
    }

    @Test func amazonConnectContactQueuedOverTwoMinutesIsALongWaitAndTheChatIsAbandoned() throws {
        let files = try DialectExamples.files(.amazonConnect).filter { !$0.contains("contact-lens") }
        let (outputs, _) = try replay(.amazonConnect, files)
        #expect(outputs.alerts.map(\.moment.rule) == ["long-wait", "abandoned"])
        #expect(outputs.alerts.map(\.moment.interactionID) == ["5f0e8d3c-1111-4a7b-9c2d-000000000001", "5f0e8d3c-3333-4a7b-9c2d-000000000003"])
        #expect(outputs.alerts.first?.moment.customerID == "+12065550100")
        // The transfer leg did not end the interaction early: its end is the second leg's.
        #expect(outputs.recoveries.map(\.rule).contains("apology-discount"))
    }

    @Test func genesysResentEventIsDroppedAsADuplicate() throws {
        let files = ["01-customer-start.json", "02-acd-start.json", "03-acd-start-resent.json", "05-user-start.json", "06-user-end-transfer.json", "08-customer-end.json"]
        let (outputs, replayer) = try replay(.genesysCloud, files)
        #expect(replayer.engine.stats.duplicatesDropped == 1)
        #expect(outputs.alerts.map(\.moment.rule) == ["long-wait"])   // 185 s in ACD
    }

    @Test func genesysSnapshotSentAgainCountsOnlyItsNewSegmentsAndShowsTheLongHold() throws {
        let (outputs, replayer) = try replay(.genesysCloud, ["11-conversation-snapshot.json", "12-conversation-snapshot-later.json"])
        #expect(replayer.engine.stats.duplicatesDropped == 4)
        #expect(outputs.alerts.map(\.moment.rule) == ["long-hold"])   // 150 s on hold
    }

    @Test func twilioTaskGivesLongWaitThenFastResolution() throws {
        let files = try DialectExamples.files(.twilioTaskRouter).filter { !$0.hasPrefix("07") }
        let (outputs, _) = try replay(.twilioTaskRouter, files)
        #expect(outputs.alerts.map(\.moment.rule) == ["long-wait", "fast-resolution"])
    }

    @Test func twilioTaskCanceledInQueueIsAbandoned() throws {
        let decoder = DialectDecoder(dialect: .twilioTaskRouter)
        var engine = Engine(rules: try Fixtures.defaultRules())
        let attributes = #"{\"customer_id\":\"cust-1\"}"#
        let lines = [
            #"{"EventType":"task.created","Sid":"EV1","TaskSid":"WT9","TimestampMs":"1795510800000","TaskChannelUniqueName":"chat","TaskAttributes":"\#(attributes)"}"#,
            #"{"EventType":"task-queue.entered","Sid":"EV2","TaskSid":"WT9","TimestampMs":"1795510801000","TaskChannelUniqueName":"chat","TaskQueueName":"Sales","TaskAttributes":"\#(attributes)"}"#,
            #"{"EventType":"task.canceled","Sid":"EV3","TaskSid":"WT9","TimestampMs":"1795510830000","TaskChannelUniqueName":"chat","TaskCanceledReason":"hangup","TaskAttributes":"\#(attributes)"}"#,
        ]
        var outputs: [Output] = []
        for line in lines { for e in try decoder.decode(line).get() { outputs += engine.process(e) } }
        #expect(outputs.alerts.map(\.moment.rule) == ["abandoned"])
        #expect(outputs.recoveries.map(\.rule) == ["priority-callback"])
    }
}
