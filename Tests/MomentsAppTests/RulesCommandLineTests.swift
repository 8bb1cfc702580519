import Foundation
import Testing

/// `moments test` and `moments replay --diff` as a user runs them: the real binary, its output and
/// its exit status (what `make test` and a CI check rely on).
@Suite struct RulesCommandLineTests {
    static var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// `stdin`: what the command reads on its standard input (a pipe), else the test's own.
    static func moments(_ arguments: [String], in directory: URL? = nil, stdin: Data? = nil) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = root.appendingPathComponent(".build/debug/moments")
        p.arguments = arguments
        p.currentDirectoryURL = directory ?? root
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        if stdin != nil { p.standardInput = input }
        try p.run()
        if let stdin {
            // From another thread: a large input would fill the pipe while the command waits to be read.
            Thread {
                input.fileHandleForWriting.write(stdin)
                try? input.fileHandleForWriting.close()
            }.start()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// A directory with the default rules, the long-wait threshold changed to `threshold`.
    static func rulesCopy(threshold: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rules-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let text = try String(contentsOf: root.appendingPathComponent("config/moments.yaml"), encoding: .utf8)
        try text.replacingOccurrences(of: "longer_than: 120s", with: "longer_than: \(threshold)")
            .write(to: dir.appendingPathComponent("moments.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    /// A refused rules file is named by a path that leads to it from where `moments test` runs:
    /// `t/../my/multi.yaml` was shown as `/my/multi.yaml`, and `../my/multi.yaml` as
    /// `my/multi.yaml` (Foundation's `standardized` on a relative path).
    @Test func aRefusedRulesFileIsNamedByAPathThatLeadsToIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rules-path-\(UUID().uuidString)").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        for sub in ["t", "my"] { try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true) }
        try "moments:\n  - id: x\n    kind: pian\n".write(to: dir.appendingPathComponent("my/multi.yaml"), atomically: true, encoding: .utf8)
        let test = "rules: %@\ntests:\n  - name: one\n    events:\n      - +0s started\n    nothing_else: true\n"
        try String(format: test, "../my/multi.yaml").write(to: dir.appendingPathComponent("t/br.test.yaml"), atomically: true, encoding: .utf8)
        try String(format: test, "multi.yaml").write(to: dir.appendingPathComponent("my/sub.test.yaml"), atomically: true, encoding: .utf8)

        let fromTop = try Self.moments(["test", "t/br.test.yaml"], in: dir)
        #expect(fromTop.status == 1)
        #expect((fromTop.out + fromTop.err).contains("the rules file my/multi.yaml is invalid"), "\(fromTop.out)\(fromTop.err)")
        #expect((fromTop.out + fromTop.err).contains("\nmy/multi.yaml:3:"), "\(fromTop.out)\(fromTop.err)")
        let fromBelow = try Self.moments(["test", "../my/sub.test.yaml"], in: dir.appendingPathComponent("t"))
        #expect((fromBelow.out + fromBelow.err).contains("the rules file ../my/multi.yaml is invalid"), "\(fromBelow.out)\(fromBelow.err)")
    }

    /// A diagnostic is `file:line:column: error: what` from its first line, as the README shows
    /// (the argument parser prefixed the first with `Error: `), errors by line (they were in the
    /// order found), and a file that cannot be read says why.
    @Test func diagnosticsStartWithTheirLocation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("diag-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml")
        try "moments:\n  - id: a\n    kind: pian\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try Self.moments(["check", bad.path])
        #expect(r.status == 1)
        #expect(r.err.hasPrefix("\(bad.path):2:5: error: missing 'when' in moment 'a'\n\(bad.path):3:11: error: kind must be pain or glory, found 'pian'"), "\(r.err)")
        let missing = try Self.moments(["check", dir.appendingPathComponent("none.yaml").path])
        #expect(missing.status == 1)
        #expect(missing.err == "\(dir.appendingPathComponent("none.yaml").path): error: cannot read the file: no such file\n", "\(missing.err)")
        let folder = try Self.moments(["replay", "--rules", "config/moments.yaml", dir.path])
        #expect(folder.status == 1)
        #expect(folder.err.contains("\(dir.path): error: cannot read the file: it is a folder"), "\(folder.err)")
    }

    /// `check` tells a rules file from a configuration by its YAML's top-level keys: a quoted
    /// summary running on to a line that starts with `rules:` made it a configuration, whose
    /// keys it then refused (until 2026-12-07). A file that is not UTF-8 is refused at its byte.
    @Test func checkReadsTheKindOfFileFromItsKeys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kind-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = dir.appendingPathComponent("rules.yaml")
        try "moments:\n  - id: s\n    kind: pain\n    summary: \"a long\nrules: text\"\n    when: { match: { event: agent.flagged } }\n".write(to: rules, atomically: true, encoding: .utf8)
        let r = try Self.moments(["check", rules.path])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("ok — 1 moments"), "\(r.out)")
        let binary = dir.appendingPathComponent("binary.yaml")
        try Data(Array("moments:\n  - id: s".utf8) + [0xC3, 0x28] + Array("\n".utf8)).write(to: binary)
        let b = try Self.moments(["check", binary.path])
        #expect(b.status == 1)
        #expect(b.err == "\(binary.path):2:10: error: byte 0xC3 is not UTF-8 text; the file must be UTF-8\n", "\(b.err)")
    }

