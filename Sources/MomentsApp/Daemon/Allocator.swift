#if canImport(CJemalloc)
import CJemalloc
#endif

/// Which malloc this process runs on, for the start log and the benchmarks' header.
///
/// On Linux this module links jemalloc, so the executable (and the test runner) do, and it serves
/// every allocation of the process, the Swift runtime's and librdkafka's included. The pipeline
/// allocates on its engine threads (events, outputs, encoded records) and frees on its own
/// thread (after the producer's acknowledgement), and glibc's per-thread caches do badly with
/// that pattern: one thread's cache is always empty, the other's always full, so most calls go
/// to a locked arena. The e2e bench ran at 1.20–1.67× the events per second with jemalloc (the
/// same minutes, alternating); the one-thread engine bench is the same with either.
public enum Allocator {
    public static var name: String {
        #if canImport(CJemalloc)
        var version: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &size, nil, 0) == 0, let version else { return "jemalloc" }
        return "jemalloc " + String(cString: version)
        #else
        return "system malloc"
        #endif
    }

    /// Returns the pages of freed memory to the system now, as jemalloc otherwise does over its
    /// decay time (10 s by default), so a resident-set reading right after a burst of frees
    /// counts what is live. False on another malloc.
    @discardableResult
    public static func returnFreedPages() -> Bool {
        #if canImport(CJemalloc)
        // 4096 is MALLCTL_ARENAS_ALL: every arena.
        return mallctl("arena.4096.purge", nil, nil, nil, 0) == 0
        #else
        return false
        #endif
    }

    /// Bytes this thread has allocated so far, as jemalloc counts them; nil on another malloc.
    public static var bytesAllocatedByThisThread: UInt64? {
        #if canImport(CJemalloc)
        var bytes: UInt64 = 0
        var size = MemoryLayout<UInt64>.size
        guard mallctl("thread.allocated", &bytes, &size, nil, 0) == 0 else { return nil }
        return bytes
        #else
        return nil
        #endif
    }
}
