#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte-level half of JSON reading, shared by the tree parser (`JSONParser`) and the
/// single-pass event scanner (`EventScanner`): whitespace, strings, numbers and literals, each
/// checked strictly (RFC 8259, strict UTF-8) with the byte offset of every error.
///
/// Strings and numbers are returned as spans of the input, not as values, so a reader that only
/// needs a few fields of a document never builds the others.
struct JSONLexer {
    let buf: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var i = 0
    /// Decoded bytes of the strings that held escapes (rare), so a `Text` stays a plain value.
    var scratch: [UInt8] = []
    /// Whether short strings are composed as the runtime's inline Strings (`SmallStringWords`;
    /// the event decoder passes the answer it read once: the global's check cost a call).
    let composesSmallStrings: Bool

    init(buf: UnsafeBufferPointer<UInt8>, maxDepth: Int, composesSmallStrings: Bool = SmallStringWords.layoutHolds) {
        self.buf = buf
        self.maxDepth = maxDepth
        self.composesSmallStrings = composesSmallStrings
    }

    /// A lexed string: the bytes between its quotes in the input (checked as UTF-8), or, when it
    /// held escapes, its decoded bytes in `scratch`. A plain value, so scans copy it for free.
    struct Text {
        var range: Range<Int>
        var escaped = false
    }

    var atEnd: Bool { i >= buf.count }
    var current: UInt8 { buf[i] }

    func fail(_ message: String) -> JSONParser.Error { JSONParser.Error(offset: i, message: message) }

    /// Inlined, with the common case first: no whitespace at all (compact documents).
    @inline(__always)
    mutating func skipSpace() {
        if i < buf.count, buf[i] > 0x20 { return }
        skipSpaceLoop()
    }

