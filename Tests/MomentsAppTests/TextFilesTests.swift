import Foundation
@testable import MomentsApp
import MomentsCore
import Testing

/// A configuration or rules file that is not UTF-8 is refused at its first bad byte, by line
/// and column (until 2026-12-07: "1:1" from `check`, "cannot read the rules file" from the
/// daemon, as for a missing file).
@Suite struct TextFilesTests {
    @Test func theFirstByteThatIsNotUTF8IsLocated() {
        let bytes = Array("moments:\n  - id: hü".utf8) + [0xFF] + Array("gh\n".utf8)
        let at = TextFiles.firstInvalidByte(in: bytes)
        #expect(at?.line == 2 && at?.column == 11 && at?.byte == 0xFF, "\(String(describing: at))")
        #expect(TextFiles.firstInvalidByte(in: Array("moments: []\n¿ok?\n".utf8)) == nil)
        // A sequence cut short: at its first byte.
        #expect(TextFiles.firstInvalidByte(in: [0x61, 0x0A, 0x62, 0xC3, 0x28])?.line == 2)
        #expect(TextFiles.firstInvalidByte(in: [0x61, 0x0A, 0x62, 0xC3, 0x28])?.column == 2)
    }

    @Test func aRulesFileThatIsNotUTF8IsRefusedWhereItStopsBeing() throws {
        let dir = NSTemporaryDirectory() + "moments-textfiles-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rules = dir + "/rules.yaml"
        try Data(Array("moments:\n  - id: s\n    kind: pain\n    severity: hi".utf8) + [0xFF] + Array("gh\n".utf8)).write(to: URL(fileURLWithPath: rules))
        let config = dir + "/daemon.yaml"
        try "rules: rules.yaml\n".write(toFile: config, atomically: true, encoding: .utf8)
        guard case .failure(let e) = Daemon.loadConfig(configPath: config, environment: [:]) else {
            Issue.record("a rules file that is not UTF-8 was accepted"); return
        }
        #expect(e.errors.map(\.description) == ["\(rules):4:17: error: byte 0xFF is not UTF-8 text; the file must be UTF-8"])
    }

    /// A pipe (`<(zcat events.jsonl.gz)`) is read to its end: its size is unknown beforehand,
    /// and Foundation's `contents(atPath:)` refused it ("reading failed", until 2026-12-07).
    /// More than one read's worth, written by another thread as the reader reads.
    @Test func aPipeIsReadToItsEnd() throws {
        let pipe = Pipe()
        let sent = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let writer = Thread {
            pipe.fileHandleForWriting.write(Data(sent))
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let read = TextFiles.bytes(atPath: "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)")
        guard case .success(let bytes) = read else { Issue.record("\(read)"); return }
        #expect(bytes == sent)
        guard case .success(let empty) = TextFiles.bytes(atPath: "/dev/null") else { Issue.record("/dev/null refused"); return }
        #expect(empty.isEmpty)
    }

    /// Why a file cannot be read is said, and a configuration that cannot be read is named
    /// without a line and column (it said 1:1, a place in a file never read, until 2026-12-07).
    @Test func whyAFileCannotBeReadIsSaid() throws {
        let dir = NSTemporaryDirectory() + "moments-unreadable-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(reason(TextFiles.bytes(atPath: dir + "/none.yaml")) == "no such file")
        #expect(reason(TextFiles.bytes(atPath: dir)) == "it is a folder")
        try "x".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
        #expect(reason(TextFiles.bytes(atPath: dir + "/file/below")) == "a part of the path is not a folder")

        guard case .failure(let config) = Daemon.loadConfig(configPath: dir + "/none.yaml", environment: [:]) else {
            Issue.record("a missing configuration was accepted"); return
        }
        #expect(config.errors.map(\.description) == ["\(dir)/none.yaml: error: cannot read the configuration file: no such file"])
        try "rules: gone.yaml\n".write(toFile: dir + "/daemon.yaml", atomically: true, encoding: .utf8)
        guard case .failure(let rules) = Daemon.loadConfig(configPath: dir + "/daemon.yaml", environment: [:]) else {
            Issue.record("a missing rules file was accepted"); return
        }
        #expect(rules.errors.map(\.description) == ["\(dir)/daemon.yaml:1:8: error: cannot read the rules file '\(dir)/gone.yaml': no such file"])
    }

    private func reason(_ result: Result<[UInt8], TextFiles.Unreadable>) -> String? {
        if case .failure(let why) = result { return why.reason }
        return nil
    }
}
