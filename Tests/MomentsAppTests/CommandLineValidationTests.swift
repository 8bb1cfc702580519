import Foundation
import MomentsTestSupport
import Testing

/// Options the command line refuses before doing anything, as a user runs it: the real binary,
/// its message and exit status (64, a usage error), never a trap or a run that does nothing.
@Suite struct CommandLineValidationTests {
    static func moments(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) { try RulesCommandLineTests.moments(arguments) }

    @Test func simulateRefusesANegativeCount() throws {
        // Written either way: `--count -1` was ArgumentParser's "Missing value" (until 2026-12-07).
        for arguments in [["--count=-1"], ["--count", "-1"]] {
            let r = try Self.moments(["simulate", "--stdout"] + arguments)
            #expect(r.status == 64, "\(r.out)\(r.err)")
            #expect(r.err.contains("--count must not be negative"), "\(r.err)")
        }
        let none = try Self.moments(["simulate", "--stdout", "--count=0"])
        #expect(none.status == 0 && none.out.isEmpty, "\(none.out)\(none.err)")
        let two = try Self.moments(["simulate", "--stdout", "--count=2"])
        #expect(two.status == 0 && two.out.split(separator: "\n").count == 2, "\(two.out)\(two.err)")
    }

    @Test func replayRefusesAPartitionCountOutOfRange() throws {
        for n in ["0", "-3", "10001"] {
            let r = try Self.moments(["replay", "--partitions=\(n)", "Tests/Fixtures/reference-stream.jsonl"])
            #expect(r.status == 64, "\(r.out)\(r.err)")
            #expect(r.err.contains("--partitions must be between 1 and 10000 (one engine per input partition), found \(n)"), "\(r.err)")
            #expect(r.out.isEmpty, "nothing replayed: \(r.out)")
        }
        let most = try Self.moments(["replay", "--partitions", "10000", "--summary", "Tests/Fixtures/reference-stream.jsonl"])
        #expect(most.status == 0, "\(most.err)")
    }

    /// The embedded broker divides by its broker count and allocates per partition: `--brokers 0`
    /// was a floating-point exception, negative counts an assertion in librdkafka, and `dev
    /// --duration=-1` ran for ever; each is now refused before anything starts.
    @Test func brokerDevAndSimulateRefuseCountsTheyCannotRun() throws {
        let cases: [([String], String)] = [
            (["broker", "--listen", "127.0.0.1:39095", "--brokers", "0"], "--brokers must be between 1 and 16, found 0"),
            (["broker", "--listen", "127.0.0.1:39095", "--brokers=-1"], "--brokers must be between 1 and 16, found -1"),
            (["broker", "--listen", "127.0.0.1:39095", "--partitions", "0"], "--partitions must be between 1 and 1024, found 0"),
            (["broker", "--listen", "127.0.0.1:39095", "--partitions=-3"], "--partitions must be between 1 and 1024, found -3"),
            (["dev", "--partitions=-1"], "--partitions must be between 1 and 1024, found -1"),
            (["dev", "--duration=-1"], "--duration must be 0 (until Ctrl-C) or a number of seconds above 0, found -1.0"),
            (["simulate", "--rate=-5", "--count", "1", "--bootstrap-servers", "127.0.0.1:39096"], "--rate must be 0 (as fast as possible) or a number of events a second above 0, found -5.0"),
        ]
        for (arguments, message) in cases {
            let r = try Self.moments(arguments)
            #expect(r.status == 64, "\(arguments): \(r.status) \(r.out)\(r.err)")
            #expect(r.err.contains(message), "\(arguments): \(r.err)")
        }
    }

    /// `--dead-letters` has nothing to list in a `--diff` (it was ignored silently).
    @Test func replayDiffRefusesDeadLetters() throws {
        let r = try Self.moments(["replay", "--diff", "--dead-letters", "config/moments.yaml", "config/moments.yaml", "Tests/Fixtures/reference-stream.jsonl"])
        #expect(r.status == 64, "\(r.out)\(r.err)")
        #expect(r.err.contains("--dead-letters lists malformed lines of a replay; --diff compares outputs only"), "\(r.err)")
    }

