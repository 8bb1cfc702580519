extension String {
    /// The string of bytes known to be valid UTF-8: checked by the lexer, or copied out of
    /// another String. `String(decoding:as:)` would check them all over again, which was a
    /// large part of the decoder's cost; a short string (most ids and attribute values) is
    /// instead copied straight into the String's inline storage, where only ASCII-ness is
    /// tested. Longer strings still take the checked path (they need an allocation anyway).
    @inline(__always) init(validUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.count <= 15 {
            self = String(unsafeUninitializedCapacity: bytes.count) { out in
                _ = out.initialize(fromContentsOf: bytes)
                return bytes.count
            }
        } else {
            self = String(decoding: bytes, as: UTF8.self)
        }
    }
}
