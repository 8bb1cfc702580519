import Foundation

/// CPU time this process has used, by thread: each thread's own CPU clock (the kernel's
/// per-thread clock id, read with `clock_gettime`, to the nanosecond; `/proc/self/task/*/stat`
/// counts 10 ms ticks, which over a run of a third of a second left each thread's figure a few
/// per cent off). Over a measured span, divided by the span's wall time, it says how many cores
/// the process kept busy and which threads did, and divided by the events, what an event cost
/// each kind of thread — the embedded broker's and librdkafka's included, which a profiler of
/// Moments' own code does not show.
struct ProcessCPU {
    /// Nanoseconds by thread id, with the thread's name.
    var threads: [Int: (name: String, nanoseconds: Int)] = [:]

    static func now() -> ProcessCPU {
        var snapshot = ProcessCPU()
        guard let ids = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return snapshot }
        for id in ids {
            guard let tid = Int(id), let name = try? String(contentsOfFile: "/proc/self/task/\(id)/comm", encoding: .utf8) else { continue }
            // Linux's clock id of a thread's CPU time: the thread id, complemented, shifted by
            // three, with the per-thread (4) and scheduler-clock (2) bits (MAKE_THREAD_CPUCLOCK).
            var ts = timespec()
            guard clock_gettime(clockid_t(truncatingIfNeeded: (~tid << 3) | 6), &ts) == 0 else { continue }   // ended meanwhile
            snapshot.threads[tid] = (name.trimmingCharacters(in: .whitespacesAndNewlines), ts.tv_sec * 1_000_000_000 + ts.tv_nsec)
        }
        return snapshot
    }

    /// Seconds of CPU since `earlier`, by kind of thread (threads that ended meanwhile are lost).
    func since(_ earlier: ProcessCPU) -> [String: Double] {
        var byKind: [String: Double] = [:]
        for (tid, now) in threads {
            let ns = now.nanoseconds - (earlier.threads[tid]?.nanoseconds ?? 0)
            if ns > 0 { byKind[Self.kind(of: now.name), default: 0] += Double(ns) / 1e9 }
        }
        return byKind
    }

    /// librdkafka names its threads `rdk:…`; the embedded broker's is `rdk:mock`.
    static func kind(of name: String) -> String {
        if name == "rdk:mock" { return "broker" }
        if name.hasPrefix("rdk:") { return "librdkafka" }
        if name == "moments-pipe" { return "pipeline thread" }
        if name == "moments-engine" { return "engine threads" }
        return "other"
    }
}
