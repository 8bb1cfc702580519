import Kafka
import MomentsCore
import Yams

/// The topics a configuration names, checked once the environment has had its say and reported
/// where each name was set (the file's line and column, or the variable):
/// - names Kafka refuses (`TopicName`; `moments check` accepted `bad topic!` until 2026-12-07,
///   and only the broker refused it, at run time);
/// - topics the daemon writes that it also reads. An output topic that is an input topic feeds
///   the daemon its own alerts, which it dead-letters as malformed events into the dead-letter
///   topic, which, if it is an input too, it reads again, for ever; a changelog shared with an
///   output or an input mixes state records into them (accepted until 2026-12-07).
enum TopicChecks {
    /// A topic the daemon writes, where its name comes from.
    private struct Written {
        var role: String
        var topic: String
        var variable: String
        var node: Node?
    }

    static func check(_ config: DaemonConfig, kafka: Node?, processing: Node?, environment: [String: String], _ ctx: YAMLContext) -> [ConfigError] {
        let topics = ctx.member(kafka, "topics")
        var written = [
            Written(role: "topics.alerts", topic: config.kafka.topics.alerts, variable: "MOMENTS_TOPIC_ALERTS", node: ctx.member(topics, "alerts")),
            Written(role: "topics.coaching", topic: config.kafka.topics.coaching, variable: "MOMENTS_TOPIC_COACHING", node: ctx.member(topics, "coaching")),
            Written(role: "topics.recovery", topic: config.kafka.topics.recovery, variable: "MOMENTS_TOPIC_RECOVERY", node: ctx.member(topics, "recovery")),
            Written(role: "topics.dead_letter", topic: config.kafka.topics.deadLetter, variable: "MOMENTS_TOPIC_DEAD_LETTER", node: ctx.member(topics, "dead_letter")),
        ]
        let outputs = written
        if let changelog = config.changelogTopic {
            written.append(Written(role: "processing.changelog_topic", topic: changelog, variable: "MOMENTS_CHANGELOG_TOPIC", node: ctx.member(processing, "changelog_topic")))
        }
        var errors: [ConfigError] = []
        func located(_ node: Node, _ message: String) {
            let before = ctx.errors.count
            ctx.error(node, message)
            errors += ctx.errors[before...]
        }
        func report(_ w: Written, _ what: String) {
            if let v = environment[w.variable], !v.isEmpty {
                errors.append(ConfigError(file: "environment", line: 0, column: 0, message: "\(w.variable): topic '\(w.topic)' \(what)"))
            } else if let node = w.node {
                located(node, "\(w.role) '\(w.topic)' \(what)")
            } else if environment["MOMENTS_KAFKA_INPUT_TOPICS"] != nil {
                // A default name (the changelog's is made from the group id) that an input names.
                errors.append(ConfigError(file: "environment", line: 0, column: 0, message: "MOMENTS_KAFKA_INPUT_TOPICS: '\(w.topic)', the default name of \(w.role), \(what)"))
            } else if let node = ctx.member(kafka, "input_topics") {
                located(node, "'\(w.topic)', the default name of \(w.role), \(what)")
            } else {
                errors.append(ConfigError(file: ctx.file, line: 1, column: 1, message: "\(w.role) '\(w.topic)' \(what)"))
            }
        }
        for input in config.kafka.inputTopics {
            guard let problem = TopicName.problem(input) else { continue }
            if let v = environment["MOMENTS_KAFKA_INPUT_TOPICS"], !v.isEmpty {
                errors.append(ConfigError(file: "environment", line: 0, column: 0, message: "MOMENTS_KAFKA_INPUT_TOPICS: input topic '\(input)': \(problem)"))
            } else if let node = inputNode(input, in: ctx.member(kafka, "input_topics"), ctx) {
                located(node, "input topic '\(input)': \(problem)")
            } else {
                errors.append(ConfigError(file: ctx.file, line: 1, column: 1, message: "input topic '\(input)': \(problem)"))
            }
        }
        for w in written {
            guard let problem = TopicName.problem(w.topic) else { continue }
            if w.role == "processing.changelog_topic", config.processing.changelogTopic == nil {
                // Made from the group id: reported there, with the way out.
                let what = "the state changelog's default name '\(w.topic)', made from it, is not a valid topic name (\(problem)); set processing.changelog_topic"
                if let v = environment["MOMENTS_KAFKA_GROUP_ID"], !v.isEmpty {
                    errors.append(ConfigError(file: "environment", line: 0, column: 0, message: "MOMENTS_KAFKA_GROUP_ID: \(what)"))
                } else if let node = ctx.member(kafka, "group_id") {
                    located(node, "group_id: \(what)")
                } else {
                    errors.append(ConfigError(file: ctx.file, line: 1, column: 1, message: what))
                }
                continue
            }
            report(w, "is not a valid topic name: \(problem)")
        }
        let inputs = Set(config.kafka.inputTopics)
        for w in written where inputs.contains(w.topic) {
            report(w, "is also an input topic: the daemon would read what it writes there")
        }
        if let changelog = written.last, config.changelogTopic != nil, !inputs.contains(changelog.topic),
           outputs.contains(where: { $0.topic == changelog.topic }) {
            report(changelog, "is also an output topic: state records would go to its consumers")
        }
        return errors
    }

    /// Where `topic` is named in `input_topics`: the item, or its `name`.
    private static func inputNode(_ topic: String, in list: Node?, _ ctx: YAMLContext) -> Node? {
        guard let list else { return nil }
        if case .scalar = list { return list.string == topic ? list : nil }
        guard case .sequence(let items) = list else { return nil }
        for item in items {
            if item.string == topic { return item }
            if let name = ctx.member(item, "name"), name.string == topic { return name }
        }
        return nil
    }
}
