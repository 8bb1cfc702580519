import MomentsCore
import Yams

/// How the messages of one input topic are read: its dialect and where a vendor event's
/// customer key is. Topics named without settings are canonical.
public struct TopicDialect: Sendable, Equatable {
    public var dialect: Dialect
    public var customerKey: CustomerKey?
    public init(dialect: Dialect, customerKey: CustomerKey? = nil) { self.dialect = dialect; self.customerKey = customerKey }

    public var decoder: DialectDecoder { DialectDecoder(dialect: dialect, customerKey: customerKey) }
}

/// `kafka.input_topics`: each item a topic name (canonical events), or a mapping
/// `{name: contact-events, dialect: amazon-connect, customer_key: tags.customer_id}`.
enum InputTopicSection {
    static func parse(_ node: Node, _ ctx: YAMLContext) -> (topics: [String], dialects: [String: TopicDialect])? {
        if case .scalar = node { return ctx.string(node, what: "input_topics").map { ([$0], [:]) } }
        guard let items = ctx.sequence(node, what: "input_topics") else { return nil }
        guard !items.isEmpty else { ctx.error(node, "input_topics must not be empty"); return nil }
        var topics: [String] = []
        var dialects: [String: TopicDialect] = [:]
        var ok = true
        for item in items {
            if case .scalar = item {
                guard let name = ctx.string(item, what: "each item of input_topics") else { ok = false; continue }
                if topics.contains(name) { ctx.error(item, "input topic '\(name)' is listed twice"); ok = false }
                topics.append(name)
                continue
            }
            guard let m = ctx.mapping(item, what: "an input topic", allowed: ["name", "dialect", "customer_key"]) else { ok = false; continue }
            guard let nameNode = ctx.required(m, "name", in: item, what: "an input topic"), let name = ctx.string(nameNode, what: "name") else { ok = false; continue }
            var settings = TopicDialect(dialect: .canonical)
            var dialectValid = true
            if let node = m["dialect"], let text = ctx.string(node, what: "dialect") {
                if let d = Dialect(rawValue: text) { settings.dialect = d } else {
                    ctx.error(node, "dialect must be one of \(Dialect.names), found '\(text)'")
                    ok = false
                    dialectValid = false
                }
            }
            if let node = m["customer_key"], let text = ctx.string(node, what: "customer_key") {
                if settings.dialect == .canonical && dialectValid {
                    ctx.error(node, "customer_key applies to vendor dialects only (canonical events carry customer_id)")
                    ok = false
                } else {
                    do { settings.customerKey = try CustomerKey(parsing: text) } catch {
                        ctx.error(node, error.description)
                        ok = false
                    }
                }
            }
            if topics.contains(name) { ctx.error(nameNode, "input topic '\(name)' is listed twice"); ok = false }
            topics.append(name)
            if settings.dialect != .canonical { dialects[name] = settings }
        }
        return ok ? (topics, dialects) : nil
    }
}

extension KafkaSettings {
    /// The input topics as the configuration would name them: `a, {name: b, dialect: genesys-cloud}`.
    public var inputTopicsDescription: String {
        inputTopics.map { topic in
            guard let d = inputDialects[topic] else { return YAMLText.scalar(topic) }
            return "{name: \(YAMLText.scalar(topic)), dialect: \(d.dialect)" + (d.customerKey.map { ", customer_key: \(YAMLText.scalar("\($0)"))" } ?? "") + "}"
        }.joined(separator: ", ")
    }
}
