/// Appends JSON text to a byte buffer. Output records are written field by field in a fixed
/// order, so the same output always has the same bytes.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the current object or array already has an element (the next one needs a comma).
    private var needsComma = false
    /// The same flag for each enclosing level, one bit per level, innermost lowest: a stack
    /// without an array allocation per writer. Levels past 64 spill into `deepLevels`.
    private var enclosingLevels: UInt64 = 0
    private var depth = 0
    private var deepLevels: [Bool] = []

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
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

    public mutating func beginObject() { bytes.append(UInt8(ascii: "{")); pushLevel() }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); popLevel() }
    public mutating func beginArray() { bytes.append(UInt8(ascii: "[")); pushLevel() }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); popLevel() }

    /// Starts a member inside an object; the value written next belongs to it.
    public mutating func key(_ k: String) {
        separate()
        appendQuoted(k)
        bytes.append(UInt8(ascii: ":"))
        pendingMember = true
    }

    /// Starts a member whose key is given as valid UTF-8 bytes (no String made for it).
    public mutating func key(utf8 k: UnsafeBufferPointer<UInt8>) {
        separate()
        appendQuoted(utf8: k)
        bytes.append(UInt8(ascii: ":"))
        pendingMember = true
    }

    /// Starts a member whose key comes already written as JSON, quotes and colon included
    /// (`"\"time\":"`): the fixed field names of a record, copied without scanning for escapes.
    public mutating func key(json quotedKeyAndColon: StaticString) {
        separate()
        bytes.append(contentsOf: UnsafeBufferPointer(start: quotedKeyAndColon.utf8Start, count: quotedKeyAndColon.utf8CodeUnitCount))
        pendingMember = true
    }

    /// Writes a whole member given already written as JSON (`"\"v\":1"`): a field whose name
    /// and value are the same in every record.
    public mutating func member(json keyAndValue: StaticString) {
        separate()
        bytes.append(contentsOf: UnsafeBufferPointer(start: keyAndValue.utf8Start, count: keyAndValue.utf8CodeUnitCount))
    }

    private var pendingMember = false

    private mutating func beforeValue() {
        if pendingMember { pendingMember = false } else { separate() }
    }

    public mutating func value(_ s: String) { beforeValue(); appendQuoted(s) }
    /// A string value given as valid UTF-8 bytes (no String made for it).
    public mutating func value(utf8 s: UnsafeBufferPointer<UInt8>) { beforeValue(); appendQuoted(utf8: s) }
    public mutating func value(_ s: String?) { if let s { value(s) } else { null() } }
    public mutating func value(_ b: Bool) { beforeValue(); bytes.append(contentsOf: (b ? "true" : "false").utf8) }
    public mutating func value(_ n: Int64) { beforeValue(); bytes.append(contentsOf: String(n).utf8) }
    public mutating func value(_ n: Int) { value(Int64(n)) }
    public mutating func value(_ d: Double) {
        beforeValue()
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 {
            bytes.append(contentsOf: String(Int64(d)).utf8)
        } else if d.isFinite {
            bytes.append(contentsOf: "\(d)".utf8)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
    }
    public mutating func null() { beforeValue(); bytes.append(contentsOf: "null".utf8) }
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
        var copy = s
        copy.withUTF8 { appendQuoted(utf8: $0) }
    }

    /// `utf8` must be valid UTF-8 (text that was a String, or was checked as it was decoded).
    private mutating func appendQuoted(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        // Copy runs of bytes that need no escaping in one go; most text has none.
        var runStart = 0
        var i = Self.firstNeedingEscape(utf8, from: 0)
        while i < utf8.count {
            if i > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
            appendEscaped(utf8[i])
            runStart = i + 1
            i = Self.firstNeedingEscape(utf8, from: runStart)
        }
        if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        bytes.append(UInt8(ascii: "\""))
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
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(0x5C); bytes.append(c)
        case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 15)]])
        }
    }
}
