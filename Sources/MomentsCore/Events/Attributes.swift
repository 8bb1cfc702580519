/// The free-form attributes of an event, an interaction or a moment (tier, language, region...):
/// pairs sorted by key, unique keys, kept as one buffer of UTF-8 bytes (`AttributeBytes`).
///
/// An event carries a handful of them, and every event of an interaction usually carries the
/// same ones. As sorted bytes they decode without making a String or hashing, compare with one
/// byte comparison (so "nothing changed", the common case of `merge`, is cheap), iterate in a
/// deterministic order, and take a fraction of the memory of a dictionary. Strings are made
/// only when a pair is read.
///
/// Keys are ordered and matched as Strings are (`UTF8Order`), so two spellings of the same
/// text are one key, as in a dictionary.
public struct Attributes: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public typealias Element = (key: String, value: String)

    private var bytes: [UInt8]
    public private(set) var count: Int

    /// The most attributes an event may carry, and an interaction keeps (`merge`): every alert
    /// about the interaction carries them, so they are bounded like ids are. A canonical event
    /// past a limit is refused (dead-lettered); the vendor dialects keep the first pairs within
    /// them.
    public static let maxCount = 32
    /// The longest attribute name and value, in UTF-8 bytes.
    public static let maxKeyBytes = 64
    public static let maxValueBytes = 256

    public init() { bytes = []; count = 0 }

    /// Pairs already sorted and unique, laid out as `AttributeBytes` says.
    init(bytes: [UInt8], count: Int) { self.bytes = bytes; self.count = count }

    public init(_ dictionary: [String: String]) { self.init(strings: dictionary.lazy.map { ($0.key, $0.value) }) }

    public init(dictionaryLiteral elements: (String, String)...) { self.init(strings: elements) }

    public var isEmpty: Bool { count == 0 }
    public var keys: [String] { map(\.key) }
    public var description: String { "[" + map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "]" }

    /// The value of `key`; setting nil removes it. Later values of a key replace earlier ones.
    public subscript(key: String) -> String? {
        get {
            key.withUTF8Bytes { wanted in
                bytes.withUnsafeBufferPointer { buf in
                    var offset = 0
                    while offset < buf.count {
                        let k = AttributeBytes.text(buf, at: &offset)
                        let v = AttributeBytes.text(buf, at: &offset)
                        if UTF8Order.equal(k, wanted) { return String(validUTF8: v) }
                    }
                    return nil
                }
            }
        }
        set {
            key.withUTF8Bytes { k in set(k, newValue) }
        }
    }

    /// The setter's work: replaces the value of an existing key in place, or splices a new pair
    /// in at its sorted place.
    private mutating func set(_ key: UnsafeBufferPointer<UInt8>, _ newValue: String?) {
        // Where the pair of `key` is (or would go), and where its value field is if it exists.
        var place = 0
        var valueField: Range<Int>?
        bytes.withUnsafeBufferPointer { buf in
            var offset = 0
            while offset < buf.count {
                place = offset
                let order = UTF8Order.compare(AttributeBytes.text(buf, at: &offset), key)
                let valueStart = offset
                _ = AttributeBytes.field(buf, at: &offset)
                if order == 0 { valueField = valueStart..<offset; return }
                if order > 0 { return }
                place = offset
            }
        }
        var encoded: [UInt8] = []
        if var value = newValue {
            if valueField == nil { encoded = AttributeBytes.encoded(key) }
            value.withUTF8 { encoded += AttributeBytes.encoded($0) }
        }
        switch (valueField, newValue) {
        case (let field?, _?): bytes.replaceSubrange(field, with: encoded)
        case (let field?, nil): bytes.removeSubrange(place..<field.upperBound); count -= 1
        case (nil, _?): bytes.insert(contentsOf: encoded, at: place); count += 1
        case (nil, nil): break
        }
    }

    /// Sets every pair of `other` (its values win), writing nothing when nothing differs. A key
    /// new to these attributes is added only while they hold fewer than `maxCount`: each event
    /// is bounded, but an interaction's events could bring new keys without end.
    public mutating func merge(_ other: Attributes) {
        if other.isEmpty { return }
        if isEmpty && other.count <= Self.maxCount { self = other; return }
        if self == other { return }
        for (k, v) in other {
            guard let current = self[k] else {
                if count < Self.maxCount { self[k] = v }
                continue
            }
            if current != v { self[k] = v }
        }
    }

    public func makeIterator() -> Iterator { Iterator(bytes: bytes) }

    /// Calls `body` with each pair's UTF-8 bytes, in key order (UTF-8 byte order), without
    /// making Strings: for writers that copy the bytes out.
    public func forEachUTF8(_ body: (_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void) {
        bytes.withUnsafeBufferPointer { buf in
            var offset = 0
            while offset < buf.count {
                let k = AttributeBytes.text(buf, at: &offset)
                let v = AttributeBytes.text(buf, at: &offset)
                body(k, v)
            }
        }
    }

    /// The pairs in key order, each made a pair of Strings as it is reached.
    public struct Iterator: IteratorProtocol {
        let bytes: [UInt8]
        var offset = 0

        public mutating func next() -> Element? {
            guard offset < bytes.count else { return nil }
            return bytes.withUnsafeBufferPointer { buf in
                let k = AttributeBytes.text(buf, at: &offset)
                let v = AttributeBytes.text(buf, at: &offset)
                return (key: String(validUTF8: k), value: String(validUTF8: v))
            }
        }
    }

    public static func == (lhs: Attributes, rhs: Attributes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        // `merge` compares every event's attributes with its interaction's: one memcmp.
        if lhs.bytes.withUnsafeBufferPointer({ l in rhs.bytes.withUnsafeBufferPointer { ByteScan.equal(l, $0) } }) { return true }
        // Different bytes can still be equal Strings: text in two normalization forms.
        return lhs.bytes.withUnsafeBufferPointer { l in
            rhs.bytes.withUnsafeBufferPointer { r in
                var i = 0, j = 0
                while i < l.count {
                    guard UTF8Order.equal(AttributeBytes.text(l, at: &i), AttributeBytes.text(r, at: &j)),
                          UTF8Order.equal(AttributeBytes.text(l, at: &i), AttributeBytes.text(r, at: &j))
                    else { return false }
                }
                return true
            }
        }
    }
}
