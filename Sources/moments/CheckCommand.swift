import ArgumentParser
import MomentsCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a rules file; every problem is reported as file:line:column.")

    @Argument(help: "The rules file to check.")
    var file: String

    func run() throws {
        let rules = try RulesFile.load(file)
        print("\(file): ok — \(rules.moments.count) moments, \(rules.recovery.count) recovery rules, \(rules.coaching.count) coaching rules")
    }
}
