import Foundation
import Testing
@testable import MomentsCore

/// The attribute cache may only save work: every event decoded with it must equal the event
/// decoded without it, whatever the objects, their order and the cache's size.
@Suite struct AttributeCacheTests {
    let decoder = EventDecoder()

    func event(_ i: Int, attributes: String) -> [UInt8] {
        Array(#"{"event_id":"e-\#(i)","type":"hold.started","occurred_at":"2026-11-24T09:00:00Z","interaction_id":"i-\#(i % 7)","customer_id":"c","channel":"voice","attributes":\#(attributes)}"#.utf8)
    }

    /// The reference stream (its bad lines too), then objects written in other spellings
    /// (escapes, duplicate keys, another order, non-ASCII), each decoded twice through one cache.
    @Test func decodingThroughTheCacheGivesTheSameEvents() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/reference-stream.jsonl")
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { Array($0.utf8) }
        let objects = [
            #"{"tier":"gold","language":"en"}"#, #"{"language":"en","tier":"gold"}"#, #"{"tier":"go\u006cd","language":"en"}"#,
            #"{"tier":"silver","tier":"gold"}"#, #"{"région":"île","tier":"gold"}"#, #"{}"#, #"{ "tier" : "gold" }"#,
        ]
        for (i, o) in objects.enumerated() { lines.append(event(i, attributes: o)) }
        for capacity in [1, 8, 2048] {
            let cache = AttributeCache(capacity: capacity)
            var missesAfterFirstPass = 0
            for (n, line) in (lines + lines).enumerated() {
                if n == lines.count { missesAfterFirstPass = cache.misses }
                let plain = decoder.decode(line), cached = decoder.decode(line, cache: cache)
                #expect(cached == plain)
                if case .success(let p) = plain, case .success(let c) = cached {
                    #expect(c.attributes.map { "\($0.key)=\($0.value)" } == p.attributes.map { "\($0.key)=\($0.value)" })
                }
            }
            // Large enough to hold every object: the second pass finds them all.
            if capacity == 2048 { #expect(cache.misses == missesAfterFirstPass && cache.hits > 20) }
        }
    }

    /// A hit is looked up by the bytes up to the object's first closing brace. Where that brace
    /// is inside a string or closes a nested object, those bytes are no whole object: the event
    /// is parsed in full every time and decodes (or fails) exactly as without the cache.
    @Test func objectsNotEndingAtTheirFirstBraceAreParsedInFull() {
        let cache = AttributeCache()
        let objects = [
            #"{"note":"a}b","tier":"gold"}"#, #"{"tier":"gold","note":"}"}"#, #"{"note":"\"}","tier":"gold"}"#,
            #"{"tier":{"level":"gold"}}"#, #"{"tier":"gold"}"#,
        ]
        for round in 0..<3 {
            for (i, o) in objects.enumerated() {
                let line = event(i, attributes: o)
                #expect(decoder.decode(line, cache: cache) == decoder.decode(line), "round \(round): \(o)")
            }
        }
        // Only the last object ends at its first brace; its repeats are the only hits.
        #expect(cache.hits == 2)
        if case .success(let e) = decoder.decode(event(0, attributes: objects[0]), cache: cache) {
            #expect(e.attributes["note"] == "a}b" && e.attributes["tier"] == "gold")
        } else {
            Issue.record("did not decode an object with a brace in a value")
        }
    }

    /// A one-slot cache: objects that share a slot replace each other, never answer for each other.
    @Test func objectsSharingASlotAreToldApart() throws {
        let cache = AttributeCache(capacity: 1)
        let gold = event(1, attributes: #"{"tier":"gold"}"#), silver = event(2, attributes: #"{"tier":"silver"}"#)
        for _ in 0..<3 {
            #expect(try decoder.decode(gold, cache: cache).get().attributes["tier"] == "gold")
            #expect(try decoder.decode(silver, cache: cache).get().attributes["tier"] == "silver")
        }
        #expect(cache.hits == 0)
    }

    /// A bad value is reported as without the cache, and never stored.
    @Test func aBadValueIsAnErrorWithTheCacheToo() {
        let cache = AttributeCache()
        let bad = event(1, attributes: #"{"tier":3}"#)
        for _ in 0..<2 {
            guard case .failure(let error) = decoder.decode(bad, cache: cache) else { Issue.record("decoded a number attribute"); return }
            #expect(decoder.decode(bad) == .failure(error))
            #expect(error.field == "attributes.tier")
        }
        #expect(cache.hits == 0)
    }

    /// Objects that never repeat (a request id in each) pause storing after a window of misses,
    /// so they stop costing an insertion each; an object seen during the pause is not kept.
    @Test func missesPauseStoring() throws {
        let cache = AttributeCache()
        for i in 0..<AttributeCache.windowLength { _ = try decoder.decode(event(i, attributes: #"{"request":"r-\#(i)"}"#), cache: cache).get() }
        let repeated = event(0, attributes: #"{"tier":"gold"}"#)
        _ = try decoder.decode(repeated, cache: cache).get()
        _ = try decoder.decode(repeated, cache: cache).get()
        #expect(cache.hits == 0)
        // A cache that is not paused keeps it.
        let fresh = AttributeCache()
        _ = try decoder.decode(repeated, cache: fresh).get()
        _ = try decoder.decode(repeated, cache: fresh).get()
        #expect(fresh.hits == 1)
    }
}
