#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// The high bit of each byte of `v` that is a quote, a backslash or below 0x20. The classic
    /// "has a zero byte" and "has a byte less than n" tests can also flag a byte just above a
    /// matching one (a borrow), never one below: so whether any byte matches, and which is the
    /// first, are exact.
    @inline(__always) static func escapeFlags(_ v: UInt64) -> UInt64 {
        let quote = v ^ (ones &* 0x22), backslash = v ^ (ones &* 0x5C)
        let flags = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((v &- ones &* 0x20) & ~v)
        return flags & highs
    }

    /// The high bit of each byte of `v` that is 0x80 or above (part of a multi-byte sequence).
    @inline(__always) static func nonASCIIFlags(_ v: UInt64) -> UInt64 { v & highs }

    /// Whether two byte runs are equal, with one memcmp (`[UInt8] ==` compares element by
    /// element). `Attributes` equality and the attribute cache's hits use it.
    @inline(__always) static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return a.isEmpty || a.baseAddress == b.baseAddress || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    /// The offset in the word of the first flagged byte (flags not zero).
    @inline(__always) static func firstFlagged(_ flags: UInt64) -> Int { flags.trailingZeroBitCount >> 3 }
}
