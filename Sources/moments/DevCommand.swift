import ArgumentParser
import Foundation
import MomentsApp
import MomentsCore
import MomentsRuntime
import MomentsSimulation

struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "The one-command experience: embedded broker, simulated contact center and the daemon, with a live feed.")

    @Option(name: .long, help: "Stop after this many seconds (0: run until Ctrl-C).")
    var duration: Double = 0

    @Option(name: .long, help: "The rules file.")
    var rules: String = "config/moments.yaml"

    @Option(name: .long, help: "Simulation seed.")
    var seed: UInt64 = 7

    @Option(name: .long, help: "Simulated time runs this many times faster than the wall clock.")
    var speed: Double = 6

    @Option(name: .long, help: "Interactions started per simulated minute.")
    var arrivals: Double = 30

    @Option(name: .long, help: "Partitions of the input topic.")
    var partitions: Int = 4

    @Flag(name: .long, help: "No colour, even on a terminal.")
    var noColor = false

    func validate() throws {
        guard duration.isFinite, duration >= 0 else { throw ValidationError("--duration must be 0 (until Ctrl-C) or a number of seconds above 0, found \(duration)") }
        guard (1...BrokerCommand.maxPartitions).contains(partitions) else {
            throw ValidationError("--partitions must be between 1 and \(BrokerCommand.maxPartitions), found \(partitions)")
        }
        if let problem = SimulationOptions.problem(arrivals: arrivals) { throw ValidationError(problem) }
        guard speed.isFinite, speed > 0 else { throw ValidationError("--speed must be a number above 0, found \(speed)") }
    }

    func run() throws {
        let ruleSet = try RulesFile.load(rules)
        let session = try DevSession(
            rules: ruleSet, seed: seed, speed: speed, arrivalsPerMinute: arrivals, partitions: partitions,
            color: !noColor && Terminal.supportsColor)
        let signals = SignalHandler(signals: [SIGINT, SIGTERM]) { count, received in
            if count > 1 { Foundation.exit(128 + received) }
            session.requestStop()
        }
        defer { signals.cancel() }
        try session.run(seconds: duration > 0 ? duration : nil)
    }
}

enum Terminal {
    /// Colour only on a terminal that wants it (https://no-color.org).
    static var supportsColor: Bool {
        let env = ProcessInfo.processInfo.environment
        return isatty(STDOUT_FILENO) == 1 && env["NO_COLOR"] == nil && env["TERM"] != "dumb"
    }
}
