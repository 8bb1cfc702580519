/// Appends JSON text to a byte buffer. Output records are written field by field in a fixed
/// order, so the same output always has the same bytes.
///
/// Not copyable: a writer owns its buffer outright, so writing needs no check that another
/// copy shares it. A writer of shared storage checked that on every append, about 1,400
/// instructions an output (a seventh of encoding one), for copies no caller ever made.
public struct JSONWriter: ~Copyable {
    /// The text written so far. The writer writes through a pointer into a buffer of its own
    /// and makes the array once: appending to an array byte run by byte run checked its
    /// uniqueness and capacity each time, which was most of the cost of encoding an output.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    /// Whether the current object or array already has an element (the next one needs a comma).
    private var needsComma = false
    /// The same flag for each enclosing level, one bit per level, innermost lowest: a stack
    /// without an array allocation per writer. Levels past 64 spill into `deepLevels`.
    private var enclosingLevels: UInt64 = 0
    private var depth = 0
    private var deepLevels: [Bool] = []
    /// Whether inline Strings are written from their two words (`SmallStringWords`).
    private let readsInlineStrings = SmallStringWords.layoutHolds

    public init(capacity: Int = 512) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    public var string: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    /// Where the next `n` bytes go; the caller writes them and adds `n` to `count`.
    @inline(__always)
    private mutating func room(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if _slowPath(count + n > capacity) { grow(n) }
        return base + count
    }

    private mutating func grow(_ n: Int) {
        let newCapacity = max(capacity * 2, count + n)
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        new.initialize(from: base, count: count)
        base.deallocate()
        base = new
        capacity = newCapacity
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        room(1).pointee = byte
        count += 1
    }

    @inline(__always)
    private mutating func append(_ text: UnsafeBufferPointer<UInt8>) {
        guard let source = text.baseAddress, !text.isEmpty else { return }
        room(text.count).initialize(from: source, count: text.count)
        count += text.count
    }

