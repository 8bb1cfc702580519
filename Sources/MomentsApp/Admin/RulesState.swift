import Foundation
import MomentsCore

/// The rules that run now, as `/rules` shows them: where from, their file's SHA-256, when loaded.
public final class RulesState: @unchecked Sendable {
    private let lock = NSLock()
    private var document: [UInt8] = Array("{}".utf8)
    public private(set) var sha256 = ""

    public init(rules: RuleSet, text: String, source: String) { update(rules: rules, text: text, source: source) }

    public func update(rules: RuleSet, text: String, source: String) {
        let hash = SHA256.hex(Array(text.utf8))
        var w = JSONWriter()
        w.beginObject()
        w.key("source"); w.value(source)
        w.key("sha256"); w.value(hash)
        w.key("loaded_at"); w.value(RFC3339Wall.format(milliseconds: Int64(Date().timeIntervalSince1970 * 1000)))
        w.key("rules"); rules.json(into: &w)
        w.endObject()
        lock.lock()
        document = w.bytes
        sha256 = hash
        lock.unlock()
    }

    public var json: [UInt8] { lock.lock(); defer { lock.unlock() }; return document }
    public var hash: String { lock.lock(); defer { lock.unlock() }; return sha256 }
}
