import Foundation
import Kafka
import MomentsCore
import MomentsRuntime

/// Everything `moments run` needs: where Kafka is, what to read and write, how to process, and
/// the rules. Loaded from one YAML file, then overridden by environment variables.
public struct DaemonConfig: Sendable {
    public var kafka = KafkaSettings()
    public var processing = ProcessingSettings()
    public var admin = AdminSettings()
    public var logging = LoggingSettings()
    public var rules: RuleSet
    /// Where the rules came from: a file path, or "inline" when embedded in the config.
    public var rulesSource: String
    /// The configuration file's text when the rules are inline in it, for `run --print-config`
    /// to print them (`InlineRulesText`): a configuration printed without them read back as
    /// one missing its rules (until 2026-12-07). Kept as text, and emitted only when printed:
    /// emitted at every load, a few lines of nested aliases cost seconds and gigabytes.
    public var inlineRulesConfigurationText: String?

    public init(rules: RuleSet, rulesSource: String) {
        self.rules = rules
        self.rulesSource = rulesSource
    }
}

extension DaemonConfig {
    public var exactlyOnce: Bool { processing.guarantee == "exactly_once" }

    public var transactionalID: String {
        processing.transactionalID ?? "\(kafka.groupID)-\(ProcessInfo.processInfo.hostName)"
    }

    /// The state changelog topic, or nil when the changelog is off.
    public var changelogTopic: String? {
        processing.changelog ? (processing.changelogTopic ?? "\(kafka.groupID)-state-changelog") : nil
    }
}

public struct KafkaSettings: Sendable, Equatable {
    /// librdkafka properties the daemon sets from settings of its own, whatever a properties
    /// section says (it overwrote them without a word: `bootstrap.servers` in
    /// `kafka.properties` left the daemon on the default 127.0.0.1:9092): refused there, with
    /// the setting to use instead.
    static func ownSetting(forProperty name: String) -> String? {
        switch name {
        case "bootstrap.servers": return "kafka.bootstrap_servers (MOMENTS_KAFKA_BOOTSTRAP_SERVERS)"
        case "group.id": return "kafka.group_id (MOMENTS_KAFKA_GROUP_ID)"
        default: return nil
        }
    }

    public var bootstrapServers = "127.0.0.1:9092"
    public var groupID = "moments"
    public var inputTopics = ["interactions"]
    /// Topics whose messages are a vendor's stream (see `TopicDialect`); the others are canonical.
    public var inputDialects: [String: TopicDialect] = [:]
    public var topics = OutputTopics()
    /// librdkafka properties for every client (security.protocol, sasl.*, ssl.*...).
    public var properties: [String: String] = [:]
    public var consumerProperties: [String: String] = [:]
    public var producerProperties: [String: String] = [:]
    public init() {}
}

public struct OutputTopics: Sendable, Equatable {
    public var alerts = "moments.alerts"
    public var coaching = "moments.coaching"
    public var recovery = "moments.recovery"
    public var deadLetter = "moments.dead-letter"
    public init() {}

    public var all: [String] { [alerts, coaching, recovery, deadLetter] }

    /// Where the pipeline sends each kind of output: these topics.
    public var routing: OutputRouting { OutputRouting(alerts: alerts, coaching: coaching, recovery: recovery, deadLetter: deadLetter) }
}

public struct ProcessingSettings: Sendable, Equatable {
    /// How often acknowledged offsets are committed.
    public var commitInterval = Duration(milliseconds: 500)
    /// Advance an idle partition's clock by wall-clock time, so timers fire in real time.
    public var wallClockAdvance = true
    /// How far back a newly assigned partition is replayed to rebuild its state; nil means
    /// from the oldest record the topic retains.
    public var restoreLookback: Duration?
    /// `at_least_once` (default) or `exactly_once` (transactions).
    public var guarantee = "at_least_once"
    /// The transactional id for exactly-once; default `<group_id>-<host name>`. Must be stable
    /// per instance (a pod name, a host name) so a restart fences the instance it replaces.
    public var transactionalID: String?
    /// Keep each partition's state in a compacted changelog topic (restored on assignment).
    public var changelog = true
    /// The changelog topic; default `<group_id>-state-changelog`.
    public var changelogTopic: String?
    /// The longest a graceful stop may take before the daemon gives up on flushing.
    public var shutdownTimeout = Duration.seconds(15)
    /// The longest a newly assigned partition waits for the broker to say where it resumes
    /// before the daemon stops with an error (rather than run it without its state).
    public var assignmentTimeout = Duration.seconds(60)
    /// How long the pipeline thread may show no sign of life before `/healthz` answers 503 and
    /// systemd's watchdog is no longer fed (`Pipeline+Liveness`). Above the longest call that
    /// blocks it by design: a request to a broker (librdkafka's `socket.timeout.ms`, 60 s), a
    /// transaction call (30 s).
    public var stallTimeout = Duration.seconds(120)
    /// Below this, calls that hold the pipeline thread by design (a request to a broker, up to
    /// librdkafka's 60 s `socket.timeout.ms`; a transaction call that times out, 30 s, called
    /// again) would be taken for a stall, and the daemon restarted while it waits for a broker.
    public static let minimumStallTimeout = Duration.seconds(90)
    static func stallTimeoutProblem(_ d: Duration) -> String? {
        d < minimumStallTimeout
            ? "stall_timeout must be at least \(minimumStallTimeout) (a request to a broker may hold the pipeline thread 60 s by design, a transaction's calls 30 s each), found \(d)" : nil
    }
    /// Events dated further ahead of their record's Kafka timestamp go to the dead-letter topic instead of
    /// moving their partition's clock (`PipelineConfiguration.maxEventAhead`); nil: off.
    public var maxEventAhead: Duration? = .minutes(5)
    /// Threads that run the engines of a batch's partitions at once; nil: the pipeline's
    /// default (two where there are two cores).
    public var engineThreads: Int?
    /// Each is a thread with its own stack: a million passed `check` and failed at start.
    public static let maxEngineThreads = 256
    public init() {}
}

