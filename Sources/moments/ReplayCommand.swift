import ArgumentParser
import Foundation
import MomentsApp
import MomentsCore

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the rules over recorded events (JSON lines) in event time and print every output.",
        discussion: """
            Outputs are printed as CloudEvents JSON lines, with the same ids the daemon gives. Malformed \
            lines are reported on stderr with their line number and counted; they never stop the replay.

            With --diff OLD.yaml NEW.yaml EVENTS, both rule sets run over the same events and what the \
            change would have changed is printed: outputs only in old, only in new, changed (same id, \
            other content), and counts per rule.

            With --partitions N, events are spread over N engines by customer key, as Kafka's default \
            (murmur2) partitioner spreads them over N input partitions, so what the daemon keeps per \
            partition (each rule's daily_budget, the duplicate_window, the clock that fires timers) \
            holds per partition here too. Outputs are still printed in input order.
            """)

    @Option(name: .long, help: "The rules file (default: config/moments.yaml).")
    var rules: String?

    @Argument(help: ArgumentHelp("Events file (JSON lines), or - for standard input; with --diff: OLD.yaml NEW.yaml [EVENTS].", valueName: "events"))
    var inputs: [String] = []

    @Flag(name: .long, help: "Compare two rules files on the same events: moments replay --diff OLD.yaml NEW.yaml EVENTS.")
    var diff = false

    @Flag(name: .long, help: "With --diff: exit with status 1 when the outputs differ.")
    var failOnChange = false

    @Flag(name: .long, help: "Print a table of counts per moment, recovery action and coaching signal instead of the outputs.")
    var summary = false

    @Flag(name: .long, help: "Also print dead-letter records for malformed lines on stdout.")
    var deadLetters = false

    @Option(name: .long, help: "The dialect of the lines: \(Dialect.names).")
    var dialect: String = Dialect.canonical.rawValue

    @Option(name: .long, help: "Where a vendor event's customer key is (a path such as attributes.customer_id); default: the dialect's usual fields.")
    var customerKey: String?

    @Option(name: .long, help: "Run one engine per input partition, events spread by customer key as Kafka's default partitioner spreads them (1...\(Self.maxPartitions)).")
    var partitions: Int = 1

    /// Far beyond any input topic's partition count, and short of the memory of that many engines.
    static let maxPartitions = 10_000

    func validate() throws {
        guard (1...Self.maxPartitions).contains(partitions) else {
            throw ValidationError("--partitions must be between 1 and \(Self.maxPartitions) (one engine per input partition), found \(partitions)")
        }
        if diff {
            guard (2...3).contains(inputs.count) else { throw ValidationError("--diff needs OLD.yaml NEW.yaml and the events file (or - for stdin)") }
            guard rules == nil else { throw ValidationError("--diff takes the two rules files as arguments, not --rules") }
            guard !deadLetters else { throw ValidationError("--dead-letters lists malformed lines of a replay; --diff compares outputs only (run 'moments replay --dead-letters' on the events)") }
        } else {
            guard inputs.count <= 1 else { throw ValidationError("one events file expected (to compare two rules files, use --diff OLD.yaml NEW.yaml EVENTS)") }
            guard !failOnChange else { throw ValidationError("--fail-on-change needs --diff") }
        }
        // No events file named reads standard input; from a terminal that waited for typing
        // and looked like a hang. Piped input, or `-` asked for, is read as before.
        if inputs.count == (diff ? 2 : 0) && isatty(STDIN_FILENO) != 0 {
            throw ValidationError("no events file given: name one (JSON lines), or pipe the events in (- reads standard input)")
        }
        // Checked with the other options: found in `run`, a bad --dialect or --customer-key
        // printed "error:" and exited 1, without the usage (until 2026-12-08).
        _ = try dialectDecoder()
    }

    func run() throws {
        if diff { return try runDiff() }
        let ruleSet = try RulesFile.load(rules ?? "config/moments.yaml")
        let events = inputs.first ?? "-"
        let input = try Self.read(events)
        let name = events == "-" ? "<stdin>" : events
        var replayer = PartitionedReplayer(rules: ruleSet, partitions: partitions, dialect: try dialectDecoder())
        let encoder = CloudEventEncoder()
        var out = OutputBuffer()
        var tally = ReplayTally()
        JSONLines.forEach(in: input) { line, lineNumber in
            for item in replayer.feed(line: line, file: name, lineNumber: lineNumber) {
                switch item {
                case .output(let o):
                    tally.count(o)
                    if !summary { out.write(encoder.encode(o)) }
                case .deadLetter(let d):
                    Stderr.print("\(name):\(lineNumber): skipped malformed event: \(d.error)")
                    if deadLetters && !summary { out.write(encoder.encode(d)) }
                }
            }
        }
        if summary { out.write(Array(tally.table().utf8)) }
        out.flush()
        let stats = replayer.stats
        let spread = partitions == 1 ? "" : " on \(partitions) partitions"
        Stderr.print("replayed \(stats.eventsProcessed) events\(spread) (\(replayer.malformed) malformed, \(stats.duplicatesDropped) duplicates dropped): \(tally.total) outputs")
    }

    /// `--diff OLD NEW EVENTS`: both rule sets over the same events, compared by output id.
    func runDiff() throws {
        let (oldPath, newPath) = (inputs[0], inputs[1])
        let events = inputs.count > 2 ? inputs[2] : "-"
        let old = try RulesFile.load(oldPath), new = try RulesFile.load(newPath)
        let bytes = try Self.read(events)
        let name = events == "-" ? "<stdin>" : events
        let result = ReplayDiff.replaying(bytes, file: name, old: old, new: new, dialect: try dialectDecoder(), partitions: partitions)
        // No event read compares nothing: an empty file, or a wrong --dialect that made every
        // line malformed, said "no change" and exited 0, and a CI check passed on nothing.
        if failOnChange && result.eventsRead == 0 {
            let why = result.malformedLines == 0 ? ""
                : ", read as --dialect \(dialect); moments replay --dead-letters --dialect \(dialect) --rules \(newPath) \(events) says why each was refused"
            throw CLIError("\(name): error: nothing to compare: no event could be read from \(name) (\(result.malformedLines) malformed lines\(why))")
        }
        Stdout.print(ReplayDiffReport.render(result, oldName: oldPath, newName: newPath, listOutputs: !summary))
        if result.malformedLines > 0 { Stderr.print("\(events): \(result.malformedLines) malformed lines skipped (moments replay --dead-letters --rules \(newPath) \(events) lists them)") }
        if failOnChange && !result.isEmpty { throw ExitCode(1) }
    }

    static func read(_ events: String) throws -> [UInt8] {
        let bytes: [UInt8]
        switch TextFiles.bytes(atPath: events == "-" ? "/dev/stdin" : events) {
        case .success(let b): bytes = b
        case .failure(let why): throw CLIError("\(events): error: cannot read the file: \(why)")
        }
        // gzip's magic bytes: a compressed recording was replayed as text, every line of it
        // reported malformed, and the one thing wrong with it left unsaid.
        if bytes.starts(with: [0x1F, 0x8B]) {
            let name = events == "-" ? "<stdin>" : events
            throw CLIError("\(name): error: the events are gzip-compressed, not JSON lines; decompress them on the way in: \(zcatHint(events))")
        }
        return bytes
    }

    /// `zcat FILE | moments replay ... -`: this command line, its events read from standard input.
    static func zcatHint(_ events: String) -> String {
        var args = Array(CommandLine.arguments.dropFirst())
        if events != "-", let i = args.lastIndex(of: events) { args[i] = "-" } else if !args.contains("-") { args.append("-") }
        return "zcat \(events == "-" ? "FILE" : events) | moments \(args.joined(separator: " "))"
    }
}

