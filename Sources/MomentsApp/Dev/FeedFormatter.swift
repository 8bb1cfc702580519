import Foundation
import MomentsCore

/// Renders outputs as one readable line each for `moments dev`:
///
///     09:02:01  ALERT     high      long-wait          i-1    Customer c-1 has waited 2 min in queue billing
///     09:02:01  RECOVERY  discount  apology-discount   c-1    percent=15 reason=apology
///     09:04:20  COACHING  corrective rude-agent-coaching a-4  Interaction i-4 was flagged rude...
public struct FeedFormatter: Sendable {
    public var color: Bool

    public init(color: Bool) { self.color = color }

    public func line(for output: Output) -> String {
        let m = output.moment
        let time = String(m.time.description.dropFirst(11).prefix(8))
        switch output {
        case .alert:
            let tint: Tint = m.kind == .glory ? .green : (m.severity >= .high ? .red : .yellow)
            let label = m.kind == .glory ? "GLORY" : "ALERT"
            return row(time, paint(label, tint), m.severity.rawValue, m.rule, m.interactionID, m.summary)
        case .recovery(let r):
            let params = r.params.map { "\($0.key)=\(Self.text($0.value))" }.joined(separator: " ")
            return row(time, paint("RECOVERY", .cyan), r.action, r.rule, m.customerID, "\(params) (for \(m.rule))")
        case .coaching(let c):
            return row(time, paint("COACHING", c.kind == .positive ? .green : .magenta), c.kind.rawValue, c.rule, c.agentID, c.tip)
        }
    }

    public func deadLetterLine(reason: String, origin: String) -> String {
        row("--:--:--", paint("DEAD", .red), "letter", origin, "", reason)
    }

    func row(_ time: String, _ label: String, _ detail: String, _ rule: String, _ who: String, _ text: String) -> String {
        let labelWidth = color ? 8 + 9 : 8
        return "\(time)  \(pad(label, labelWidth))  \(pad(detail, 10))  \(pad(rule, 26))  \(pad(who, 8))  \(text)"
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

    enum Tint: String { case red = "31", green = "32", yellow = "33", magenta = "35", cyan = "36" }

    func paint(_ s: String, _ tint: Tint) -> String { color ? "\u{1B}[1;\(tint.rawValue)m\(s)\u{1B}[0m" : s }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .number(let n): return n == n.rounded() ? String(Int64(n)) : String(n)
        default: return "\(v)"
        }
    }
}

extension Severity: Comparable {
    static let order: [Severity] = [.info, .low, .medium, .high, .critical]
    public static func < (a: Severity, b: Severity) -> Bool { order.firstIndex(of: a)! < order.firstIndex(of: b)! }
}

/// Counts for the summary printed when `moments dev` stops.
public struct FeedSummary: Sendable {
    public var moments: [String: Int] = [:]
    public var recovery: [String: Int] = [:]
    public var coaching: [String: Int] = [:]
    public var deadLetters = 0
    public init() {}

    public mutating func count(_ output: Output) {
        switch output {
        case .alert(let a): moments[a.moment.rule, default: 0] += 1
        case .recovery(let r): recovery[r.rule, default: 0] += 1
        case .coaching(let c): coaching[c.rule, default: 0] += 1
        }
    }

    public func render(eventsProduced: Int, eventsProcessed: Int, seconds: Double) -> String {
        var s = "\nSummary after \(Int(seconds)) s: \(eventsProduced) events produced, \(eventsProcessed) processed, \(deadLetters) dead-lettered\n"
        for (title, counts) in [("moments", moments), ("recovery actions", recovery), ("coaching signals", coaching)] {
            s += "  \(title): \(counts.values.reduce(0, +))\n"
            for k in counts.keys.sorted() { s += "    \(k.padding(toLength: 32, withPad: " ", startingAt: 0)) \(counts[k]!)\n" }
        }
        return s
    }
}
