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
}
