import Foundation
import KafkaMock
import MomentsApp
import MomentsCore
import MomentsSimulation
import MomentsTestSupport
import Testing
@testable import MomentsRuntime

/// A rules reload swaps every partition's engine; the changelog must go on recording what
/// changes. It did not: the reloaded engines had change tracking off, so no customer record was
/// written after a reload while commits went on, and a restore then lost everything since.
@Suite struct ReloadChangelogTests {
    @Test func stateIsStillWrittenAfterARulesReload() throws {
        let rules = try Stream.defaultRules()
        let partitions = 2
        let events = TrafficSimulator.events(options: SimulationOptions(seed: 9), count: 1200)
        let bed = try TestBed(partitions: partitions)
        let messages = Stream.messages(events, partitions: partitions)
        try bed.produce(Array(messages[..<600]))
        let pipeline = bed.pipeline(group: "reload-changelog", rules: rules)
        let running = RunningPipeline(pipeline)
        #expect(waitFor(seconds: 60) { pipeline.status.committed.values.reduce(0, +) == 600 })
        let writtenBefore = pipeline.status.stateRecordsWritten
        #expect(writtenBefore > 0)

        pipeline.replaceRules(rules)
        #expect(waitFor(seconds: 30) { pipeline.status.rulesReloads == 1 })
        try bed.produce(Array(messages[600...]))
        #expect(waitFor(seconds: 60) { pipeline.status.committed.values.reduce(0, +) == 1200 })
        #expect(running.stop() == nil)
        // The second half's customers (new interactions every few events) were written too.
        #expect(pipeline.status.stateRecordsWritten > writtenBefore + 100)
    }
}
