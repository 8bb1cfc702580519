import Foundation
import MomentsCore

/// The silences made through the admin endpoint, kept in `<state_dir>/silences.json` so a
/// restart keeps them. Written whole to a temporary file, flushed, then renamed over the old one,
/// and the folder flushed: a crash leaves the old file or the new one, never half of one, and a
/// silence the endpoint answered for survives a power cut.
public struct SilenceStore: Sendable {
    public let directory: String
    public var path: String { (directory as NSString).appendingPathComponent("silences.json") }

    public init(directory: String) { self.directory = directory }

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
        /// The file is there but could not be read (permissions, an I/O error, a folder in its
        /// place), as against read and found damaged: it is left where it is.
        public var unreadable = false
    }

    /// What the file keeps: the silences, and when each was made (files written before
    /// 2026-12-05 have no `created_at`; those silences are kept a day after their end, as then).
    public struct Contents: Sendable, Equatable {
        public var silences: [Silence] = []
        public var createdAt: [String: Timestamp] = [:]
        /// What was wrong with each entry left out (`file:line:column: error: …`): one bad
        /// silence no longer costs the others.
        public var refused: [String] = []
        public init(silences: [Silence] = [], createdAt: [String: Timestamp] = [:], refused: [String] = []) {
            self.silences = silences; self.createdAt = createdAt; self.refused = refused
        }
    }

    /// The stored silences; none if the file does not exist yet. Throws only when the file as a
    /// whole cannot be read; an entry that cannot be is left out and named in `refused`.
    public func load() throws(LoadError) -> Contents {
        guard FileManager.default.fileExists(atPath: path) else { return Contents() }
        let text: String
        switch TextFiles.text(atPath: path) {
        case .success(let read): text = read
        case .failure(.unreadable(let why)): throw LoadError(description: "cannot read \(path): \(why)", unreadable: true)
        case .failure(.notUTF8(let bad)): throw LoadError(description: bad.description)
        }
        // The file holds the same form as a rules file's `silences:` (JSON is YAML).
        let ctx = YAMLContext(file: path)
        // `created_at` sits beside the list, by id, so each silence keeps a rules file's form.
        guard let root = ctx.compose(text), let top = ctx.mapping(root, what: "the silences file", allowed: ["v", "silences", "created_at"]) else {
            throw LoadError(description: ctx.errors.map(\.description).joined(separator: "; "))
        }
        // The list itself must be one; past that, each entry stands or falls alone.
        let items = top["silences"].flatMap { ctx.sequence($0, what: "silences") } ?? []
        guard ctx.errors.isEmpty else { throw LoadError(description: ctx.errors.map(\.description).joined(separator: "; ")) }
        var out = Contents()
        for item in items {
            let before = ctx.errors.count
            let parsed = SilenceSection.parse(item, ctx, id: nil, defaultStart: nil, knownMoments: nil)
            if let parsed, ctx.errors.count == before { out.silences.append(parsed) }
        }
        // A bad `created_at` costs only its own: that silence is kept a day past its end.
        for entry in ctx.mapping(top["created_at"], what: "created_at") ?? [] {
            guard let text = ctx.string(entry.value, what: "created_at") else { continue }
            guard let t = RFC3339.parse(text) else { ctx.error(entry.value, "created_at of '\(entry.key)' must be an RFC 3339 time"); continue }
            out.createdAt[entry.key] = t
        }
        out.refused = ctx.errors.map(\.description)
        return out
    }

    /// The JSON with the characters a YAML reader refuses written as escapes: DEL, the C1
    /// controls (U+0080–U+009F), U+FFFE, U+FFFF, and the line and paragraph separators
    /// (U+2028, U+2029: invisible line breaks, refused since 2026-12-07), which JSON allows raw. The file is read back
    /// as YAML, which refuses the whole file for one of them: one silence whose comment held
    /// such a character (accepted by `POST /silences` as an escape) cost every admin silence at
    /// the next start (until 2026-12-07). In the JSON they occur only inside strings, where an
    /// escape means the same.
    static func readableAsYAML(_ json: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count)
        func escape(_ scalar: UInt32) {
            let hex = Array("0123456789abcdef".utf8)
            out.append(contentsOf: Array("\\u".utf8))
            for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((scalar >> UInt32(shift)) & 15)]) }
        }
        var i = 0
        while i < json.count {
            let b = json[i]
            if b == 0x7F {
                escape(0x7F)
            } else if b == 0xC2, i + 1 < json.count, (0x80...0x9F).contains(json[i + 1]) {
                escape(UInt32(json[i + 1]))
                i += 1
            } else if b == 0xEF, i + 2 < json.count, json[i + 1] == 0xBF, json[i + 2] == 0xBE || json[i + 2] == 0xBF {
                escape(json[i + 2] == 0xBE ? 0xFFFE : 0xFFFF)
                i += 2
            } else if b == 0xE2, i + 2 < json.count, json[i + 1] == 0x80, json[i + 2] == 0xA8 || json[i + 2] == 0xA9 {
                escape(json[i + 2] == 0xA8 ? 0x2028 : 0x2029)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return out
    }

    public func save(_ contents: Contents) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var w = JSONWriter()
        w.beginObject()
        w.key("v"); w.value(1)
        w.key("silences"); w.arrayValue()
        for s in contents.silences { SilenceSection.json(s, into: &w) }
        w.endArray()
        w.key("created_at"); w.objectValue()
        for s in contents.silences { if let t = contents.createdAt[s.id] { w.key(s.id); w.value(t.description) } }
        w.endObject()
        w.endObject()
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(Self.readableAsYAML(w.bytes) + [10])) else {
            throw LoadError(description: "cannot write \(tmp)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
        try handle.synchronize()
        try handle.close()
        guard rename(tmp, path) == 0 else {
            throw LoadError(description: "cannot rename \(tmp) to \(path): \(String(cString: strerror(errno)))")
        }
        // The rename is the folder's change, durable only once the folder is flushed: until then
        // a power cut could bring back the old file, without a silence already confirmed. Best
        // effort: the new file is in place whatever this says (a failure thrown now would leave
        // the registry holding the old silences while the file holds the new), and some file
        // systems (network, FUSE) refuse to flush a folder.
        let folder = open(directory, O_RDONLY | O_DIRECTORY)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }
}