    @Test func theDefaultRulesPassTheirTests() throws {
        let r = try Self.moments(["test", "config/moments.test.yaml"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.hasSuffix(" passed, 0 failed\n"))
    }

    @Test func theExampleRulesPassTheirTests() throws {
        // Schedules (named, inline, daylight saving), a trailing window, inhibition and a
        // rules-file silence, as the README shows them.
        let r = try Self.moments(["test", "config/examples/business-hours.test.yaml"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.hasSuffix("10 passed, 0 failed\n"), "\(r.out)")
        let check = try Self.moments(["check", "config/examples/business-hours.yaml"])
        #expect(check.out == "config/examples/business-hours.yaml: ok — 3 moments, 0 recovery rules, 0 coaching rules, 1 silence, 1 inhibition, 2 scheduled moments\n", "\(check.out)\(check.err)")
    }

    @Test func theAlertHeavyWorkloadPassesItsTests() throws {
        // The benchmark workload of README "Performance": an alert per event type and interaction.
        let r = try Self.moments(["test", "config/examples/alert-heavy.test.yaml"])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.hasSuffix("2 passed, 0 failed\n"), "\(r.out)")
    }

    @Test func aTestFileMayNameItsRulesByAnAbsolutePath() throws {
        let rules = try Self.rulesCopy(threshold: "60s")
        let elsewhere = try Self.rulesCopy(threshold: "120s")
        defer { for d in [rules, elsewhere] { try? FileManager.default.removeItem(at: d) } }
        // In a folder with rules of its own (120 s), the test names the 60 s copy absolutely:
        // a long wait at the 60th second passes only against that one.
        let test = elsewhere.appendingPathComponent("t.yaml")
        try "rules: \(rules.appendingPathComponent("moments.yaml").path)\ntests:\n  - name: t\n    events: [\"+0s queued\"]\n    run_until: +5m\n    expect: [+60s moment long-wait]\n"
            .write(to: test, atomically: true, encoding: .utf8)
        let r = try Self.moments(["test", test.path])
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.hasSuffix("1 passed, 0 failed\n"), "\(r.out)")
        #expect(try Self.moments(["check", test.path]).status == 0)
    }

    @Test func checkValidatesATestFileAgainstItsRulesWithoutRunningIt() throws {
        let ok = try Self.moments(["check", "config/moments.test.yaml"])
        #expect(ok.status == 0, "\(ok.out)\(ok.err)")
        #expect(ok.out.hasPrefix("config/moments.test.yaml: ok — "), "\(ok.out)")
        let dir = try Self.rulesCopy(threshold: "60s")
        defer { try? FileManager.default.removeItem(at: dir) }
        let test = dir.appendingPathComponent("t.yaml")
        // A test that would fail (the threshold is 60 s) but is well formed: check passes it.
        try "rules: moments.yaml\ntests:\n  - name: t\n    events: [\"+0s queued\"]\n    expect: [+120s moment long-wait]\n"
            .write(to: test, atomically: true, encoding: .utf8)
        #expect(try Self.moments(["check", test.path]).status == 0)
        try "rules: moments.yaml\ntests:\n  - name: t\n    events: [\"+0s queued\"]\n    silences: [{ match: { rule: long-wiat }, for: 1h }]\n    absent: [moment long-wait]\n"
            .write(to: test, atomically: true, encoding: .utf8)
        let bad = try Self.moments(["check", test.path])
        #expect(bad.status == 1)
        #expect(bad.err.contains("\(test.path):5:33: error: unknown moment 'long-wiat' in moments.yaml"), "\(bad.err)")
    }

