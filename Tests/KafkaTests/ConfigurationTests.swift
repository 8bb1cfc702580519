import Kafka
import Testing

/// Configuration and error values, without a broker.
struct ConfigurationTests {
    @Test func secretsAreMaskedForLogs() {
        var config = KafkaConfiguration([
            "sasl.password": "p1", "ssl.key.password": "p2", "ssl.keystore.password": "p3", "sasl.oauthbearer.client.secret": "s",
            "ssl.key.pem": "-----BEGIN PRIVATE KEY-----", "sasl.username": "alice", "security.protocol": "SASL_SSL",
        ])
        config.bootstrapServers = "127.0.0.1:9092"
        config.groupID = "g"
        #expect(config["bootstrap.servers"] == "127.0.0.1:9092" && config.groupID == "g")
        let masked = config.masked
        for key in ["sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret", "ssl.key.pem"] {
            #expect(masked[key] == "******", "\(key)")
        }
        #expect(masked["sasl.username"] == "alice" && masked["security.protocol"] == "SASL_SSL")
        let line = config.description
        #expect(line.hasPrefix("bootstrap.servers=127.0.0.1:9092 group.id=g "))
        #expect(!line.contains("p1") && !line.contains("PRIVATE"))
        #expect("\(config)" == line)
    }

    /// A refused property is named as written, with librdkafka's name for an alias beside it
    /// (`linger.ms` was named only "queue.buffering.max.ms"), and without the line break some
    /// of librdkafka's messages end in (printed `\u{A}` in the middle of an error line).
    @Test func aRefusedPropertyIsNamedAsWrittenWithoutATrailingLineBreak() {
        #expect(KafkaConfiguration.refusal(ofProperty: "linger.ms", value: "abc")
            == #"Invalid value for configuration property "linger.ms" (librdkafka's queue.buffering.max.ms)"#)
        let range = KafkaConfiguration.refusal(ofProperty: "linger.ms", value: "99999999999")
        #expect(range?.hasPrefix(#"Configuration property "linger.ms" (librdkafka's queue.buffering.max.ms) value "#) == true, "\(range ?? "")")
        #expect(range?.hasSuffix("is outside allowed range 0..900000") == true, "\(range ?? "")")
        // Named by its own name, nothing is added.
        #expect(KafkaConfiguration.refusal(ofProperty: "batch.num.messages", value: "x") == #"Invalid value for configuration property "batch.num.messages""#)
        #expect(KafkaConfiguration.refusal(ofProperty: "linger.ms", value: "5") == nil)
    }

    @Test func errorsCarryTheLibrdkafkaName() {
        let e = KafkaError(code: KafkaError.queueFull, message: "full")
        #expect(e.name == "_QUEUE_FULL")
        #expect(e.description == "_QUEUE_FULL (-184): full")
        #expect(!e.isFatal && !e.isRetriable && !e.txnRequiresAbort)
        #expect(KafkaError(code: KafkaError.messageTooLarge, message: "").name == "MSG_SIZE_TOO_LARGE")
    }
}
