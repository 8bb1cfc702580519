import Foundation
import MomentsApp
import MomentsCore
import Testing
@testable import Kafka
@testable import MomentsRuntime

/// An output's way from the engine thread to the pipeline thread (`OutputFacts`): without a
/// delivery hook only its labels and time travel, and the output is dropped where it was made;
/// with one, the hook still gets every output it is told about.
@Suite(.serialized) struct OutputFactsTests {
    static func flagged(_ n: Int, queue: String) -> [UInt8] {
        Array(#"{"event_id":"e-\#(n)","type":"agent.flagged","occurred_at":"2026-12-06T09:00:0\#(n).000Z","interaction_id":"i-\#(n)","customer_id":"c-\#(n)","channel":"voice","queue":"\#(queue)","agent_id":"a-1","data":{"flag":"rude"}}"#.utf8)
    }

    /// The labels an alert is counted under and its time, read on the engine thread: what the
    /// pipeline thread counts and what a refused output's dead letter is dated with.
    @Test func factsCarryTheLabelsAndTimeAndTheOutputOnlyWhenKept() throws {
        var engine = Engine(rules: try Stream.defaultRules())
        let event = try EventDecoder().decode(Self.flagged(1, queue: "billing")).get()
        let outputs = engine.process(event)
        let alert = try #require(outputs.first { $0.kind == .alert })

        let dropped = OutputFacts(alert, keeping: false)
        #expect(dropped.output == nil)
        #expect(dropped.time == Timestamp(milliseconds: RFC3339.parse("2026-12-06T09:00:01.000Z")!.milliseconds))
        let labels = try #require(dropped.labels)
        #expect(labels.family == .alert)
        #expect(labels.rule == alert.moment.rule)
        #expect(labels.kind == alert.moment.kind.rawValue)
        #expect(labels.queue == "billing")

        let kept = OutputFacts(alert, keeping: true)
        #expect(kept.output?.id == alert.id)
        #expect(kept.labels == dropped.labels)

        let letter = OutputFacts()
        #expect(letter.labels == nil && letter.output == nil && letter.time == nil)

        // A rude agent's moment brings a coaching signal (and, under the default rules, a
        // recovery action): each counted under its own family, rule and kind or action.
        let coaching = try #require(outputs.first { $0.kind == .coaching })
        guard case .coaching(let signal) = coaching else { Issue.record("not a coaching signal"); return }
        let coachingLabels = try #require(OutputFacts(coaching, keeping: false).labels)
        #expect(coachingLabels == PipelineMetrics.DeliveredLabels(family: .coaching, rule: signal.rule, kind: signal.kind.rawValue))
        #expect(coachingLabels.queue == nil)
        var recoveries = 0
        for output in outputs {
            guard case .recovery(let action) = output else { continue }
            recoveries += 1
            #expect(OutputFacts(output, keeping: false).labels == PipelineMetrics.DeliveredLabels(family: .recovery, rule: action.rule, kind: action.action))
        }
        #expect(recoveries == 1, "the default rules recover a rude agent's moment once")
    }

    /// The labels are a counter's key, compared by a hash made once (`digest`) and then the
    /// fields: equal exactly when every field is, whatever the strings' lengths (inline or
    /// not, split differently between rule and kind), and a missing queue is not an empty one.
    @Test func labelsAreEqualExactlyWhenEveryFieldIs() {
        typealias Labels = PipelineMetrics.DeliveredLabels
        let long = String(repeating: "customer-waiting-", count: 3)
        let variants: [Labels] = [
            Labels(family: .alert, rule: "long-wait", kind: "long_wait", queue: "billing"),
            Labels(family: .alert, rule: "long-wait", kind: "long_wait", queue: "billinG"),
            Labels(family: .alert, rule: "long-wait", kind: "long_wait", queue: ""),
            Labels(family: .alert, rule: "long-wait", kind: "long_wait"),
            Labels(family: .alert, rule: "long-wai", kind: "tlong_wait", queue: "billing"),
            Labels(family: .alert, rule: long, kind: "long_wait", queue: "billing"),
            Labels(family: .alert, rule: long + "x", kind: "long_wait", queue: "billing"),
            Labels(family: .coaching, rule: "long-wait", kind: "long_wait", queue: "billing"),
            Labels(family: .recovery, rule: "long-wait", kind: "long_wait"),
        ]
        for (i, a) in variants.enumerated() {
            for (j, b) in variants.enumerated() { #expect((a == b) == (i == j), "\(a) against \(b)") }
            // Made again from copies of its strings: equal, and hashed alike.
            func copy(_ s: String) -> String { String(decoding: Array(s.utf8), as: UTF8.self) }
            let again = Labels(family: a.family, rule: copy(a.rule), kind: copy(a.kind), queue: a.queue.map(copy))
            #expect(again == a)
            #expect(again.hashValue == a.hashValue)
        }
        #expect(Set(variants).count == variants.count)
        #expect(variants[0].withQueue("billinG") == variants[1])
    }

    /// Through the pipeline: a hook that wants outputs gets each one with its record.
    @Test func aDeliveryHookGetsEachOutputWithItsRecord() throws {
        final class Seen: @unchecked Sendable {
            private let lock = NSLock()
            private var pairs: [(String, String?)] = []
            func add(_ record: OutputRecord, _ output: Output?) { lock.lock(); pairs.append((record.id, output?.id)); lock.unlock() }
            var all: [(String, String?)] { lock.lock(); defer { lock.unlock() }; return pairs }
        }
        let seen = Seen()
        var hooks = PipelineHooks()
        hooks.delivered = { record, output, _ in seen.add(record, output) }
        let bed = try TestBed(partitions: 1)
        try bed.produce([("c-1", Self.flagged(1, queue: "billing"), 0), ("c-2", Self.flagged(2, queue: "sales"), 0)])
        let running = RunningPipeline(bed.pipeline(group: "facts-hook", rules: try Stream.defaultRules(), changelog: false, hooks: hooks))
        let arrived = waitFor(seconds: 20) { seen.all.contains { $0.0.hasPrefix("i-2:") } }
        #expect(running.stop() == nil)
        #expect(arrived, "got \(seen.all)")
        let outputs = seen.all
        #expect(outputs.count >= 2)
        for (recordID, outputID) in outputs { #expect(outputID == recordID, "the hook got no output, or another one, for \(recordID)") }
    }
}
