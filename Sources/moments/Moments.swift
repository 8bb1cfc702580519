import ArgumentParser
import CEarlySignals
import Foundation

@main
struct Moments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moments",
        abstract: "Finds moments of truth in contact-center interaction events and reacts to them.",
        subcommands: [RunCommand.self, DevCommand.self, BrokerCommand.self, SimulateCommand.self, CheckCommand.self, TestCommand.self, ReplayCommand.self, BenchCommand.self]
    )

    /// A message that names no place in a file is marked `error: ` as diagnostics are (they
    /// start with `file:line:column: error:` or `file: error:`).
    static func diagnostic(_ message: String) -> String {
        let first = message.prefix { $0 != "\n" }
        return first.contains(": error: ") || first.hasPrefix("error: ") ? message : "error: " + message
    }

    /// As the argument parser's own, but a diagnostic (`CLIError`: `file:line:column: error:
    /// what`, as compilers print them) goes to stderr as it is, with status 1: prefixed
    /// `Error: `, its first line was missed by tools matching `^file:line:column`.
    static func main() async {
        // `moments run` ignores SIGHUP from before `main` (CEarlySignals' constructor), not from
        // `RunCommand.run`: arguments parsed and the async runtime up, that came 20–25 ms after
        // exec in a debug build, and a `systemctl reload` in that window ended the daemon for
        // good. Referenced so the linker keeps it.
        _ = moments_early_signals_linked()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand { try await asyncCommand.run() } else { try command.run() }
        } catch let error as CLIError {
            FileHandle.standardError.write(Data((Self.diagnostic(error.description) + "\n").utf8))
            Foundation.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}