    private mutating func skipSpaceLoop() {
        while i < buf.count {
            let c = buf[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    /// Expects `byte` (after optional whitespace) and steps over it.
    mutating func expect(_ byte: UInt8, _ message: String) throws(JSONParser.Error) {
        skipSpace()
        guard i < buf.count, buf[i] == byte else { throw fail(message) }
        i += 1
    }

    /// Steps over `expected` (4 bytes or more) when the input goes on with exactly its bytes and
    /// then a byte above 0x20 (not whitespace, not a control byte), left for the caller; false, with `i`
    /// unchanged, otherwise. A word at a time, the last word overlapping the one before it:
    /// inlined with a literal, a few loads and comparisons.
    @inline(__always)
    mutating func step(over expected: StaticString) -> Bool {
        let n = expected.utf8CodeUnitCount
        assert(n >= 4, "step(over:) compares words: a literal of \(n) bytes would never match")
        guard n >= 4, buf.count - i > n else { return false }
        let input = UnsafeRawBufferPointer(buf), literal = UnsafeRawPointer(expected.utf8Start)
        if n < 8 {
            // Two four-byte words: the first and the last four bytes (the same word for four).
            guard input.loadUnaligned(fromByteOffset: i, as: UInt32.self) == literal.loadUnaligned(as: UInt32.self),
                input.loadUnaligned(fromByteOffset: i + n - 4, as: UInt32.self) == literal.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            else { return false }
        } else {
            var k = 0
            while k + 8 < n {
                guard input.loadUnaligned(fromByteOffset: i + k, as: UInt64.self) == literal.loadUnaligned(fromByteOffset: k, as: UInt64.self) else { return false }
                k += 8
            }
            guard input.loadUnaligned(fromByteOffset: i + n - 8, as: UInt64.self) == literal.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            else { return false }
        }
        guard buf[i + n] > 0x20 else { return false }
        i += n
        return true
    }

    mutating func literal(_ word: StaticString) throws(JSONParser.Error) {
        let n = word.utf8CodeUnitCount
        guard buf.count - i >= n else { throw fail("unexpected end of input") }
        for k in 0..<n where buf[i + k] != word.utf8Start[k] { throw fail("invalid literal") }
        i += n
    }

    // MARK: strings

    /// Reads a string; `i` is at its opening quote.
    @inline(__always)
    mutating func string() throws(JSONParser.Error) -> Text {
        i += 1
        let start = i
        skipPlainASCII()
        // Fast path: printable ASCII without escapes, nearly every string of an event.
        while i < buf.count {
            let c = buf[i]
            if c == UInt8(ascii: "\"") { i += 1; return Text(range: start..<(i - 1)) }
            if c == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if c < 0x20 { throw fail("control character in string") }
            if c >= 0x80 { try utf8Sequence() } else { i += 1 }
        }
        throw fail("unterminated string")
    }

    /// Steps over bytes that need no attention inside a string (printable ASCII other than the
    /// quote and the backslash), eight at a time: the byte loop of `string()` was the decoder's
    /// largest single cost. Stops at the first other byte; the byte loop takes it from there,
    /// so errors are reported exactly as before.
    @inline(__always) mutating func skipPlainASCII() {
        while buf.count - i >= 8 {
            let v = ByteScan.word(buf, at: i)
            let flags = ByteScan.escapeFlags(v) | ByteScan.nonASCIIFlags(v)
            if flags != 0 { i += ByteScan.firstFlagged(flags); return }
            i += 8
        }
    }

    /// Steps over one multi-byte UTF-8 sequence at `i`, refusing overlong forms, surrogates and
    /// code points above U+10FFFF (Unicode 15, table 3-7).
    mutating func utf8Sequence() throws(JSONParser.Error) {
        let b0 = buf[i]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw fail("invalid UTF-8 in string")
        }
        guard buf.count - i >= length else { throw fail("invalid UTF-8 in string") }
        let b1 = buf[i + 1]
        guard b1 >= low, b1 <= high else { throw fail("invalid UTF-8 in string") }
        for k in 2..<max(length, 2) where buf[i + k] & 0xC0 != 0x80 { throw fail("invalid UTF-8 in string") }
        i += length
    }

    /// The slow path of `string()`: the string holds escapes, so it is decoded into new bytes.
    private mutating func escapedString(from start: Int) throws(JSONParser.Error) -> Text {
        var bytes = scratch
        scratch = []
        defer { scratch = bytes }
        let first = bytes.count
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<i]))
        while i < buf.count {
            let c = buf[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                return Text(range: first..<bytes.count, escaped: true)
            case UInt8(ascii: "\\"):
                i += 1
                guard i < buf.count else { throw fail("unexpected end of input") }
                let e = buf[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"): bytes.append(contentsOf: try unicodeEscape().utf8)
                default: throw fail("invalid escape")
                }
            default:
                if c < 0x20 { throw fail("control character in string") }
                if c >= 0x80 {
                    let from = i
                    try utf8Sequence()
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[from..<i]))
                } else {
                    bytes.append(c)
                    i += 1
                }
            }
        }
        throw fail("unterminated string")
    }

    /// `\uXXXX`, with a surrogate pair when the first half asks for one; `i` is after the `u`.
    private mutating func unicodeEscape() throws(JSONParser.Error) -> String {
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard buf.count - i >= 6, buf[i] == UInt8(ascii: "\\"), buf[i + 1] == UInt8(ascii: "u") else {
                throw fail("unpaired surrogate")
            }
            i += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw fail("unpaired surrogate")
        }
        guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
        return String(Character(u))
    }

    private mutating func hex4() throws(JSONParser.Error) -> UInt32 {
        guard buf.count - i >= 4 else { throw fail("invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = buf[i]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// The Swift string of a lexed string. Its bytes were checked as UTF-8 while lexing, so
    /// they are not checked again.
    @inline(__always) func text(_ t: Text) -> String {
        if !t.escaped, t.range.count <= 15, composesSmallStrings, let base = buf.baseAddress {
            return SmallStringWords.string(at: base + t.range.lowerBound, count: t.range.count, readable: buf.count - t.range.lowerBound)
        }
        return withBytes(t) { String(validUTF8: $0, composesInline: composesSmallStrings) }
    }

    /// The bytes of a lexed string.
    @inline(__always) func withBytes<R>(_ t: Text, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if !t.escaped { return body(UnsafeBufferPointer(rebasing: buf[t.range])) }
        return scratch.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[t.range])) }
    }

    /// Whether a lexed string is exactly `word` (without building a String).
    @inline(__always) func text(_ t: Text, equals word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard t.range.count == n else { return false }
        return withBytes(t) { bytes in
            for k in 0..<n where bytes[k] != word.utf8Start[k] { return false }
            return true
        }
    }

    // MARK: numbers

    /// Reads a number; its value must be finite ("1e999" is refused, as a Double cannot hold it).
    mutating func number() throws(JSONParser.Error) -> Double {
        let start = i
        if buf[i] == UInt8(ascii: "-") { i += 1 }
        guard i < buf.count, isDigit(buf[i]) else { throw fail("invalid number") }
        if buf[i] == 0x30 { i += 1 } else { while i < buf.count, isDigit(buf[i]) { i += 1 } }
        if i < buf.count, buf[i] == UInt8(ascii: ".") {
            i += 1
            guard i < buf.count, isDigit(buf[i]) else { throw fail("invalid number") }
            while i < buf.count, isDigit(buf[i]) { i += 1 }
        }
        if i < buf.count, buf[i] == UInt8(ascii: "e") || buf[i] == UInt8(ascii: "E") {
            i += 1
            if i < buf.count, buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-") { i += 1 }
            guard i < buf.count, isDigit(buf[i]) else { throw fail("invalid number") }
            while i < buf.count, isDigit(buf[i]) { i += 1 }
        }
        guard let v = Self.exactDouble(UnsafeBufferPointer(rebasing: buf[start..<i])) ?? slowDouble(start..<i), v.isFinite else {
            i = start
            throw fail("number out of range")
        }
        return v
    }

    @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private func slowDouble(_ r: Range<Int>) -> Double? {
        Double(String(decoding: UnsafeBufferPointer(rebasing: buf[r]), as: UTF8.self))
    }

    private static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { x, _ in x * 10 } }

    /// Clinger's fast path: when the digits fit in 2^53 and the decimal exponent is within
    /// ±22, one multiplication or division of two exact doubles is correctly rounded, so the
    /// result equals `Double(text)`. Event numbers (-0.63, 5) always take it; nil otherwise.
    static func exactDouble(_ s: UnsafeBufferPointer<UInt8>) -> Double? {
        var k = 0
        var negative = false
        if s[k] == UInt8(ascii: "-") { negative = true; k += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        while k < s.count, s[k] >= 0x30, s[k] <= 0x39 {
            mantissa = mantissa &* 10 &+ UInt64(s[k] - 0x30); digits += 1; k += 1
        }
        if k < s.count, s[k] == UInt8(ascii: ".") {
            k += 1
            while k < s.count, s[k] >= 0x30, s[k] <= 0x39 {
                mantissa = mantissa &* 10 &+ UInt64(s[k] - 0x30); digits += 1; exponent -= 1; k += 1
            }
        }
        guard k == s.count, digits <= 15, exponent >= -22 else { return nil }
        var v = Double(mantissa)
        if exponent < 0 { v /= powersOfTen[-exponent] }
        return negative ? -v : v
    }

    // MARK: skipping

    /// Steps over any value, checking it as strictly as if it were parsed; `depth` counts the
    /// containers the value sits in.
    mutating func skipValue(depth: Int) throws(JSONParser.Error) {
        guard i < buf.count else { throw fail("unexpected end of input") }
        switch buf[i] {
        case UInt8(ascii: "{"):
            try enterContainer(depth: depth + 1)
            skipSpace()
            if i < buf.count, buf[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                skipSpace()
                guard i < buf.count, buf[i] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                _ = try string()
                try expect(UInt8(ascii: ":"), "expected ':'")
                skipSpace()
                try skipValue(depth: depth + 1)
                if try endOfMember(close: UInt8(ascii: "}"), "expected ',' or '}'") { return }
            }
        case UInt8(ascii: "["):
            try enterContainer(depth: depth + 1)
            skipSpace()
            if i < buf.count, buf[i] == UInt8(ascii: "]") { i += 1; return }
            while true {
                skipSpace()
                try skipValue(depth: depth + 1)
                if try endOfMember(close: UInt8(ascii: "]"), "expected ',' or ']'") { return }
            }
        default:
            _ = try scalar()
        }
    }

    /// Where the object opening at `i` ends if none of its strings holds a closing brace and it
    /// holds no other object: just after the first closing brace (one `memchr`). Nil when there
    /// is none. Nothing is checked and `i` does not move: a guess, which only the attribute
    /// cache uses, and only to compare the bytes with objects it knows; where the guess is
    /// wrong the bytes are no whole object, so no comparison can succeed.
    func guessedObjectEnd() -> Int? {
        guard i < buf.count, let base = buf.baseAddress,
            let hit = memchr(base + i, Int32(UInt8(ascii: "}")), buf.count - i)
        else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
    }

    /// Checks the depth of a container about to open at `i` and steps over its bracket.
    mutating func enterContainer(depth: Int) throws(JSONParser.Error) {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
        i += 1
    }

    /// At an object's opening brace: checks the depth and steps in; true when the object is
    /// empty, with its closing brace stepped over too.
    mutating func openObject(depth: Int) throws(JSONParser.Error) -> Bool {
        try enterContainer(depth: depth)
        skipSpace()
        if i < buf.count, buf[i] == UInt8(ascii: "}") { i += 1; return true }
        return false
    }

    /// At an object member: reads its name and the colon, leaving `i` at its value.
    @inline(__always)
    mutating func memberName() throws(JSONParser.Error) -> Text {
        skipSpace()
        guard i < buf.count, buf[i] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
        let key = try string()
        try afterMemberName()
        return key
    }

    /// After a member's name: reads the colon, leaving `i` at the value.
    @inline(__always)
    mutating func afterMemberName() throws(JSONParser.Error) {
        // Compact documents put the colon and the value right after the name.
        if i < buf.count, buf[i] == UInt8(ascii: ":") { i += 1 } else { try expect(UInt8(ascii: ":"), "expected ':'") }
        skipSpace()
        guard i < buf.count else { throw fail("unexpected end of input") }
    }

    /// After a member or item: true at the closing bracket (stepped over), false after a comma.
    @inline(__always)
    mutating func endOfMember(close: UInt8, _ message: String) throws(JSONParser.Error) -> Bool {
        skipSpace()
        guard i < buf.count else { throw fail("unexpected end of input") }
        if buf[i] == UInt8(ascii: ",") { i += 1; return false }
        if buf[i] == close { i += 1; return true }
        throw fail(message)
    }

    /// A value that is not a container.
    enum Scalar {
        case null, bool(Bool), number(Double), string(Text)

        var typeName: String {
            switch self {
            case .null: return "null"
            case .bool: return "a boolean"
            case .number: return "a number"
            case .string: return "a string"
            }
        }
    }

    @inline(__always)
    mutating func scalar() throws(JSONParser.Error) -> Scalar {
        guard i < buf.count else { throw fail("unexpected end of input") }
        switch buf[i] {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "{"), UInt8(ascii: "["): throw fail("expected a scalar")
        default: throw fail("unexpected \(describeCharacter())")
        }
    }

    /// The character at `i` for an error message, which goes to a terminal and into dead
    /// letters: a printable ASCII one as itself, a UTF-8 sequence as its character and code
    /// point (an invisible one by its code point alone), anything else (a control byte, a byte
    /// that starts no character, a truncated sequence) by its value.
    /// Until 2026-12-07 one byte was shown as a Latin-1 character (`“` as `â`) and control
    /// bytes raw, so a hostile line could send escape sequences to the reader's terminal.
    func describeCharacter() -> String {
        let b = buf[i]
        if b >= 0x21 && b < 0x7F { return "character '\(Unicode.Scalar(b))'" }
        if b >= 0xC2 && b <= 0xF4 {
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
            if i + length <= buf.count {
                let bytes = (0..<length).map { buf[i + $0] }
                var decoder = UTF8()
                var it = bytes.makeIterator()
                if case .scalarValue(let scalar) = decoder.decode(&it) {
                    let code = "U+\(String(scalar.value, radix: 16, uppercase: true))"
                    // An invisible one (a no-break space, a byte order mark) by its code point only.
                    return DisplayText.isInvisible(scalar) ? "character \(code)" : "character '\(scalar)' (\(code))"
                }
            }
        }
        return "byte 0x\(String(b, radix: 16, uppercase: true))"
    }
}
