import Foundation
import MomentsRuntime

/// Log lines as logfmt on stderr: `ts=... level=info msg="partition assigned" partition=interactions/0`.
public struct LogfmtLogger: Sendable {
    public var minimum: LogLevel

    public init(minimum: LogLevel = .info) { self.minimum = minimum }

    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, String)]) {
        guard level >= minimum else { return }
        var line = "ts=\(Self.timestamp()) level=\(level) msg=\(Self.quote(message))"
        for (k, v) in fields { line += " \(k)=\(Self.quote(v))" }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func quote(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" }
        if plain { return s }
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return RFC3339Wall.format(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    public var hook: @Sendable (LogLevel, String, [(String, String)]) -> Void {
        let me = self
        return { level, message, fields in me.log(level, message, fields) }
    }
}
