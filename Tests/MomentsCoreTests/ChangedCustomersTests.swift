import Testing
@testable import MomentsCore

/// The changed-customers set must answer as the `Set<String>` and array it replaced: each
/// customer once, in the order of its first change, through growth and checkpoints.
@Suite struct ChangedCustomersTests {
    /// Ids of several lengths (inline Strings and longer ones), non-ASCII and empty.
    func id(_ n: Int) -> String {
        switch n % 4 {
        case 0: return "c-\(n)"
        case 1: return "customer-with-a-long-id-\(n)"
        case 2: return "kündin-\(n)"
        default: return n % 1000 == 3 ? "" : String(n, radix: 36)
        }
    }

    @Test(arguments: [1, 7, 20261207] as [UInt64])
    func answersAsASetAndAnOrderThroughCheckpoints(seed: UInt64) {
        var changed = ChangedCustomers(seed: seed)
        var reference = Set<String>(), order: [String] = []
        var rng = SplitMix(seed: seed)
        for round in 0..<6 {
            // Each round a checkpoint's worth of traffic: many repeats, ids old and new.
            for _ in 0..<(round == 2 ? 40_000 : 3_000) {
                let key = id(rng.below(25_000))
                let inserted = changed.insert(key)
                #expect(inserted == reference.insert(key).inserted)
                if inserted { order.append(key) }
            }
            #expect(changed.inOrder == order)
            #expect(changed.count == reference.count)
            for probe in 0..<200 { #expect(changed.contains(id(probe)) == reference.contains(id(probe))) }
            changed.removeAll()
            reference.removeAll()
            order.removeAll()
            #expect(changed.isEmpty && !changed.contains(id(0)))
        }
    }

    /// Two ids whose 32-bit tags are equal (found by search under a fixed seed) are kept
    /// apart: the tag only says where to look.
    @Test func idsSharingATagStayApart() throws {
        let seed: UInt64 = 42
        var seen: [UInt32: String] = [:]
        var pair: (String, String)?
        for n in 0..<400_000 {
            let key = "c-\(n)"
            let tag = UInt32(truncatingIfNeeded: key.withUTF8Bytes { CustomerTable.hash($0, seed: seed) } >> 32)
            if let other = seen[tag] { pair = (other, key); break }
            seen[tag] = key
        }
        let (a, b) = try #require(pair)
        var changed = ChangedCustomers(seed: seed)
        let first = changed.insert(a)
        #expect(first)
        #expect(!changed.contains(b))
        let second = changed.insert(b)
        let again = [changed.insert(a), changed.insert(b)]
        #expect(second && again == [false, false])
        #expect(changed.inOrder == [a, b])
    }

    /// After a checkpoint of a full snapshot's size (the table grown large), a small one is
    /// cleared slot by slot: nothing of it may be left behind.
    @Test func aSmallSetInALargeTableIsClearedWhole() {
        var changed = ChangedCustomers(seed: 3)
        for n in 0..<10_000 { changed.insert(id(n)) }
        changed.removeAll()
        for round in 0..<50 {
            let keys = (0..<20).map { id(round * 37 + $0 * 1_009) }
            for k in keys { changed.insert(k) }
            #expect(changed.inOrder == keys)
            changed.removeAll()
            #expect(changed.isEmpty)
            #expect(keys.allSatisfy { !changed.contains($0) })
        }
    }

    /// The engine marks the customer of every event, once per checkpoint, in first-change order.
    @Test func theEngineHandsOverEachChangedCustomerOnceInOrder() throws {
        var engine = Engine(rules: try Fixtures.defaultRules())
        engine.tracksChanges = true
        let start = Timestamp(milliseconds: 1_764_000_000_000)
        for (n, customer) in ["c-2", "c-1", "c-2", "c-3", "c-1"].enumerated() {
            _ = engine.process(Event(
                eventID: "e-\(n)", type: .interactionStarted, occurredAt: start + .seconds(Int64(n)), interactionID: "i-\(n)",
                customerID: customer, channel: .voice))
        }
        #expect(engine.takeChangedStates().map(\.customer) == ["c-2", "c-1", "c-3"])
        #expect(engine.takeChangedStates().isEmpty)
        _ = engine.process(Event(
            eventID: "e-9", type: .interactionStarted, occurredAt: start + .seconds(9), interactionID: "i-9", customerID: "c-1", channel: .voice))
        #expect(engine.takeChangedStates().map(\.customer) == ["c-1"])
    }
}