    /// A CRLF test file, or configuration, is told apart from a rules file as an LF one is:
    /// split on "\n" alone it was one line, and `check` reported its keys as unknown rules keys
    /// (and so never the typo in it). A file that is not UTF-8 says so.
    @Test func checkTellsCRLFFilesApartAndNamesNonUTF8() throws {
        let dir = try Self.rulesCopy(threshold: "120s")
        defer { try? FileManager.default.removeItem(at: dir) }
        let test = dir.appendingPathComponent("t.yaml")
        try "rules: moments.yaml\r\ntests:\r\n  - name: t\r\n    events: [\"+0s queued\"]\r\n    absent: [moment long-wiat]\r\n"
            .write(to: test, atomically: true, encoding: .utf8)
        let bad = try Self.moments(["check", test.path])
        #expect(bad.status == 1)
        #expect(bad.err.contains("\(test.path):5:14: error: unknown moment rule 'long-wiat'"), "\(bad.err)")
        let config = dir.appendingPathComponent("daemon.yaml")
        try String(contentsOf: Self.root.appendingPathComponent("config/daemon.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "\n", with: "\r\n").write(to: config, atomically: true, encoding: .utf8)
        let ok = try Self.moments(["check", config.path])
        #expect(ok.status == 0, "\(ok.out)\(ok.err)")
        #expect(ok.out.contains(": ok — configuration for group moments"), "\(ok.out)")
        let latin = dir.appendingPathComponent("latin.yaml")
        try Data(Array("moments:\n  - id: caf".utf8) + [0xE9, 0x0A]).write(to: latin)   // Latin-1 "é"
        let refused = try Self.moments(["check", latin.path])
        #expect(refused.status == 1)
        #expect(refused.err.contains("\(latin.path):2:12: error: byte 0xE9 is not UTF-8 text"), "\(refused.err)")
    }

    /// Options the simulator cannot honour are refused: `--arrivals 0` trapped (exit 132), a
    /// tiny rate or a start near 9999 wrote timestamps no decoder accepts.
    @Test(arguments: [["--arrivals", "0"], ["--arrivals", "nan"], ["--arrivals=-5"], ["--arrivals=1e-12"], ["--start", "9999-12-31T23:59:00Z"], ["--start", "yesterday"]])
    func simulateRefusesWhatItCannotSimulate(options: [String]) throws {
        let r = try Self.moments(["simulate", "--stdout", "--count", "2"] + options)
        #expect(r.status == 64, "\(r.out)\(r.err)")
        #expect(r.err.hasPrefix("Error: --"), "\(r.err)")
        #expect(r.out.isEmpty)
    }

    /// Events from a pipe named as a file (`<(zcat events.jsonl.gz)`, `/dev/stdin`) replay as
    /// from a file: their size is unknown beforehand, and they were refused as "reading failed"
    /// (until 2026-12-07).
    @Test func eventsFromAPipeNamedAsAFileReplay() throws {
        let stream = try Data(contentsOf: Self.root.appendingPathComponent("Tests/Fixtures/reference-stream.jsonl"))
        let expected = try String(contentsOf: Self.root.appendingPathComponent("Tests/Fixtures/reference-outputs.jsonl"), encoding: .utf8)
        let r = try Self.moments(["replay", "--rules", "config/moments.yaml", "/dev/stdin"], stdin: stream)
        #expect(r.status == 0, "\(r.err)")
        #expect(!r.out.isEmpty && r.out == expected, "\(r.err)")
    }

    /// A misspelt benchmark part is refused, as a misspelt suite is: it ran nothing, printed
    /// only the header and exited 0 (until 2026-12-07).
    @Test func anUnknownBenchmarkPartIsRefused() throws {
        let r = try Self.moments(["bench", "--suite", "engine", "--parts", "decode,detetc"])
        #expect(r.status == 64, "\(r.out)\(r.err)")
        #expect(r.err.contains("--parts: no part named 'detetc'"), "\(r.err)")
    }

    /// `check` (and `run --print-config`) on a full disk fails as `replay` does: it printed its
    /// verdict with `print` and exited 0 with nothing written.
    @Test func checkFailsWhenItsVerdictCannotBeWritten() throws {
        let p = Process()
        p.executableURL = Self.root.appendingPathComponent(".build/debug/moments")
        p.arguments = ["check", "config/moments.yaml"]
        p.currentDirectoryURL = Self.root
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
        let err = Pipe()
        p.standardError = err
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 1)
        #expect(String(decoding: e, as: UTF8.self).hasPrefix("error: cannot write the output"))
    }

    @Test func aFailingTestExitsNonZeroWithItsLocation() throws {
        let dir = try Self.rulesCopy(threshold: "60s")
        defer { try? FileManager.default.removeItem(at: dir) }
        let test = dir.appendingPathComponent("t.yaml")
        try """
            rules: moments.yaml
            tests:
              - name: long wait
                events: ["+0s queued", "+200s connected a-7"]
                expect:
                  - +120s moment long-wait
            """.write(to: test, atomically: true, encoding: .utf8)
        let r = try Self.moments(["test", test.path])
        #expect(r.status == 1)
        #expect(r.out.contains("FAIL long wait (\(test.path):3:5)"), "\(r.out)")
        #expect(r.out.contains("\(test.path):6:9: expected +2m moment long-wait, not emitted"))
        #expect(r.out.contains("i-1:long-wait:1: at +1m, expected +2m"))
        #expect(r.out.hasSuffix("0 passed, 1 failed\n"))
    }

    @Test func aBadTestFileIsRefused() throws {
        let dir = try Self.rulesCopy(threshold: "120s")
        defer { try? FileManager.default.removeItem(at: dir) }
        let test = dir.appendingPathComponent("t.yaml")
        try "rules: moments.yaml\ntests:\n  - name: t\n    events: [\"+0s queued\"]\n    absent: [moment long-wiat]\n"
            .write(to: test, atomically: true, encoding: .utf8)
        let r = try Self.moments(["test", test.path])
        #expect(r.status == 1)
        #expect(r.err.hasPrefix("\(test.path):5:14: error: unknown moment rule 'long-wiat'"), "\(r.err)")
        #expect(r.out.hasSuffix("0 passed, 0 failed, 1 file refused\n"))
    }

    /// A rules file given to `moments test` is said to be one, in one line: six "unknown key"
    /// lines said nothing of it (until 2026-12-08).
    @Test func aRulesFileGivenToTestIsSaidToBeOne() throws {
        let r = try Self.moments(["test", "config/moments.yaml"])
        #expect(r.status == 1)
        // At its `moments:` key, wherever the default rules have it.
        #expect(r.err.hasPrefix("config/moments.yaml:"), "\(r.err)")
        #expect(r.err.contains(":1: error: this is a rules file (it has 'moments:' and no 'tests:'): moments test takes a rule-test file"), "\(r.err)")
        #expect(r.err.split(separator: "\n").count == 1, "\(r.err)")
    }

    @Test func replayDiffFailsOnChangeOnlyWhenAsked() throws {
        let dir = try Self.rulesCopy(threshold: "60s")
        defer { try? FileManager.default.removeItem(at: dir) }
        let events = "Tests/Fixtures/reference-stream.jsonl"
        let changed = try Self.moments(["replay", "--diff", "--fail-on-change", "config/moments.yaml", dir.appendingPathComponent("moments.yaml").path, events])
        #expect(changed.status == 1)
        #expect(changed.out.contains("+ 2026-11-24T09:03:00.000Z  moment  i-3:long-wait:1"), "\(changed.out)")
        #expect(try Self.moments(["replay", "--diff", "config/moments.yaml", dir.appendingPathComponent("moments.yaml").path, events]).status == 0)
        let same = try Self.moments(["replay", "--diff", "--fail-on-change", "config/moments.yaml", "config/moments.yaml", events])
        #expect(same.status == 0)
        #expect(same.out.hasSuffix("no change: 28 outputs identical\n"))
    }

    /// `--fail-on-change` fails when no event was read: an empty file, or a wrong `--dialect`
    /// that made every line malformed, said "no change" and exited 0 (until 2026-12-08).
    @Test func replayDiffFailsOnChangeWhenNoEventWasRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("diff-none-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty.jsonl").path
        try "\n".write(toFile: empty, atomically: true, encoding: .utf8)
        let none = try Self.moments(["replay", "--diff", "--fail-on-change", "config/moments.yaml", "config/moments.yaml", empty])
        #expect(none.status == 1, "\(none.out)")
        #expect(none.err == "\(empty): error: nothing to compare: no event could be read from \(empty) (0 malformed lines)\n", "\(none.err)")
        let events = "Tests/Fixtures/reference-stream.jsonl"
        let dialect = try Self.moments(["replay", "--diff", "--fail-on-change", "--dialect", "twilio-taskrouter", "config/moments.yaml", "config/moments.yaml", events])
        #expect(dialect.status == 1, "\(dialect.out)")
        #expect(dialect.err.contains("nothing to compare: no event could be read from \(events) ("), "\(dialect.err)")
        #expect(dialect.err.contains(" malformed lines, read as --dialect twilio-taskrouter; "), "\(dialect.err)")
        // Without --fail-on-change the report stands as it was.
        #expect(try Self.moments(["replay", "--diff", "config/moments.yaml", "config/moments.yaml", empty]).status == 0)
    }

