extension String {
    /// Reads the string's UTF-8 bytes in place. `withUTF8` is mutating, so calling it meant
    /// copying the String into a `var` first, a retain and a release and a check of the copy
    /// per call: for the output encoder's thirty strings an output, a twentieth of encoding.
    /// A string without contiguous UTF-8 (bridged from elsewhere) is read through a copy.
    @inline(__always) func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = self
        return copy.withUTF8(body)
    }

    /// Copies the string's UTF-8 bytes into `out` at `offset`; returns the offset after them.
    /// For strings written once into storage of a length known first (`OutputID`, `Template`).
    @inline(__always) func copyUTF8(into out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        withUTF8Bytes { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return offset }
            (out.baseAddress! + offset).update(from: base, count: bytes.count)
            return offset + bytes.count
        }
    }
}
