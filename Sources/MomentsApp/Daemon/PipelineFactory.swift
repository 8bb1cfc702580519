import Foundation
import MomentsCore
import MomentsRuntime

extension DaemonConfig {
    /// The pipeline settings this configuration describes.
    public var pipelineConfiguration: PipelineConfiguration {
        var common = kafka.properties
        common["bootstrap.servers"] = kafka.bootstrapServers
        var consumer = common.merging(kafka.consumerProperties) { $1 }
        consumer["group.id"] = kafka.groupID
        let producer = common.merging(kafka.producerProperties) { $1 }
        var p = PipelineConfiguration(
            consumerProperties: consumer, producerProperties: producer, inputTopics: kafka.inputTopics,
            routing: kafka.topics.routing)
        p.dialects = kafka.inputDialects.mapValues(\.decoder)
        p.commitInterval = processing.commitInterval
        p.wallClockAdvance = processing.wallClockAdvance
        p.drainTimeout = processing.shutdownTimeout
        p.assignmentTimeout = processing.assignmentTimeout
        if let n = processing.engineThreads { p.engineThreads = n }
        p.queueLabelLimit = admin.metricsQueueLabels
        p.restoreLookback = processing.restoreLookback
        p.maxEventAhead = processing.maxEventAhead
        p.logPersonalData = logging.personalData
        p.changelogTopic = changelogTopic
        p.exactlyOnce = exactlyOnce
        p.transactionalID = exactlyOnce ? transactionalID : nil
        return p
    }

    /// The effective configuration as YAML, secrets masked (`moments run --print-config`). It
    /// reads back as the same configuration, secrets aside: strings that need it are quoted,
    /// what is unset is a comment, and the rules file is named by its absolute path (relative,
    /// it was resolved against the saved file's folder and named another file).
    public var printable: String {
        let q = YAMLText.scalar
        func props(_ title: String, _ p: [String: String]) -> String {
            guard !p.isEmpty else { return "  \(title): {}\n" }
            return "  \(title):\n" + KafkaSettings.masked(p).sorted { $0.key < $1.key }.map { "    \(q($0.key)): \(q($0.value))\n" }.joined()
        }
        func optional(_ key: String, _ value: String?, unset: String) -> String {
            value.map { "  \(key): \($0)\n" } ?? "  # \(key): unset (\(unset))\n"
        }
        func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path }
        let rulesPath = absolute(rulesSource)
        return """
            kafka:
              bootstrap_servers: \(q(kafka.bootstrapServers))
              group_id: \(q(kafka.groupID))
              input_topics: [\(kafka.inputTopicsDescription)]
              topics:
                alerts: \(q(kafka.topics.alerts))
                coaching: \(q(kafka.topics.coaching))
                recovery: \(q(kafka.topics.recovery))
                dead_letter: \(q(kafka.topics.deadLetter))

            """ + props("properties", kafka.properties) + props("consumer_properties", kafka.consumerProperties)
            + props("producer_properties", kafka.producerProperties) + """
            processing:
              commit_interval: \(processing.commitInterval.milliseconds)ms
              wall_clock_advance: \(processing.wallClockAdvance)
              shutdown_timeout: \(processing.shutdownTimeout.milliseconds)ms
              assignment_timeout: \(processing.assignmentTimeout.milliseconds)ms
              stall_timeout: \(processing.stallTimeout.milliseconds)ms
              engine_threads: \(pipelineConfiguration.engineThreads)

            """ + optional("restore_lookback", processing.restoreLookback.map { "\($0.milliseconds)ms" }, unset: "a restore replays all retained input") + """
              max_event_ahead: \(processing.maxEventAhead.map { "\($0.milliseconds)ms" } ?? "off")
              guarantee: \(processing.guarantee)
              changelog: \(processing.changelog)

            """ + (processing.transactionalID.map { "  transactional_id: \(q($0))\n" }
                ?? (exactlyOnce ? "  # transactional_id: unset (\(q(transactionalID)), from the group and the host name)\n" : "")) + """

            """ + optional("changelog_topic", changelogTopic.map(q), unset: "no changelog") + """
            admin:
              enabled: \(admin.enabled)
              listen: \(q(admin.listen))

            """ + (admin.token == nil ? "  # token: unset\n" : "  token: \"******\"  # masked: set it again, or MOMENTS_ADMIN_TOKEN\n")
            + optional("state_dir", admin.stateDirectory.map { q(absolute($0)) }, unset: "silences kept in memory only") + """
              metrics_queue_labels: \(admin.metricsQueueLabels)
              idle_timeout: \(admin.idleTimeout.milliseconds)ms
            logging:
              format: \(logging.format)
              level: \(logging.level)
              personal_data: \(logging.personalData)
            \(rulesSource == "inline" ? "# rules: inline in the configuration:" : "rules: \(q(rulesPath))  #") \(rules.moments.count) moments, \(rules.recovery.count) recovery rules, \(rules.coaching.count) coaching rules

            """ + (rulesSource == "inline" ? inlineRules : "")
    }

    /// The inline rules under `rules:`, indented, as the configuration holds them.
    private var inlineRules: String {
        guard let text = inlineRulesConfigurationText.flatMap(InlineRulesText.yaml(inConfiguration:)) else {
            return "# (the inline rules are not printed: their aliases stand for more than \(InlineRulesText.maxNodes) values)\n"
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let body = lines.map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
        return "rules:\n" + body + (body.hasSuffix("\n") ? "" : "\n")
    }
}
