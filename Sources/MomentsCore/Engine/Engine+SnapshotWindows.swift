/// Trailing windows in state records: `"windows": {"<rule id>": [[ms, value], ...]}`, written
/// only when an interaction has one, so records without windows keep their old form and old
/// records (without the key) restore with empty windows.
extension Engine {
    static func encodeWindows(_ ix: InteractionState, momentIDs: [String], into w: inout JSONWriter) {
        guard !ix.windows.isEmpty else { return }
        w.key(json: "\"windows\":"); w.objectValue()
        for (r, samples) in ix.windows.sorted(by: { $0.key < $1.key }) {
            w.key(momentIDs[r]); w.arrayValue()
            for s in samples.values { w.arrayValue(); w.value(s.at.milliseconds); w.value(s.value); w.endArray() }
            w.endArray()
        }
        w.endObject()
    }

    static func decodeWindows(_ json: JSONValue?, into ix: inout InteractionState, ruleIndex: [String: Int]) throws(SnapshotError) {
        guard case .object(let windows)? = json else { return }
        for (rule, list) in windows {
            guard let r = ruleIndex[rule] else { continue }   // the rule is gone: its window too
            guard case .array(let items) = list else { throw SnapshotError("window of \(rule) is malformed") }
            var samples = TrailingSamples()
            for item in items {
                guard case .array(let pair) = item, pair.count == 2, let at = pair[0].numberValue, let v = pair[1].numberValue else {
                    throw SnapshotError("a value in the window of \(rule) is malformed")
                }
                samples.values.append((try time(at, "a time in the window of \(rule)"), v))
            }
            ix.windows[r] = samples
        }
    }
}
