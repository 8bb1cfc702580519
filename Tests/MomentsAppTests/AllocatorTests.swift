#if os(Linux)
import Glibc
import MomentsApp
import Testing

/// The process's malloc is jemalloc (see Allocator.swift): linked, ahead of glibc, and counting.
@Suite struct AllocatorTests {
    @Test func jemallocReportsItsVersion() {
        let name = Allocator.name
        #expect(name.hasPrefix("jemalloc "), "allocator: \(name)")
        #expect(name.dropFirst("jemalloc ".count).first?.isNumber == true, "allocator: \(name)")
    }

    /// A plain malloc is served by jemalloc, not glibc: jemalloc's count of this thread's
    /// allocations grows by at least what was asked for.
    @Test func mallocIsServedByJemalloc() throws {
        let before = try #require(Allocator.bytesAllocatedByThisThread)
        let size = 3 << 20
        let p = try #require(malloc(size))
        defer { free(p) }
        memset(p, 1, size)   // used, so the call is not optimized away
        let after = try #require(Allocator.bytesAllocatedByThisThread)
        #expect(after - before >= UInt64(size))
    }
}
#endif
