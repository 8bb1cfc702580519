extension String {
    /// The string of bytes known to be valid UTF-8: checked by the lexer, or copied out of
    /// another String. `String(decoding:as:)` would check them all over again, which was a
    /// large part of the decoder's cost. A short string (most ids and attribute values) is
    /// composed in place as the two words of an inline String (`SmallStringWords`) when
    /// `composesInline` (the runtime's layout allows it); otherwise the standard library copies
    /// it into the String's inline storage, testing ASCII-ness and repairing invalid non-ASCII
    /// bytes (which the composed path would keep as they are: the bytes must be valid, and
    /// debug builds check it). Longer strings take the checked path (they need an allocation
    /// anyway).
    @inline(__always) init(validUTF8 bytes: UnsafeBufferPointer<UInt8>, composesInline: Bool = SmallStringWords.layoutHolds) {
        if bytes.count <= 15 {
            if composesInline {
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
