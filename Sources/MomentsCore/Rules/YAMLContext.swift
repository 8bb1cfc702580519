import Foundation
import Yams

/// A problem in a YAML file, located for a human: `file:line:column: what is wrong`.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    /// The message as `DisplayText` escapes it: it quotes values of the file (an escape
    /// character written `"\e"` in YAML reached the terminal, until 2026-12-07).
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file; self.line = line; self.column = column; self.message = DisplayText.escaped(message)
    }

    /// Without a place in a file (line 0: the environment), no `:0:0`.
    public var description: String { line > 0 ? "\(file):\(line):\(column): error: \(message)" : "\(file): error: \(message)" }
}

/// Every problem found in one file; a file is refused if this is not empty.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]
    /// The errors of each file by line and column, files in the order they first appear: they
    /// are found in passes (a merged mapping where it is first read, duplicate ids last), and
    /// were listed in that order, which jumped about the file (until 2026-12-07).
    public init(_ errors: [ConfigError]) {
        var fileOrder: [String: Int] = [:]
        for e in errors where fileOrder[e.file] == nil { fileOrder[e.file] = fileOrder.count }
        self.errors = errors.enumerated().sorted { a, b in
            let ka = (fileOrder[a.element.file]!, a.element.line, a.element.column, a.offset)
            let kb = (fileOrder[b.element.file]!, b.element.line, b.element.column, b.offset)
            return ka < kb
        }.map(\.element)
    }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Walks a composed YAML tree and collects located errors, so one `moments check` run reports
/// every problem in the file instead of stopping at the first.
public final class YAMLContext {
    public let file: String
    public private(set) var errors: [ConfigError] = []
    private var reported: Set<ConfigError> = []
    /// The text composed, by line, to point inside a scalar (`column(of:in:)`).
    private var lines: [Substring] = []

    public init(file: String) { self.file = file }

    /// libyaml's limit of lists and mappings within one another (its MAX_NESTING_LEVEL).
    static let maxNesting = 1000

    /// Parses YAML text into a node tree; syntax errors are recorded with their position.
    public func compose(_ text: String) -> Node? {
        // A byte order mark, which editors on Windows write and no editor shows: the parser read
        // it before a first key as content, and refused the file at its second top-level key
        // ("did not find expected <document start>", until 2026-12-07). Columns of the first
        // line are then counted as the editor shows them.
        let text = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        // By scalars: as Characters, "\r\n" is one, and a CRLF file was one long line, so no
        // error could point inside a template.
        lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { Substring($0) }
        guard !reportInvisibleLineBreaks() else { return nil }
        do {
            let root = try Yams.compose(yaml: text)
            if let root {
                var visited: Set<Int> = []
                reportTags(in: root, visited: &visited)
            }
            return root
        } catch let e as YamlError {
            switch e {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                // libyaml's own words named a C function to call ("set with
                // yaml_set_max_nest_level())", until 2026-12-08.
                if problem.hasPrefix("Maximum nesting level reached") {
                    report(line: mark.line, column: mark.column, "invalid YAML: nested deeper than \(Self.maxNesting) levels (lists and mappings within one another)")
                    return nil
                }
                let ctx = context.map { "\($0.text): " } ?? ""
                report(line: mark.line, column: mark.column, "invalid YAML: \(ctx)\(problem)\(tabHint(near: mark.line))\(templateHint(near: mark.line))")
            case .duplicatedKeysInMapping(let duplicates, let context):
                reportDuplicateKeys(duplicates, firstAt: context.mark, in: text)
            case .reader(let problem, let offset?, _, _):
                // A byte the reader refuses (a control character): its offset is in bytes of the
                // text, and was reported at 1:1 with the place only inside the message.
                let (line, column) = Self.lineAndColumn(ofByte: offset, in: text)
                report(line: line, column: column, "invalid YAML: \(problem)")
            default:
                report(line: 1, column: 1, "invalid YAML: \(e)")
            }
            return nil
        } catch {
            report(line: 1, column: 1, "invalid YAML: \(error)")
            return nil
        }
    }

