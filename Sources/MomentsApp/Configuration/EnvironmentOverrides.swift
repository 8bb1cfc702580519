import Foundation
import Kafka
import Logging
import MomentsCore

/// Environment variables that override the configuration file, so containers and secret stores
/// can configure Moments without editing it.
///
/// | variable | overrides |
/// |---|---|
/// | MOMENTS_KAFKA_BOOTSTRAP_SERVERS | kafka.bootstrap_servers |
/// | MOMENTS_KAFKA_GROUP_ID | kafka.group_id |
/// | MOMENTS_KAFKA_INPUT_TOPICS | kafka.input_topics (comma-separated) |
/// | MOMENTS_TOPIC_ALERTS, _COACHING, _RECOVERY, _DEAD_LETTER | kafka.topics.* |
/// | MOMENTS_KAFKA_PROPERTY_<NAME> | kafka.properties.<name>: lower case, `_` becomes `.` (MOMENTS_KAFKA_PROPERTY_SASL_PASSWORD → sasl.password) |
/// | MOMENTS_KAFKA_CONSUMER_PROPERTY_<NAME>, MOMENTS_KAFKA_PRODUCER_PROPERTY_<NAME> | kafka.consumer_properties / producer_properties |
/// | MOMENTS_COMMIT_INTERVAL, MOMENTS_WALL_CLOCK_ADVANCE, MOMENTS_SHUTDOWN_TIMEOUT, MOMENTS_RESTORE_LOOKBACK, MOMENTS_MAX_EVENT_AHEAD, MOMENTS_CHANGELOG, MOMENTS_CHANGELOG_TOPIC, MOMENTS_PROCESSING_GUARANTEE, MOMENTS_TRANSACTIONAL_ID | processing.* |
/// | MOMENTS_ADMIN_LISTEN, MOMENTS_ADMIN_TOKEN, MOMENTS_ADMIN_ENABLED, MOMENTS_ADMIN_IDLE_TIMEOUT | admin.* |
/// | MOMENTS_STATE_DIR | admin.state_dir |
/// | MOMENTS_METRICS_QUEUE_LABELS | admin.metrics_queue_labels |
/// | MOMENTS_LOG_FORMAT, MOMENTS_LOG_LEVEL, MOMENTS_LOG_PERSONAL_DATA | logging.* |
/// | MOMENTS_RULES | rules (a path) |
public enum EnvironmentOverrides {
    public static let propertyPrefix = "MOMENTS_KAFKA_PROPERTY_"
    public static let consumerPropertyPrefix = "MOMENTS_KAFKA_CONSUMER_PROPERTY_"
    public static let producerPropertyPrefix = "MOMENTS_KAFKA_PRODUCER_PROPERTY_"

