import ArgumentParser

@main
struct Moments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moments",
        abstract: "Finds moments of truth in contact-center interaction events and reacts to them.",
        subcommands: [RunCommand.self, DevCommand.self, BrokerCommand.self, SimulateCommand.self, CheckCommand.self, TestCommand.self, ReplayCommand.self, BenchCommand.self]
    )
}
