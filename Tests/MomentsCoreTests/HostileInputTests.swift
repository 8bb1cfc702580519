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
        #expect(DurationParser.parse("100000000000d100000000000d") == nil)
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
}
