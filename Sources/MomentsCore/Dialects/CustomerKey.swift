/// Where a vendor message's customer key is found: a path into the message (`detail.tags.customer_id`,
/// `TaskAttributes.customers.external_id`, `conversationExternalContactIds[0]`), or the Kafka
/// message key (`@key`) when the bridge that fills the topic keys it by customer.
public enum CustomerKey: Sendable, Equatable, CustomStringConvertible {
    case path([String])
    case messageKey

    public struct SyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `a.b.c`, `a.b[0]` or `@key`.
    public init(parsing text: String) throws(SyntaxError) {
        if text == "@key" { self = .messageKey; return }
        guard !text.isEmpty, text.utf8.count <= 256 else {
            throw SyntaxError(description: "customer_key must be a dotted path such as attributes.customer_id, or @key")
        }
        var parts: [String] = []
        for piece in text.split(separator: ".", omittingEmptySubsequences: false) {
            // `ids[0]` is the same as `ids.0`.
            var name = Substring(piece)
            var indices: [String] = []
            while name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                let index = name[name.index(after: open)..<name.index(before: name.endIndex)]
                guard !index.isEmpty, index.allSatisfy(\.isASCIIDigit) else {
                    throw SyntaxError(description: "customer_key '\(text)': '[\(index)]' is not an array index")
                }
                indices.insert(String(index), at: 0)
                name = name[..<open]
            }
            guard !name.isEmpty, !name.contains("["), !name.contains("]") else {
                throw SyntaxError(description: "customer_key '\(text)' has an empty or malformed segment")
            }
            parts.append(String(name))
            parts.append(contentsOf: indices)
        }
        self = .path(parts)
    }

    public var description: String {
        switch self {
        case .messageKey: return "@key"
        case .path(let p): return p.joined(separator: ".")
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { (0x30...0x39).contains($0) } ?? false }
}