    @Test func benchRefusesAnUnknownSuite() throws {
        let r = try Self.moments(["bench", "--suite", "engine,e2ee"])
        #expect(r.status == 64, "\(r.out)\(r.err)")
        #expect(r.err.contains("unknown suite 'e2ee' (expected engine, e2e, produce, latency, memory, longrun or all)"), "\(r.err)")
        #expect(!r.out.contains("allocator"), "nothing runs: \(r.out)")
        let empty = try Self.moments(["bench", "--suite", ","])
        #expect(empty.status == 64, "\(empty.out)\(empty.err)")
    }

    /// No events or no runs divided by zero, or read the median of nothing, and trapped.
    @Test(arguments: [("--events", "0", "--events must be at least 1"), ("--runs", "0", "--runs must be at least 1"),
                      ("--seconds", "0", "--seconds must be more than 0"), ("--rate", "0", "--rate must be more than 0 events a second")])
    func benchRefusesRunsThatMeasureNothing(option: String, value: String, message: String) throws {
        let r = try Self.moments(["bench", option, value])
        #expect(r.status == 64, "\(r.out)\(r.err)")
        #expect(r.err.contains(message), "\(r.err)")
        #expect(!r.out.contains("allocator"), "nothing runs: \(r.out)")
    }

    /// Traffic that would reach 2100, past which events are refused, stops there: it was
    /// written on, for `replay` to refuse.
    @Test func simulateStopsAtTheEndOfEventTime() throws {
        // The latest start, and the fewest arrivals: a simulated year in about 58,000 events.
        let r = try Self.moments(["simulate", "--stdout", "--start", "2099-01-01T00:00:00Z", "--arrivals", "0.01", "--count", "100000"])
        #expect(r.status != 0, "\(r.err)")
        #expect(r.err.contains("simulated time reached 2100-01-01, past which events are refused, after"), "\(r.err)")
        let lines = r.out.split(separator: "\n")
        #expect(lines.count > 1000 && lines.count < 100_000, "\(lines.count) events")
        #expect(lines.allSatisfy { $0.contains("\"occurred_at\":\"2099-") }, "\(lines.last ?? "")")
    }

    /// A file's lines carry no Kafka message key: with `@key` every line was dead-lettered.
    @Test func replayRefusesTheMessageKeyAsCustomerKey() throws {
        let r = try Self.moments(["replay", "--dialect", "amazon-connect", "--customer-key", "@key", "Tests/Fixtures/reference-stream.jsonl"])
        #expect(r.status != 0, "\(r.out)\(r.err)")
        #expect(r.err.contains("--customer-key @key names the Kafka message key, which the lines of a file do not have"), "\(r.err)")
        #expect(r.out.isEmpty, "nothing replayed: \(r.out)")
    }

    /// A bad --dialect or --customer-key is a usage error as other bad options are: until
    /// 2026-12-08 `run` found it, printed "error:" and exited 1.
    @Test func replayRefusesABadDialectOrCustomerKeyAsAUsageError() throws {
        let cases: [([String], String)] = [
            (["--dialect", "foo"], "--dialect must be one of"),
            (["--dialect", "amazon-connect", "--customer-key", "tags["], "customer_key 'tags[' has an empty or malformed segment"),
            (["--dialect", "amazon-connect", "--customer-key", ""], "customer_key must be a dotted path"),
            (["--customer-key", "tags.customer_id"], "--customer-key applies to vendor dialects only"),
        ]
        for (arguments, message) in cases {
            let r = try Self.moments(["replay"] + arguments + ["Tests/Fixtures/reference-stream.jsonl"])
            #expect(r.status == 64, "\(arguments): \(r.status) \(r.err)")
            #expect(r.err.contains("Error: \(message)"), "\(arguments): \(r.err)")
            #expect(r.out.isEmpty, "nothing replayed: \(r.out)")
        }
    }

