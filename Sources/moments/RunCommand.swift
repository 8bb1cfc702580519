import ArgumentParser
import Foundation
import MomentsApp
import MomentsCore
import MomentsRuntime

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: consume events from Kafka, detect moments, produce outputs.")

    @Option(name: .long, help: "The daemon configuration file.")
    var config: String = "config/daemon.yaml"

    @Flag(name: .long, help: "Print the effective configuration (file plus environment, secrets masked) and exit.")
    var printConfig = false

    @Option(name: .long, help: "Log level: debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func run() throws {
        let daemon = try ConfigFile.load(config)
        if printConfig {
            print(daemon.printable, terminator: "")
            return
        }
        let logger = LogfmtLogger(minimum: try LogLevel.parse(logLevel))
        var hooks = PipelineHooks()
        hooks.log = logger.hook
        let pipeline = Pipeline(configuration: daemon.pipelineConfiguration, rules: daemon.rules, hooks: hooks)
        let signals = SignalHandler(signals: [SIGINT, SIGTERM]) { count in
            if count == 1 {
                logger.log(.notice, "stopping on signal; a second signal forces exit", [])
                pipeline.stop()
            } else {
                logger.log(.error, "forced exit on second signal", [])
                Foundation.exit(130)
            }
        }
        defer { signals.cancel() }
        logger.log(.info, "moments starting", [
            ("bootstrap", daemon.kafka.bootstrapServers), ("group", daemon.kafka.groupID), ("rules", daemon.rulesSource),
        ])
        try pipeline.run()
    }
}

extension LogLevel {
    static func parse(_ s: String) throws -> LogLevel {
        switch s.lowercased() {
        case "debug": return .debug
        case "info": return .info
        case "notice": return .notice
        case "warning", "warn": return .warning
        case "error": return .error
        default: throw CLIError("unknown log level '\(s)' (debug, info, notice, warning, error)")
        }
    }
}

enum ConfigFile {
    static func load(_ path: String) throws -> DaemonConfig {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CLIError("\(path): cannot read the configuration file")
        }
        switch DaemonConfigParser.parse(yaml: text, file: path, environment: ProcessInfo.processInfo.environment) {
        case .success(let c): return c
        case .failure(let e): throw CLIError(e.description)
        }
    }
}
