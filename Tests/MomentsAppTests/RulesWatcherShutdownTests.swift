import Foundation
import Logging
import MomentsApp
import MomentsCore
import ServiceLifecycle
import Testing

/// The rules watcher checks the file, then pauses. A service group stops its services one
/// after another (the watcher after the pipeline), and the watcher only looked for the stop
/// between pauses: every stop of the daemon waited out the rest of one (2 s by default).
@Suite struct RulesWatcherShutdownTests {
    /// The pause is an hour: without the cut it would run into the time limit. No tighter bound
    /// on the time taken: in a parallel run other tests' waits can hold the cooperative threads
    /// this test needs for minutes.
    @Test(.timeLimit(.minutes(10))) func aGracefulShutdownCutsThePauseShort() async throws {
        let text = "moments:\n  - id: escalation\n    kind: pain\n    when: { match: { event: interaction.escalated } }\n"
        let rules = try RulesParser.parse(yaml: text, file: "rules.yaml").get()
        let watcher = RulesWatcher(
            load: { .success((rules, text, "rules.yaml")) }, apply: { _ in }, state: RulesState(rules: rules, text: text, source: "rules.yaml"),
            logger: Logger(label: "test"), interval: .seconds(3600))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [watcher], logger: Logger(label: "test")))
        let started = ContinuousClock.now
        async let running: Void = group.run()
        try await Task.sleep(for: .milliseconds(300))   // in its first pause by now
        await group.triggerGracefulShutdown()
        try await running
        #expect(ContinuousClock.now - started < .seconds(3000))
    }
}