    /// NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029) are line breaks to
    /// the YAML parser, and to few editors: one pasted into a comment moved every later error a
    /// line down from where the editor shows it, or broke the file with an error that named
    /// something else (until 2026-12-07). They are refused where the editor shows them.
    private func reportInvisibleLineBreaks() -> Bool {
        var found = false
        for (n, line) in lines.enumerated() {
            for (i, scalar) in line.unicodeScalars.enumerated() where scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                let name = scalar.value == 0x85 ? "NEXT LINE (U+0085)" : scalar.value == 0x2028 ? "LINE SEPARATOR (U+2028)" : "PARAGRAPH SEPARATOR (U+2029)"
                report(line: n + 1, column: i + 1, "invisible line break \(name): YAML reads it as a new line, which most editors do not show; remove it (in text, write it as \\u\(scalar.value == 0x85 ? "0085" : String(scalar.value, radix: 16, uppercase: true)) between double quotes)")
                found = true
            }
        }
        return found
    }

    /// The tags YAML's core schema gives a value, written (`!!str`) or not.
    static let coreTags: Set<String> = ["str", "int", "float", "bool", "null", "map", "seq", "merge"].reduce(into: []) { $0.insert("tag:yaml.org,2002:" + $1) }

    /// Refuses every other tag: nothing here expands one, and a value such as
    /// `token: !env MOMENTS_ADMIN_TOKEN` or `summary: !include summary.txt` was read as its bare
    /// text (until 2026-12-07), so the admin token was the variable's name, which anyone could
    /// guess, and alerts said "summary.txt".
    ///
    /// A list or mapping is walked once: aliases repeat their anchor's node (at its place in
    /// the text), and a file of aliases of aliases (`[*a, *a, …]`, a few lines) stands for
    /// millions of nodes.
    private func reportTags(in node: Node, visited: inout Set<Int>) {
        // The tag as written, not as resolved (`Node.tag`, which gives a plain date-like scalar
        // `!!timestamp`): empty when none was, `!` for the non-specific one.
        let tag: String
        switch node {
        case .scalar(let s): tag = s.tag.rawValue
        case .mapping(let m): tag = m.tag.rawValue
        case .sequence(let q): tag = q.tag.rawValue
        case .alias: tag = ""
        }
        if !(tag.isEmpty || tag == "!" || Self.coreTags.contains(tag)) {
            let shown = tag.hasPrefix("tag:yaml.org,2002:") ? "!!" + tag.dropFirst("tag:yaml.org,2002:".count) : tag
            error(node, "YAML tag '\(shown)' is not supported: nothing is expanded, the value would be read as its bare text; write the value itself (environment variables: see MOMENTS_* in the README)")
        }
        switch node {
        case .mapping, .sequence:
            if let mark = node.mark, !visited.insert(Self.place(mark)).inserted { return }
        default:
            return
        }
        switch node {
        case .mapping(let m):
            for (k, v) in m {
                reportTags(in: k, visited: &visited)
                reportTags(in: v, visited: &visited)
            }
        case .sequence(let s):
            for item in s { reportTags(in: item, visited: &visited) }
        default:
            break
        }
    }

    /// A tab in the indentation of the error's line or the line before: YAML indents with
    /// spaces only, and the parser's own words ("found character that cannot start any token")
    /// never say so. Empty when neither line has one.
    private func tabHint(near line: Int) -> String {
        for n in [line, line - 1] where n >= 1 && n <= lines.count {
            // Past a list's dash too (`-\tid: a`), which the parser refuses alike.
            if lines[n - 1].prefix(while: { $0 == " " || $0 == "\t" || $0 == "-" }).contains("\t") {
                return " (line \(n) is indented with a tab; YAML indents with spaces only)"
            }
        }
        return ""
    }

    /// A value that starts with `{` is a mapping to YAML: `summary: {customer_id} escalated` is
    /// a syntax error, and `summary: {customer_id}` a mapping, neither saying that the template
    /// needs quotes. Empty unless the line holds such an unquoted value.
    private func templateHint(near line: Int) -> String {
        guard line >= 1, line <= lines.count else { return "" }
        let text = String(lines[line - 1])
        guard text.range(of: #"^\s*(-\s*)?[A-Za-z_]+:\s*\{[A-Za-z_][A-Za-z0-9_]*\}"#, options: .regularExpression) != nil else { return "" }
        return Self.quoteTheTemplate
    }

    static let quoteTheTemplate = " (a text that starts with '{' must be quoted, or YAML reads a mapping: summary: \"{customer_id} escalated\")"

    /// `summary: {customer_id}` read as a mapping of one key without a value.
    static func unquotedTemplateHint(_ node: Node) -> String {
        guard case .mapping(let m) = node, m.count == 1, let (k, v) = m.first, k.string != nil,
              case .scalar(let s) = v, isNull(s) else { return "" }
        return quoteTheTemplate
    }

    /// Yams names the duplicated keys of a mapping and the place of the first one's first
    /// occurrence, which the user wrote on purpose; the mistake is the repeat, so the error
    /// points there when it can be found (`repeatOfKey`) and names the first place in the text.
    private func reportDuplicateKeys(_ keys: [String], firstAt first: Mark, in text: String) {
        let quoted = keys.map { "'\($0)'" }
        let named = keys.count == 1 ? "duplicate key \(quoted[0])" : "duplicate keys \(quoted.joined(separator: ", "))"
        guard let key = keys.first, let again = Self.repeatOfKey(key, firstAt: first, in: text) else {
            report(line: first.line, column: first.column, named)
            return
        }
        report(line: again.line, column: again.column, "\(named) in one mapping ('\(key)' first at line \(first.line), column \(first.column))")
    }

    /// Where `key`, first written at `first`, is written again in the same mapping: the first
    /// occurrence is renamed (to private-use characters of the same length, so no place in the
    /// text moves) and the text composed again. Then either Yams reports the key's next
    /// occurrence as its first, or the tree composes and the renamed key's mapping holds the
    /// repeat. Nil when the key is not written as itself at `first` (an escaped or multi-line
    /// key): the caller then points at the first occurrence.
    static func repeatOfKey(_ key: String, firstAt first: Mark, in text: String) -> (line: Int, column: Int)? {
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        guard first.line >= 1, first.line <= lines.count, first.column >= 1 else { return nil }
        let want = Array(key.unicodeScalars)
        var start = first.column - 1
        let line = lines[first.line - 1]
        if start < line.count, line[start] == "\"" || line[start] == "'" { start += 1 }
        guard !want.isEmpty, start + want.count <= line.count, line[start..<(start + want.count)].elementsEqual(want) else { return nil }
        let stand = String(repeating: "\u{E000}", count: want.count)
        lines[first.line - 1].replaceSubrange(start..<(start + want.count), with: stand.unicodeScalars)
        var renamed = String.UnicodeScalarView()
        for (i, l) in lines.enumerated() {
            if i > 0 { renamed.append("\n") }
            renamed.append(contentsOf: l)
        }
        do {
            guard let root = try Yams.compose(yaml: String(renamed)) else { return nil }
            var visited: Set<Int> = []
            return repeatOfKey(key, renamedAs: stand, under: root, visited: &visited)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) where duplicates.first == key {
            return (context.mark.line, context.mark.column)
        } catch {
            return nil
        }
    }

    /// Each list or mapping once, as `reportTags` walks: through aliases of aliases a few lines
    /// stand for millions of nodes.
    private static func repeatOfKey(_ key: String, renamedAs stand: String, under node: Node, visited: inout Set<Int>) -> (line: Int, column: Int)? {
        switch node {
        case .mapping, .sequence:
            if let mark = node.mark, !visited.insert(place(mark)).inserted { return nil }
        default:
            break
        }
        switch node {
        case .mapping(let m):
            if m.keys.contains(where: { $0.string == stand }) {
                return m.keys.first(where: { $0.string == key })?.mark.map { ($0.line, $0.column) }
            }
            for (k, v) in m {
                if let found = repeatOfKey(key, renamedAs: stand, under: k, visited: &visited) ?? repeatOfKey(key, renamedAs: stand, under: v, visited: &visited) { return found }
            }
            return nil
        case .sequence(let s):
            for item in s { if let found = repeatOfKey(key, renamedAs: stand, under: item, visited: &visited) { return found } }
            return nil
        case .scalar, .alias:
            return nil
        }
    }

    /// The line and column (in characters, as the parser's marks count) of the byte at `offset`.
    static func lineAndColumn(ofByte offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1, lineStart = 0
        let bytes = Array(text.utf8)
        let end = min(max(offset, 0), bytes.count)
        for i in 0..<end where bytes[i] == UInt8(ascii: "\n") { line += 1; lineStart = i + 1 }
        let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).unicodeScalars.count + 1
        return (line, column)
    }

    /// Where `needle` is written inside the scalar `node`, when the scalar starts on its line
    /// and `needle` follows on that same line (a one-line template): an error can then point at
    /// a placeholder instead of at the start of the text. Nil when it cannot be told.
    public func location(of needle: String, in node: Node?) -> (line: Int, column: Int)? {
        guard let mark = node?.mark, mark.line >= 1, mark.line <= lines.count else { return nil }
        // Columns count characters (code points), as the YAML parser's marks do.
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        guard mark.column >= 1, mark.column <= scalars.count else { return nil }
        let want = Array(needle.unicodeScalars)
        guard !want.isEmpty, mark.column - 1 <= scalars.count - want.count else { return nil }
        for i in (mark.column - 1)...(scalars.count - want.count) where scalars[i..<(i + want.count)].elementsEqual(want) {
            // A brace that is the second of a `{{` (an odd run of braces before it) is literal
            // text: `{{queu}} and {queu}` was pointed at the literal.
            if want.first == "{" {
                var run = 0
                while i - run - 1 >= mark.column - 1, scalars[i - run - 1] == "{" { run += 1 }
                if run % 2 == 1 { continue }
            }
            return (mark.line, i + 1)
        }
        return nil
    }

    public func report(line: Int, column: Int, _ message: String) {
        let e = ConfigError(file: file, line: line, column: column, message: message)
        // Once: a mapping's merges are read by every caller that reads its pairs.
        guard reported.insert(e).inserted else { return }
        errors.append(e)
    }

    public func error(_ node: Node?, _ message: String) {
        report(line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, message)
    }

    /// The members of a mapping in order, with unknown keys reported against `allowed`. With
    /// `extensions`, keys starting with `x-` are left out unread: a file's top level holds its
    /// anchors there (`x-defaults: &defaults {…}`), as Compose files do.
    public func mapping(_ node: Node?, what: String, allowed: [String]? = nil, extensions: Bool = false) -> [(key: String, keyNode: Node, value: Node)]? {
        guard let node else { return nil }
        guard case .mapping(let m) = node else {
            error(node, "\(what) must be a mapping")
            return nil
        }
        var out: [(String, Node, Node)] = []
        var seen: Set<String> = []
        for (k, v) in pairs(m) {
            guard let key = k.string else { error(k, "keys in \(what) must be text"); continue }
            // YAML tells `1` from `"1"` (and `true` from `"true"`) as keys; read as text they are
            // one, and a recovery action's params carried the member twice (until 2026-12-07).
            guard seen.insert(key).inserted else {
                error(k, "duplicate key '\(key)' in \(what) (YAML reads it as another key only by its quotes)")
                continue
            }
            if extensions && key.hasPrefix("x-") { continue }
            if let allowed, !allowed.contains(key) {
                let more = extensions ? ", or a name starting with x- to hold anchors" : ""
                error(k, "unknown key '\(key)' in \(what) (expected one of: \(allowed.joined(separator: ", "))\(more))")
                continue
            }
            out.append((key, k, v))
        }
        return out
    }

    /// The pairs of a mapping with YAML's merge key applied: `<<: *defaults` (or a list,
    /// `<<: [*voice, *defaults]`) adds the anchored mapping's pairs that the mapping does not
    /// write itself, at the place of the `<<`; of two merged mappings, the earlier wins. Operations
    /// staff write shared settings once this way, and it was refused as an unknown key `<<`
    /// (until 2026-12-07). A merged pair keeps its place in the text (the anchor's), where an
    /// error in it is to be mended.
    public func pairs(_ m: Node.Mapping) -> [(key: Node, value: Node)] { pairs(m, depth: 0) }

    /// How deep merges may nest (a mapping merging one that merges another…): each level is
    /// a call deeper, and a chain of thousands overflowed the stack.
    static let maxMergeDepth = 32
    /// How many merged pairs one file's merges may visit in all: a few kilobytes of aliases
    /// merged into many mappings stood for millions, and took minutes.
    static let maxMergeWork = 1_000_000
    private var mergeWork = 0

    private func pairs(_ m: Node.Mapping, depth: Int) -> [(key: Node, value: Node)] {
        guard m.contains(where: { Self.isMergeKey($0.key) }) else { return Array(m) }
        var taken = Set(m.compactMap { Self.isMergeKey($0.key) ? nil : $0.key.string })
        var out: [(key: Node, value: Node)] = []
        // The same anchor merged twice into one mapping adds nothing the second time; skipped, so
        // `<<: [*a, *a, …]` costs its length, not its length times the anchor's size.
        var mergedHere: Set<Int> = []
        for (k, v) in m {
            guard Self.isMergeKey(k) else { out.append((k, v)); continue }
            let sources: [Node]
            if case .sequence(let s) = v { sources = Array(s) } else { sources = [v] }
            for source in sources {
                guard case .mapping(let merged) = source else {
                    error(source, "the merge key '<<' takes a mapping or a list of mappings, usually an alias (<<: *defaults), found a \(source.kindName)")
                    continue
                }
                if let mark = source.mark, !mergedHere.insert(Self.place(mark)).inserted { continue }
                guard depth < Self.maxMergeDepth else {
                    error(source, "merges nest more than \(Self.maxMergeDepth) deep here (a mapping merging one that merges another, and so on)")
                    continue
                }
                let expanded = expandedMerge(merged, at: source.mark, depth: depth + 1)
                mergeWork += expanded.count
                guard mergeWork <= Self.maxMergeWork else {
                    // Once: every later merge is past the budget too.
                    if mergeWork - expanded.count <= Self.maxMergeWork {
                        error(source, "merge keys in this file stand for more than \(Self.maxMergeWork) merged keys in all; write the shared settings out, or merge fewer times")
                    }
                    return out
                }
                for pair in expanded {
                    // As the mapping's own keys must be (`mapping`), which would not see this one.
                    guard let key = pair.key.string else { error(pair.key, "keys of a merged mapping must be text"); continue }
                    guard taken.insert(key).inserted else { continue }
                    out.append(pair)
                }
            }
        }
        return out
    }

    /// A merged mapping's own pairs, its merges applied, once per anchor: an alias stands for
    /// its anchor's node, and `<<: [*a, *a, …]` over a few levels of anchors would otherwise
    /// expand millions of times (as `reportTags` guards against).
    private var expandedMerges: [Int: [(key: Node, value: Node)]] = [:]
    private var expanding: Set<Int> = []

    private func expandedMerge(_ m: Node.Mapping, at mark: Mark?, depth: Int) -> [(key: Node, value: Node)] {
        guard let mark else { return pairs(m, depth: depth) }
        let place = Self.place(mark)
        if let done = expandedMerges[place] { return done }
        // YAML forbids an alias inside its own anchor's node; a guard all the same.
        guard expanding.insert(place).inserted else { return [] }
        defer { expanding.remove(place) }
        let done = pairs(m, depth: depth)
        expandedMerges[place] = done
        return done
    }

    /// A node's place in the text as one number: aliases of one anchor share it.
    static func place(_ mark: Mark) -> Int { mark.line &* 1_000_003 &+ mark.column }

    /// The value of `key` in the mapping `node`, its merges applied (Yams' own subscript does
    /// not see merged keys); nil when `node` is not a mapping or has no such key.
    public func member(_ node: Node?, _ key: String) -> Node? {
        guard case .mapping(let m)? = node else { return nil }
        return pairs(m).first(where: { $0.key.string == key })?.value
    }

    /// `<<` written plainly (or tagged `!!merge`): quoted, it is the text `<<`.
    static func isMergeKey(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.string == "<<" else { return false }
        return s.style == .plain || s.tag.rawValue == "tag:yaml.org,2002:merge"
    }

    public func sequence(_ node: Node?, what: String) -> [Node]? {
        guard let node else { return nil }
        guard case .sequence(let s) = node else {
            error(node, "\(what) must be a list")
            return nil
        }
        return Array(s)
    }

    public func string(_ node: Node?, what: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let s) = node else { error(node, "\(what) must be text\(Self.unquotedTemplateHint(node))"); return nil }
        guard !s.string.isEmpty else { error(node, "\(what) must not be empty"); return nil }
        // `runbook: ~` or `stage: null` is YAML's null, not text: taken as the text, alerts said
        // `"runbook":"null"` (until 2026-12-07), where a rule without one says null.
        guard !Self.isNull(s) else {
            error(node, "\(what) is null; remove the key to leave it unset, or quote the text")
            return nil
        }
        return s.string
    }

    /// The plain scalars YAML 1.2's core schema reads as null (the empty one is refused as empty).
    public static let nullForms: Set<String> = ["~", "null", "Null", "NULL"]

    /// Whether YAML reads `s` as null: plain, empty or one of `nullForms`, and not tagged as
    /// text (`!!str null` is the word).
    public static func isNull(_ s: Node.Scalar) -> Bool {
        s.style == .plain && (s.string.isEmpty || nullForms.contains(s.string)) && s.tag.rawValue != "tag:yaml.org,2002:str"
    }

    /// A moment's, recovery rule's or coaching rule's id. It becomes part of output ids, which
    /// `:` joins (`<interaction>:<moment>:<n>`, `<moment id>:<rule>`): with a `:` in rule ids,
    /// moments `vip:rude` and `rude` on interactions `call-7` and `call-7:vip` both made
    /// `call-7:vip:rude:1`, and consumers deduplicating on ids dropped one customer's discount.
    /// Letters, digits, `-`, `_` and `.` keep every id readable from the right.
    public func ruleID(_ node: Node?) -> String? {
        guard let id = string(node, what: "id") else { return nil }
        guard id.utf8.allSatisfy({ b in
            (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
        }) else {
            // "ASCII": "only letters" (until 2026-12-08) refused é, a letter, with no reason given.
            error(node, "id '\(id)' may hold only ASCII letters (a-z, A-Z), digits, '-', '_' and '.' (it becomes part of output ids, which ':' joins)")
            return nil
        }
        return id
    }

    /// A string, or a list of strings (`on: long-wait` or `on: [long-wait, rude-agent]`).
    public func strings(_ node: Node?, what: String) -> [String]? {
        guard let node else { return nil }
        if case .scalar = node { return string(node, what: what).map { [$0] } }
        guard let items = sequence(node, what: what) else { return nil }
        let values = items.compactMap { string($0, what: "each item of \(what)") }
        // Empty only when it is: items refused one by one were reported already.
        if items.isEmpty { error(node, "\(what) must not be empty") }
        return values.count == items.count ? values : nil
    }

    /// Like `strings`, with each value's own node, so an error can point at the bad item of a
    /// list (`days: [mon, sonday]` → the column of `sonday`), not at the list.
    public func stringItems(_ node: Node?, what: String) -> [(value: String, node: Node)]? {
        guard let node else { return nil }
        if case .scalar = node { return string(node, what: what).map { [($0, node)] } }
        guard let items = sequence(node, what: what) else { return nil }
        let values = items.compactMap { item in string(item, what: "each item of \(what)").map { ($0, item) } }
        if items.isEmpty { error(node, "\(what) must not be empty") }
        return values.count == items.count ? values : nil
    }

    public func number(_ node: Node?, what: String) -> Double? {
        guard let node else { return nil }
        // Decimal only: `Double("0x5")` is 5 and `Double("0x1p3")` 8 (accepted until 2026-12-07).
        guard case .scalar(let s) = node, Self.isDecimal(s.string), let v = Double(s.string), v.isFinite else {
            error(node, "\(what) must be a number, found '\(node.string ?? "a \(node.kindName)")'")
            return nil
        }
        return v
    }

    /// `[+-]digits[.digits][e[+-]digits]` (or `.digits`): a number as YAML and JSON write it.
    static func isDecimal(_ text: String) -> Bool {
        var b = Array(text.utf8)[...]
        func digits() -> Int { var n = 0; while let c = b.first, c >= 0x30, c <= 0x39 { b = b.dropFirst(); n += 1 }; return n }
        if b.first == UInt8(ascii: "+") || b.first == UInt8(ascii: "-") { b = b.dropFirst() }
        var count = digits()
        if b.first == UInt8(ascii: ".") { b = b.dropFirst(); count += digits() }
        guard count > 0 else { return false }
        if b.first == UInt8(ascii: "e") || b.first == UInt8(ascii: "E") {
            b = b.dropFirst()
            if b.first == UInt8(ascii: "+") || b.first == UInt8(ascii: "-") { b = b.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return b.isEmpty
    }

    public func integer(_ node: Node?, what: String, minimum: Int, maximum: Int = .max) -> Int? {
        guard let node else { return nil }
        guard case .scalar(let s) = node, let v = Int(s.string) else {
            // A whole number too large for 64 bits is said to be too large, not "not whole".
            if case .scalar(let s) = node, let big = Double(s.string), Self.isDecimal(s.string),
               s.string.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2D }) {
                error(node, big < 0 ? "\(what) must be at least \(minimum), found \(s.string)" : "\(what) must be at most \(maximum), found \(s.string)")
                return nil
            }
            error(node, "\(what) must be a whole number, found '\(node.string ?? "a \(node.kindName)")'")
            return nil
        }
        guard v >= minimum else { error(node, "\(what) must be at least \(minimum), found \(v)"); return nil }
        guard v <= maximum else { error(node, "\(what) must be at most \(maximum), found \(v)"); return nil }
        return v
    }

    public func bool(_ node: Node?, what: String) -> Bool? {
        guard let node else { return nil }
        guard let b = node.bool else { error(node, "\(what) must be true or false"); return nil }
        return b
    }

    public func duration(_ node: Node?, what: String, allowZero: Bool = false) -> Duration? {
        guard let node else { return nil }
        guard case .scalar(let s) = node else { error(node, "\(what) must be a duration like 120s, 5m, 24h or 30d"); return nil }
        let text = s.string
        if text.hasPrefix("-") { error(node, "\(what) must not be negative, found '\(text)'"); return nil }
        guard let d = DurationParser.parse(text) else {
            if DurationParser.parseAnyLength(text) != nil {
                error(node, "\(what) must be at most 100 years (\(DurationParser.maximum.milliseconds / 86_400_000)d), found '\(text)'")
            } else {
                error(node, "bad duration '\(text)' for \(what) (\(DurationParser.hint))")
            }
            return nil
        }
        if d.milliseconds == 0 && !allowZero { error(node, "\(what) must be longer than zero"); return nil }
        return d
    }

    public func required(_ members: [(key: String, keyNode: Node, value: Node)], _ key: String, in parent: Node, what: String) -> Node? {
        if let m = members.first(where: { $0.key == key }) { return m.value }
        error(parent, "missing '\(key)' in \(what)")
        return nil
    }
}

extension Node {
    var kindName: String {
        switch self {
        case .scalar: return "scalar"
        case .mapping: return "mapping"
        case .sequence: return "list"
        case .alias: return "alias"
        }
    }
}

extension Array where Element == (key: String, keyNode: Node, value: Node) {
    public subscript(_ key: String) -> Node? { first(where: { $0.key == key })?.value }
}
