/// A strict, bounded JSON parser (RFC 8259) over raw bytes, building a `JSONValue` tree.
///
/// Written for hostile input: nesting depth and document size are capped, invalid UTF-8 is an
/// error rather than a replacement character, and every error names the byte offset. The
/// lexing itself is `JSONLexer`'s, shared with the event scanner.
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
        let result = bytes.withUnsafeBufferPointer { buf -> Result<JSONValue, Error> in
            var lexer = JSONLexer(buf: buf, maxDepth: limits.maxDepth)
            do throws(Error) {
                lexer.skipSpace()
                let v = try value(&lexer, depth: 0)
                lexer.skipSpace()
                if !lexer.atEnd { throw lexer.fail("unexpected data after the document") }
                return .success(v)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func value(_ lx: inout JSONLexer, depth: Int) throws(Error) -> JSONValue {
        guard !lx.atEnd else { throw lx.fail("unexpected end of input") }
        switch lx.current {
        case UInt8(ascii: "{"):
            try lx.enterContainer(depth: depth + 1)
            var members: [(String, JSONValue)] = []
            lx.skipSpace()
            if !lx.atEnd, lx.current == UInt8(ascii: "}") { lx.i += 1; return .object(members) }
            while true {
                lx.skipSpace()
                guard !lx.atEnd, lx.current == UInt8(ascii: "\"") else { throw lx.fail("expected a member name") }
                // Lexed first: `lx.text(try lx.string())` would read the lexer as it was before
                // the string, without the escapes it decoded into `scratch`.
                let name = try lx.string()
                let key = lx.text(name)
                try lx.expect(UInt8(ascii: ":"), "expected ':'")
                lx.skipSpace()
                members.append((key, try value(&lx, depth: depth + 1)))
                if try lx.endOfMember(close: UInt8(ascii: "}"), "expected ',' or '}'") { return .object(members) }
            }
        case UInt8(ascii: "["):
            try lx.enterContainer(depth: depth + 1)
            var items: [JSONValue] = []
            lx.skipSpace()
            if !lx.atEnd, lx.current == UInt8(ascii: "]") { lx.i += 1; return .array(items) }
            while true {
                lx.skipSpace()
                items.append(try value(&lx, depth: depth + 1))
                if try lx.endOfMember(close: UInt8(ascii: "]"), "expected ',' or ']'") { return .array(items) }
            }
        default:
            switch try lx.scalar() {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .number(let n): return .number(n)
            case .string(let t): return .string(lx.text(t))
            }
        }
    }
}
