extension String {
    /// The string of bytes known to be valid UTF-8: checked by the lexer, or copied out of
    /// another String. `String(decoding:as:)` would check them all over again, which was a
    /// large part of the decoder's cost. A short string (most ids and attribute values) is
    /// composed in place as the two words of an inline String (`SmallStringWords`), where the
    /// runtime's layout allows it; otherwise copied into the String's inline storage by the
    /// standard library, which tests only ASCII-ness. Longer strings take the checked path
    /// (they need an allocation anyway).
    @inline(__always) init(validUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.count <= 15 {
            if SmallStringWords.layoutHolds {
                self = SmallStringWords.string(bytes)
            } else {
                self = String(unsafeUninitializedCapacity: bytes.count) { out in
                    _ = out.initialize(fromContentsOf: bytes)
                    return bytes.count
                }
            }
        } else {
            self = String(decoding: bytes, as: UTF8.self)
        }
    }
}
