import Foundation
import Testing
@testable import MomentsCore

/// The corpus in Tests/Fixtures/hostile/ and inputs too big to commit: each is a DecodeError
/// (which the pipeline dead-letters) or, for rules, located errors. Never a crash or a hang.
@Suite struct HostileInputTests {
    static let root = Fixtures.root.appendingPathComponent("Tests/Fixtures/hostile")

    static func corpus(_ dir: String) throws -> [(String, [UInt8])] {
        let url = root.appendingPathComponent(dir)
        return try FileManager.default.contentsOfDirectory(atPath: url.path).sorted().map {
            ("\(dir)/\($0)", [UInt8](try Data(contentsOf: url.appendingPathComponent($0))))
        }
    }

    func expectDecodeError(_ dialect: Dialect, _ name: String, _ bytes: [UInt8], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let clock = ContinuousClock()
        let started = clock.now
        let result = DialectDecoder(dialect: dialect).decode(bytes)
        let elapsed = clock.now - started
        #expect(result.decodeError != nil, "\(dialect) accepted \(name): \(result)", sourceLocation: sourceLocation)
        #expect(elapsed < .seconds(1), "\(dialect) took \(elapsed) on \(name)", sourceLocation: sourceLocation)
        if let e = result.decodeError {
            #expect(e.description.utf8.count < 1024, "\(name): the error message is \(e.description.utf8.count) bytes", sourceLocation: sourceLocation)
        }
    }

    @Test func theCommonCorpusIsRefusedByEveryDialect() throws {
        let corpus = try Self.corpus("common")
        #expect(corpus.count >= 15)
        for dialect in Dialect.allCases {
            for (name, bytes) in corpus { expectDecodeError(dialect, name, bytes) }
        }
    }

    @Test(arguments: Dialect.allCases)
    func eachDialectsOwnCorpusIsRefused(_ dialect: Dialect) throws {
        let corpus = try Self.corpus(dialect.rawValue)
        #expect(corpus.count >= 10)
        for (name, bytes) in corpus { expectDecodeError(dialect, name, bytes) }
    }

