/// Tests eight bytes of a JSON string at once for bytes that need attention: the quote, the
/// backslash and control characters (below 0x20). Readers and writers of strings step over the
/// plain bytes a word at a time and look at single bytes only around the ones these tests flag.
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Eight bytes at `offset` (which must leave at least eight), as one little-endian word.
    /// Unaligned, because strings start anywhere.
    @inline(__always) static func word(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt64 {
        precondition(bytes.count - offset >= 8)
        return UInt64(littleEndian: UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Whether any byte of `v` is a quote, a backslash or below 0x20. Exact: the classic "has a
    /// zero byte" and "has a byte less than n" tests can flag a wrong byte (a borrow), but only
    /// above one that truly matches, so whether any byte matches is never wrong.
    @inline(__always) static func needsEscape(_ v: UInt64) -> Bool {
        let quote = v ^ (ones &* 0x22), backslash = v ^ (ones &* 0x5C)
        let flags = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((v &- ones &* 0x20) & ~v)
        return flags & highs != 0
    }

    /// Whether any byte of `v` is 0x80 or above (part of a multi-byte UTF-8 sequence).
    @inline(__always) static func hasNonASCII(_ v: UInt64) -> Bool { v & highs != 0 }
}