    @Test func benchRefusesOutputTopicsWithoutPartitions() throws {
        let r = try Self.moments(["bench", "--suite", "produce", "--output-partitions", "0"])
        #expect(r.status == 64, "\(r.out)\(r.err)")
        #expect(r.err.contains("--output-partitions must be at least 1"), "\(r.err)")
        #expect(!r.out.contains("allocator"), "nothing runs: \(r.out)")
    }

    @Test func benchRefusesAnInputWithoutPartitions() throws {
        let r = try Self.moments(["bench", "--suite", "e2e", "--partitions", "0"])
        #expect(r.status == 64, "\(r.out)\(r.err)")
        #expect(r.err.contains("--partitions must be at least 1"), "\(r.err)")
        #expect(!r.out.contains("allocator"), "nothing runs: \(r.out)")
    }

    /// `moments run` with an admin state directory it cannot write stops at once, naming the
    /// directory and how to set it, instead of answering every POST /silences with a 500.
    @Test func runRefusesAStateDirectoryItCannotWrite() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moments-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A file where a folder must be: not writable even for root, which these tests may run as.
        let blocker = dir.appendingPathComponent("not-a-folder")
        try Data().write(to: blocker)
        try "kafka: { bootstrap_servers: 127.0.0.1:1 }\nadmin: { listen: 127.0.0.1:0, state_dir: \(blocker.path)/state }\nrules: \(RulesCommandLineTests.root.path)/config/moments.yaml\n"
            .write(to: dir.appendingPathComponent("daemon.yaml"), atomically: true, encoding: .utf8)
        // `check` warns (it may run on another machine than the daemon), and makes nothing.
        let checked = try Self.moments(["check", dir.appendingPathComponent("daemon.yaml").path])
        #expect(checked.status == 0, "\(checked.err)")
        #expect(checked.err.contains("warning: admin.state_dir: \(blocker.path) is a file, not a folder"), "\(checked.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["daemon.yaml", "not-a-folder"])
        // A daemon that starts anyway runs until stopped: given a while, then stopped.
        let r = try Self.runRefused(config: dir.appendingPathComponent("daemon.yaml"))
        #expect(r.stopped, "it started: \(r.err)")
        #expect(r.status != 0, "\(r.err)")
        #expect(r.err.contains("\(blocker.path)/state"), "\(r.err)")
        #expect(r.err.contains("admin.state_dir") && r.err.contains("MOMENTS_STATE_DIR"), "\(r.err)")
    }

    /// A TCP socket bound to a free loopback port, listening or not, and its `host:port`; the
    /// caller closes it.
    static func loopbackSocket(listening: Bool) throws -> (fd: Int32, address: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && (!listening || listen(fd, 1) == 0) && getsockname(fd, $0, &length) == 0
            }
        }
        if !bound { close(fd) }
        try #require(bound)
        return (fd, "127.0.0.1:\(UInt16(bigEndian: address.sin_port))")
    }

    /// `moments run --config FILE` that should refuse to start: whether it stopped within 20 s
    /// (else it is stopped), its exit status and its standard error.
    static func runRefused(config: URL) throws -> (stopped: Bool, status: Int32, err: String) {
        let p = Process()
        p.executableURL = RulesCommandLineTests.root.appendingPathComponent(".build/debug/moments")
        p.arguments = ["run", "--config", config.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let stopped = waitFor(seconds: 20) { !p.isRunning }
        if !stopped { p.terminate() }
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (stopped, p.terminationStatus, text)
    }

    /// A second `run` on an admin port that is taken stops before its pipeline starts, with an
    /// error in the log's format naming the address and `admin.listen`: until 2026-12-08 it
    /// logged "stopping" and "stopped" as for a clean stop, then NIO's bare `Error: bind(...):
    /// Address already in use) (errno: 98)`.
    @Test func runOnATakenAdminPortSaysSoInItsLog() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moments-listen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Another process's listening socket, as a first `run` holds it.
        let (fd, taken) = try Self.loopbackSocket(listening: true)
        defer { close(fd) }
        try "kafka: { bootstrap_servers: 127.0.0.1:1 }\nadmin: { listen: \"\(taken)\", state_dir: \(dir.path)/state }\nrules: \(RulesCommandLineTests.root.path)/config/moments.yaml\n"
            .write(to: dir.appendingPathComponent("daemon.yaml"), atomically: true, encoding: .utf8)
        let r = try Self.runRefused(config: dir.appendingPathComponent("daemon.yaml"))
        let text = r.err
        #expect(r.stopped, "it ran on: \(text)")
        #expect(r.status == 1, "\(text)")
        let said = text.split(separator: "\n").filter { $0.contains("level=error") }
        #expect(said.count == 1 && said.allSatisfy { $0.contains("cannot listen on \(taken) (admin.listen") && $0.contains("Address already in use") }, "\(text)")
        // Refused before the pipeline ran, and said once, in the log only.
        #expect(!text.contains("stopped") && !text.contains("bind(descriptor") && !text.contains("Error:"), "\(text)")
    }

    /// `simulate` to an address where no broker listens gives up within its bound (10 s), with
    /// an error naming the address: it ran for ever printing only librdkafka's connection
    /// lines (with --count, until a flush timed out) until 2026-12-08.
    @Test func simulateGivesUpOnABrokerThatDoesNotAnswer() throws {
        // A port bound and not listening: connections to it are refused.
        let (fd, nowhere) = try Self.loopbackSocket(listening: false)
        defer { close(fd) }
        let p = Process()
        p.executableURL = RulesCommandLineTests.root.appendingPathComponent(".build/debug/moments")
        p.arguments = ["simulate", "--bootstrap-servers", nowhere]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        let started = Date()
        try p.run()
        let stopped = waitFor(seconds: 25) { !p.isRunning }
        // SIGKILL: a simulate producing to nowhere did not end on SIGTERM either.
        if !stopped { kill(p.processIdentifier, SIGKILL) }
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(stopped, "it ran on: \(text.suffix(500))")
        #expect(Date().timeIntervalSince(started) >= 9, "gave up before its bound")
        #expect(p.terminationStatus == 1, "\(text.suffix(500))")
        #expect(text.contains("error: no Kafka broker answered at \(nowhere) within 10 s"), "\(text.suffix(500))")
    }

    /// `moments broker` says at its start that a restart of it is a new cluster, which a daemon
    /// connected to the old one never becomes ready on: restart the daemon too.
    @Test func theBrokerSaysARestartIsANewCluster() throws {
        let p = Process()
        p.executableURL = RulesCommandLineTests.root.appendingPathComponent(".build/debug/moments")
        p.currentDirectoryURL = RulesCommandLineTests.root
        p.arguments = ["broker", "--listen", "127.0.0.1:0", "--partitions", "1"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        let text = Lines()
        out.fileHandleForReading.readabilityHandler = { text.add(String(decoding: $0.availableData, as: UTF8.self)) }
        let said = waitFor(seconds: 30) { text.value.contains("Ctrl-C to stop\n") && text.value.filter { $0 == "\n" }.count >= 4 }
        p.terminate()
        p.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        #expect(said, "\(text.value)")
        #expect(text.value.contains("in memory only: restarted, it is a new cluster (topics, offsets and the changelog gone); restart moments run with it\n"), "\(text.value)")
    }

    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func add(_ s: String) { lock.withLock { text += s } }
        var value: String { lock.withLock { text } }
    }

    /// Output that cannot be written is an error, not a success with nothing written.
    @Test(arguments: [["simulate", "--stdout", "--seed", "7", "--count", "20"], ["replay", "--rules", "config/moments.yaml", "Tests/Fixtures/reference-stream.jsonl"]])
    func aCommandWhoseOutputCannotBeWrittenFails(arguments: [String]) throws {
        let p = Process()
        p.executableURL = RulesCommandLineTests.root.appendingPathComponent(".build/debug/moments")
        p.currentDirectoryURL = RulesCommandLineTests.root
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0, "\(text)")
        #expect(text.contains("cannot write the output"), "\(text)")
    }
}
