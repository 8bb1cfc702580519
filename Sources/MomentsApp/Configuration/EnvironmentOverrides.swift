import Foundation
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
/// | MOMENTS_COMMIT_INTERVAL | processing.commit_interval |
/// | MOMENTS_RULES | rules (a path) |
public enum EnvironmentOverrides {
    public static let propertyPrefix = "MOMENTS_KAFKA_PROPERTY_"

    public static func apply(_ env: [String: String], to config: inout DaemonConfig) -> Result<Void, ConfigErrors> {
        var errors: [ConfigError] = []
        func fail(_ name: String, _ message: String) {
            errors.append(ConfigError(file: "environment", line: 0, column: 0, message: "\(name): \(message)"))
        }
        if let v = env["MOMENTS_KAFKA_BOOTSTRAP_SERVERS"], !v.isEmpty { config.kafka.bootstrapServers = v }
        if let v = env["MOMENTS_KAFKA_GROUP_ID"], !v.isEmpty { config.kafka.groupID = v }
        if let v = env["MOMENTS_KAFKA_INPUT_TOPICS"] {
            let topics = v.split(separator: ",").map { String($0).trimmingWhitespaceForConfig }.filter { !$0.isEmpty }
            if topics.isEmpty { fail("MOMENTS_KAFKA_INPUT_TOPICS", "names no topic") } else { config.kafka.inputTopics = topics }
        }
        if let v = env["MOMENTS_TOPIC_ALERTS"], !v.isEmpty { config.kafka.topics.alerts = v }
        if let v = env["MOMENTS_TOPIC_COACHING"], !v.isEmpty { config.kafka.topics.coaching = v }
        if let v = env["MOMENTS_TOPIC_RECOVERY"], !v.isEmpty { config.kafka.topics.recovery = v }
        if let v = env["MOMENTS_TOPIC_DEAD_LETTER"], !v.isEmpty { config.kafka.topics.deadLetter = v }
        if let v = env["MOMENTS_COMMIT_INTERVAL"] {
            if let d = DurationParser.parse(v), d.milliseconds > 0 { config.processing.commitInterval = d } else {
                fail("MOMENTS_COMMIT_INTERVAL", "bad duration '\(v)'")
            }
        }
        for (name, value) in env where name.hasPrefix(propertyPrefix) && name.count > propertyPrefix.count {
            let key = name.dropFirst(propertyPrefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
            config.kafka.properties[key] = value
        }
        return errors.isEmpty ? .success(()) : .failure(ConfigErrors(errors))
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
