/// librdkafka properties (`bootstrap.servers`, `group.id`, `security.protocol`, ...), passed
/// through as text. See librdkafka's CONFIGURATION.md for every key.
public struct KafkaConfiguration: Sendable, Equatable {
    public var properties: [String: String]
    /// Log lines from librdkafka at or below this syslog level are reported (3 = error, 4 = warning).
    public var logLevel: Int32 = 4

    public init(_ properties: [String: String] = [:]) { self.properties = properties }

    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// The properties as they may be logged: secret values replaced by asterisks.
    public var masked: [String: String] {
        properties.reduce(into: [:]) { out, p in
            let k = p.key.lowercased()
            let secret = k.contains("password") || k.contains("secret") || k.contains("token") || k.contains("sasl.jaas") || k.hasSuffix(".key")
            out[p.key] = secret ? "******" : p.value
        }
    }
}
