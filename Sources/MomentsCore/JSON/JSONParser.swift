/// A strict, bounded JSON parser (RFC 8259) over raw bytes.
///
/// Written for hostile input: nesting depth and document size are capped, invalid UTF-8 is an
/// error rather than a replacement character, and every error names the byte offset.
public struct JSONParser {
    public struct Limits: Sendable {
        public var maxDepth: Int = 32
        public var maxBytes: Int = 1 << 20
        public init() {}
    }

    public struct Error: Swift.Error, Equatable, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "invalid JSON at byte \(offset): \(message)" }
    }

    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws(Error) -> JSONValue {
        guard bytes.count <= limits.maxBytes else {
            throw Error(offset: 0, message: "document of \(bytes.count) bytes exceeds the limit of \(limits.maxBytes)")
        }
        var result: Result<JSONValue, Error> = .failure(Error(offset: 0, message: "empty document"))
        bytes.withUnsafeBufferPointer { buf in
            var p = Cursor(buf: buf, maxDepth: limits.maxDepth)
            do {
                p.skipSpace()
                let v = try p.value(depth: 0)
                p.skipSpace()
                if p.i != buf.count { throw Error(offset: p.i, message: "unexpected data after the document") }
                result = .success(v)
            } catch let e as Error {
                result = .failure(e)
            } catch {
                result = .failure(Error(offset: p.i, message: "\(error)"))
            }
        }
        return try result.get()
    }

    private struct Cursor {
        let buf: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var i = 0

        init(buf: UnsafeBufferPointer<UInt8>, maxDepth: Int) { self.buf = buf; self.maxDepth = maxDepth }

        func fail(_ message: String) -> Error { Error(offset: i, message: message) }

        mutating func skipSpace() {
            while i < buf.count {
                let c = buf[i]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard i < buf.count else { throw fail("unexpected end of input") }
            switch buf[i] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw fail("unexpected character '\(Unicode.Scalar(buf[i]))'")
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let n = word.utf8CodeUnitCount
            guard buf.count - i >= n else { throw fail("unexpected end of input") }
            for k in 0..<n where buf[i + k] != word.utf8Start[k] { throw fail("invalid literal") }
            i += n
        }

        mutating func object(depth: Int) throws -> JSONValue {
            guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
            i += 1
            var members: [(String, JSONValue)] = []
            skipSpace()
            if i < buf.count, buf[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace()
                guard i < buf.count, buf[i] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                let key = try string()
                skipSpace()
                guard i < buf.count, buf[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                skipSpace()
                members.append((key, try value(depth: depth)))
                skipSpace()
                guard i < buf.count else { throw fail("unexpected end of input") }
                if buf[i] == UInt8(ascii: ",") { i += 1; continue }
                if buf[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if i < buf.count, buf[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth))
                skipSpace()
                guard i < buf.count else { throw fail("unexpected end of input") }
                if buf[i] == UInt8(ascii: ",") { i += 1; continue }
                if buf[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func number() throws -> Double {
            let start = i
            if buf[i] == UInt8(ascii: "-") { i += 1 }
            guard i < buf.count, buf[i] >= 0x30, buf[i] <= 0x39 else { throw fail("invalid number") }
            if buf[i] == 0x30 { i += 1 } else { while i < buf.count, buf[i] >= 0x30, buf[i] <= 0x39 { i += 1 } }
            if i < buf.count, buf[i] == UInt8(ascii: ".") {
                i += 1
                guard i < buf.count, buf[i] >= 0x30, buf[i] <= 0x39 else { throw fail("invalid number") }
                while i < buf.count, buf[i] >= 0x30, buf[i] <= 0x39 { i += 1 }
            }
            if i < buf.count, buf[i] == UInt8(ascii: "e") || buf[i] == UInt8(ascii: "E") {
                i += 1
                if i < buf.count, buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-") { i += 1 }
                guard i < buf.count, buf[i] >= 0x30, buf[i] <= 0x39 else { throw fail("invalid number") }
                while i < buf.count, buf[i] >= 0x30, buf[i] <= 0x39 { i += 1 }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
            guard let v = Double(text), v.isFinite else { i = start; throw fail("number out of range") }
            return v
        }

        mutating func string() throws -> String {
            i += 1
            let start = i
            // Fast path: no escapes, so the bytes can be validated and copied at once.
            while i < buf.count {
                let c = buf[i]
                if c == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: buf[start..<i])
                    guard let s = Self.text(slice) else { i = start; throw fail("invalid UTF-8 in string") }
                    i += 1
                    return s
                }
                if c == UInt8(ascii: "\\") { break }
                if c < 0x20 { throw fail("control character in string") }
                i += 1
            }
            var bytes = Array(UnsafeBufferPointer(rebasing: buf[start..<i]))
            while i < buf.count {
                let c = buf[i]
                switch c {
                case UInt8(ascii: "\""):
                    i += 1
                    guard let s = bytes.withUnsafeBufferPointer({ Self.text($0) }) else { throw fail("invalid UTF-8 in string") }
                    return s
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
                    case UInt8(ascii: "u"):
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
                        bytes.append(contentsOf: String(Character(u)).utf8)
                    default: throw fail("invalid escape")
                    }
                default:
                    if c < 0x20 { throw fail("control character in string") }
                    bytes.append(c)
                    i += 1
                }
            }
            throw fail("unterminated string")
        }

        /// Strict UTF-8 to String. ASCII, nearly all of an event, takes the fast path: the
        /// generic validating initializer instantiates type metadata on every call.
        static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
            var ascii = true
            for b in bytes where b >= 0x80 { ascii = false; break }
            if ascii { return String(decoding: bytes, as: UTF8.self) }
            return String(validating: bytes, as: UTF8.self)
        }

        mutating func hex4() throws -> UInt32 {
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
    }
}
