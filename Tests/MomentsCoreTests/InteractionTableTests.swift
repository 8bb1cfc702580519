import Testing
@testable import MomentsCore

/// `InteractionTable` keeps positions by id past `indexedFrom` interactions: whatever is put,
/// moved out and back, replaced or removed, it finds what a dictionary would.
@Suite struct InteractionTableTests {
    @Test func findsWhatADictionaryWouldAcrossTheIndexThreshold() {
        var table = InteractionTable()
        var model: [String: Int64] = [:]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {   // deterministic, so a failure repeats
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(n))
        }
        for step in 0..<20_000 {
            // Half way, all but ten go: the table falls below the threshold and is searched again.
            if step == 10_000 {
                for n in 10..<60 { #expect(table.removeValue(forKey: "i-\(n)")?.lastEventAt.milliseconds == model.removeValue(forKey: "i-\(n)")) }
            }
            let id = "i-\(next(step < 10_000 ? 60 : 10))"
            let t = Timestamp(milliseconds: Int64(step))
            switch next(4) {
            case 0:   // an event: moved out, updated, put back, or a new interaction
                if table.moveToEnd(id) {
                    var ix = table.removeLast()
                    ix.lastEventAt = t
                    table.put(ix)
                } else {
                    table.put(InteractionState(id: id, customerID: "c", channel: .voice, at: t))
                }
                model[id] = t.milliseconds
            case 1:
                #expect(table.removeValue(forKey: id)?.lastEventAt.milliseconds == model.removeValue(forKey: id))
            case 2:
                if model[id] != nil {
                    var ix = table[id]!
                    ix.lastEventAt = t
                    table[id] = ix
                    model[id] = t.milliseconds
                } else {
                    table[id] = nil
                }
            default:
                #expect(table.read(id, { $0.lastEventAt.milliseconds }) == model[id])
            }
            #expect(table.count == model.count)
        }
        var seen: [String: Int64] = [:]
        table.forEachByID { seen[$0.id] = $0.lastEventAt.milliseconds }
        #expect(seen == model)
    }

    /// An interaction's state is moved in and out of its table at every event and is most of an
    /// open interaction's memory: a field added in the wrong place (a byte after a time, an
    /// optional time before one) makes every copy larger. 184 bytes since 2026-12-07, with the
    /// queue's and agent's times (192 without them, before the fields were ordered to pack).
    @Test func anInteractionsStateStaysPacked() {
        #expect(MemoryLayout<InteractionState>.stride <= 184)
    }
}
