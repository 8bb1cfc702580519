import Testing
@testable import MomentsCore

@Suite struct JSONTests {
    @Test func writerOutputParsesBack() throws {
        var w = JSONWriter()
        w.beginObject()
        w.key("text"); w.value("quote \" backslash \\ newline \n tab \t bell \u{07} ü")
        w.key("n"); w.value(Int64(-42))
        w.key("d"); w.value(-0.6)
        w.key("nothing"); w.null()
        w.key("list"); w.arrayValue(); w.value("a"); w.value(true); w.objectValue(); w.key("x"); w.value(1); w.endObject(); w.endArray()
        w.endObject()
        let parsed = try JSONParser.parse(w.bytes)
        #expect(parsed["text"]?.stringValue == "quote \" backslash \\ newline \n tab \t bell \u{07} ü")
        #expect(parsed["n"]?.numberValue == -42)
        #expect(parsed["d"]?.numberValue == -0.6)
        #expect(parsed["nothing"] == .null)
        #expect(parsed["list"] == .array([.string("a"), .bool(true), .object([("x", .number(1))])]))
    }

    /// Past 64 levels the writer's comma flags spill out of its bit stack: each level's
    /// siblings must still be separated on the way back out.
    @Test func deepNestingKeepsEveryLevelsCommas() {
        var w = JSONWriter()
        let depth = 70
        w.beginArray()
        for _ in 1..<depth { w.value(0); w.arrayValue() }
        for _ in 1..<depth { w.endArray(); w.value(1) }
        w.endArray()
        let expected = String(repeating: "[0,", count: depth - 1) + "[" + String(repeating: "],1", count: depth - 1) + "]"
        #expect(w.string == expected)
    }

    /// A key given already written as JSON gives the same bytes as the key written by the writer.
    @Test func prewrittenKeysWriteWhatKeysWrite() {
        var plain = JSONWriter(), prewritten = JSONWriter()
        plain.beginObject(); plain.key("a"); plain.value(1); plain.key("b_c"); plain.objectValue(); plain.key("d"); plain.null()
        plain.endObject(); plain.endObject()
        prewritten.beginObject(); prewritten.key(json: "\"a\":"); prewritten.value(1); prewritten.key(json: "\"b_c\":"); prewritten.objectValue()
        prewritten.key(json: "\"d\":"); prewritten.null(); prewritten.endObject(); prewritten.endObject()
        #expect(prewritten.string == plain.string)
        #expect(plain.string == #"{"a":1,"b_c":{"d":null}}"#)
    }

    @Test func prewrittenMembersAreSeparatedLikeOthers() {
        var w = JSONWriter()
        w.beginObject(); w.member(json: #""v":"1.0""#); w.key("n"); w.value(2); w.member(json: #""t":true"#); w.endObject()
        #expect(w.string == #"{"v":"1.0","n":2,"t":true}"#)
    }

    /// Bytes to escape at every position around the writer's eight-byte steps.
    @Test func escapesAreFoundAtEveryOffset() throws {
        for offset in 0..<17 {
            let text = String(repeating: "a", count: offset) + "\"" + String(repeating: "b", count: 9) + "\n"
            var w = JSONWriter()
            w.value(text)
            #expect(try JSONParser.parse(w.bytes).stringValue == text, "offset \(offset)")
        }
    }

    /// Growing past the first capacity, once or many times, keeps what was written.
    @Test func growthKeepsTheText() {
        var small = JSONWriter(capacity: 4)
        small.beginArray(); small.value("first"); small.value("second"); small.endArray()
        #expect(small.string == #"["first","second"]"#)
        var long = JSONWriter(capacity: 1)
        let text = String(repeating: "0123456789", count: 100)
        long.value(text)
        #expect(long.string == "\"" + text + "\"")
    }

    /// Numbers and timestamps are written in place, without a String: the same text as
    /// `String(n)` and `Timestamp.description`, at the extremes too.
    @Test func numbersAndTimestampsAsTheirDescriptions() throws {
        for n: Int64 in [0, 7, -7, 10, -10, 1_234_567_890_123, .max, .min] {
            var w = JSONWriter()
            w.value(n)
            #expect(w.string == String(n))
        }
        for ms: Int64 in [0, 1, 999, 1_764_000_000_123, 4_102_444_799_999, -1, -86_400_001] {
            let t = Timestamp(milliseconds: ms)
            var w = JSONWriter()
            w.value(t)
            #expect(w.string == "\"\(t.description)\"")
        }
    }

    @Test func parserRejectsWhatRFC8259Rejects() {
        for bad in ["{\"a\":1,}", "[01]", "{'a':1}", "[1 2]", "\"\\x\"", "tru", "[1.]", "{\"a\" 1}", "\"\u{01}\"", "[\"\\ud800\"]"] {
            #expect(throws: JSONParser.Error.self, "\(bad)") { try JSONParser.parse(Array(bad.utf8)) }
        }
    }
}