    @inline(__always)
    private mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append($0) }
    }

    private mutating func separate() {
        if needsComma { append(UInt8(ascii: ",")) }
        needsComma = true
    }

    private mutating func pushLevel() {
        if depth >= 64 { deepLevels.append(enclosingLevels >> 63 != 0) }
        enclosingLevels = enclosingLevels << 1 | (needsComma ? 1 : 0)
        depth += 1
        needsComma = false
    }

    private mutating func popLevel() {
        depth -= 1
        needsComma = enclosingLevels & 1 != 0
        enclosingLevels >>= 1
        if depth >= 64, let spilled = deepLevels.popLast() { enclosingLevels |= (spilled ? 1 : 0) << 63 }
    }

    public mutating func beginObject() { append(UInt8(ascii: "{")); pushLevel() }
    public mutating func endObject() { append(UInt8(ascii: "}")); popLevel() }
    public mutating func beginArray() { append(UInt8(ascii: "[")); pushLevel() }
    public mutating func endArray() { append(UInt8(ascii: "]")); popLevel() }

    /// Starts a member inside an object; the value written next belongs to it.
    public mutating func key(_ k: String) {
        separate()
        appendQuoted(k)
        append(UInt8(ascii: ":"))
        pendingMember = true
    }

    /// Starts a member whose key is given as valid UTF-8 bytes (no String made for it).
    public mutating func key(utf8 k: UnsafeBufferPointer<UInt8>) {
        separate()
        appendQuoted(utf8: k)
        append(UInt8(ascii: ":"))
        pendingMember = true
    }

    /// Starts a member whose key comes already written as JSON, quotes and colon included
    /// (`"\"time\":"`): the fixed field names of a record, copied without scanning for escapes.
    @inline(__always)
    public mutating func key(json quotedKeyAndColon: StaticString) {
        separate()
        append(quotedKeyAndColon)
        pendingMember = true
    }

    /// Writes a whole member given already written as JSON (`"\"v\":1"`): a field whose name
    /// and value are the same in every record.
    @inline(__always)
    public mutating func member(json keyAndValue: StaticString) {
        separate()
        append(keyAndValue)
    }

    private var pendingMember = false

    private mutating func beforeValue() {
        if pendingMember { pendingMember = false } else { separate() }
    }

    public mutating func value(_ s: String) { beforeValue(); appendQuoted(s) }
    /// A string value given as valid UTF-8 bytes (no String made for it).
    public mutating func value(utf8 s: UnsafeBufferPointer<UInt8>) { beforeValue(); appendQuoted(utf8: s) }
    public mutating func value(_ s: String?) { if let s { value(s) } else { null() } }
    public mutating func value(_ b: Bool) { beforeValue(); append(b ? "true" : "false" as StaticString) }
    public mutating func value(_ n: Int64) { beforeValue(); appendDecimal(n) }
    public mutating func value(_ n: Int) { value(Int64(n)) }
    public mutating func value(_ d: Double) {
        beforeValue()
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 {
            appendDecimal(Int64(d))
        } else if d.isFinite {
            append("\(d)")
        } else {
            append("null" as StaticString)
        }
    }
    public mutating func null() { beforeValue(); append("null" as StaticString) }

    /// A timestamp as an RFC 3339 string value (`Timestamp.description`), written in place.
    public mutating func value(_ t: Timestamp) {
        beforeValue()
        let p = room(RFC3339.maxLength + 2)
        p[0] = UInt8(ascii: "\"")
        let n = RFC3339.write(t, to: p + 1)
        p[n + 1] = UInt8(ascii: "\"")
        count += n + 2
    }

    /// The digits of `n`, written backwards into a small buffer and copied: `String(n)` made
    /// a String per number.
    private mutating func appendDecimal(_ n: Int64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var v = n.magnitude, i = 20
            repeat {
                i -= 1
                digits[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0
            if n < 0 { append(UInt8(ascii: "-")) }
            append(UnsafeBufferPointer(rebasing: digits[i..<20]))
        }
    }
    public mutating func value(_ v: JSONValue) {
        switch v {
        case .null: null()
        case .bool(let b): value(b)
        case .number(let n): value(n)
        case .string(let s): value(s)
        case .array(let items):
            beforeValue(); beginArray(); for item in items { value(item) }; endArray()
        case .object(let members):
            beforeValue(); beginObject(); for (k, item) in members { key(k); value(item) }; endObject()
        }
    }

    /// Opens an object as the value of the current member or array slot.
    public mutating func objectValue() { beforeValue(); beginObject() }
    public mutating func arrayValue() { beforeValue(); beginArray() }

    private mutating func appendQuoted(_ s: String) {
        // Most of an output's strings are short ids and names, inline in the String: written
        // from its two words when nothing in them needs escaping, which spares reading them
        // through a closure (~50 instructions a string).
        if readsInlineStrings, let (w0, w1, n) = SmallStringWords.inlineWords(of: s), appendQuotedInline(w0, w1, n) { return }
        // Read in place, as `withUTF8Bytes` does, written out: through that generic helper
        // the compiler kept a call per string, 60 instructions an output.
        if s.utf8.withContiguousStorageIfAvailable({ appendQuoted(utf8: $0) }) != nil { return }
        var copy = s
        copy.withUTF8 { appendQuoted(utf8: $0) }
    }

    /// Writes the `n` bytes in `w0` and `w1` quoted, unless one of them needs escaping (false,
    /// nothing written). Both words are stored whole (the room covers them); only the string's
    /// bytes and the closing quote count.
    @inline(__always)
    private mutating func appendQuotedInline(_ w0: UInt64, _ w1: UInt64, _ n: Int) -> Bool {
        let keep0: UInt64 = n >= 8 ? ~0 : (1 &<< (UInt64(n) &* 8)) &- 1
        let keep1: UInt64 = n <= 8 ? 0 : (1 &<< (UInt64(n &- 8) &* 8)) &- 1
        // A borrow in the flags only runs upward, from a byte of the string into the padding
        // after it: masked, the flags say exactly whether a byte of the string needs escaping.
        guard (ByteScan.escapeFlags(w0) & keep0) | (ByteScan.escapeFlags(w1) & keep1) == 0 else { return false }
        let p = room(18)
        p[0] = UInt8(ascii: "\"")
        let raw = UnsafeMutableRawPointer(p + 1)
        raw.storeBytes(of: w0.littleEndian, as: UInt64.self)
        raw.storeBytes(of: w1.littleEndian, toByteOffset: 8, as: UInt64.self)
        p[n + 1] = UInt8(ascii: "\"")
        count += n + 2
        return true
    }

    /// `utf8` must be valid UTF-8 (text that was a String, or was checked as it was decoded).
    private mutating func appendQuoted(utf8: UnsafeBufferPointer<UInt8>) {
        // Copy runs of bytes that need no escaping in one go; most text has none.
        var runStart = 0
        var i = Self.firstNeedingEscape(utf8, from: 0)
        if i == utf8.count {
            // The usual case: quote, text, quote, in one reservation.
            let p = room(utf8.count + 2)
            p[0] = UInt8(ascii: "\"")
            if let source = utf8.baseAddress { (p + 1).initialize(from: source, count: utf8.count) }
            p[utf8.count + 1] = UInt8(ascii: "\"")
            count += utf8.count + 2
            return
        }
        append(UInt8(ascii: "\""))
        while i < utf8.count {
            if i > runStart { append(UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
            appendEscaped(utf8[i])
            runStart = i + 1
            i = Self.firstNeedingEscape(utf8, from: runStart)
        }
        if runStart < utf8.count { append(UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        append(UInt8(ascii: "\""))
    }

    /// The offset of the first byte at or after `start` that must be escaped, or the count.
    private static func firstNeedingEscape(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while utf8.count - i >= 8 {
            let flags = ByteScan.escapeFlags(ByteScan.word(utf8, at: i))
            if flags != 0 { return i + ByteScan.firstFlagged(flags) }
            i += 8
        }
        while i < utf8.count {
            let c = utf8[i]
            if c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { return i }
            i += 1
        }
        return i
    }

    private mutating func appendEscaped(_ c: UInt8) {
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): append(0x5C); append(c)
        case 0x0A: append(0x5C); append(UInt8(ascii: "n"))
        case 0x0D: append(0x5C); append(UInt8(ascii: "r"))
        case 0x09: append(0x5C); append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            append("\\u00" as StaticString)
            append(hex.utf8Start[Int(c >> 4)])
            append(hex.utf8Start[Int(c & 15)])
        }
    }
}
