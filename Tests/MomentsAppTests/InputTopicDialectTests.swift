import Testing
import MomentsApp
import MomentsCore
import MomentsRuntime

@Suite struct InputTopicDialectTests {
    func parse(_ kafka: String) -> Result<DaemonConfig, ConfigErrors> {
        DaemonConfigParser.parse(yaml: kafka + "\nrules: rules.yaml\n", file: "/etc/moments/daemon.yaml") { path in
            path == "/etc/moments/rules.yaml" ? .success("moments:\n  - id: escalation\n    kind: pain\n    when: { match: { event: interaction.escalated } }\n") : .failure(.unreadable(.init(reason: "no such file")))
        }
    }

    func errors(_ kafka: String) -> [String] {
        if case .failure(let e) = parse(kafka) { return e.errors.map(\.description) }
        return []
    }

    @Test func topicsWithDialectsBesidePlainNames() throws {
        let c = try parse("""
            kafka:
              input_topics:
                - interactions
                - { name: connect-events, dialect: amazon-connect, customer_key: tags.customer_id }
                - name: genesys
                  dialect: genesys-cloud
                - { name: taskrouter, dialect: twilio-taskrouter, customer_key: "@key" }
                - { name: mirrored, dialect: canonical }
            """).get()
        #expect(c.kafka.inputTopics == ["interactions", "connect-events", "genesys", "taskrouter", "mirrored"])
        #expect(c.kafka.inputDialects == [
            "connect-events": TopicDialect(dialect: .amazonConnect, customerKey: .path(["tags", "customer_id"])),
            "genesys": TopicDialect(dialect: .genesysCloud),
            "taskrouter": TopicDialect(dialect: .twilioTaskRouter, customerKey: .messageKey),
        ])
        let pipeline = c.pipelineConfiguration
        #expect(pipeline.dialects.keys.sorted() == ["connect-events", "genesys", "taskrouter"])
        #expect(pipeline.dialects["connect-events"]?.dialect == .amazonConnect)
        #expect(pipeline.dialects["connect-events"]?.customerKey == .path(["tags", "customer_id"]))
        #expect(c.kafka.inputTopicsDescription.contains("{name: connect-events, dialect: amazon-connect, customer_key: tags.customer_id}"))
    }

    @Test func thePlainFormStillWorks() throws {
        #expect(try parse("kafka:\n  input_topics: [a, b]\n").get().kafka.inputDialects.isEmpty)
        #expect(try parse("kafka:\n  input_topics: single\n").get().kafka.inputTopics == ["single"])
    }

    @Test func badDialectsAreLocatedErrors() {
        #expect(errors("""
            kafka:
              input_topics:
                - { name: x, dialect: genesys }
            """) == ["/etc/moments/daemon.yaml:3:27: error: dialect must be one of canonical, amazon-connect, genesys-cloud, twilio-taskrouter, found 'genesys'"])
        let e = errors("""
            kafka:
              input_topics:
                - { dialect: amazon-connect }
                - { name: y, dialect: amazon-connect, customer_key: "a..b" }
                - { name: z, customer_key: a.b }
                - { name: w, colour: red }
                - a
                - a
            """)
        #expect(e.count == 5, "\(e)")
        #expect(e.contains { $0.hasPrefix("/etc/moments/daemon.yaml:3:") && $0.contains("name") })
        #expect(e.contains { $0.hasPrefix("/etc/moments/daemon.yaml:4:") && $0.contains("customer_key") })
        #expect(e.contains { $0.hasPrefix("/etc/moments/daemon.yaml:5:") && $0.contains("vendor dialects only") })
        #expect(e.contains { $0.hasPrefix("/etc/moments/daemon.yaml:6:") && $0.contains("colour") })
        #expect(e.contains { $0.hasPrefix("/etc/moments/daemon.yaml:8:") && $0.contains("listed twice") })
    }
}
