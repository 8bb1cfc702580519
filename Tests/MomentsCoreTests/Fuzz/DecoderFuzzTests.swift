import Foundation
import Testing
@testable import MomentsCore

/// Mutated vendor and canonical messages: every input ends in events that keep the contract,
/// or a DecodeError; never a crash, a hang, or a different answer the second time.
@Suite struct DecoderFuzzTests {
    static let dictionary = [
        "\"", "\\", "{", "}", "[", "]", ":", ",", "null", "true", "\"\"", "{}", "[]", "\"\\ud800\"", "\"\\u0000\"",
        "\"2999-01-01T00:00:00Z\"", "\"1970-01-01T00:00:00Z\"", "\"2026-11-24T09:00:00.000+14:00\"", "1795510800000", "\"1795510800\"",
        "\"TRANSFER\"", "\"ABANDONED\"", "\"DISCONNECTED\"", "\"CONNECTED_TO_AGENT\"", "\"QUEUED\"", "\"INITIATED\"", "\"VOICE\"", "\"TASK\"",
        "\"task.canceled\"", "\"task.completed\"", "\"reservation.accepted\"", "\"task-queue.entered\"", "\"acd.end\"", "\"user.end\"",
        "\"v2.detail.events.conversation.x.customer.end\"", "\"Contact Lens Realtime Rules Matched\"", "\"{\\\"customer_id\\\":1}\"",
        "\"nextContactId\":\"n\",", "\"previousContactId\":\"p\",", "\"interaction.ended\"", "\"sentiment.scored\"", "\"score\":-1e999,",
    ]

    static func seeds(_ dialect: Dialect) throws -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        if dialect == .canonical {
            let dir = Fixtures.root.appendingPathComponent("schemas/examples/event")
            for f in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where f.hasSuffix(".json") {
                seeds.append([UInt8](try Data(contentsOf: dir.appendingPathComponent(f))))
            }
            // Compact too, as producers write them: those reach the scan's contract-order path.
            seeds += try ContractOrderScanTests.examples()
        } else {
            for f in try DialectExamples.files(dialect) { seeds.append(try DialectExamples.bytes(dialect, f)) }
        }
        // The hostile corpus too: mutations of near-misses reach the error paths.
        let hostile = Fixtures.root.appendingPathComponent("Tests/Fixtures/hostile/\(dialect.rawValue)")
        for f in try FileManager.default.contentsOfDirectory(atPath: hostile.path).sorted() where f.hasSuffix(".json") {
            let bytes = [UInt8](try Data(contentsOf: hostile.appendingPathComponent(f)))
            if bytes.count <= 64 * 1024 { seeds.append(bytes) }
        }
        return seeds
    }

    func run(_ dialect: Dialect) throws {
        let decoders = [DialectDecoder(dialect: dialect)] + (dialect == .canonical ? [] : [DialectDecoder(dialect: dialect, customerKey: .messageKey)])
        var n = 0
        // One small cache for the whole run, as a partition has one: mutated objects share its
        // slots, and a decode through it must give what a decode without it gives.
        let cache = AttributeCache(capacity: 64)
        var general = EventDecoder()
        general.readsContractOrderFirst = false
        let tried = fuzz("decoder-\(dialect)", seeds: try Self.seeds(dialect), dictionary: Self.dictionary) { input in
            n += 1
            let decoder = decoders[n % decoders.count]
            let result = decoder.decode(input, key: Array("cust-key".utf8))
            if n % 16 == 0, decoder.decode(input, key: Array("cust-key".utf8)) != result { return "two decodes of the same bytes differ" }
            if decoder.decode(input, key: Array("cust-key".utf8), cache: cache) != result { return "a decode through the attribute cache differs" }
            if dialect == .canonical, general.decode(input).map({ [$0] }) != result { return "the scan's contract-order path and its general loop differ" }
            switch result {
            case .success(let events):
                for e in events { if let v = ContractCheck.violations(e) { return v } }
            case .failure(let e):
                if e.reason.isEmpty { return "a DecodeError without a reason" }
                // The canonical decoder's long errors are a known issue for the lead (CanonicalDecoderKnownIssues).
                if dialect != .canonical, e.description.utf8.count > 4096 { return "a DecodeError of \(e.description.utf8.count) bytes (reasons must stay short)" }
            }
            return nil
        }
        #expect(tried > 100, "the fuzzer tried only \(tried) inputs")
    }

    @Test func canonical() throws { try run(.canonical) }
    @Test func amazonConnect() throws { try run(.amazonConnect) }
    @Test func genesysCloud() throws { try run(.genesysCloud) }
    @Test func twilioTaskRouter() throws { try run(.twilioTaskRouter) }
}
