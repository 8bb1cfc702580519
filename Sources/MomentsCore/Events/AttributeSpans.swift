/// The attribute pairs of one document, as the scan meets them: spans of the input, or of the
/// lexer's scratch for escaped text. They become `Attributes` once the attributes object is
/// closed, when the scratch no longer moves. The usual handful stays on the stack.
struct AttributeSpans {
    typealias Pair = (key: JSONLexer.Text, value: JSONLexer.Text)

    private static let inlineCapacity = 8
    private var inline = InlineArray<8, Pair>(repeating: (JSONLexer.Text(range: 0..<0), JSONLexer.Text(range: 0..<0)))
    /// All the pairs, once there are more than fit inline.
    private var spilled: [Pair] = []
    private var count = 0

    mutating func append(key: JSONLexer.Text, value: JSONLexer.Text) {
        if count < Self.inlineCapacity {
            inline[count] = (key, value)
        } else {
            if spilled.isEmpty { for i in 0..<count { spilled.append(inline[i]) } }
            spilled.append((key, value))
        }
        count += 1
    }

    func attributes(_ lx: JSONLexer) -> Attributes {
        guard count > 0 else { return Attributes() }
        return lx.scratch.withUnsafeBufferPointer { scratch in
            func bytes(_ t: JSONLexer.Text) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: (t.escaped ? scratch : lx.buf)[t.range])
            }
            return withUnsafeTemporaryAllocation(of: Attributes.TextPair.self, capacity: count) { pairs in
                for position in 0..<count {
                    let p = position < Self.inlineCapacity && spilled.isEmpty ? inline[position] : spilled[position]
                    pairs.initializeElement(at: position, to: .init(key: bytes(p.key), value: bytes(p.value), position: position))
                }
                return Attributes(sorting: pairs)
            }
        }
    }
}