    /// A gzip-compressed recording is refused as such, with the command that reads it: every
    /// line of it was reported malformed (until 2026-12-08).
    @Test func replayRefusesGzipCompressedEvents() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // `{}` and a newline, gzip-compressed.
        let gz = Data([0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xAB, 0xAE, 0xE5, 0x02, 0x00, 0x06, 0xB0, 0xA1, 0xDD, 0x03, 0x00, 0x00, 0x00])
        let file = dir.appendingPathComponent("events.jsonl.gz").path
        try gz.write(to: URL(fileURLWithPath: file))
        let r = try Self.moments(["replay", "--rules", "config/moments.yaml", file])
        #expect(r.status == 1 && r.out.isEmpty, "\(r.out)")
        #expect(r.err == "\(file): error: the events are gzip-compressed, not JSON lines; decompress them on the way in: zcat \(file) | moments replay --rules config/moments.yaml -\n", "\(r.err)")
        let piped = try Self.moments(["replay", "--diff", "config/moments.yaml", "config/moments.yaml", "-"], stdin: gz)
        #expect(piped.status == 1 && piped.out.isEmpty, "\(piped.out)")
        #expect(piped.err.hasPrefix("<stdin>: error: the events are gzip-compressed"), "\(piped.err)")
        #expect(piped.err.hasSuffix("zcat FILE | moments replay --diff config/moments.yaml config/moments.yaml -\n"), "\(piped.err)")
    }

    /// `--summary` is as wide as the longest rule id: a longer one than 32 was cut, its count
    /// glued to what was left of it.
    @Test func replaySummaryShowsLongRuleIdsWhole() throws {
        let dir = try Self.rulesCopy(threshold: "60s")
        defer { try? FileManager.default.removeItem(at: dir) }
        let long = "long-wait-in-the-billing-queue-for-a-very-long-time"
        let rules = dir.appendingPathComponent("moments.yaml")
        try String(contentsOf: rules, encoding: .utf8).replacingOccurrences(of: "long-wait", with: long).write(to: rules, atomically: true, encoding: .utf8)
        let r = try Self.moments(["replay", "--summary", "--rules", rules.path, "Tests/Fixtures/reference-stream.jsonl"])
        #expect(r.status == 0, "\(r.err)")
        let row = try #require(r.out.split(separator: "\n").first { $0.contains(long) })
        #expect(row.hasPrefix("  \(long)  "), "\(row)")
        #expect(Int(row.split(separator: " ").last ?? "") ?? 0 > 0, "\(row)")
    }

    /// `--partitions 1` is the replay there always was (stdout and stderr alike); more partitions
    /// say so in the closing line, and `--diff` runs both sides on that many.
    @Test func replayOnPartitions() throws {
        let events = "Tests/Fixtures/reference-stream.jsonl"
        let plain = try Self.moments(["replay", "--dead-letters", events])
        let one = try Self.moments(["replay", "--dead-letters", "--partitions", "1", events])
        #expect(plain.status == 0 && one.status == 0)
        #expect(one.out == plain.out && one.err == plain.err)
        #expect(plain.err.hasSuffix("replayed 69 events (2 malformed, 1 duplicates dropped): 28 outputs\n"), "\(plain.err)")
        let eight = try Self.moments(["replay", "--summary", "--partitions", "8", events])
        #expect(eight.status == 0)
        #expect(eight.err.contains("reference-stream.jsonl:24: skipped malformed event"), "\(eight.err)")
        #expect(eight.err.contains("replayed 69 events on 8 partitions (2 malformed, 1 duplicates dropped): "), "\(eight.err)")
        let diff = try Self.moments(["replay", "--diff", "--fail-on-change", "--partitions", "8", "config/moments.yaml", "config/moments.yaml", events])
        #expect(diff.status == 0 && diff.out.hasSuffix("no change: 26 outputs identical\n"), "\(diff.out)")
    }
}
