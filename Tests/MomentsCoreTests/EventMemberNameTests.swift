import Testing
@testable import MomentsCore

/// The scanner reads plainly written top-level names by comparing bytes with literal words
/// (`EventScanner.plainTopLevelMember`). Every literal must be exactly its name: a wrong one
/// would send a member to another field or none.
@Suite struct EventMemberNameTests {
    let names: [(String, EventScanner.TopLevelMember)] = [
        ("event_id", .eventID), ("type", .type), ("occurred_at", .occurredAt), ("interaction_id", .interactionID),
        ("customer_id", .customerID), ("channel", .channel), ("queue", .queue), ("agent_id", .agentID),
        ("data", .data), ("attributes", .attributes),
    ]

    /// What the fast path makes of `text` (padded so that sixteen bytes are there).
    func plain(_ text: String) -> (member: EventScanner.TopLevelMember, length: Int)? {
        let bytes = Array((text + String(repeating: " ", count: 16)).utf8)
        return bytes.withUnsafeBufferPointer { EventScanner.plainTopLevelMember($0, at: 0) }
    }

    @Test func everyNameIsRecognizedWithItsLength() {
        for (name, member) in names {
            let found = plain("\"\(name)\":1")
            #expect(found?.member == member, "\(name)")
            #expect(found?.length == name.utf8.count + 2, "\(name)")
        }
    }