extension ReplayCommand {
    /// Throws a `ValidationError` (exit 64, with the usage) for a bad --dialect or --customer-key.
    func dialectDecoder() throws -> DialectDecoder {
        guard let d = Dialect(rawValue: dialect) else { throw ValidationError("--dialect must be one of \(Dialect.names), found '\(dialect)'") }
        guard let customerKey else { return DialectDecoder(dialect: d) }
        guard d != .canonical else { throw ValidationError("--customer-key applies to vendor dialects only (canonical events carry customer_id)") }
        let key: CustomerKey
        do { key = try CustomerKey(parsing: customerKey) } catch { throw ValidationError(error.description) }
        // The lines of a file carry no Kafka message key: every line was dead-lettered for a key
        // "not found at @key", with advice to set what had just been set (until 2026-12-07).
        guard key != .messageKey else {
            throw ValidationError("--customer-key @key names the Kafka message key, which the lines of a file do not have; name a field of the events that holds the customer (such as attributes.customer_id), or leave the option out for the dialect's usual fields")
        }
        return DialectDecoder(dialect: d, customerKey: key)
    }
}

/// Counts of outputs per moment, recovery action and coaching rule for `--summary`.
struct ReplayTally {
    var moments: [String: Int] = [:]
    var recovery: [String: Int] = [:]
    var coaching: [String: Int] = [:]
    var total = 0

    mutating func count(_ o: Output) {
        total += 1
        switch o {
        case .alert(let a): moments[a.moment.rule, default: 0] += 1
        case .recovery(let r): recovery[r.rule, default: 0] += 1
        case .coaching(let c): coaching[c.rule, default: 0] += 1
        }
    }

    func table() -> String {
        // As wide as the longest rule id: `padding(toLength:)` cut a longer one, its count
        // glued to what was left of it.
        let width = max(32, ([moments, recovery, coaching].flatMap(\.keys).map(\.count).max() ?? 0) + 2)
        func padded(_ text: String, to n: Int) -> String { text + String(repeating: " ", count: max(0, n - text.count)) }
        var s = ""
        for (title, counts) in [("moment", moments), ("recovery", recovery), ("coaching", coaching)] {
            s += padded(title, to: width + 2) + "count\n"
            for k in counts.keys.sorted() {
                s += "  " + padded(k, to: width) + String(counts[k]!) + "\n"
            }
            s += "\n"
        }
        return s
    }
}
