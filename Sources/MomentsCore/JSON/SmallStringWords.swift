/// Short Strings composed directly as the two words the standard library keeps them in.
///
/// Why: an event's ids, queue and agent are short (up to 15 bytes of UTF-8 fit in a String
/// without an allocation), and the decoder makes five or so of them an event. Made through
/// `String(unsafeUninitializedCapacity:initializingUTF8With:)`, which is not inlined and
/// takes its initializer as a closure, each cost ~145 instructions; composed here, a copy
/// of the bytes and two words, ~25.
///
/// How: on 64-bit little-endian targets an inline String is two words, the bytes in order
/// from the first word's low byte, and in the second word's top byte a discriminator
/// (`0xE0` ASCII, `0xA0` not) with the count in its low nibble. That layout is the standard
/// library's ABI on Apple platforms and the same code on Linux, but Linux does not promise
/// it. So it is checked once per process against Strings the standard library makes
/// (`layoutHolds`): every length, ASCII and not. If a future runtime differs, Moments falls
/// back to the standard library's way, slower but never wrong.
enum SmallStringWords {
    /// Whether Strings composed here are bit for bit the standard library's own.
    static let layoutHolds: Bool = {
        #if _endian(little) && _pointerBitWidth(_64)
        return selfCheck()
        #else
        return false
        #endif
    }()

    /// The String of 0...15 bytes of valid UTF-8. Only when `layoutHolds`.
    @inline(__always) static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard let base = bytes.baseAddress else { return "" }
        return string(at: base, count: bytes.count, readable: bytes.count)
    }

    /// The String of the `count` (0...15) bytes of valid UTF-8 at `start`, of which `readable`
    /// bytes may be read (the lexer's buffer goes on past a string's end: two loads then
    /// serve, instead of a call to `memcpy`). Only when `layoutHolds`.
    @inline(__always) static func string(at start: UnsafePointer<UInt8>, count: Int, readable: Int) -> String {
        assert(isValidUTF8(UnsafeBufferPointer(start: start, count: count)), "composing a String of invalid UTF-8")
        // Written over an empty String (static, nothing to release) rather than bit-cast: a
        // cast value is borrowed and returning it cost a call to retain it, a no-op for an
        // inline String.
        var string = ""
        withUnsafeMutableBytes(of: &string) { $0.storeBytes(of: words(at: start, count: count, readable: readable), as: (UInt64, UInt64).self) }
        return string
    }

    @inline(__always) static func words(at start: UnsafePointer<UInt8>, count: Int, readable: Int) -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        if readable >= 16 {
            let raw = UnsafeRawPointer(start)
            words = (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            // Only the string's own bytes: the rest of the two words must be zero.
            if count < 8 {
                words.0 &= (1 &<< (UInt64(count) &* 8)) &- 1
                words.1 = 0
            } else {
                words.1 &= (1 &<< (UInt64(count &- 8) &* 8)) &- 1
            }
        } else {
            withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: start, byteCount: count) }
        }
        let ascii = (words.0 | words.1) & 0x8080_8080_8080_8080 == 0
        words.1 |= ((ascii ? 0xE0 : 0xA0) | UInt64(count)) &<< 56
        return words
    }

    /// The bytes of `s` as two words and their count, when `s` is an inline String (at most
    /// 15 bytes); nil for any other form. Only when `layoutHolds`. The words hold the bytes
    /// from the first word's low byte on; the bytes past the count are zero.
    @inline(__always) static func inlineWords(of s: String) -> (UInt64, UInt64, count: Int)? {
        let words = unsafeBitCast(s, to: (UInt64, UInt64).self)
        guard words.1 & isSmall != 0 else { return nil }
        return (words.0, words.1 & 0x00FF_FFFF_FFFF_FFFF, Int(truncatingIfNeeded: (words.1 &>> 56) & 0x0F))
    }

    /// For debug builds' checks: whether `bytes` are valid UTF-8.
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }

    /// The discriminator bit only inline Strings have set.
    private static let isSmall: UInt64 = 1 << 61

    /// Compares the composed words with the standard library's String for each length 0...15,
    /// in ASCII, with two-, three- and four-byte characters and with a combining mark (should a
    /// runtime ever keep a flag that depends on the content).
    static func selfCheck() -> Bool {
        guard MemoryLayout<String>.size == 16 else { return false }
        var samples: [String] = []
        for n in 0...15 {
            samples.append(String(repeating: "a", count: n))
            if n >= 2 { samples.append("ä" + String(repeating: "b", count: n - 2)) }
            if n >= 3 { samples.append(String(repeating: "c", count: n - 3) + "€") }
            if n >= 4 { samples.append("😀" + String(repeating: "d", count: n - 4)) }
            if n >= 3 { samples.append("e\u{301}" + String(repeating: "f", count: n - 3)) }
        }
        for sample in samples {
            let reference = String(decoding: Array(sample.utf8), as: UTF8.self)
            let expected = unsafeBitCast(reference, to: (UInt64, UInt64).self)
            // Both ways of reading: from a longer buffer (two loads) and from the bytes alone.
            let padded = Array(sample.utf8) + Array(repeating: 0xFF, count: 16)
            let n = sample.utf8.count
            let composed = padded.withUnsafeBufferPointer { p in
                [words(at: p.baseAddress!, count: n, readable: p.count), words(at: p.baseAddress!, count: n, readable: n)]
            }
            guard composed.allSatisfy({ $0 == expected }) else { return false }
            // And read back: the words, their count.
            guard let back = inlineWords(of: reference), back.0 == expected.0,
                  back.1 == expected.1 & 0x00FF_FFFF_FFFF_FFFF, back.count == n else { return false }
        }
        // Strings in the heap, or literals too long to be inline, are not taken for inline ones.
        let heap = String(decoding: Array(repeating: UInt8(ascii: "h"), count: 40), as: UTF8.self)
        let literal = "a literal longer than fifteen bytes"
        guard inlineWords(of: heap) == nil, inlineWords(of: literal) == nil else { return false }
        return true
    }
}
