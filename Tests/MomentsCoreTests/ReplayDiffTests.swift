import Foundation
import Testing
@testable import MomentsCore

@Suite struct ReplayDiffTests {
    let events: [UInt8]
    let defaultText: String

    init() throws {
        let path = Fixtures.root.appendingPathComponent("Tests/Fixtures/reference-stream.jsonl").path
        events = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        defaultText = try String(contentsOfFile: Fixtures.root.appendingPathComponent("config/moments.yaml").path, encoding: .utf8)
    }

    func rules(replacing old: String, with new: String) throws -> RuleSet {
        #expect(defaultText.contains(old))
        return try Fixtures.rules(defaultText.replacingOccurrences(of: old, with: new))
    }

    func diff(_ new: RuleSet) throws -> ReplayDiff {
        ReplayDiff.replaying(events, file: "reference-stream.jsonl", old: try Fixtures.defaultRules(), new: new)
    }

    @Test func theSameRulesChangeNothing() throws {
        let d = try diff(try Fixtures.defaultRules())
        #expect(d.isEmpty)
        #expect(d.unchanged == GoldenReplayTests.expected.count)
        #expect(d.rows.allSatisfy { $0.old == $0.new && $0.onlyOld == 0 && $0.onlyNew == 0 && $0.changed == 0 })
        #expect(d.malformedLines > 0)   // the fixture has broken lines; both runs skip them
    }

    /// Reordering a recovery rule's params changes no document a consumer reads: no change (it
    /// showed every apology discount as changed, with no field named). A changed value still is one.
    @Test func reorderedParamsChangeNothing() throws {
        let d = try diff(try rules(replacing: "params: { percent: 15, reason: apology }", with: "params: { reason: apology, percent: 15 }"))
        #expect(d.isEmpty, "\(d.changed.map(\.old.id).prefix(3))")
        let changed = try diff(try rules(replacing: "params: { percent: 15, reason: apology }", with: "params: { reason: apology, percent: 20 }"))
        #expect(!changed.changed.isEmpty && changed.changed.allSatisfy { ReplayDiff.rule(of: $0.new) == "apology-discount" })
    }

    @Test func anAddedSilenceShowsWhatItHeldBack() throws {
        let d = try diff(try Fixtures.rules(defaultText + """

            silences:
              - { id: billing-migration, match: { queue: [billing] }, starts_at: 2026-11-24T08:00:00Z, for: 12h }
            """))
        #expect(d.onlyNew.isEmpty && !d.onlyOld.isEmpty)
        #expect(d.onlyOld.allSatisfy { $0.moment.queue == "billing" })
        let held = try #require(d.heldBack.first { $0.rule == "long-wait" })
        #expect(held.why == "silenced by billing-migration" && held.old == 0 && held.new > 0)
        #expect(d.heldBack.allSatisfy { $0.old == 0 && $0.why == "silenced by billing-migration" })
        // Every alert only in old is a moment the silence held back.
        #expect(d.onlyOld.filter { $0.kind == .alert }.count == d.heldBack.reduce(0) { $0 + $1.new })
        let text = ReplayDiffReport.render(d, oldName: "old.yaml", newName: "new.yaml", listOutputs: false)
        #expect(text.contains("held back (detected, no output):\nrule "), "\(text)")
        #expect(text.contains("long-wait        silenced by billing-migration    0    2"), "\(text)")
        // Without any suppression the report has no such section.
        #expect(!ReplayDiffReport.render(try diff(try Fixtures.defaultRules()), oldName: "a", newName: "b").contains("held back"))
    }

    @Test func aShorterWaitThresholdGivesMoreLongWaitsOnlyInNew() throws {
        let d = try diff(try rules(replacing: "longer_than: 120s", with: "longer_than: 60s"))
        #expect(d.onlyOld.isEmpty)
        #expect(!d.onlyNew.isEmpty)
        #expect(Set(d.onlyNew.map { ReplayDiff.rule(of: $0) }).isSubset(of: ["long-wait", "apology-discount"]))
        let row = try #require(d.rows.first { $0.kind == .alert && $0.rule == "long-wait" })
        #expect(row.new == row.old + row.onlyNew && row.onlyNew > 0)
        // A wait that was long already is now reported a minute earlier: same id, other content.
        let first = try #require(d.changed.first { $0.old.id == "i-1:long-wait:1" })
        #expect(first.fields.contains { $0.name == "time" && $0.old == "2026-11-24T09:02:01.000Z" && $0.new == "2026-11-24T09:01:01.000Z" })
        #expect(first.fields.contains { $0.name == "measures.wait_seconds" && $0.old == "120" && $0.new == "60" })
        #expect(first.fields.contains { $0.name == "summary" })
    }

    @Test func aSummaryChangeIsAChangeOfThatFieldOnly() throws {
        let d = try diff(try rules(replacing: "Customer {customer_id} has waited {wait} in queue {queue}", with: "{customer_id} waited {wait} ({queue})"))
        #expect(d.onlyOld.isEmpty && d.onlyNew.isEmpty)
        #expect(d.changed.map(\.old.id) == ["i-1:long-wait:1", "i-8:long-wait:1", "i-9:long-wait:1"])
        #expect(d.changed.allSatisfy { $0.fields.map(\.name) == ["summary"] })
        #expect(d.changed.first?.fields.first?.new == "c-1 waited 2 min (billing)")
    }

    @Test func removingARecoveryRuleShowsItsActionsOnlyInOld() throws {
        let d = try diff(try rules(replacing: "    on: [long-wait, rude-agent]", with: "    on: [rude-agent]"))
        // The long-wait discounts go; the rude-agent discount that the cooldown had blocked
        // (i-1b, customer c-1) now goes out, and the long-wait alerts list no recovery.
        #expect(d.onlyOld.map(\.id) == ["i-1:long-wait:1:apology-discount", "i-8:long-wait:1:apology-discount", "i-9:long-wait:1:apology-discount"])
        #expect(d.onlyNew.map(\.id) == ["i-1b:rude-agent:1:apology-discount"])
        #expect(d.changed.allSatisfy { $0.fields.map(\.name) == ["recovery"] })
        let table = ReplayDiffReport.table(d)
        #expect(table[0].hasPrefix("kind") && table.contains { $0.hasPrefix("recovery  apology-discount") })
    }

    @Test func theReportListsEachSide() throws {
        let d = try diff(try rules(replacing: "longer_than: 120s", with: "longer_than: 60s"))
        let text = ReplayDiffReport.render(d, oldName: "old.yaml", newName: "new.yaml")
        #expect(text.contains("only in old (old.yaml): 0\nonly in new (new.yaml): \(d.onlyNew.count)\n+ "))
        #expect(text.contains("~ 2026-11-24T09:01:01.000Z  moment  i-1:long-wait:1"))
        #expect(text.contains("    measures.wait_seconds: \"120\" -> \"60\""))
        #expect(text.hasSuffix("\(d.onlyOld.count) only in old, \(d.onlyNew.count) only in new, \(d.changed.count) changed, \(d.unchanged) identical"))
    }
}
