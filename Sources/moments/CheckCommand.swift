import ArgumentParser
import MomentsApp
import MomentsCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a rules file or a daemon configuration; every problem is reported as file:line:column.")

    @Argument(help: "The rules file (moments/recovery/coaching) or daemon configuration (kafka/processing/rules) to check.")
    var file: String

    func run() throws {
        if try RulesFile.isDaemonConfig(file) {
            let config = try ConfigFile.load(file)
            let rules = config.rules
            print("\(file): ok — configuration for group \(config.kafka.groupID) on \(config.kafka.inputTopicsDescription); rules \(config.rulesSource): \(rules.moments.count) moments, \(rules.recovery.count) recovery rules, \(rules.coaching.count) coaching rules")
        } else {
            let rules = try RulesFile.load(file)
            print("\(file): ok — \(rules.moments.count) moments, \(rules.recovery.count) recovery rules, \(rules.coaching.count) coaching rules")
        }
    }
}
