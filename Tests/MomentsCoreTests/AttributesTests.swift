import Testing
@testable import MomentsCore

/// Attributes are sorted UTF-8 bytes, built by the decoder in document order and sorted once:
/// whichever way they are built, they must behave as the sorted dictionary they stand for.
@Suite struct AttributesTests {
    func decoded(_ attributes: String) throws -> Attributes {
        let json = #"{"event_id":"e-1","type":"interaction.started","occurred_at":"2026-11-24T09:00:00Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","attributes":"#
            + attributes + "}"
        return try EventDecoder().decode(json).get().attributes
    }

    @Test func pairsOutOfOrderIterateSortedByKey() throws {
        let a = try decoded(#"{"tier":"gold","language":"de","region":"dach","segment":"business","site":"berlin"}"#)
        #expect(a.keys == ["language", "region", "segment", "site", "tier"])
        #expect(a.map(\.value) == ["de", "dach", "business", "berlin", "gold"])
        #expect(a["tier"] == "gold")
        #expect(a["absent"] == nil)
        #expect(a.count == 5)
    }

    @Test func laterDuplicatesWin() throws {
        let a = try decoded(#"{"b":"1","a":"2","b":"3","c":"4","a":"5"}"#)
        #expect(a == ["a": "5", "b": "3", "c": "4"])
        #expect(a.count == 3)
        let inOrder = try decoded(#"{"a":"1","a":"2"}"#)
        #expect(inOrder == ["a": "2"])
        var literal: Attributes = ["x": "1", "x": "2"]
        #expect(literal["x"] == "2" && literal.count == 1)
        literal["x"] = nil
        #expect(literal.isEmpty)
    }

    @Test func escapedKeysAndValuesKeepTheirDecodedText() throws {
        let a = try decoded(#"{"t\u0069er":"g\"old","x\ny":"\u00fc 😀","plain":"caf\u00e9"}"#)
        #expect(a["tier"] == "g\"old")
        #expect(a["x\ny"] == "ü 😀")
        #expect(a["plain"] == "café")
        #expect(a.keys == ["plain", "tier", "x\ny"])
    }

    @Test func equalWhicheverWayBuilt() throws {
        let fromDocument = try decoded(#"{"tier":"gold","language":"de","region":"dach"}"#)
        let fromLiteral: Attributes = ["region": "dach", "tier": "gold", "language": "de"]
        let fromDictionary = Attributes(["language": "de", "region": "dach", "tier": "gold"])
        var bySubscript = Attributes()
        bySubscript["tier"] = "silver"
        bySubscript["region"] = "dach"
        bySubscript["language"] = "de"
        bySubscript["tier"] = "gold"
        for other in [fromLiteral, fromDictionary, bySubscript] {
            #expect(fromDocument == other)
            #expect(fromDocument.description == other.description)
        }
        #expect(fromDocument.description == "[language: de, region: dach, tier: gold]")
        bySubscript["tier"] = "gold-plus"
        #expect(fromDocument != bySubscript)
        #expect(fromDocument != ["language": "de", "region": "dach"])
    }

    @Test func keysAreTheSameKeysAsStrings() throws {
        // "é" precomposed and decomposed are equal Strings, so one key, as in a dictionary.
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        var a: Attributes = [composed: "1"]
        #expect(a[decomposed] == "1")
        a[decomposed] = "2"
        #expect(a.count == 1 && a.keys == [composed] && a[composed] == "2")
        let b: Attributes = [decomposed: "2"]
        #expect(a == b)
        let c: Attributes = [composed: "caf\u{E9}", decomposed: "x"]
        #expect(c.count == 1 && c[composed] == "x")
        // Sorted as Strings sort: byte order for ASCII, scalar order beyond.
        let mixed: Attributes = ["é": "1", "Z": "2", "_": "3", "a": "4", "ab": "5", "": "6"]
        #expect(mixed.keys == ["", "Z", "_", "a", "ab", "é"])
    }

    /// Names equal as Strings are one name whatever their order in the event: Swift's `String <`
    /// orders neither way "e\u{301}" and "\u{e9}a", so the sort left the two spellings of "é"
    /// apart, kept the name twice (the first value read back) and the order of the members
    /// decided which attributes an event had.
    @Test func equalNamesAreOneNameInAnyOrder() throws {
        let orders = [
            #"{"\u00e9":"1","\u00e9a":"2","e\u0301":"3"}"#,
            #"{"\u00e9":"1","e\u0301":"3","\u00e9a":"2"}"#,
            #"{"e\u0301":"0","\u00e9a":"2","\u00e9":"3"}"#,
            #"{"\u00e9a":"2","\u00e9":"1","e\u0301":"3"}"#,
        ]
        let decoded = try orders.map { try self.decoded($0) }
        for a in decoded {
            #expect(a.count == 2, "\(a)")
            #expect(a["é"] == "3" && a["e\u{301}"] == "3" && a["éa"] == "2", "\(a)")
            #expect(a == decoded[0])
        }
        let strings = Attributes(strings: [("cafe\u{301}", "1"), ("caf\u{e9}s", "2"), ("caf\u{e9}", "3")])
        #expect(strings.count == 2 && strings["café"] == "3")
        // Equal as Strings by the standard library's tables, newer than Foundation's: one name.
        let newer = Attributes(strings: [("\u{16D68}", "1"), ("\u{16D67}\u{16D67}", "2")])
        #expect(newer.count == 1 && newer["\u{16D68}"] == "2")
    }

    @Test func setterInsertsReplacesAndRemovesInPlace() {
        var a: Attributes = ["b": "2", "d": "4"]
        a["c"] = "3"; a["a"] = "1"; a["e"] = "5"
        #expect(a.keys == ["a", "b", "c", "d", "e"])
        let long = String(repeating: "v", count: 300)   // a length of two LEB128 bytes
        a["c"] = long
        #expect(a["c"] == long && a["d"] == "4")
        a["c"] = "short"
        #expect(a["c"] == "short")
        a["a"] = nil; a["e"] = nil; a["zz"] = nil
        #expect(a == ["b": "2", "c": "short", "d": "4"])
    }

    @Test func longAndNonASCIITextRoundTrips() throws {
        // The longest name an event may carry, and a value of 200 bytes (a two-byte length).
        let key = String(repeating: "k", count: Attributes.maxKeyBytes), value = String(repeating: "ü", count: 100)
        let a = try decoded(#"{"\#(key)":"\#(value)","a":"sixteen bytes..."}"#)
        #expect(a[key] == value)
        #expect(a["a"] == "sixteen bytes...")
        #expect(a == [key: value, "a": "sixteen bytes..."])
    }

    @Test func mergeWritesOnlyWhatDiffers() {
        var state = Attributes()
        state.merge(["tier": "gold", "language": "de"])
        #expect(state == ["tier": "gold", "language": "de"])
        state.merge([:])
        #expect(state.count == 2)
        state.merge(["language": "en", "region": "emea"])
        #expect(state == ["tier": "gold", "language": "en", "region": "emea"])
        state.merge(["tier": "gold", "language": "en", "region": "emea"])
        #expect(state.keys == ["language", "region", "tier"])
    }

    @Test func manyPairsInAnyOrderAgreeWithADictionary() throws {
        var seed: UInt64 = 11
        var reference: [String: String] = [:]
        var members: [String] = []
        // As many members as an event may carry, with repeated keys (later ones win).
        for n in 0..<Attributes.maxCount {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let key = "k\(Int(seed >> 33) % 20)", value = "v\(n)"
            reference[key] = value
            members.append(#""\#(key)":"\#(value)""#)
        }
        let a = try decoded("{" + members.joined(separator: ",") + "}")
        #expect(a.count == reference.count)
        #expect(a.keys == reference.keys.sorted())
        for (k, v) in reference { #expect(a[k] == v) }
        #expect(a == Attributes(reference))
    }
}
