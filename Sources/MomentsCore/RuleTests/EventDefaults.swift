import Yams

/// What an event gets when its line does not say: from the file's `defaults:`, then the test's.
/// Tests stay short because one interaction of one customer needs no ids at all.
struct EventDefaults: Sendable {
    var interaction = "i-1"
    var customer = "c-1"
    var channel = Channel.voice
    var queue: String?
    var agent: String?
    var attributes: [String: String] = [:]

    static let keys = ["interaction", "customer", "channel", "queue", "agent", "attributes"]

    /// These defaults with the members of a `defaults:` mapping applied.
    func overridden(by node: Node?, _ ctx: YAMLContext) -> EventDefaults {
        var d = self
        guard let node, let m = ctx.mapping(node, what: "defaults", allowed: Self.keys) else { return d }
        if let v = ctx.string(m["interaction"], what: "interaction") { d.interaction = v }
        if let v = ctx.string(m["customer"], what: "customer") { d.customer = v }
        if let c = TestFields.channel(m["channel"], ctx) { d.channel = c }
        if let v = ctx.string(m["queue"], what: "queue") { d.queue = v }
        if let v = ctx.string(m["agent"], what: "agent") { d.agent = v }
        if let a = TestFields.attributes(m["attributes"], ctx) { d.attributes.merge(a) { $1 } }
        return d
    }
}

/// Field readers shared by defaults and events.
enum TestFields {
    static func channel(_ node: Node?, _ ctx: YAMLContext) -> Channel? {
        guard let text = ctx.string(node, what: "channel") else { return nil }
        guard let c = Channel(rawValue: text) else {
            ctx.error(node, "unknown channel '\(text)' (expected \(Channel.allCases.map(\.rawValue).joined(separator: ", ")))")
            return nil
        }
        return c
    }

    static func attributes(_ node: Node?, _ ctx: YAMLContext) -> [String: String]? {
        guard let m = ctx.mapping(node, what: "attributes") else { return nil }
        var out: [String: String] = [:]
        for member in m {
            if let v = ctx.string(member.value, what: "attribute '\(member.key)'") { out[member.key] = v }
        }
        return out
    }
}