    /// One byte longer, shorter, changed or in another case: not this name, and not another.
    @Test func nearMissesAreNotRecognized() {
        for (name, _) in names {
            let variants = [name + "x", String(name.dropLast()), String(name.dropLast()) + "X", name.uppercased(), "x" + name]
            for v in variants { #expect(plain("\"\(v)\":1") == nil, "\(v)") }
        }
        #expect(plain("type\":1") == nil)   // no opening quote
    }

    /// Fewer than sixteen bytes left: the general path reads the name.
    @Test func shortInputIsLeftToTheGeneralPath() {
        let bytes = Array(#""type":1}"#.utf8)
        #expect(bytes.withUnsafeBufferPointer { EventScanner.plainTopLevelMember($0, at: 0) } == nil)
    }

    /// The same event with every name written plainly and with escapes (which only the general
    /// path reads) decodes alike, and so does one whose names end the input early.
    @Test func plainAndEscapedNamesDecodeAlike() throws {
        func document(_ spell: (String) -> String) -> String {
            let members = [
                ("event_id", #""e-1""#), ("type", #""message.sent""#), ("occurred_at", #""2026-11-24T09:00:00Z""#),
                ("interaction_id", #""i-1""#), ("customer_id", #""c-1""#), ("channel", #""chat""#), ("queue", #""billing""#),
                ("agent_id", #""a-7""#), ("data", #"{"sender":"customer","text":"hi"}"#), ("attributes", #"{"tier":"gold"}"#),
            ]
            return "{" + members.map { "\"\(spell($0.0))\":\($0.1)" }.joined(separator: ",") + "}"
        }
        let plainEvent = try EventDecoder().decode(document { $0 }).get()
        let escaped = try EventDecoder().decode(document { "\\u00" + String($0.utf8.first!, radix: 16) + $0.dropFirst() }).get()
        #expect(plainEvent == escaped)
        #expect(plainEvent.queue == "billing" && plainEvent.agentID == "a-7" && plainEvent.attributes["tier"] == "gold")
    }
}

/// The members of `data` read by comparing their plainly written names, with quotes and colon,
/// with literals (`EventScanner.plainDataMember`): every literal is exactly its name, and
/// anything else leaves the lexer where it was for the general path.
@Suite struct DataMemberNameTests {
    let names: [(String, EventScanner.DataMember)] = [
        ("to_queue", .toQueue), ("to", .to), ("sender", .sender), ("text", .text), ("score", .score),
        ("flag", .flag), ("source", .source), ("reason", .reason), ("csat", .csat),
    ]

    /// What the fast path makes of `text`, and where it leaves the lexer.
    func plain(_ text: String) -> (member: EventScanner.DataMember?, at: Int) {
        Array(text.utf8).withUnsafeBufferPointer { buf in
            var lx = JSONLexer(buf: buf, maxDepth: 32)
            let member = EventScanner.plainDataMember(&lx)
            return (member, lx.i)
        }
    }

    @Test func everyNameIsRecognizedAndSteppedOverUpToItsValue() {
        for (name, member) in names {
            let found = plain("\"\(name)\":1}")
            #expect(found.member == member, "\(name)")
            #expect(found.at == name.utf8.count + 3, "\(name)")
        }
    }

    /// One byte longer, shorter, changed or in another case, whitespace before the value, no
    /// value, an escape: not recognized, and the lexer unmoved.
    @Test func anythingElseIsLeftToTheGeneralPath() {
        for (name, _) in names {
            let variants = [
                "\"\(name)x\":1", "\"\(name.dropLast())\":1", "\"\(name.dropLast())X\":1", "\"\(name.uppercased())\":1",
                "\"x\(name)\":1", "\"\(name)\": 1", "\"\(name)\":", "\"\(name)\" :1", "\"\\u00\(String(name.utf8.first!, radix: 16))\(name.dropFirst())\":1",
            ]
            for v in variants {
                let found = plain(v)
                // "to" plus a letter can be another name ("to_queue" is not among these variants).
                if found.member != nil { #expect(names.contains { "\"\($0.0)\":1" == v }, "\(v)") }
                if found.member == nil { #expect(found.at == 0, "\(v)") }
            }
        }
    }

    /// Each data member's value reaches its field either way, and a document that writes the
    /// names with escapes (which only the general path reads) decodes to the same event.
    @Test func plainAndEscapedNamesDecodeAlike() throws {
        let head = #"{"event_id":"e-1","occurred_at":"2026-11-24T09:00:00Z","interaction_id":"i-1","customer_id":"c-1","channel":"chat","#
        let cases: [(String, [(String, String)])] = [
            ("message.sent", [("sender", #""customer""#), ("text", #""hi""#)]),
            ("sentiment.scored", [("score", "-0.5")]),
            ("interaction.transferred", [("to_queue", #""billing""#)]),
            ("interaction.escalated", [("to", #""supervisor""#)]),
            ("agent.flagged", [("flag", #""rude""#), ("source", #""qa""#)]),
            ("interaction.ended", [("reason", #""resolved""#)]),
            ("survey.submitted", [("csat", "4")]),
        ]
        for (type, members) in cases {
            func document(_ spell: (String) -> String) -> String {
                head + #""type":"\#(type)","data":{"# + members.map { "\"\(spell($0.0))\":\($0.1)" }.joined(separator: ",") + "}}"
            }
            let plainEvent = try EventDecoder().decode(document { $0 }).get()
            let escaped = try EventDecoder().decode(document { "\\u00" + String($0.utf8.first!, radix: 16) + $0.dropFirst() }).get()
            #expect(plainEvent == escaped, "\(type)")
            #expect(plainEvent.data != EventData(), "\(type)")
        }
    }
}

/// Known event types are found by the length of their name and one comparison
/// (`EventType.known(named:)`); every name must still come out as its own type, and nothing
/// else as a known one.
@Suite struct EventTypeNameTests {
    func known(_ name: String) -> EventType? {
        Array(name.utf8).withUnsafeBufferPointer { EventType.known(named: $0) }
    }

    @Test func everyKnownNameIsItsType() {
        for type in EventType.known {
            #expect(known(type.name) == type, "\(type)")
            #expect(EventType(name: type.name) == type)
        }
    }

    @Test func nearMissesAreOtherTypes() {
        for type in EventType.known {
            let name = type.name
            let variants = [name + "x", String(name.dropLast()), String(name.dropLast()) + "X", name.uppercased(), "x" + String(name.dropFirst()), ""]
            for v in variants {
                #expect(known(v) == nil, "\(v)")
                #expect(v.isEmpty || EventType(name: v) == .other(v), "\(v)")
            }
        }
        // Names of the same length as a known one (the two pairs that share a length, crossed).
        #expect(known("hold.startex") == nil && known("message.senx") == nil)
        #expect(known("survey.scored") == nil && known("sentiment.submitted") == nil)
        #expect(known(String(repeating: "a", count: 200)) == nil)
    }
}