    public static func apply(_ env: [String: String], to config: inout DaemonConfig) -> Result<Void, ConfigErrors> {
        var errors: [ConfigError] = []
        func fail(_ name: String, _ message: String) {
            errors.append(ConfigError(file: "environment", line: 0, column: 0, message: "\(name): \(message)"))
        }
        if let v = env["MOMENTS_KAFKA_BOOTSTRAP_SERVERS"], !v.isEmpty { config.kafka.bootstrapServers = v }
        if let v = env["MOMENTS_KAFKA_GROUP_ID"], !v.isEmpty { config.kafka.groupID = v }
        if let v = env["MOMENTS_KAFKA_INPUT_TOPICS"] {
            let topics = v.split(separator: ",").map { String($0).trimmingWhitespaceForConfig }.filter { !$0.isEmpty }
            if topics.isEmpty { fail("MOMENTS_KAFKA_INPUT_TOPICS", "names no topic") }
            else if let twice = topics.enumerated().first(where: { i, t in topics[..<i].contains(t) })?.element {
                // Refused as the file refuses it (accepted until 2026-12-07).
                fail("MOMENTS_KAFKA_INPUT_TOPICS", "input topic '\(twice)' is listed twice")
            } else { config.kafka.inputTopics = topics }
        }
        if let v = env["MOMENTS_TOPIC_ALERTS"], !v.isEmpty { config.kafka.topics.alerts = v }
        if let v = env["MOMENTS_TOPIC_COACHING"], !v.isEmpty { config.kafka.topics.coaching = v }
        if let v = env["MOMENTS_TOPIC_RECOVERY"], !v.isEmpty { config.kafka.topics.recovery = v }
        if let v = env["MOMENTS_TOPIC_DEAD_LETTER"], !v.isEmpty { config.kafka.topics.deadLetter = v }
        func duration(_ name: String, allowZero: Bool = false, _ apply: (Duration) -> Void) {
            guard let v = env[name] else { return }
            switch Self.duration(v, allowZero: allowZero) {
            case .success(let d): apply(d)
            case .failure(let problem): fail(name, problem.message)
            }
        }
        duration("MOMENTS_COMMIT_INTERVAL") { config.processing.commitInterval = $0 }
        func bool(_ name: String, _ apply: (Bool) -> Void) {
            guard let v = env[name] else { return }
            switch v.lowercased() {
            case "true", "1", "yes": apply(true)
            case "false", "0", "no": apply(false)
            default: fail(name, "expected true or false, found '\(v)'")
            }
        }
        duration("MOMENTS_SHUTDOWN_TIMEOUT") { config.processing.shutdownTimeout = $0 }
        duration("MOMENTS_ASSIGNMENT_TIMEOUT") { config.processing.assignmentTimeout = $0 }
        duration("MOMENTS_STALL_TIMEOUT") { d in
            if let problem = ProcessingSettings.stallTimeoutProblem(d) { fail("MOMENTS_STALL_TIMEOUT", problem) } else { config.processing.stallTimeout = d }
        }
        if let v = env["MOMENTS_METRICS_QUEUE_LABELS"] {
            if let n = Int(v), n >= 0 { config.admin.metricsQueueLabels = n } else { fail("MOMENTS_METRICS_QUEUE_LABELS", "expected a whole number of at least 0, found '\(v)'") }
        }
        if let v = env["MOMENTS_ENGINE_THREADS"] {
            if let n = Int(v), (1...ProcessingSettings.maxEngineThreads).contains(n) { config.processing.engineThreads = n } else {
                fail("MOMENTS_ENGINE_THREADS", "expected a whole number from 1 to \(ProcessingSettings.maxEngineThreads), found '\(v)'")
            }
        }
        duration("MOMENTS_RESTORE_LOOKBACK", allowZero: true) { config.processing.restoreLookback = $0 }
        if let v = env["MOMENTS_MAX_EVENT_AHEAD"] {
            if v == "off" { config.processing.maxEventAhead = nil } else if let d = DurationParser.parse(v), d.milliseconds > 0 {
                config.processing.maxEventAhead = d
            } else {
                fail("MOMENTS_MAX_EVENT_AHEAD", "expected a duration (5m) or off, found '\(v)'")
            }
        }
        bool("MOMENTS_WALL_CLOCK_ADVANCE") { config.processing.wallClockAdvance = $0 }
        bool("MOMENTS_CHANGELOG") { config.processing.changelog = $0 }
        if let v = env["MOMENTS_PROCESSING_GUARANTEE"] {
            if ["at_least_once", "exactly_once"].contains(v) { config.processing.guarantee = v } else {
                fail("MOMENTS_PROCESSING_GUARANTEE", "expected at_least_once or exactly_once, found '\(v)'")
            }
        }
        if let v = env["MOMENTS_TRANSACTIONAL_ID"], !v.isEmpty { config.processing.transactionalID = v }
        if let v = env["MOMENTS_CHANGELOG_TOPIC"], !v.isEmpty { config.processing.changelogTopic = v }
        if let v = env["MOMENTS_ADMIN_LISTEN"] {
            if AdminSection.validListen(v) { config.admin.listen = v } else { fail("MOMENTS_ADMIN_LISTEN", "expected host:port, found '\(v)'") }
        }
        if let v = env["MOMENTS_ADMIN_TOKEN"] {
            // A blank one (a secret file's lone newline) is refused, not taken for "no token";
            // an empty one too (a Secret with an empty value, `MOMENTS_ADMIN_TOKEN=$TOKEN` with
            // TOKEN unset): until 2026-12-08 it was skipped, and the endpoint served /silences
            // and /rules to anyone while `check` said ok.
            if v.isEmpty { fail("MOMENTS_ADMIN_TOKEN", "is set but empty: no request could send it (unset the variable for no token)") }
            else if AdminSettings.trimmedToken(v) == MaskedSecretCheck.mask { fail("MOMENTS_ADMIN_TOKEN", MaskedSecretCheck.variableMessage) }
            else if let token = AdminSettings.trimmedToken(v) { config.admin.token = token } else { fail("MOMENTS_ADMIN_TOKEN", "is blank: no request could send it") }
        }
        bool("MOMENTS_ADMIN_ENABLED") { config.admin.enabled = $0 }
        duration("MOMENTS_ADMIN_IDLE_TIMEOUT") { config.admin.idleTimeout = $0 }
        if let v = env["MOMENTS_STATE_DIR"], !v.isEmpty { config.admin.stateDirectory = v }
        if let v = env["MOMENTS_LOG_FORMAT"] {
            if ["logfmt", "json"].contains(v) { config.logging.format = v } else { fail("MOMENTS_LOG_FORMAT", "expected logfmt or json, found '\(v)'") }
        }
        if let v = env["MOMENTS_LOG_LEVEL"] {
            if Logger.Level(name: v) != nil { config.logging.level = v } else {
                fail("MOMENTS_LOG_LEVEL", "expected \(Logger.Level.names), found '\(v)'")
            }
        }
        bool("MOMENTS_LOG_PERSONAL_DATA") { config.logging.personalData = $0 }
        for (name, value) in env.sorted(by: { $0.key < $1.key }) {
            // Longest prefix first: MOMENTS_KAFKA_PROPERTY_ is not a prefix of the others, but be explicit.
            let target: WritableKeyPath<KafkaSettings, [String: String]>, key: String
            if let k = propertyName(name, prefix: consumerPropertyPrefix) {
                (target, key) = (\.consumerProperties, k)
            } else if let k = propertyName(name, prefix: producerPropertyPrefix) {
                (target, key) = (\.producerProperties, k)
            } else if let k = propertyName(name, prefix: propertyPrefix) {
                (target, key) = (\.properties, k)
            } else {
                continue
            }
            if let setting = KafkaSettings.ownSetting(forProperty: key) { fail(name, "\(key) is set by \(setting); set it there"); continue }
            if KafkaConfiguration.isSecret(key), value == MaskedSecretCheck.mask { fail(name, MaskedSecretCheck.variableMessage); continue }
            // Offered to librdkafka now, as the file's properties are (`KafkaSection.properties`).
            if let refusal = KafkaConfiguration.refusal(ofProperty: key, value: value) { fail(name, "\(key): \(refusal)"); continue }
            config.kafka[keyPath: target][key] = value
        }
        return errors.isEmpty ? .success(()) : .failure(ConfigErrors(errors))
    }

