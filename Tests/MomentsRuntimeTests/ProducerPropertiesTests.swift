import MomentsCore
import Testing
@testable import MomentsRuntime

/// The output producer's librdkafka properties: the daemon's defaults fill what
/// `kafka.producer_properties` leaves unset and never override what it sets (the pipeline and
/// `bench --suite produce` both take them from `Pipeline.producerProperties`).
struct ProducerPropertiesTests {
    @Test func defaultsFillWhatIsUnset() {
        let props = Pipeline.producerProperties(["bootstrap.servers": "127.0.0.1:9092"])
        #expect(props == [
            "bootstrap.servers": "127.0.0.1:9092",
            "enable.idempotence": "true",
            "partitioner": "murmur2_random",
            "linger.ms": "\(Pipeline.defaultProducerLingerMs)",
            "socket.nagle.disable": "true",
        ])
    }

    @Test func configuredValuesWin() {
        let configured = ["linger.ms": "0", "enable.idempotence": "false", "partitioner": "consistent", "socket.nagle.disable": "false", "batch.num.messages": "29"]
        #expect(Pipeline.producerProperties(configured) == configured)
    }
}

/// State records fail before the wait for a leaving partition's outputs ends, so none lands
/// after its successor's (`Pipeline.changelogMessageTimeoutMs`).
@Suite struct ChangelogMessageTimeoutTests {
    @Test func stateRecordsFailBeforeTheDrainEnds() {
        var config = PipelineConfiguration(consumerProperties: [:], producerProperties: [:], inputTopics: ["i"], routing: OutputRouting(alerts: "a", coaching: "c", recovery: "r", deadLetter: "d"))
        let defaults = Pipeline.producerProperties([:])
        #expect(Pipeline.changelogMessageTimeoutMs(config, defaults) == 13_000)   // shutdown_timeout 15 s
        #expect(Pipeline.changelogMessageTimeoutMs(config, defaults.merging(["message.timeout.ms": "5000"]) { $1 }) == 5000)
        #expect(Pipeline.changelogMessageTimeoutMs(config, defaults.merging(["message.timeout.ms": "0"]) { $1 }) == 13_000)
        config.drainTimeout = .seconds(1)
        #expect(Pipeline.changelogMessageTimeoutMs(config, defaults.merging(["linger.ms": "1500"]) { $1 }) == 1501)
        config.exactlyOnce = true
        #expect(Pipeline.changelogMessageTimeoutMs(config, defaults) == nil)
    }
}