extension KafkaSettings {
    /// Property names whose values are secrets and never printed (one rule, the Kafka module's).
    public static func isSecret(_ key: String) -> Bool { KafkaConfiguration.isSecret(key) }

    public static func masked(_ properties: [String: String]) -> [String: String] {
        KafkaConfiguration(properties).masked
    }
}

public struct AdminSettings: Sendable, Equatable {
    /// Where the admin HTTP endpoint listens (`host:port`); loopback unless deliberately opened.
    public var listen = "127.0.0.1:9464"
    /// When set, every endpoint but /healthz, /readyz and /metrics (read by probes and
    /// scrapers, which cannot send it) needs `Authorization: Bearer <token>`.
    public var token: String?

    /// The token without the spaces, tabs and line breaks around it (nil if nothing is left):
    /// HTTP strips them from a header's value, so a token that kept them (a Secret made with
    /// `echo tok | base64` ends in a newline) could never be sent, and locked everyone out of
    /// `/silences` and `/rules` without a word (until 2026-12-07).
    static func trimmedToken(_ raw: String) -> String? {
        let token = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }
    public var enabled = true
    /// Where the daemon keeps what it must remember across restarts: the silences made through
    /// the admin endpoint (`silences.json`). Must be writable.
    public var stateDirectory: String?
    /// Queues with a `queue` label of their own in /metrics (`PipelineConfiguration.queueLabelLimit`).
    public var metricsQueueLabels = PipelineConfiguration.defaultQueueLabelLimit
    /// How long a connection to the endpoint may stay without a request, or in the middle of
    /// sending one's head, before it is closed: otherwise every client that connects and goes
    /// quiet (or sends a request a byte at a time) holds a connection, and a file descriptor,
    /// for good. Longer than a minute, Prometheus's default scrape interval, so that a
    /// scraper's kept-alive connection is reused rather than closed between scrapes.
    public var idleTimeout = Duration.seconds(90)
    public init() {}

    /// The address part; an IPv6 address written in brackets (`[::1]:9464`, as URLs write it)
    /// loses them, which the resolver does not take (the daemon stopped with "unknown host").
    public var host: String {
        let address = listen[..<(listen.lastIndex(of: ":") ?? listen.endIndex)]
        return address.hasPrefix("[") && address.hasSuffix("]") ? String(address.dropFirst().dropLast()) : String(address)
    }
    /// Whether only this machine can reach the endpoint (127.0.0.0/8, ::1, localhost).
    public var listensOnLoopbackOnly: Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || h.hasPrefix("127.") || h.hasPrefix("::ffff:127.")
    }
    /// What the daemon says at its start when the endpoint is open to the network without a
    /// token: anyone who reaches it can `POST /silences` and mute every moment (nil: nothing).
    public var openToTheNetworkWarning: String? {
        guard enabled, token == nil, !listensOnLoopbackOnly else { return nil }
        return "the admin endpoint listens on \(listen) without admin.token: anyone who can reach it can create silences (POST /silences) and mute every moment; set admin.token (MOMENTS_ADMIN_TOKEN) or listen on 127.0.0.1"
    }
    public var port: Int { Int(listen[listen.index(after: listen.lastIndex(of: ":") ?? listen.startIndex)...]) ?? 9464 }
}

public struct LoggingSettings: Sendable, Equatable {
    public var format = "logfmt"
    public var level = "info"
    /// Whether logs may carry personal data (chat text in malformed events). Off by default.
    public var personalData = false
    public init() {}
}
