import ArgumentParser
import MomentsApp
import MomentsCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a rules file, a daemon configuration or a rule-test file; every problem is reported as file:line:column.")

    @Argument(help: "The rules file (moments/recovery/coaching), daemon configuration (kafka/processing/rules) or rule-test file (rules/tests) to check.")
    var file: String

    func run() throws {
        if RulesFile.isRuleTestFile(file) {
            // Parsed and checked against its rules file as `moments test` does, without running.
            switch TestCommand.parse(file) {
            case .failure(let refusal): throw CLIError(refusal.message)
            case .success(let (tests, rules)):
                if let errors = RuleTestRunner.validate(tests, rules: rules) { throw CLIError(errors.description) }
                Stdout.print("\(file): ok — \(tests.cases.count) rule tests of \(tests.rulesPath) (run them with moments test \(file))")
            }
            return
        }
        if try RulesFile.isDaemonConfig(file) {
            let config = try ConfigFile.load(file)
            let rules = config.rules
            // Not an error here: the check may run elsewhere than the daemon will.
            if let problem = Daemon.stateDirectoryProblem(config.admin) {
                Stderr.print("\(file): warning: admin.state_dir: \(problem); the daemon, run as this user on this machine, would refuse to start (POST /silences could not be kept)")
            }
            Stdout.print("\(file): ok — configuration for group \(config.kafka.groupID) on \(config.kafka.inputTopicsDescription); rules \(config.rulesSource): \(rules.moments.count) moments, \(rules.recovery.count) recovery rules, \(rules.coaching.count) coaching rules")
        } else {
            let rules = try RulesFile.load(file)
            Stdout.print("\(file): ok — \(rules.moments.count) moments, \(rules.recovery.count) recovery rules, \(rules.coaching.count) coaching rules" + Self.extras(rules))
        }
    }

    /// ", 1 silence, 2 inhibitions, 1 scheduled moment" for what the file has of them.
    static func extras(_ rules: RuleSet) -> String {
        func n(_ count: Int, _ one: String, _ many: String) -> String? { count == 0 ? nil : "\(count) \(count == 1 ? one : many)" }
        let parts = [
            n(rules.silences.count, "silence", "silences"),
            n(rules.moments.reduce(0) { $0 + $1.inhibits.flatMap(\.moments).count }, "inhibition", "inhibitions"),
            n(rules.moments.filter { $0.schedule != nil }.count, "scheduled moment", "scheduled moments"),
        ].compactMap { $0 }
        return parts.isEmpty ? "" : ", " + parts.joined(separator: ", ")
    }
}
