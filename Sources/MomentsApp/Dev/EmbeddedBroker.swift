import Kafka
import KafkaMock

/// The mock cluster with the topics a configuration needs, for `moments broker`, `moments dev`
/// and end-to-end tests.
public final class EmbeddedBroker: Sendable {
    public let cluster: MockCluster
    public let topics: [String]

    public init(topics: [String], partitions: Int, brokers: Int = 1) throws {
        cluster = try MockCluster(brokers: brokers)
        var unique: [String] = []
        for t in topics where !unique.contains(t) { unique.append(t) }
        for t in unique { try cluster.createTopic(t, partitions: partitions, replicationFactor: brokers) }
        self.topics = unique
    }

    public var bootstrapServers: String { cluster.bootstrapServers }
}
