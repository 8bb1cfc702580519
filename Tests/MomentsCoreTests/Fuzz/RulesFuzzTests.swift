import Foundation
import Testing
@testable import MomentsCore

/// Mutated rules files: each parses, or ends in located errors; never a crash or a hang.
@Suite struct RulesFuzzTests {
    static let dictionary = [
        "\n", "  ", "\t", "- ", ": ", "#", "&a ", "*a", "!!binary ", "!!str ", "~", "'", "\"", "[", "]", "{", "}", "? ",
        "-5s", "0s", "1e999", "100000000000d100000000000d", "99999999999999999999s", "-1", "0.5", "NaN", ".inf",
        "interaction.queued", "agent.connected", "long-wait", "once_per: episode", "longer_than: ", "reaches: ", "at_least: ",
        "\u{FEFF}", "\u{0}", "<<: *a",
    ]

    @Test func rulesParser() throws {
        var seeds: [[UInt8]] = [[UInt8](try Data(contentsOf: Fixtures.root.appendingPathComponent("config/moments.yaml")))]
        let hostile = Fixtures.root.appendingPathComponent("Tests/Fixtures/hostile/rules")
        for f in try FileManager.default.contentsOfDirectory(atPath: hostile.path).sorted() {
            seeds.append([UInt8](try Data(contentsOf: hostile.appendingPathComponent(f))))
        }
        let tried = fuzz("rules", seeds: seeds, dictionary: Self.dictionary, maxLength: 64 * 1024) { input in
            // YAML is text: invalid UTF-8 is repaired the way a file read would fail or repair it.
            let text = String(decoding: input, as: UTF8.self)
            switch RulesParser.parse(yaml: text, file: "fuzz.yaml") {
            case .success: return nil
            case .failure(let e):
                if e.errors.isEmpty { return "a failure without errors" }
                for err in e.errors where err.line < 1 || err.column < 1 || err.message.isEmpty || err.file != "fuzz.yaml" {
                    return "an error without a location or message: \(err)"
                }
                return nil
            }
        }
        #expect(tried > 20, "the fuzzer tried only \(tried) inputs")
    }
}
