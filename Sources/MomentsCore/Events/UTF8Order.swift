/// Orders and matches UTF-8 texts as their Strings are equal (String compares by canonical
/// equivalence), without making Strings in the common case: for ASCII, String order is byte
/// order. Non-ASCII texts whose bytes differ are ordered by the bytes of their canonical
/// composition (NFC): Swift 6.3's `String <` is no total order there ("e\u{301}" against
/// "\u{e9}a": neither `<`, `>` nor `==`), so a sort of attribute names depended on their order
/// in the event, and equal names could end up apart and be kept twice. The composition is the
/// standard library's own (`_nfcCodeUnits`, what `==` compares): Foundation's has older Unicode
/// tables (a few scripts added since compose there otherwise) and took twenty times as long.
enum UTF8Order {
    /// Negative, zero or positive as `a` sorts before, as, or after `b`, consistent with String
    /// equality.
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let order = bytewise(a, b)
        if order == 0 || (isASCII(a) && isASCII(b)) { return order }
        let x = Array(String(validUTF8: a)._nfcCodeUnits), y = Array(String(validUTF8: b)._nfcCodeUnits)
        return x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { y in bytewise(x, y) } }
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

    /// Whether the Strings of `a` and `b` are equal (as `compare` orders them).
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if a.count == b.count, bytewise(a, b) == 0 { return true }
        if isASCII(a), isASCII(b) { return false }
        return compare(a, b) == 0
    }

    static func isASCII(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var bits: UInt8 = 0
        for byte in text { bits |= byte }
        return bits < 0x80
    }
}