    struct DurationProblem: Error { var message: String }

    /// A duration from a variable, or why not in the words the file's errors use
    /// (`YAMLContext.duration`): `0s` for a timeout was "bad duration '0s' (use a number with a
    /// unit…)" until 2026-12-08, where the file said it must be longer than zero.
    static func duration(_ v: String, allowZero: Bool) -> Result<Duration, DurationProblem> {
        if v.hasPrefix("-") { return .failure(.init(message: "must not be negative, found '\(v)'")) }
        guard let d = DurationParser.parse(v) else {
            if DurationParser.parseAnyLength(v) != nil {
                return .failure(.init(message: "must be at most 100 years (\(DurationParser.maximum.milliseconds / 86_400_000)d), found '\(v)'"))
            }
            return .failure(.init(message: "bad duration '\(v)' (\(DurationParser.hint))"))
        }
        if d.milliseconds == 0 && !allowZero { return .failure(.init(message: "must be longer than zero")) }
        return .success(d)
    }

    /// `MOMENTS_KAFKA_PROPERTY_SASL_PASSWORD` → `sasl.password`.
    static func propertyName(_ variable: String, prefix: String) -> String? {
        guard variable.hasPrefix(prefix), variable.count > prefix.count else { return nil }
        return variable.dropFirst(prefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
    }
}

extension String {
    var trimmingWhitespaceForConfig: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }

}
