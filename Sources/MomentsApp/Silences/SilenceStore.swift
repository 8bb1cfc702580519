import Foundation
import MomentsCore

/// The silences made through the admin endpoint, kept in `<state_dir>/silences.json` so a
/// restart keeps them. Written whole to a temporary file, flushed, then renamed over the old one:
/// a crash leaves the old file or the new one, never half of one.
public struct SilenceStore: Sendable {
    public let directory: String
    public var path: String { (directory as NSString).appendingPathComponent("silences.json") }

    public init(directory: String) { self.directory = directory }

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The stored silences; none if the file does not exist yet.
    public func load() throws(LoadError) -> [Silence] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw LoadError(description: "cannot read \(path)") }
        // The file holds the same form as a rules file's `silences:` (JSON is YAML).
        let ctx = YAMLContext(file: path)
        guard let root = ctx.compose(text), let top = ctx.mapping(root, what: "the silences file", allowed: ["v", "silences"]) else {
            throw LoadError(description: ctx.errors.map(\.description).joined(separator: "; "))
        }
        var out: [Silence] = []
        for item in top["silences"].flatMap({ ctx.sequence($0, what: "silences") }) ?? [] {
            if let s = SilenceSection.parse(item, ctx, id: nil, defaultStart: nil, knownMoments: nil) { out.append(s) }
        }
        guard ctx.errors.isEmpty else { throw LoadError(description: ctx.errors.map(\.description).joined(separator: "; ")) }
        return out
    }

    public func save(_ silences: [Silence]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var w = JSONWriter()
        w.beginObject()
        w.key("v"); w.value(1)
        w.key("silences"); w.arrayValue()
        for s in silences { SilenceSection.json(s, into: &w) }
        w.endArray()
        w.endObject()
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(w.bytes + [10])) else {
            throw LoadError(description: "cannot write \(tmp)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
        try handle.synchronize()
        try handle.close()
        guard rename(tmp, path) == 0 else {
            throw LoadError(description: "cannot rename \(tmp) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
