import Foundation

/// CPU time this process has used, by thread, from `/proc/self/task/*/stat` (user + system, in
/// clock ticks: 10 ms here). Over a measured span, divided by the span's wall time, it says
/// how many cores the process kept busy and which threads did — the embedded broker's and
/// librdkafka's included, which a profiler of Moments' own code does not show.
struct ProcessCPU {
    /// Ticks by thread id, with the thread's name.
    var threads: [Int: (name: String, ticks: Int)] = [:]

    static func now() -> ProcessCPU {
        var snapshot = ProcessCPU()
        guard let ids = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return snapshot }
        for id in ids {
            guard let tid = Int(id), let stat = try? String(contentsOfFile: "/proc/self/task/\(id)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            // The name is between the parentheses (it may hold spaces); utime and stime are
            // the 14th and 15th fields, the 12th and 13th after the name.
            let name = String(stat[stat.index(after: open)..<close])
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { continue }
            snapshot.threads[tid] = (name, user + system)
        }
        return snapshot
    }

    /// Seconds of CPU since `earlier`, by kind of thread (threads that ended meanwhile are lost).
    func since(_ earlier: ProcessCPU) -> [String: Double] {
        let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
        var byKind: [String: Double] = [:]
        for (tid, now) in threads {
            let ticks = now.ticks - (earlier.threads[tid]?.ticks ?? 0)
            if ticks > 0 { byKind[Self.kind(of: now.name), default: 0] += Double(ticks) / tick }
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
