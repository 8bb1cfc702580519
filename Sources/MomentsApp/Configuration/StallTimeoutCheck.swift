import Foundation
import MomentsCore
import Yams

/// `processing.stall_timeout` against the longest a request to a broker may hold the pipeline
/// thread: librdkafka's `socket.timeout.ms`, for its consumer or its producer, plus the 30 s a
/// transaction's call may add (`ProcessingSettings.minimumStallTimeout` is the default 60 s
/// plus those 30 s). A `socket.timeout.ms` raised without the stall timeout made a daemon that
/// waits for a slow broker look stalled: `/healthz` answered 503 and it was restarted, over and
/// over, by the very probe meant to catch a stuck one (accepted until 2026-12-07, with a line
/// in the README asking operators to raise both).
///
/// Reported where the raised timeout was set (the property's line and column, or its
/// variable), since that is the change that broke the pair.
enum StallTimeoutCheck {
    static let property = "socket.timeout.ms"
    /// What a transaction's call (30 s, called again while no broker answers) adds above a request.
    static let margin = Duration.seconds(30)

    /// An integer as librdkafka reads one (`strtol` with base 0): `0x` hexadecimal, a leading
    /// `0` octal, else decimal, up to the first character that is not a digit of it; so
    /// `0x1D4C0` or `120000ms` is not let past the check as text.
    static func librdkafkaInteger(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let negative = t.hasPrefix("-")
        var digits = Substring(negative || t.hasPrefix("+") ? String(t.dropFirst()) : t)
        var radix = 10
        if digits.lowercased().hasPrefix("0x") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0") && digits.count > 1 {
            radix = 8
            digits = digits.dropFirst()
        }
        let leading = digits.prefix { $0.isASCII && $0.hexDigitValue.map { $0 < radix } == true }
        return Int64(leading, radix: radix).map { negative ? -$0 : $0 }
    }

    private struct Setting {
        var role: String
        var prefix: String
        var keyPath: KeyPath<KafkaSettings, [String: String]>
    }

    static func check(_ config: DaemonConfig, kafka: Node?, processing: Node?, environment: [String: String], _ ctx: YAMLContext) -> [ConfigError] {
        // Consumer and producer each read their own section over the common one (as the
        // pipeline merges them); the longest of the two is what the thread may wait.
        let common = Setting(role: "kafka.properties", prefix: EnvironmentOverrides.propertyPrefix, keyPath: \.properties)
        let consumer = Setting(role: "kafka.consumer_properties", prefix: EnvironmentOverrides.consumerPropertyPrefix, keyPath: \.consumerProperties)
        let producer = Setting(role: "kafka.producer_properties", prefix: EnvironmentOverrides.producerPropertyPrefix, keyPath: \.producerProperties)
        var longest: (setting: Setting, timeout: Duration)?
        for own in [consumer, producer] {
            let setting = config.kafka[keyPath: own.keyPath][property] != nil ? own : common
            guard let text = config.kafka[keyPath: setting.keyPath][property], let ms = librdkafkaInteger(text) else { continue }
            if ms > longest?.timeout.milliseconds ?? .min { longest = (setting, Duration(milliseconds: ms)) }
        }
        let stall = config.processing.stallTimeout
        guard let (setting, timeout) = longest, stall.milliseconds < timeout.milliseconds + margin.milliseconds else { return [] }
        // In the file's own notation, whole seconds rounded up.
        let needed = "\((timeout.milliseconds + margin.milliseconds + 999) / 1000)s"

        let stallSource: String
        if environment["MOMENTS_STALL_TIMEOUT"] != nil {
            stallSource = "MOMENTS_STALL_TIMEOUT"
        } else if ctx.member(processing, "stall_timeout") != nil {
            stallSource = "processing.stall_timeout"
        } else {
            stallSource = "processing.stall_timeout (the default)"
        }
        let why = "\(property) \(timeout.milliseconds) lets a request to a broker hold the pipeline thread \(timeout), "
            + "and \(stallSource), \(stall), must be at least \(margin) above it (a transaction's call adds that much), "
            + "or a daemon waiting for a slow broker is taken for a stalled one and restarted: "
            + "set processing.stall_timeout to \(needed) or more, or lower \(property)"
        if let variable = environment.keys.sorted().first(where: { EnvironmentOverrides.propertyName($0, prefix: setting.prefix) == property }) {
            return [ConfigError(file: "environment", line: 0, column: 0, message: "\(variable): \(why)")]
        }
        let section = setting.role.split(separator: ".").last.map(String.init) ?? setting.role
        let node = ctx.member(ctx.member(kafka, section), property)
        let before = ctx.errors.count
        ctx.error(node ?? kafka, "\(setting.role).\(why)")
        return Array(ctx.errors[before...])
    }
}
