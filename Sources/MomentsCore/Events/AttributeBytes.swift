/// The byte layout `Attributes` keeps its pairs in: one buffer, the pairs sorted by key, each
/// pair its key then its value, and each of those a length (LEB128: one byte below 128)
/// followed by the text's UTF-8 bytes. One allocation per set of attributes instead of an
/// array of Strings, and the same pairs always make the same bytes, so equality is a byte
/// comparison.
enum AttributeBytes {
    /// The bytes `text` takes as one field.
    @inline(__always)
    static func size(of text: UnsafeBufferPointer<UInt8>) -> Int {
        var n = text.count, size = 1
        while n >= 0x80 { n >>= 7; size += 1 }
        return size + text.count
    }

    /// Writes `text` as one field at `offset` of `out` (which has room, see `size`); returns
    /// the offset after it.
    @inline(__always)
    static func write(_ text: UnsafeBufferPointer<UInt8>, to out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        var n = UInt(text.count), i = offset
        while n >= 0x80 {
            out[i] = UInt8(truncatingIfNeeded: n) | 0x80
            n >>= 7
            i += 1
        }
        out[i] = UInt8(n)
        i += 1
        if let base = text.baseAddress { (out.baseAddress! + i).initialize(from: base, count: text.count) }
        return i + text.count
    }

    /// `text` as one field, in a new array (to splice into a buffer).
    static func encoded(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: size(of: text)) { out, written in written = write(text, to: out, at: 0) }
    }

    /// Where the text of the field at `offset` is, moving `offset` past the field.
    @inline(__always)
    static func field(_ buf: UnsafeBufferPointer<UInt8>, at offset: inout Int) -> Range<Int> {
        var n = 0, shift = 0
        while true {
            let b = buf[offset]
            offset += 1
            n |= Int(b & 0x7F) << shift
            if b < 0x80 { break }
            shift += 7
        }
        let start = offset
        offset += n
        return start..<offset
    }

    /// The text of the field at `offset`, moving `offset` past the field.
    @inline(__always)
    static func text(_ buf: UnsafeBufferPointer<UInt8>, at offset: inout Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: buf[field(buf, at: &offset)])
    }
}
