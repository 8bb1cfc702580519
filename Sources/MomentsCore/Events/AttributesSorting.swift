extension Attributes {
    /// One pair as a document or a literal gave it: views of its key's and value's UTF-8 bytes,
    /// and its place among the others (so that, of equal keys, the later value wins).
    struct TextPair {
        var key: UnsafeBufferPointer<UInt8>
        var value: UnsafeBufferPointer<UInt8>
        var position: Int
    }

    /// The attributes of `pairs`, given in any order: sorted once, here, then written in one
    /// allocation of the exact size. Setting them one by one would search and shift the sorted
    /// bytes for every pair, and most producers send an order of their own (tier, language,
    /// region...): that was about a third of decoding. Of equal keys the first one's spelling
    /// is kept with the last one's value, as the subscript does. `pairs` is reordered.
    init(sorting pairs: UnsafeMutableBufferPointer<TextPair>) {
        let asciiKeys = pairs.allSatisfy { UTF8Order.isASCII($0.key) }
        Self.sortStably(pairs, asciiKeys: asciiKeys)
        // Each run of equal keys (adjacent now) makes one pair: its first key takes its last
        // value, and the others are marked dropped (position -1).
        var size = 0, kept = 0, i = 0
        while i < pairs.count {
            var last = i
            while last + 1 < pairs.count, Self.order(pairs[i], pairs[last + 1], asciiKeys: asciiKeys) == 0 {
                last += 1
                pairs[last].position = -1
            }
            pairs[i].value = pairs[last].value
            size += AttributeBytes.size(of: pairs[i].key) + AttributeBytes.size(of: pairs[i].value)
            kept += 1
            i = last + 1
        }
        // Written on the stack, then copied into the array: `[UInt8](unsafeUninitializedCapacity:)`
        // is not specialized, and looked up the array's generic metadata on every call (a
        // third of this initializer's instructions); `Array(buffer)` is.
        let bytes = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { out in
            var written = 0
            for p in pairs where p.position >= 0 {
                written = AttributeBytes.write(p.key, to: out, at: written)
                written = AttributeBytes.write(p.value, to: out, at: written)
            }
            return Array(UnsafeBufferPointer(rebasing: out[0..<written]))
        }
        self.init(bytes: bytes, count: kept)
    }

    /// Key order of two pairs (bytewise when every key is ASCII, which is String order then).
    @inline(__always)
    private static func order(_ a: TextPair, _ b: TextPair, asciiKeys: Bool) -> Int {
        asciiKeys ? UTF8Order.bytewise(a.key, b.key) : UTF8Order.compare(a.key, b.key)
    }

    /// Key order, then position: a total order, so any sort of it is stable.
    @inline(__always)
    private static func less(_ a: TextPair, _ b: TextPair, asciiKeys: Bool) -> Bool {
        let o = order(a, b, asciiKeys: asciiKeys)
        return o != 0 ? o < 0 : a.position < b.position
    }

    /// The attributes of String pairs, later duplicates winning.
    init(strings: some Collection<(String, String)>) {
        var text: [UInt8] = []
        var ranges: [(key: Range<Int>, value: Range<Int>)] = []
        ranges.reserveCapacity(strings.count)
        for (k, v) in strings {
            let keyStart = text.count
            text.append(contentsOf: k.utf8)
            let valueStart = text.count
            text.append(contentsOf: v.utf8)
            ranges.append((keyStart..<valueStart, valueStart..<text.count))
        }
        self = text.withUnsafeBufferPointer { text in
            withUnsafeTemporaryAllocation(of: TextPair.self, capacity: ranges.count) { pairs in
                for (position, r) in ranges.enumerated() {
                    pairs.initializeElement(
                        at: position,
                        to: TextPair(key: UnsafeBufferPointer(rebasing: text[r.key]), value: UnsafeBufferPointer(rebasing: text[r.value]), position: position))
                }
                return Attributes(sorting: pairs)
            }
        }
    }

    /// An insertion sort for the usual handful (no allocation, few comparisons when nearly
    /// sorted); the library's sort beyond, so that thousands of hostile pairs stay n log n.
    /// `less` is a total order (positions break ties), so both give the same result.
    private static func sortStably(_ pairs: UnsafeMutableBufferPointer<TextPair>, asciiKeys: Bool) {
        guard pairs.count <= 16 else {
            var pairs = pairs
            pairs.sort { less($0, $1, asciiKeys: asciiKeys) }
            return
        }
        var i = 1
        while i < pairs.count {
            let p = pairs[i]
            var j = i
            while j > 0, less(p, pairs[j - 1], asciiKeys: asciiKeys) {
                pairs[j] = pairs[j - 1]
                j -= 1
            }
            pairs[j] = p
            i += 1
        }
    }
}
