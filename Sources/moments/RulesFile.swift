import ArgumentParser
import Foundation
import MomentsCore

/// Reading rules from disk, at the edge; parsing and validation live in MomentsCore.
enum RulesFile {
    /// A daemon configuration has `kafka`, `processing` or `rules` at the top; a rules file has
    /// `moments`.
    static func isDaemonConfig(_ path: String) throws -> Bool {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CLIError("\(path): cannot read the file")
        }
        return text.split(separator: "\n").contains { line in
            ["kafka:", "processing:", "rules:"].contains { line.hasPrefix($0) }
        }
    }

    /// A rule-test file (`moments test`) has `tests` at the top (and `rules`, the file it tests).
    static func isRuleTestFile(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { $0.hasPrefix("tests:") }
    }

    static func load(_ path: String) throws -> RuleSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError("\(path):1:1: error: the file is not UTF-8 text")
        }
        switch RulesParser.parse(yaml: text, file: path) {
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
