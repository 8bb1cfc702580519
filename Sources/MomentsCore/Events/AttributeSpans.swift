/// The attribute pairs of one document, as the scan meets them: spans of the input, or of the
/// lexer's scratch for escaped text. They become `Attributes` once the attributes object is
/// closed, when the scratch no longer moves. The usual handful lives in a buffer on the stack;
/// an `InlineArray` kept here instead was copied whole each time a pair was read back (a
/// memcpy of its 384 bytes per attribute, per event).
struct AttributeSpans {
    typealias Pair = (key: JSONLexer.Text, value: JSONLexer.Text)

    static let stackCapacity = 16

    private let stack: UnsafeMutableBufferPointer<Pair>
    /// All the pairs, once there are more than the stack buffer holds.
    private var spilled: [Pair] = []
    private(set) var count = 0

    private init(stack: UnsafeMutableBufferPointer<Pair>) { self.stack = stack }

    /// Calls `body` with an empty list whose first pairs are kept on the stack.
    static func withList<R>(
        _ body: (inout AttributeSpans) throws(JSONParser.Error) -> R
    ) throws(JSONParser.Error) -> R {
        try withUnsafeTemporaryAllocation(of: Pair.self, capacity: stackCapacity) { (stack) throws(JSONParser.Error) -> R in
            var spans = AttributeSpans(stack: stack)
            return try body(&spans)
        }
    }

    mutating func append(key: JSONLexer.Text, value: JSONLexer.Text) {
        if count < stack.count {
            stack.initializeElement(at: count, to: (key, value))
        } else {
            if spilled.isEmpty { spilled.append(contentsOf: stack) }
            spilled.append((key, value))
        }
        count += 1
    }

    subscript(position: Int) -> Pair { spilled.isEmpty ? stack[position] : spilled[position] }

    func attributes(_ lx: JSONLexer) -> Attributes {
        guard count > 0 else { return Attributes() }
        return lx.scratch.withUnsafeBufferPointer { scratch in
            func bytes(_ t: JSONLexer.Text) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: (t.escaped ? scratch : lx.buf)[t.range])
            }
            return withUnsafeTemporaryAllocation(of: Attributes.TextPair.self, capacity: count) { pairs in
                for position in 0..<count {
                    let p = self[position]
                    pairs.initializeElement(at: position, to: .init(key: bytes(p.key), value: bytes(p.value), position: position))
                }
                return Attributes(sorting: pairs)
            }
        }
    }
}
