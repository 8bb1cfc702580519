import ArgumentParser
import Foundation
import MomentsApp
import MomentsCore

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule tests: short event streams with the outputs they must (not) give, on the engine with fake time.",
        discussion: """
            Each test file names its rules file (relative to the test file) and lists tests; see \
            "Testing rules" in the README. A failure prints file:line:column of the expectation, what \
            was expected and what was emitted around that time. Exit status: 0 when every test \
            passes, 1 when a test fails or a file is refused.
            """)

    @Argument(help: "Test files (YAML).")
    var files: [String]

    @Flag(name: .shortAndLong, help: "Also list the tests that pass.")
    var verbose = false

    func run() throws {
        var passed = 0, failed = 0, refused = 0
        for path in files {
            switch load(path) {
            case .failure(let refusal):
                refused += 1
                Stderr.print(refusal.message)
            case .success(let results):
                let report = RuleTestReport.render(results, verbose: verbose)
                if !report.isEmpty { Stdout.print(report) }
                let bad = results.filter { !$0.passed }.count
                passed += results.count - bad
                failed += bad
                Stdout.print("\(path): \(results.count - bad) of \(results.count) passed")
            }
        }
        Stdout.print(RuleTestReport.totals(passed: passed, failed: failed, refusedFiles: refused))
        if failed > 0 || refused > 0 { throw ExitCode(1) }
    }

    /// Reads, parses, loads the rules and runs: the results, or why the file was refused.
    private func load(_ path: String) -> Result<[RuleTestResult], Refusal> {
        switch Self.parse(path) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let (file, rules)): return RuleTestRunner.run(file, rules: rules).mapError { Refusal($0.description) }
        }
    }

    /// Reads and parses a test file and the rules file it names: both, or why the file is refused.
    static func parse(_ path: String) -> Result<(RuleTestFile, RuleSet), Refusal> {
        let text: String
        do { text = try RulesFile.text(path) } catch { return .failure(Refusal("\(error)")) }
        let file: RuleTestFile
        switch RuleTestParser.parse(yaml: text, file: path) {
        case .success(let f): file = f
        case .failure(let e): return .failure(Refusal(e.description))
        }
        // Resolved as a daemon configuration's `rules:` is, relative to the file's folder unless
        // absolute. (Appended to the folder, an absolute path named a file that did not exist.)
        let rulesPath = FilePaths.resolve(file.rulesPath, writtenIn: path)
        let shown = relative(rulesPath)
        let rulesText: String
        switch TextFiles.text(atPath: rulesPath, shownAs: shown) {
        case .success(let text): rulesText = text
        case .failure(.notUTF8(let notText)):
            return .failure(Refusal("\(file.rulesLocation): error: the rules file \(shown) is invalid:\n\(notText.description)"))
        case .failure(.unreadable(let why)):
            return .failure(Refusal("\(file.rulesLocation): error: cannot read the rules file \(shown): \(why)"))
        }
        let rules: RuleSet
        switch RulesParser.parse(yaml: rulesText, file: shown) {
        case .success(let r): rules = r
        case .failure(let e): return .failure(Refusal("\(file.rulesLocation): error: the rules file \(shown) is invalid:\n\(e.description)"))
        }
        return .success((file, rules))
    }

    /// The rules path as a user would type it from here (`config/moments.yaml`).
    /// Outside the working folder, a relative path stays as resolved (`../my/rules.yaml`).
    /// (Foundation's `standardized` on Linux resolved `t/../my/rules.yaml` to `/my/rules.yaml`.)
    static func relative(_ path: String, from cwd: String = FileManager.default.currentDirectoryPath) -> String {
        let absolute = path.hasPrefix("/") ? path : cwd + "/" + path
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") where part != "." {
            if part == ".." { if !parts.isEmpty { parts.removeLast() } } else { parts.append(part) }
        }
        let normal = "/" + parts.joined(separator: "/")
        let folder = cwd.hasSuffix("/") ? cwd : cwd + "/"
        if normal.hasPrefix(folder) { return String(normal.dropFirst(folder.count)) }
        return path.hasPrefix("/") ? normal : path
    }

    struct Refusal: Error { var message: String; init(_ m: String) { message = m } }
}
