/// librdkafka properties (`bootstrap.servers`, `group.id`, `security.protocol`, ...), passed
/// through as text. See librdkafka's CONFIGURATION.md for every key.
public struct KafkaConfiguration: Sendable, Equatable, CustomStringConvertible {
    public var properties: [String: String]
    /// Log lines from librdkafka at or below this syslog level are reported (3 = error, 4 = warning).
    public var logLevel: Int32 = 4

    /// The level up to which a client reports log lines: one asked for `debug` contexts reports
    /// their lines (syslog level 7) whatever `logLevel` says, or the property would do nothing.
    var reportedLogLevel: Int32 { properties["debug", default: ""].isEmpty ? logLevel : max(logLevel, 7) }

    public init(_ properties: [String: String] = [:]) { self.properties = properties }

    /// Why librdkafka would refuse `value` for the property `key`, or nil when it takes it
    /// (checked alone: a combination of properties is judged when a client is made).
    public static func refusal(ofProperty key: String, value: String) -> String? {
        NativeConfiguration.refusal(ofProperty: key, value: value)
    }

    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// `bootstrap.servers`: comma-separated `host:port` list.
    public var bootstrapServers: String? {
        get { properties["bootstrap.servers"] }
        set { properties["bootstrap.servers"] = newValue }
    }

    /// `group.id`: the consumer group (required by `KafkaConsumer`).
    public var groupID: String? {
        get { properties["group.id"] }
        set { properties["group.id"] = newValue }
    }

    /// `client.id`: how this client names itself in broker logs and quotas.
    public var clientID: String? {
        get { properties["client.id"] }
        set { properties["client.id"] = newValue }
    }

    /// `transactional.id`: set to make a producer transactional.
    public var transactionalID: String? {
        get { properties["transactional.id"] }
        set { properties["transactional.id"] = newValue }
    }

    /// True for keys whose values must never reach a log: passwords, secrets, tokens, JAAS
    /// settings and private key material (`ssl.key.pem`, `*.key`).
    public static func isSecret(_ key: String) -> Bool {
        let k = key.lowercased()
        return k.contains("password") || k.contains("secret") || k.contains("token") || k.contains("sasl.jaas")
            || k.contains("sasl.oauthbearer.config") || k.hasSuffix(".key") || k == "ssl.key.pem"
    }

    /// What a secret's value is replaced by in logs and `moments run --print-config`.
    public static let secretMask = "******"

    /// The properties as they may be logged: secret values replaced by asterisks.
    public var masked: [String: String] {
        properties.reduce(into: [:]) { out, p in out[p.key] = Self.isSecret(p.key) ? Self.secretMask : p.value }
    }

    /// One line for logs, keys sorted, secrets masked: `bootstrap.servers=... group.id=...`.
    public var description: String {
        masked.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}
