/// Orders and matches UTF-8 texts exactly as their Strings would be (String compares by
/// canonical equivalence), without making Strings in the common case: for ASCII, String order
/// is byte order. Only non-ASCII texts whose bytes differ are compared as Strings.
enum UTF8Order {
    /// Negative, zero or positive as `a` sorts before, as, or after `b`, as Strings.
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let order = bytewise(a, b)
        if order == 0 || (isASCII(a) && isASCII(b)) { return order }
        let x = String(validUTF8: a), y = String(validUTF8: b)
        return x == y ? 0 : x < y ? -1 : 1
    }

    /// The order of the bytes: the order of the Strings when both are ASCII.
    @inline(__always)
    static func bytewise(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(a.count, b.count)
        var k = 0
        while k < common, a[k] == b[k] { k += 1 }
        if k < common { return a[k] < b[k] ? -1 : 1 }
        return a.count == b.count ? 0 : a.count < b.count ? -1 : 1
    }

    /// Whether the Strings of `a` and `b` are equal.
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if a.count == b.count, bytewise(a, b) == 0 { return true }
        if isASCII(a), isASCII(b) { return false }
        return String(validUTF8: a) == String(validUTF8: b)
    }

    static func isASCII(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var bits: UInt8 = 0
        for byte in text { bits |= byte }
        return bits < 0x80
    }
}
