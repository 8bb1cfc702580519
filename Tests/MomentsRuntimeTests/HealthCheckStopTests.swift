import Foundation
@testable import MomentsRuntime
import Testing

/// The health check's sleep ends when the pipeline stops, not when its time is up; the thread
/// carries its name where Linux shows it.
@Suite(.serialized) struct HealthCheckStopTests {
    /// The bounds below are generous on purpose: they tell "ended when interrupted" from "slept
    /// its ten minutes", and say nothing about speed.
    @Test func anInterruptionEndsASleepUnderWay() {
        let pause = InterruptibleSleep()
        let ended = DispatchSemaphore(value: 0)
        let result = ResultBox()
        Thread {
            result.set(pause.sleep(seconds: 600))
            ended.signal()
        }.start()
        Thread.sleep(forTimeInterval: 0.05)
        #expect(result.get() == nil, "the sleep ended before its interruption")
        pause.interrupt()
        #expect(ended.wait(timeout: .now() + 10) == .success, "the sleep went on after its interruption")
        #expect(result.get() == false)
        #expect(pause.isInterrupted)
        // The interruption is not used up by the sleep it ended.
        #expect(pause.sleep(seconds: 600) == false)
    }

    @Test func aSleepAfterAnInterruptionEndsAtOnce() {
        let pause = InterruptibleSleep()
        pause.interrupt()
        let began = Date()
        #expect(pause.sleep(seconds: 600) == false)
        #expect(pause.sleep(seconds: 600) == false)
        #expect(Date().timeIntervalSince(began) < 10)
    }

    @Test func anUninterruptedSleepLastsItsTime() {
        let pause = InterruptibleSleep()
        let began = Date()
        #expect(pause.sleep(seconds: 0.05) == true)
        #expect(Date().timeIntervalSince(began) >= 0.05)
        #expect(!pause.isInterrupted)
    }

    /// While the pipeline runs, its health check runs on a thread named `moments-health` (set
    /// before the thread started, the name was never applied), and that thread has ended by the
    /// time `run()` returns. (Other suites' pipelines may run meanwhile, with health checks of
    /// their own: the name is looked for among the process's threads, the end on this one.)
    @Test func theHealthCheckThreadIsNamedAndEndsWithThePipeline() throws {
        let bed = try TestBed(partitions: 1)
        let running = RunningPipeline(bed.pipeline(group: "health", rules: try Stream.defaultRules(), changelog: false))
        #expect(waitFor(seconds: 30) { running.pipeline.status.ready })
        #expect(waitFor(seconds: 10) { Self.threadNames().contains("moments-health") }, "threads: \(Self.threadNames())")
        let thread = try #require(running.pipeline.healthCheck)
        #expect(!thread.isFinished)
        #expect(running.stop() == nil)
        // `run()` waited for the thread's last step; Foundation marks it finished just after.
        #expect(waitFor(seconds: 10) { thread.isFinished })
    }

    /// The names of this process's threads, as Linux keeps them.
    static func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Bool?
    func set(_ v: Bool) { lock.lock(); value = v; lock.unlock() }
    func get() -> Bool? { lock.lock(); defer { lock.unlock() }; return value }
}