    @Test func aTenMegabyteMessageIsRefusedQuickly() {
        // Valid JSON, one huge string: the size limit refuses it before anything is built.
        var big = Array(#"{"EventType":"task.created","TaskSid":"WT1","detail":{"contactId":"c"},"topicName":"v2.detail.events.conversation.c.acd.start","event_id":""#.utf8)
        big.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: 10 * 1024 * 1024))
        big.append(contentsOf: Array(#""}"#.utf8))
        for dialect in Dialect.allCases { expectDecodeError(dialect, "10 MB message", big) }
    }

    @Test func hugeStringsAndDeepNestingWithinTheSizeLimit() {
        let deep = Array(repeating: UInt8(ascii: "["), count: 500_000) + Array(repeating: UInt8(ascii: "]"), count: 500_000)
        let deepObject = Array(String(repeating: #"{"a":"#, count: 100_000).utf8) + [UInt8(ascii: "1")] + Array(repeating: UInt8(ascii: "}"), count: 100_000)
        let hugeID = Array(#"{"EventType":"task.created","TaskSid":""#.utf8) + Array(repeating: UInt8(ascii: "W"), count: 900_000)
            + Array(#"","Timestamp":"1795510800","TaskChannelUniqueName":"voice","TaskAttributes":"{\"customer_id\":\"c\"}"}"#.utf8)
        for dialect in Dialect.allCases {
            expectDecodeError(dialect, "500 000 nested arrays", deep)
            expectDecodeError(dialect, "100 000 nested objects", deepObject)
        }
        expectDecodeError(.twilioTaskRouter, "a 900 kB task sid", hugeID)
    }

    @Test func randomBytesAreRefused() {
        var rng = SplitMix(seed: 42)
        for i in 0..<200 {
            let bytes = (0..<(1 + rng.below(512))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for dialect in Dialect.allCases where bytes.first != UInt8(ascii: "{") {
                expectDecodeError(dialect, "random bytes #\(i)", bytes)
            }
        }
    }

    @Test func theHostileRulesCorpusEndsInLocatedErrors() throws {
        for (name, bytes) in try Self.corpus("rules") {
            let clock = ContinuousClock()
            let started = clock.now
            let result = RulesParser.parse(yaml: String(decoding: bytes, as: UTF8.self), file: name)
            #expect(clock.now - started < .seconds(2), "\(name) took too long")
            guard case .failure(let e) = result else { Issue.record("\(name) parsed as valid rules"); continue }
            #expect(!e.errors.isEmpty, "\(name)")
            for err in e.errors { #expect(err.line >= 1 && err.column >= 1 && !err.message.isEmpty, "\(name): \(err)") }
        }
    }

    @Test func durationsThatOverflowAreRefusedNotTrapped() {
        #expect(DurationParser.parse("106751991167d100000h") == nil)   // each part fits, their sum does not
        #expect(DurationParser.parse("99999999999999999999s") == nil)
        #expect(DurationParser.parse("1h30m") == Duration(milliseconds: 5_400_000))
    }
}

/// Fuzzer findings in the canonical decoder, fixed: bounded ids and bounded error texts.
@Suite struct CanonicalDecoderLimits {
    static let valid = #"{"event_id":"e-1","type":"interaction.queued","occurred_at":"2026-11-24T09:00:00Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice"}"#

    /// The engine's duplicate filter keeps the last `duplicate_window` (100,000) ids, so a stream
    /// of 900 kB ids would pin ~100 GB: ids over 512 bytes are refused, as in the vendor dialects.
    @Test func aHugeEventIDShouldBeRefused() {
        let line = Self.valid.replacingOccurrences(of: #""e-1""#, with: "\"" + String(repeating: "e", count: 900_000) + "\"")
        #expect(EventDecoder().decode(line).decodeError?.field == "event_id")
    }

    /// Found by the fuzzer (seed 29): a non-string attribute with a long key gave an error whose
    /// `field` was `attributes.<the whole key>`, ~1 MB in the dead letter's header and the log.
    @Test func aLongAttributeKeyShouldNotMakeALongError() {
        let key = String(repeating: "k", count: 100_000)
        let line = Self.valid.replacingOccurrences(of: #""channel":"voice""#, with: #""channel":"voice","attributes":{""# + key + #"":1}"#)
        let error = EventDecoder().decode(line).decodeError
        #expect(error != nil)
        #expect((error?.description.utf8.count ?? 0) < 1024)
    }

    /// A transfer's queue becomes the interaction's queue in every later output: a megabyte of
    /// it made alerts Kafka refuses. Bounded as `queue` is, in the canonical contract and the dialects.
    @Test func aHugeTransferQueueIsRefused() throws {
        let huge = String(repeating: "q", count: EventDecoder.maxIDBytes + 1)
        let transfer = #"{"event_id":"e-2","type":"interaction.transferred","occurred_at":"2026-11-24T09:00:00Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","data":{"to_queue":"\#(huge)"}}"#
        #expect(EventDecoder().decode(transfer).decodeError == EventDecoder.tooLong("data.to_queue", huge.utf8.count))
        let longest = transfer.replacingOccurrences(of: huge, with: String(huge.dropLast()))
        #expect((try? EventDecoder().decode(longest).get())?.data.toQueue?.utf8.count == EventDecoder.maxIDBytes)
        let twilio = #"{"EventType":"task.transfer-initiated","TaskSid":"WT1","TaskChannelUniqueName":"voice","Timestamp":"1795510800","TransferTo":"WQ\#(huge)","TaskAttributes":"{\"customers\":{\"external_id\":\"crm-77\"}}"}"#
        let decoder = DialectDecoder(dialect: .twilioTaskRouter, customerKey: try CustomerKey(parsing: "TaskAttributes.customers.external_id"))
        #expect(decoder.decode(twilio).decodeError?.field == "data.to_queue")
    }

    /// An error quotes at most 64 Unicode scalars of a hostile value: counted in Characters,
    /// a letter followed by 200,000 combining marks was one, and its dead letter (reason in the
    /// value and in a header) went over the producer's limit and lost the original message.
    @Test func combiningMarksDoNotMakeALongError() throws {
        let marks = "x" + String(repeating: "\u{301}", count: 200_000)
        let sender = #"{"event_id":"e-1","type":"message.sent","occurred_at":"2026-11-24T09:00:00Z","interaction_id":"i-1","customer_id":"c-1","channel":"chat","data":{"sender":"\#(marks)","text":"hi"}}"#
        let attribute = Self.withAttributes(#""\#(marks)":1"#)
        let amazon = #"{"detail-type":"Amazon Connect Contact Event","time":"2026-11-24T09:00:00Z","detail":{"eventType":"INITIATED","contactId":"c1","channel":"\#(marks)","initiationMethod":"INBOUND","tags":{"customer_id":"k"}}}"#
        let amazonDecoder = DialectDecoder(dialect: .amazonConnect, customerKey: try CustomerKey(parsing: "tags.customer_id"))
        for (line, decoder, field) in [(sender, DialectDecoder(), "data.sender"), (attribute, DialectDecoder(), "attributes.x"), (amazon, amazonDecoder, "detail.channel")] {
            let error = try #require(decoder.decode(line).decodeError)
            #expect(error.field.map { $0.utf8.starts(with: field.utf8) } == true, "\(error.field ?? "-")")
            #expect(error.description.utf8.count < 1024, "\(error.field ?? "-"): \(error.description.utf8.count) bytes")
        }
        #expect(DecodeError.clip("short") == "short")
        #expect(DecodeError.clip(String(repeating: "é", count: 65)) == String(repeating: "é", count: 64) + "…")
    }

    /// An empty `to_queue` is no queue, as an empty `queue` is: it gave every later output of
    /// the interaction the queue "".
    @Test func anEmptyTransferQueueIsNoQueue() throws {
        let transfer = #"{"event_id":"e-2","type":"interaction.transferred","occurred_at":"2026-11-24T09:00:00Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","data":{"to_queue":""}}"#
        #expect(try EventDecoder().decode(transfer).get().data.toQueue == nil)
        let named = transfer.replacingOccurrences(of: #""to_queue":"""#, with: #""to_queue":"billing""#)
        #expect(try EventDecoder().decode(named).get().data.toQueue == "billing")
    }

    static func withAttributes(_ members: String) -> String {
        valid.replacingOccurrences(of: #""channel":"voice""#, with: #""channel":"voice","attributes":{"# + members + "}")
    }

    /// An interaction keeps its events' attributes and every alert about it carries them: 80,000
    /// of them in one message made alerts larger than Kafka accepts (retried for ever, holding the
    /// partition's commits). Past the limits an event is refused, with or without the cache.
    @Test func attributesPastTheirLimitsAreRefused() {
        func members(_ n: Int) -> String { (0..<n).map { #""a\#($0)":"v""# }.joined(separator: ",") }
        for cached in [nil, AttributeCache()] {
            func decode(_ line: String) -> Result<Event, DecodeError> { EventDecoder().decode(Array(line.utf8), cache: cached) }
            let atLimit = decode(Self.withAttributes(members(Attributes.maxCount)))
            #expect((try? atLimit.get())?.attributes.count == Attributes.maxCount)
            let tooMany = decode(Self.withAttributes(members(Attributes.maxCount + 1))).decodeError
            #expect(tooMany == DecodeError(field: "attributes", reason: "invalid value: more than \(Attributes.maxCount) members"))
            #expect(tooMany?.category == "invalid_value")
            let longName = String(repeating: "k", count: Attributes.maxKeyBytes + 1)
            #expect(decode(Self.withAttributes(#""\#(longName)":"v""#)).decodeError?.field == "attributes")
            let longValue = String(repeating: "é", count: Attributes.maxValueBytes / 2 + 1)   // two bytes each
            let error = decode(Self.withAttributes(#""tier":"\#(longValue)""#)).decodeError
            #expect(error == DecodeError(field: "attributes.tier", reason: "invalid value: \(Attributes.maxValueBytes + 2) bytes, longer than \(Attributes.maxValueBytes)"))
            let longest = String(repeating: "v", count: Attributes.maxValueBytes)
            #expect((try? decode(Self.withAttributes(#""tier":"\#(longest)""#)).get())?.attributes["tier"] == longest)
        }
    }

    /// Each event is bounded, but an interaction's events could bring new keys without end: an
    /// interaction keeps at most `maxCount`, and the keys it has still take new values.
    @Test func mergedAttributesStayWithinTheLimit() {
        var kept = Attributes()
        for batch in 0..<3 {
            var next = Attributes()
            for k in 0..<20 { next["b\(batch)-\(k)"] = "x" }
            kept.merge(next)
        }
        #expect(kept.count == Attributes.maxCount)
        #expect(kept["b2-0"] == nil, "a key past the limit was added")
        kept.merge(["b0-0": "changed"])
        #expect(kept["b0-0"] == "changed")
        #expect(kept.count == Attributes.maxCount)
    }
}

/// One customer key shared by thousands of interactions (a placeholder such as `anonymous`, or a
/// hostile sender) is bounded: every event of the key scanned all its interactions, and a late
/// start recounted every later one, so 40,000 starts took seconds and 4,000 in reverse order
/// half a minute.
@Suite struct SharedCustomerKeyTests {
    @Test func aCustomerKeepsItsMostRecentInteractionsAndStarts() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: again
                kind: pain
                when: { repeat_contact: { within: 30d, at_least: 2 } }
            """)
        var engine = Engine(rules: rules)
        var s = Script()
        s.customer = "anonymous"
        var out: [Output] = []
        for i in 1...1_005 {
            s.interaction = "i-\(i)"
            out += engine.run([s.at(Double(i), .interactionStarted)])
        }
        #expect(engine.openInteractions == CustomerState.maxInteractions)
        // The newest start counts itself and the 255 starts before it that are remembered.
        #expect(out.alerts.last?.moment.measures.first?.value == Double(CustomerState.maxStarts))
        #expect(engine.takeTallies().forgottenAtLimit == 5)
        // An event of a recent interaction finds it (no new state, nothing forgotten for it).
        s.interaction = "i-1005"
        #expect(engine.run([s.at(1_006, .agentConnected)]).isEmpty)
        #expect(engine.openInteractions == CustomerState.maxInteractions)
    }

    /// At the limit, ended interactions (kept only for late events) go first: the least recently
    /// active alone were the callers still waiting in queue, whose long waits were then lost.
    @Test func endedInteractionsAreForgottenBeforeWaitingOnes() throws {
        let rules = try Fixtures.rules("""
            moments:
              - id: long-wait
                kind: pain
                when: { wait: { from: interaction.queued, until: agent.connected, longer_than: 120s } }
            """)
        var engine = Engine(rules: rules)
        var s = Script()
        s.customer = "anonymous"
        // The waiting callers first: the least recently active, which the first form forgot.
        var out: [Output] = []
        for i in 1...600 {
            s.interaction = "waiting-\(i)"
            out += engine.run([s.at(Double(i) / 100, .interactionQueued)])
        }
        for i in 1...500 {
            s.interaction = "done-\(i)"
            _ = engine.run([s.at(10 + Double(i) / 100, .interactionStarted), s.at(10 + Double(i) / 100, .interactionEnded, data: EventData(reason: "resolved"))])
        }
        #expect(engine.takeTallies().forgottenAtLimit == 100)
        out += engine.advance(to: s.time(200))
        #expect(out.alerts.count == 600, "\(out.alerts.count) long waits of 600 callers waiting")
    }
}
