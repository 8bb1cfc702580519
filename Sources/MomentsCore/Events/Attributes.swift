/// The free-form attributes of an event, an interaction or a moment (tier, language, region...):
/// a short array of pairs sorted by key, unique keys.
///
/// An event carries a handful of them, and every event of an interaction usually carries the
/// same ones. As a sorted array they decode without hashing, compare pair by pair (so "nothing
/// changed", the common case, is cheap), iterate in a deterministic order, and take about half
/// the memory of a dictionary.
public struct Attributes: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public typealias Element = (key: String, value: String)

    private var pairs: [Element] = []

    public init() {}

    public init(_ dictionary: [String: String]) {
        pairs = dictionary.map { (key: $0.key, value: $0.value) }.sorted { $0.key < $1.key }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        for (k, v) in elements { self[k] = v }
    }

    public var isEmpty: Bool { pairs.isEmpty }
    public var count: Int { pairs.count }
    public var keys: [String] { pairs.map(\.key) }
    public var description: String { "[" + pairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]" }

    /// The value of `key`; setting nil removes it. Later values of a key replace earlier ones.
    public subscript(key: String) -> String? {
        get {
            for p in pairs where p.key == key { return p.value }
            return nil
        }
        set {
            var i = 0
            while i < pairs.count, pairs[i].key < key { i += 1 }
            if i < pairs.count, pairs[i].key == key {
                if let newValue { pairs[i].value = newValue } else { pairs.remove(at: i) }
            } else if let newValue {
                pairs.insert((key, newValue), at: i)
            }
        }
    }

    /// Sets every pair of `other` (its values win), writing nothing when nothing differs.
    public mutating func merge(_ other: Attributes) {
        if pairs.isEmpty { self = other; return }
        if self == other { return }
        for (k, v) in other where self[k] != v { self[k] = v }
    }

    public mutating func reserveCapacity(_ n: Int) { pairs.reserveCapacity(n) }

    public func makeIterator() -> IndexingIterator<[Element]> { pairs.makeIterator() }

    public static func == (lhs: Attributes, rhs: Attributes) -> Bool {
        guard lhs.pairs.count == rhs.pairs.count else { return false }
        for (a, b) in zip(lhs.pairs, rhs.pairs) where a.key != b.key || a.value != b.value { return false }
        return true
    }
}
