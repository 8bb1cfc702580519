import Foundation

/// The kernel's CPU pressure stall figure (`/proc/pressure/cpu`, "some"): microseconds during
/// which at least one runnable thread of the machine waited for a core. Over a measured span,
/// divided by its wall time, it tells a core shortage (threads ready but not running) apart
/// from idleness (threads blocked, waiting for each other or for the broker), which the
/// per-thread CPU times of `ProcessCPU` cannot. Nil where the kernel has no PSI.
struct CPUPressure {
    let someMicros: Int

    static func now() -> CPUPressure? {
        guard let text = try? String(contentsOfFile: "/proc/pressure/cpu", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("some ") }),
            let total = line.split(separator: " ").first(where: { $0.hasPrefix("total=") }),
            let micros = Int(total.dropFirst("total=".count))
        else { return nil }
        return CPUPressure(someMicros: micros)
    }

    /// The share of `seconds` during which some thread waited for a core, since `earlier`.
    func share(since earlier: CPUPressure, over seconds: Double) -> Double {
        Double(someMicros - earlier.someMicros) / 1e6 / seconds
    }
}
