import Foundation
import Logging

/// Log output format: logfmt for people and grep, JSON for log pipelines.
public enum LogFormat: String, Sendable, CaseIterable {
    case logfmt, json
}

/// A swift-log handler writing one line per entry to stderr:
///
///     ts=2026-11-24T06:36:28.114Z level=info msg="partition assigned" partition=interactions/0
///     {"ts":"2026-11-24T06:36:28.114Z","level":"info","msg":"partition assigned","partition":"interactions/0"}
public struct MomentsLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public let label: String
    public let format: LogFormat
    private let sink: LogSink

    public init(label: String, format: LogFormat, level: Logger.Level, sink: LogSink = .standardError) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let m = event.metadata { fields.merge(m) { $1 } }
        let ts = LogTime.now()
        let line: String
        switch format {
        case .logfmt:
            var s = "ts=\(ts) level=\(event.level) msg=\(Self.logfmtQuote(event.message.description))"
            for k in fields.keys.sorted() { s += " \(k)=\(Self.logfmtQuote("\(fields[k]!)"))" }
            line = s
        case .json:
            var s = "{\"ts\":\(Self.jsonQuote(ts)),\"level\":\"\(event.level)\",\"msg\":\(Self.jsonQuote(event.message.description))"
            for k in fields.keys.sorted() { s += ",\(Self.jsonQuote(k)):\(Self.jsonQuote("\(fields[k]!)"))" }
            line = s + "}"
        }
        sink.write(line)
    }

    static func logfmtQuote(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" && $0.value != 0x7F }
        if plain { return s }
        return jsonQuote(s)
    }

    static func jsonQuote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                // DEL, the C1 controls and the noncharacters U+FFFE/FFFF too: YAML, which reads
                // this form (`YAMLText`), does not take them raw (and folds U+0085 to a space).
                if c.value < 0x20 || (0x7F...0x9F).contains(c.value) || c.value == 0xFFFE || c.value == 0xFFFF {
                    out += String(format: "\\u%04x", c.value)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }
}

/// Where log lines go; tests capture them.
public final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private let write: (String) -> Void

    public init(_ write: @escaping (String) -> Void) { self.write = write }

    public static let standardError = LogSink { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }

    func write(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        write(line)
    }
}

/// (Foundation's Date rather than clock_gettime: with CJemalloc in this target, timespec's members
/// resolve to a module the release build would not let this file import.)
enum LogTime {
    static func now() -> String {
        RFC3339Wall.format(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

extension Logger.Level {
    /// The names `init(name:)` takes, for error messages.
    public static let names = "trace, debug, info, notice, warning, error or critical"

    /// Parses a level name as the configuration file, `MOMENTS_LOG_LEVEL` and `--log-level`
    /// all spell it. (Until 2026-12-07 `--log-level` alone also took `WARN` or `warn`, and
    /// `run --print-config` then printed a level the file refuses.)
    public init?(name: String) {
        switch name {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "notice": self = .notice
        case "warning": self = .warning
        case "error": self = .error
        case "critical": self = .critical
        default: return nil
        }
    }
}
