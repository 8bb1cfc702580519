import Testing
@testable import MomentsRuntime

/// The input consumer's librdkafka properties: the daemon's defaults fill what
/// `kafka.consumer_properties` leaves unset and never override what it sets.
struct ConsumerPropertiesTests {
    @Test func defaultsFillWhatIsUnset() {
        let props = Pipeline.consumerProperties(["bootstrap.servers": "127.0.0.1:9092", "group.id": "moments"])
        #expect(props == [
            "bootstrap.servers": "127.0.0.1:9092",
            "group.id": "moments",
            "auto.offset.reset": "earliest",
            "max.partition.fetch.bytes": "262144",
            "partition.assignment.strategy": "cooperative-sticky",
            "socket.nagle.disable": "true",
            "queued.min.messages": "500000",
            "queued.max.messages.kbytes": "131072",
        ])
    }

    @Test func configuredValuesWin() {
        let configured = [
            "auto.offset.reset": "latest", "max.partition.fetch.bytes": "1048576", "partition.assignment.strategy": "range",
            "socket.nagle.disable": "false", "queued.min.messages": "20000", "queued.max.messages.kbytes": "16384",
        ]
        #expect(Pipeline.consumerProperties(configured) == configured)
    }
}
