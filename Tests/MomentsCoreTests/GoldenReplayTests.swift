import Foundation
import Testing
@testable import MomentsCore

/// The reference stream (Tests/Fixtures/reference-stream.jsonl) through the default rules: every
/// output the default semantics require, in order, with its id and time.
@Suite struct GoldenReplayTests {
    static let expected: [(id: String, time: String)] = [
        ("i-1:long-wait:1", "09:02:01.000"),                                  // timer at the 120th second
        ("i-1:long-wait:1:apology-discount", "09:02:01.000"),
        ("i-2:long-hold:1", "09:03:00.000"),                                  // first hold, 90 s
        ("i-2:long-hold:1:long-hold-coaching", "09:03:00.000"),
        ("i-3:abandoned:1", "09:03:00.000"),
        ("i-3:abandoned:1:priority-callback", "09:03:00.000"),
        ("i-4:churn-phrase:1", "09:03:40.000"),                               // "Ich will KÜNDIGEN"
        ("i-4:negative-sentiment:1", "09:03:45.000"),                         // first score below -0.6 only
        ("i-4:negative-sentiment:1:negative-sentiment-coaching", "09:03:45.000"),
        ("i-4:rude-agent:1", "09:04:20.000"),                                 // redelivery dropped
        ("i-4:rude-agent:1:apology-discount", "09:04:20.000"),
        ("i-4:rude-agent:1:rude-agent-coaching", "09:04:20.000"),
        ("i-2:fast-resolution:1", "09:05:00.000"),                            // 3 min 30 s after connect
        ("i-2:fast-resolution:1:fast-resolution-kudos", "09:05:00.000"),
        ("i-2:top-csat:1", "09:06:00.000"),
        ("i-2:top-csat:1:top-csat-kudos", "09:06:00.000"),
        ("i-5:multi-transfer:1", "09:12:00.000"),                             // the second transfer
        ("i-5:escalation:1", "09:14:00.000"),
        ("i-8:long-wait:1", "09:29:00.000"),                                  // out of order, found at the late queued event
        ("i-8:long-wait:1:apology-discount", "09:29:00.000"),
        ("i-1b:rude-agent:1", "09:41:00.000"),                                // no discount: c-1 is in cooldown
        ("i-1b:rude-agent:1:rude-agent-coaching", "09:41:00.000"),
        ("i-6a:fast-resolution:1", "10:02:00.000"),                           // later contacts are not first contacts
        ("i-6a:fast-resolution:1:fast-resolution-kudos", "10:02:00.000"),
        ("i-6c:repeat-contact:1", "12:00:00.000"),                            // third contact in 24 h
        ("i-6d:repeat-contact:1", "13:00:00.000"),                            // and again on the fourth
        ("i-9:long-wait:1", "13:03:00.000"),                                  // still queued, reported by the timer
        ("i-9:long-wait:1:apology-discount", "13:03:00.000"),
    ]

    func replayReference() throws -> (outputs: [Output], replayer: Replayer) {
        let path = Fixtures.root.appendingPathComponent("Tests/Fixtures/reference-stream.jsonl").path
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var replayer = Replayer(rules: try Fixtures.defaultRules())
        var outputs: [Output] = []
        for (n, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            for item in replayer.feed(line: Array(line), file: path, lineNumber: n + 1) {
                if case .output(let o) = item { outputs.append(o) }
            }
        }
        return (outputs, replayer)
    }

    @Test func referenceStreamGivesExactlyTheExpectedOutputs() throws {
        let (outputs, _) = try replayReference()
        let got = outputs.map { ($0.id, String($0.moment.time.description.dropFirst(11).dropLast())) }
        #expect(got.map(\.0) == Self.expected.map(\.id))
        #expect(got.map(\.1) == Self.expected.map(\.time))
    }

    @Test func malformedLinesAreCountedNotFatal() throws {
        let (_, replayer) = try replayReference()
        #expect(replayer.malformed == 2)
        #expect(replayer.engine.stats.duplicatesDropped == 1)
        #expect(replayer.engine.stats.eventsIgnored == 1)   // interaction.note_added
    }

    @Test func replayIsDeterministic() throws {
        let a = try replayReference().outputs
        let b = try replayReference().outputs
        let encoder = CloudEventEncoder()
        #expect(a.map { encoder.encode($0) } == b.map { encoder.encode($0) })
    }

    /// The encoded outputs, byte for byte, as `moments replay` wrote them for the reference
    /// stream before the engine and encoder were tuned (Tests/Fixtures/reference-outputs.jsonl):
    /// speed work must not change a byte.
    @Test func encodedOutputsMatchTheGoldenFile() throws {
        let path = Fixtures.root.appendingPathComponent("Tests/Fixtures/reference-outputs.jsonl").path
        let golden = try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: 0x0A).map { Array($0) }
        let encoder = CloudEventEncoder()
        let encoded = try replayReference().outputs.map { encoder.encode($0) }
        #expect(encoded.count == golden.count)
        for (n, (got, want)) in zip(encoded, golden).enumerated() {
            #expect(got == want, "output \(n + 1): \(String(decoding: got, as: UTF8.self))")
        }
    }

    @Test func alertsCarryTheirRecoveryIDs() throws {
        let (outputs, _) = try replayReference()
        let longWait = try #require(outputs.alerts.first { $0.id == "i-1:long-wait:1" })
        #expect(longWait.recoveryIDs == ["i-1:long-wait:1:apology-discount"])
        #expect(longWait.moment.causeEventID == nil)   // fired by the timer
        #expect(longWait.moment.severity == .high)
        let rude = try #require(outputs.alerts.first { $0.id == "i-1b:rude-agent:1" })
        #expect(rude.recoveryIDs.isEmpty)
    }
}
