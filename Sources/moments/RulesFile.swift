import ArgumentParser
import Foundation
import MomentsApp
import MomentsCore

/// Reading rules from disk, at the edge; parsing and validation live in MomentsCore.
enum RulesFile {
    /// A daemon configuration has `kafka`, `processing` or `rules` at the top; a rules file has
    /// `moments`.
    static func isDaemonConfig(_ path: String) throws -> Bool {
        hasTopLevelKey(["kafka", "processing", "rules"], in: try text(path))
    }

    /// A rule-test file (`moments test`) has `tests` at the top (and `rules`, the file it tests).
    static func isRuleTestFile(_ path: String) -> Bool {
        guard let text = try? text(path) else { return false }
        return hasTopLevelKey(["tests"], in: text)
    }

    /// By the YAML's top-level keys; by its lines only when it is not YAML (whichever kind of
    /// file it was meant to be then reports the YAML error). By lines alone, a quoted text
    /// running on to a line that starts with `rules:` made a rules file a configuration
    /// (until 2026-12-07).
    private static func hasTopLevelKey(_ keys: Set<String>, in text: String) -> Bool {
        let ctx = YAMLContext(file: "")
        if let root = ctx.compose(text) {
            return ctx.mapping(root, what: "the file")?.contains { keys.contains($0.key) } ?? false
        }
        return topLevelLines(of: text).contains { line in keys.contains { line.hasPrefix($0 + ":") } }
    }

    /// By any line end: split on "\n" alone, a CRLF file (where "\r\n" is one Character) was one
    /// line, so `check` took a rule-test or configuration file for a rules file and reported
    /// its keys as unknown.
    private static func topLevelLines(of text: String) -> [Substring] { text.split(whereSeparator: \.isNewline) }

    /// The file's text, or why it cannot be had: unreadable, or not UTF-8 (both were "cannot read").
    static func text(_ path: String) throws -> String {
        switch TextFiles.text(atPath: path) {
        case .success(let text): return text
        case .failure(.unreadable(let why)): throw CLIError("\(path): error: cannot read the file: \(why)")
        case .failure(.notUTF8(let bad)): throw CLIError(bad.description)
        }
    }

    static func load(_ path: String) throws -> RuleSet {
        switch RulesParser.parse(yaml: try text(path), file: path) {
        case .success(let rules): return rules
        case .failure(let errors): throw CLIError(errors.description)
        }
    }
}

/// A user-facing failure: printed as is to stderr, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

extension CLIError: LocalizedError {
    var errorDescription: String? { description }
}
