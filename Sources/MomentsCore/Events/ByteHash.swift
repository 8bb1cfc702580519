/// The pieces the id hashes share (the customer table's, the duplicate filter's fingerprints,
/// the attribute cache's, the pipeline's delivered-output counters'): how a run of bytes is read
/// as words, one mixing round and the finishing avalanche. None of these hashes is persisted,
/// so they may change between versions.
public enum ByteHash {
    /// Visits every byte of `bytes` as little-endian words: 8 at a time, the last word the one
    /// that ends at the last byte (overlapping the one before); a run of up to 8 bytes as one
    /// word (`shortRunWord`). No byte loop. Runs of one length give one number of words, and a
    /// hash that mixes the length in first cannot confuse two runs through the overlap.
    @inline(__always) static func forEachWord(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UInt64) -> Void) {
        let n = bytes.count
        guard n > 8 else { return body(shortRunWord(bytes)) }
        var i = 0
        while n - i > 8 {
            body(ByteScan.word(bytes, at: i))
            i += 8
        }
        body(ByteScan.word(bytes, at: n - 8))
    }

    /// The bytes of a run of up to eight as one word: all of them, read in at most two loads
    /// (overlapping where the run is not 4 or 8 bytes long) rather than byte by byte.
    /// Different runs of the same length give different words.
    @inline(__always) static func shortRunWord(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = bytes.count
        precondition(n <= 8)
        let raw = UnsafeRawBufferPointer(bytes)
        if n == 8 { return ByteScan.word(bytes, at: 0) }
        if n >= 4 {
            let low = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            let high = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            return UInt64(low) | UInt64(high) << 32
        }
        guard n > 0 else { return 0 }
        return UInt64(bytes[0]) | UInt64(bytes[n / 2]) << 8 | UInt64(bytes[n - 1]) << 16
    }

    /// One round: the word multiplied in, rotated, multiplied again (a bijection of `h` for a
    /// given word, so no state is lost).
    @inline(__always) static func mix(_ h: UInt64, _ word: UInt64) -> UInt64 {
        let x = h ^ (word &* 0x87C3_7B91_1142_53D5)
        return ((x << 31) | (x >> 33)) &* 0x4CF5_AD43_2745_937F
    }

    /// MurmurHash3's finalizer: every input bit reaches every output bit.
    @inline(__always) static func avalanche(_ x: UInt64) -> UInt64 {
        var x = x
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }

    /// `h` with the UTF-8 bytes of `s` mixed in, length first (so that "ab" then "c" and "a"
    /// then "bc" differ); `avalanche` the last result. A few instructions a word where a
    /// `Hasher` runs SipHash over every byte: for tables of keys few and bounded, made by this
    /// process, where flooding is no concern (`PipelineMetrics.DeliveredLabels`).
    public static func mixing(_ s: String, into h: UInt64) -> UInt64 {
        s.withUTF8Bytes { bytes in
            var h = mix(h, UInt64(bytes.count))
            forEachWord(bytes) { h = mix(h, $0) }
            return h
        }
    }

    /// MurmurHash3's finalizer (`avalanche`), for a hash made with `mixing`.
    public static func finish(_ h: UInt64) -> UInt64 { avalanche(h) }
}
