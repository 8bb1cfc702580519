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

    /// The effective configuration as YAML, secrets masked (`moments run --print-config`).
    public var printable: String {
        func props(_ title: String, _ p: [String: String]) -> String {
            guard !p.isEmpty else { return "  \(title): {}\n" }
            return "  \(title):\n" + KafkaSettings.masked(p).sorted { $0.key < $1.key }.map { "    \($0.key): \($0.value)\n" }.joined()
        }
        return """
            kafka:
              bootstrap_servers: \(kafka.bootstrapServers)
              group_id: \(kafka.groupID)
              input_topics: [\(kafka.inputTopicsDescription)]
              topics:
                alerts: \(kafka.topics.alerts)
                coaching: \(kafka.topics.coaching)
                recovery: \(kafka.topics.recovery)
                dead_letter: \(kafka.topics.deadLetter)

            """ + props("properties", kafka.properties) + props("consumer_properties", kafka.consumerProperties)
            + props("producer_properties", kafka.producerProperties) + """
            processing:
              commit_interval: \(processing.commitInterval.milliseconds)ms
              wall_clock_advance: \(processing.wallClockAdvance)
              shutdown_timeout: \(processing.shutdownTimeout.milliseconds)ms
              assignment_timeout: \(processing.assignmentTimeout.milliseconds)ms
              engine_threads: \(pipelineConfiguration.engineThreads)
              restore_lookback: \(processing.restoreLookback.map { "\($0.milliseconds)ms" } ?? "all retained")
              max_event_ahead: \(processing.maxEventAhead.map { "\($0.milliseconds)ms" } ?? "off")
              guarantee: \(processing.guarantee)\(exactlyOnce ? "  # transactional id \(transactionalID)" : "")
              changelog: \(processing.changelog)
              changelog_topic: \(changelogTopic ?? "none")
            admin:
              enabled: \(admin.enabled)
              listen: \(admin.listen)
              token: \(admin.token == nil ? "none" : "******")
              state_dir: \(admin.stateDirectory ?? "none")
              metrics_queue_labels: \(admin.metricsQueueLabels)
            logging:
              format: \(logging.format)
              level: \(logging.level)
              personal_data: \(logging.personalData)
            rules: \(rulesSource)  # \(rules.moments.count) moments, \(rules.recovery.count) recovery rules, \(rules.coaching.count) coaching rules

            """
    }
}
