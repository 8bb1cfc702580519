import MomentsCore
import Yams

/// The rules written inline in a daemon configuration, emitted again as YAML for
/// `run --print-config`: from the configuration's tree, its aliases and merges expanded, so the
/// printed configuration needs no anchors of the original.
enum InlineRulesText {
    /// Values the emitted rules may hold: aliases of aliases make a few lines stand for
    /// millions, which would be printed in full.
    static let maxNodes = 100_000

    /// Nil when the text has no `rules:` mapping, or it stands for more than `maxNodes` values.
    static func yaml(inConfiguration text: String) -> String? {
        let ctx = YAMLContext(file: "")
        guard let root = ctx.compose(text), let rules = ctx.member(root, "rules") else { return nil }
        var budget = maxNodes
        guard let node = readingBackAsWritten(rules, &budget) else { return nil }
        return try? Yams.serialize(node: node, width: -1, allowUnicode: true)
    }

    /// A copy of `node` that reads back as the same: plain text tagged `!!str` (`!!str null`,
    /// `!!str 5`) is double-quoted, as the emitter drops the tag and the bare word would read
    /// as null or a number. Nil past the budget.
    private static func readingBackAsWritten(_ node: Node, _ budget: inout Int) -> Node? {
        budget -= 1
        guard budget >= 0 else { return nil }
        switch node {
        case .scalar(var s):
            s.anchor = nil   // expanded: an anchor of the original would be written at every copy
            // Tagged as text but read as something else when plain: the tag was written. (A tag
            // once resolved reads as if written, so the plain `id` of a key is told apart by
            // what its bare text would be.)
            if s.tag.rawValue == "tag:yaml.org,2002:str", s.style == .plain || s.style == .any,
               Resolver.default.resolveTag(of: .scalar(Node.Scalar(s.string))) != .str {
                s.style = .doubleQuoted
            }
            return .scalar(s)
        case .mapping(let m):
            var pairs: [(Node, Node)] = []
            for (k, v) in m {
                guard let key = readingBackAsWritten(k, &budget), let value = readingBackAsWritten(v, &budget) else { return nil }
                pairs.append((key, value))
            }
            return .mapping(Node.Mapping(pairs, m.tag, m.style))
        case .sequence(let q):
            var items: [Node] = []
            for item in q {
                guard let copy = readingBackAsWritten(item, &budget) else { return nil }
                items.append(copy)
            }
            return .sequence(Node.Sequence(items, q.tag, q.style))
        case .alias:
            return node
        }
    }
}
