import ArgumentParser
import Foundation
import MomentsApp
import MomentsCore
import MomentsRuntime
import MomentsSimulation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks on the reference workload (moments simulate --seed 7, default rules).",
        discussion: """
            Build with -c release for meaningful figures. Suites: engine (decode + detect + encode, and the \
            decoder against Foundation's JSONDecoder), e2e (through the embedded broker over TCP, against a \
            plain librdkafka consumer in the same run), produce (the outputs' way to the broker alone: CPU a message \
            as a produce request carries more or fewer), latency (event produced to alert delivered at a steady \
            rate), memory (resident bytes per open interaction). Each reports medians of several runs.
            """)

    @Option(name: .long, help: "Which suites: engine, e2e, produce, latency, memory, longrun or all (comma-separated).")
    var suite: String = "engine"

    @Option(name: .long, help: "Events per run.")
    var events: Int = 200_000

    @Flag(name: .long, help: "e2e and latency: without the state changelog (at-least-once by input replay).")
    var noChangelog = false

    @Option(name: .long, help: "Measured runs (after one warm-up run).")
    var runs: Int = 5

    @Option(name: .long, help: "engine suite: which parts (parse, decode, foundation, detect, engine, pair — two engines on two threads at once; comma-separated), e.g. to profile one.")
    var parts: String = BenchCommand.engineParts.joined(separator: ",")

    @Option(name: .long, help: "latency suite: seconds of steady traffic (timer alerts need more than the 60 s and 120 s waits of the default rules).")
    var seconds: Double = 10

    @Flag(name: .long, help: "latency suite: produce each event at its occurred_at (event time = wall time), and measure timer alerts against their deadline.")
    var realtime = false

    @Option(name: .long, help: "latency suite: events per second (with --realtime, once the first interactions have run their course; a low rate leaves partitions idle between events, so timers are fired by the wall clock).")
    var rate: Double = 5000

    @Option(name: .long, help: "latency and e2e suites: input partitions (the embedded broker's fetches slow down as each partition's log grows, and it keeps at most 5 MiB of each: e2e runs at most \(EndToEndBench.maxEventsPerPartition) events a partition, so more partitions make a longer backlog).")
    var partitions: Int = 8

    @Option(name: .long, help: "latency suite: the pipeline consumer's fetch.wait.max.ms. The embedded broker holds a fetch that finds no data for all of it, even when data arrives meanwhile (a Kafka broker answers at once), so on it this is a floor under latency; 5 was the setting until 2026-12-03.")
    var fetchWaitMs: Int = 1

    @Option(name: .long, help: "e2e and produce suites: partitions of each output topic (default 8, as the deployment examples give every output topic, whatever --partitions says), to measure what an output topic's partitions cost.")
    var outputPartitions: Int?

    @Option(name: .long, help: "e2e and latency: threads that run a batch's partitions at once (processing.engine_threads; default: the daemon's).")
    var engineThreads: Int?

    @Option(name: .long, help: "e2e and latency: the pipeline producer's linger.ms (default: the daemon's, \(Pipeline.defaultProducerLingerMs)), to measure what batching outputs longer saves against what it adds to latency.")
    var lingerMs: Int?

    @Option(name: .long, help: "e2e suite, to attribute its cost: in every run the pipeline also runs without these parts of its work, and the bench prints what each costs (comma-separated: engine — records committed unread, so no outputs either; outputs — encoded, then dropped instead of produced, dead letters aside).")
    var leaveOut: String?

    @Option(name: .long, help: "latency suite: processing.commit_interval in milliseconds (default: the daemon's). With the changelog, also how often changed state is written.")
    var commitIntervalMs: Int?

    @Option(name: .long, help: "The rules file.")
    var rules: String = "config/moments.yaml"

    static let suites = ["engine", "e2e", "produce", "latency", "memory", "longrun", "all"]
    static let engineParts = ["parse", "decode", "foundation", "detect", "engine", "pair"]

    func validate() throws {
        // A misspelt suite would otherwise run nothing, and say nothing.
        let named = suite.split(separator: ",").map(String.init)
        if named.isEmpty { throw ValidationError("--suite names no suite (expected \(Self.expectedSuites))") }
        for name in named where !Self.suites.contains(name) {
            throw ValidationError("unknown suite '\(name)' (expected \(Self.expectedSuites))")
        }
        // A misspelt part ran none and printed only the header, with status 0.
        for name in parts.split(separator: ",") where !Self.engineParts.contains(String(name)) {
            throw ValidationError("--parts: no part named '\(name)' (\(Self.engineParts.joined(separator: ", ")))")
        }
        // Zero of either divided by zero or read the median of no runs, and trapped.
        if events < 1 { throw ValidationError("--events must be at least 1") }
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
        if !(seconds > 0) || !seconds.isFinite { throw ValidationError("--seconds must be more than 0") }
        if !(rate > 0) || !rate.isFinite { throw ValidationError("--rate must be more than 0 events a second") }
        if let engineThreads, engineThreads < 1 { throw ValidationError("--engine-threads must be at least 1") }
        _ = try partsLeftOut()
        if fetchWaitMs < 0 { throw ValidationError("--fetch-wait-ms must not be negative") }
        if let lingerMs, lingerMs < 0 { throw ValidationError("--linger-ms must not be negative") }
        if let outputPartitions, outputPartitions < 1 { throw ValidationError("--output-partitions must be at least 1") }
        if partitions < 1 { throw ValidationError("--partitions must be at least 1") }
        if let commitIntervalMs, commitIntervalMs < 1 { throw ValidationError("--commit-interval-ms must be at least 1") }
    }

    static var expectedSuites: String { suites.dropLast().joined(separator: ", ") + " or " + suites.last! }

    func run() throws {
        let ruleSet = try RulesFile.load(rules)
        print("allocator: \(Allocator.name)")
        let suites = Set(suite.split(separator: ",").map(String.init))
        let all = suites.contains("all")
        if all || suites.contains("engine") { EngineBench(rules: ruleSet, events: events, runs: runs, parts: parts).run() }
        if all || suites.contains("e2e") { try EndToEndBench(rules: ruleSet, events: EndToEndBench.events(asked: events, partitions: partitions), runs: runs, changelog: !noChangelog, engineThreads: engineThreads, lingerMs: lingerMs, leaveOut: try partsLeftOut(), outputPartitions: outputPartitions ?? 8, partitions: partitions).run() }
        if all || suites.contains("produce") { try ProduceBench(rules: ruleSet, messages: min(events, 100_000), runs: runs, partitions: outputPartitions ?? 8).run() }
        if all || suites.contains("latency") { try LatencyBench(rules: ruleSet, changelog: !noChangelog, rate: rate, seconds: seconds, realtime: realtime, partitions: partitions, engineThreads: engineThreads, fetchWaitMs: fetchWaitMs, lingerMs: lingerMs, commitIntervalMs: commitIntervalMs).run() }
        if all || suites.contains("memory") { MemoryBench(rules: ruleSet).run() }
        if all || suites.contains("longrun") { LongRunBench(rules: ruleSet, events: max(events, 1_000_000)).run() }
    }

}

/// The canonical event as a Codable struct, for the JSONDecoder comparison.
struct FoundationEvent: Decodable {
    var event_id: String
    var type: String
    var occurred_at: String
    var interaction_id: String
    var customer_id: String
    var channel: String
    var queue: String?
    var agent_id: String?
    var data: [String: FoundationValue]?
    var attributes: [String: String]?
}

enum FoundationValue: Decodable {
    case string(String), number(Double), other
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .string(s) } else if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .other }
    }
}

extension BenchCommand {
    func partsLeftOut() throws -> [PipelineWork] {
        guard let leaveOut else { return [] }
        return try leaveOut.split(separator: ",").map { name in
            guard let part = PipelineWork(rawValue: String(name)) else {
                throw ValidationError("--leave-out: no part named '\(name)' (engine, outputs)")
            }
            return part
        }
    }
}
