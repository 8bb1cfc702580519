import Foundation
import Testing
@testable import MomentsCore

/// The scan's fast path for members in the contract's order (`EventScanner.contractOrderPrefix`)
/// against the general loop it stands in front of: the same events, and the same errors at the
/// same offsets, for the contract's documents and for every truncation, replaced byte and
/// inserted byte of them.
@Suite struct ContractOrderScanTests {
    let fast = EventDecoder()
    var general: EventDecoder {
        var d = EventDecoder()
        d.readsContractOrderFirst = false
        return d
    }

    /// Whitespace outside strings removed, as producers write events (the examples are indented).
    static func compact(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [], inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 {
                continue
            }
            out.append(b)
        }
        return out
    }

    /// The contract's example events, compact: each has the ten members in the contract's order.
    static func examples() throws -> [[UInt8]] {
        let dir = Fixtures.root.appendingPathComponent("schemas/examples/event")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().filter { $0.hasSuffix(".json") }.map {
            compact([UInt8](try Data(contentsOf: dir.appendingPathComponent($0))))
        }
    }

    /// How many members the scan read in the contract's order, or nil when it threw.
    func membersReadInOrder(_ text: String) -> Int? {
        Array(text.utf8).withUnsafeBufferPointer { buf in
            var lexer = JSONLexer(buf: buf, maxDepth: 32), found = EventScanner.Found()
            return try? EventScanner.scan(&lexer, into: &found)
        }
    }

    @Test func documentsInTheContractsOrderAreReadByTheFastPath() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 12)
        let contract = ["event_id", "type", "occurred_at", "interaction_id", "customer_id", "channel", "queue", "agent_id", "data", "attributes"]
        var whole = 0
        for doc in examples {
            guard case .object(let members) = try JSONParser.parse(doc) else { Issue.record("not an object"); continue }
            // As many as begin the document in the contract's order (one example stops after `channel`).
            let leading = zip(members, contract).prefix { $0.0.0 == $0.1 }.count
            #expect(membersReadInOrder(String(decoding: doc, as: UTF8.self)) == leading)
            if leading == 10 { whole += 1 }
            #expect(try fast.decode(doc).get() == general.decode(doc).get())
        }
        #expect(whole >= 12)
        let head = #"{"event_id":"e-1","type":"hold.started","occurred_at":"2026-11-24T10:00:00Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice""#
        // It stops at the first member that is not the next of the contract's, and the general loop reads the rest.
        #expect(membersReadInOrder(head + #","queue":"q","data":{},"agent_id":"a-1"}"#) == 7)
        #expect(membersReadInOrder(head + #","queue":"q","agent_id":"a-1", "data":{}}"#) == 8)
        #expect(membersReadInOrder(head + "}") == 6)
        #expect(membersReadInOrder(#"{"type":"hold.started","event_id":"e-1"}"#) == 0)
        #expect(membersReadInOrder(#"{ "event_id":"e-1"}"#) == 0)
        #expect(membersReadInOrder(#"{"event_id": "e-1"}"#) == 0)
        #expect(membersReadInOrder(#"{"event\u005fid":"e-1"}"#) == 0)
        // A member name that only starts like the next one is not it.
        #expect(membersReadInOrder(#"{"event_id":"e-1","types":"x"}"#) == 1)
        let moved = head + #","queue":"q","agent_id":"a-1","data":{},"attributes":{"tier":"gold"},"event_id":"e-2"}"#
        #expect(membersReadInOrder(moved) == 10)
        // A member given twice is refused on either path (until 2026-12-07 the first one won).
        #expect(fast.decode(moved).decodeError == DecodeError(field: "event_id", reason: EventDecoder.givenTwice))
        #expect(general.decode(moved).decodeError == fast.decode(moved).decodeError)
    }

    /// Every truncation of every example, every byte replaced by ones that matter to JSON, and
    /// a byte inserted at every position: both ways decode alike, through a cache or without.
    @Test func theFastPathDecodesAsTheGeneralLoopDoes() throws {
        let replacements: [UInt8] = [0x20, 0x0A, 0x01, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x2C, 0x3A, 0x6E, 0x30, 0x78, 0xC3, 0xFF]
        let fastCache = AttributeCache(capacity: 16), generalCache = AttributeCache(capacity: 16)
        var compared = 0, differences: [String] = []
        func compare(_ input: [UInt8]) {
            compared += 1
            let a = fast.decode(input), b = general.decode(input)
            if a != b { differences.append("\(String(decoding: input, as: UTF8.self)): \(a) against \(b)") }
            if fast.decode(input, cache: fastCache) != general.decode(input, cache: generalCache) {
                differences.append("through caches: \(String(decoding: input, as: UTF8.self))")
            }
        }
        for doc in try Self.examples() {
            for n in 0...doc.count { compare(Array(doc[..<n])) }
            for i in doc.indices {
                for r in replacements where r != doc[i] {
                    var changed = doc
                    changed[i] = r
                    compare(changed)
                }
                var inserted = doc
                inserted.insert(0x20, at: i)
                compare(inserted)
                var deleted = doc
                deleted.remove(at: i)
                compare(deleted)
            }
        }
        #expect(compared > 25_000)
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    /// At depths of 1 and 2 the fast path itself meets the limit, inside `data` and
    /// `attributes`: the same error at the same byte as the general loop, for every truncation.
    @Test func shallowLimitsFailAlikeOnEitherPath() throws {
        for depth in [1, 2] {
            var limits = JSONParser.Limits()
            limits.maxDepth = depth
            let shallowFast = EventDecoder(limits: limits)
            var shallowGeneral = shallowFast
            shallowGeneral.readsContractOrderFirst = false
            var failed = 0
            for doc in try Self.examples() {
                for n in 0...doc.count {
                    let input = Array(doc[..<n])
                    let a = shallowFast.decode(input)
                    #expect(a == shallowGeneral.decode(input), "depth \(depth): \(String(decoding: input, as: UTF8.self))")
                    if case .failure(let e) = a, e.reason.contains("nesting deeper") { failed += 1 }
                }
            }
            if depth == 1 { #expect(failed > 0, "no example reached the depth limit") }
        }
    }

    @Test func aLimitOfNoDepthRefusesTheObjectOnEitherPath() throws {
        let doc = try #require(try Self.examples().first)
        var limits = JSONParser.Limits()
        limits.maxDepth = 0
        let shallowFast = EventDecoder(limits: limits)
        var shallowGeneral = shallowFast
        shallowGeneral.readsContractOrderFirst = false
        guard case .failure(let e) = shallowFast.decode(doc) else { Issue.record("accepted"); return }
        #expect(e.reason.contains("nesting deeper than 0"))
        #expect(shallowFast.decode(doc) == shallowGeneral.decode(doc))
    }
}
