import Testing
@testable import MomentsCore

/// Short Strings composed as the runtime's two words must be the standard library's own
/// Strings in every respect the engine and the encoder rely on.
@Suite struct SmallStringWordsTests {
    /// 2,000 random strings of `pieces`, each at most 15 bytes of UTF-8 (the empty one too).
    static func shortStrings(of pieces: [String], seed: UInt64) -> [String] {
        var rng = SplitMix(seed: seed)
        return (0..<2_000).map { _ in
            var s = ""
            while true {
                let next = s + pieces[rng.below(pieces.count)]
                if next.utf8.count > 15 || rng.below(7) == 0 { return s }
                s = next
            }
        }
    }

    /// On this toolchain the layout check passes, so the decoder takes the fast path (were it
    /// to fail after a toolchain upgrade, decoding would be correct but slower: this says so).
    @Test func theLayoutHoldsOnThisToolchain() {
        #expect(SmallStringWords.layoutHolds)
        #expect(SmallStringWords.selfCheck())
    }

    /// Random valid UTF-8 of every length 0...15, read both ways (two loads from a longer
    /// buffer, a copy from the bytes alone), against `String(decoding:as:)`.
    @Test func composedStringsAreTheStandardLibrarysStrings() throws {
        try #require(SmallStringWords.layoutHolds)
        let pieces: [String] = ["a", "Z", "0", "-", "ä", "ß", "€", "日", "😀", "\u{301}", " ", "\u{7F}"]
        for s in Self.shortStrings(of: pieces, seed: 7) {
            let bytes = Array(s.utf8)
            let reference = String(decoding: bytes, as: UTF8.self)
            let padded = bytes + Array(repeating: UInt8(0xC3), count: 16)
            let fromLonger = padded.withUnsafeBufferPointer {
                SmallStringWords.string(at: $0.baseAddress!, count: bytes.count, readable: $0.count)
            }
            let alone = bytes.withUnsafeBufferPointer { SmallStringWords.string($0) }
            for composed in [fromLonger, alone] {
                // Bit for bit (a wrong ASCII flag would still compare equal).
                #expect(unsafeBitCast(composed, to: (UInt64, UInt64).self) == unsafeBitCast(reference, to: (UInt64, UInt64).self))
                #expect(composed == reference)
                #expect(composed.hashValue == reference.hashValue)
                #expect(Array(composed.utf8) == bytes)
                #expect(composed.count == reference.count)
                #expect(Array(composed.unicodeScalars) == Array(reference.unicodeScalars))
                #expect(composed + "!" == reference + "!")
                #expect(composed < reference + "\u{10FFFF}")
            }
        }
    }

    /// The writer's inline path writes what its general path writes, escapes included: each
    /// short string written as an inline String and as the same text kept in the heap.
    @Test func theWriterWritesInlineStringsAsItWritesOthers() throws {
        try #require(SmallStringWords.layoutHolds)
        let pieces: [String] = ["a", "\"", "\\", "\n", "\u{01}", "\u{1F}", " ", "ä", "€", "😀", "/", "\u{7F}"]
        for s in Self.shortStrings(of: pieces, seed: 11) {
            let inline = String(decoding: Array(s.utf8), as: UTF8.self)
            #expect(SmallStringWords.inlineWords(of: inline) != nil)
            var heap = String()
            heap.reserveCapacity(64)   // heap storage, however short the text
            heap += s
            #expect(SmallStringWords.inlineWords(of: heap) == nil)
            var a = JSONWriter(), b = JSONWriter()
            a.beginObject(); a.key(inline); a.value(inline); a.endObject()
            b.beginObject(); b.key(heap); b.value(heap); b.endObject()
            #expect(a.bytes == b.bytes)
            let parsed = try JSONParser.parse(a.bytes)
            #expect(parsed[s]?.stringValue == s)
        }
    }

    /// The standard library's way, which a runtime with another layout takes, reads the same.
    @Test func theLexerReadsTheSameWithoutComposing() throws {
        let json = Array(#""i-1" "Grüße" "exactly15bytes!" "a longer string than fifteen" "\u00e4" """#.utf8)
        let texts = json.withUnsafeBufferPointer { buf -> [[String]] in
            [true, false].map { composes in
                var lexer = JSONLexer(buf: buf, maxDepth: 8, composesSmallStrings: composes)
                var out: [String] = []
                while true {
                    lexer.skipSpace()
                    guard !lexer.atEnd, let t = try? lexer.string() else { break }
                    out.append(lexer.text(t))
                }
                return out
            }
        }
        #expect(texts[0] == ["i-1", "Grüße", "exactly15bytes!", "a longer string than fifteen", "ä", ""])
        #expect(texts[1] == texts[0])
        #expect(zip(texts[0], texts[1]).allSatisfy { unsafeBitCast($0, to: (UInt64, UInt64).self) == unsafeBitCast($1, to: (UInt64, UInt64).self) || $0.utf8.count > 15 })
    }

    /// Short strings written into a writer that must grow again and again keep every byte.
    @Test func theWriterGrowsAroundInlineStrings() throws {
        var w = JSONWriter(capacity: 16)
        w.beginArray()
        let values = (0..<500).map { "v\($0 % 97)-" + String(repeating: "x", count: $0 % 11) }
        for v in values { w.value(v) }
        w.endArray()
        #expect(try JSONParser.parse(w.bytes) == .array(values.map { .string($0) }))
    }

    /// The lexer's strings: short ones composed, long and escaped ones as before.
    @Test func theLexerReadsShortLongAndEscapedStrings() throws {
        let json = #"{"a":"i-1","b":"exactly15bytes!","c":"sixteen bytes ok","d":"\u00e4\n","e":"","f":"Grüße"}"#
        let parsed = try JSONParser.parse(Array(json.utf8))
        #expect(parsed["a"]?.stringValue == "i-1")
        #expect(parsed["b"]?.stringValue == "exactly15bytes!")
        #expect(parsed["c"]?.stringValue == "sixteen bytes ok")
        #expect(parsed["d"]?.stringValue == "ä\n")
        #expect(parsed["e"]?.stringValue == "")
        #expect(parsed["f"]?.stringValue == "Grüße")
    }
}
