import ArgumentParser
import Foundation
import KafkaMock
import MomentsApp

struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run the embedded development broker (librdkafka's mock cluster) on a fixed loopback address.",
        discussion: """
            Speaks the Kafka protocol over TCP on 127.0.0.1. Creates the topics the configuration names. \
            For development and tests only: it keeps about 5 MiB per partition and nothing on disk.
            """)

    @Option(name: .long, help: "Daemon configuration whose topics to create.")
    var config: String = "config/daemon.yaml"

    @Option(name: .long, help: "Loopback address to listen on.")
    var listen: String = "127.0.0.1:9092"

    @Option(name: .long, help: "Partitions per topic.")
    var partitions: Int = 4

    @Option(name: .long, help: "Number of brokers in the cluster.")
    var brokers: Int = 1

    /// The mock cluster divides by the broker count and allocates per partition: 0 brokers was a
    /// floating-point exception, a negative count an assertion in librdkafka.
    static let maxBrokers = 16
    static let maxPartitions = 1024
    static let restartNote = "in memory only: restarted, it is a new cluster (topics, offsets and the changelog gone); restart moments run with it"

    func validate() throws {
        guard (1...Self.maxBrokers).contains(brokers) else { throw ValidationError("--brokers must be between 1 and \(Self.maxBrokers), found \(brokers)") }
        guard (1...Self.maxPartitions).contains(partitions) else {
            throw ValidationError("--partitions must be between 1 and \(Self.maxPartitions), found \(partitions)")
        }
    }

    func run() throws {
        let daemon = try ConfigFile.load(config)
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else { throw CLIError("--listen: expected host:port, got '\(listen)'") }
        // The mock has no CreateTopics API, so the state changelog is created here too.
        let broker = try EmbeddedBroker(
            topics: daemon.kafka.inputTopics + daemon.kafka.topics.all + [daemon.changelogTopic].compactMap { $0 }, partitions: partitions, brokers: brokers)
        let relay = try BootstrapRelay(host: String(parts[0]), port: port, target: broker.cluster.bootstrapServers.split(separator: ",").first.map(String.init) ?? "")
        Stdout.print("moments broker: Kafka protocol on \(relay.address) (brokers at \(broker.cluster.bootstrapServers))")
        Stdout.print("topics (\(partitions) partitions each): \(broker.topics.joined(separator: ", "))")
        Stdout.print("bootstrap.servers=\(relay.address)    Ctrl-C to stop")
        // A restart is a new cluster, and a daemon left connected to this one never becomes
        // ready on it (librdkafka refuses a new cluster id) while /healthz stays 200.
        Stdout.print(Self.restartNote)
        let done = DispatchSemaphore(value: 0)
        let signals = SignalHandler(signals: [SIGINT, SIGTERM]) { _, _ in done.signal() }
        done.wait()
        signals.cancel()
        relay.stop()
        Stdout.print("moments broker: stopped")
    }
}
