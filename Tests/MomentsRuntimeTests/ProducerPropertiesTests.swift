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
