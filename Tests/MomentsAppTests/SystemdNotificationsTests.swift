import Foundation
import Kafka
@testable import MomentsApp
import MomentsCore
import MomentsRuntime
import Testing

/// The service that keeps systemd told: ready at once, the watchdog fed only while the pipeline
/// thread shows signs of life, the status as it changes, and the stop.
@Suite struct SystemdNotificationsTests {
    final class StatusSource: @unchecked Sendable {
        private let lock = NSLock()
        private var value = PipelineStatus()
        func set(_ change: (inout PipelineStatus) -> Void) { lock.lock(); change(&value); lock.unlock() }
        var current: PipelineStatus { lock.lock(); defer { lock.unlock() }; return value }
    }

    static func running() -> PipelineStatus {
        var s = PipelineStatus()
        s.running = true
        s.assigned = [.init(topic: "interactions", partition: 0), .init(topic: "interactions", partition: 1)]
        s.brokerReachable = true
        s.lastSignOfLifeNs = DispatchTime.now().uptimeNanoseconds
        return s
    }

    @Test func theWatchdogIsFedOnlyWhileThePipelineLives() async throws {
        let listener = try NotifySocketListener()
        let source = StatusSource()
        source.set { $0 = Self.running() }
        let service = SystemdNotifications(
            notifier: try SystemdNotifier(socket: listener.name), status: { source.current }, stallTimeout: .seconds(1),
            watchdog: Duration(milliseconds: 100))
        #expect(service.period == Duration(milliseconds: 50))
        let task = Task { try await service.run() }
        // The pipeline's thread keeps showing signs of life, as its loop does at every pass.
        let beating = Task {
            while !Task.isCancelled {
                source.set { $0.lastSignOfLifeNs = DispatchTime.now().uptimeNanoseconds }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let first = await listener.received(seconds: 10) { $0.contains("WATCHDOG=1") }
        #expect(first.first == "READY=1\nSTATUS=ready: 2 partitions; 0 events, 0 outputs, 0 dead-lettered")
        #expect(first.last?.contains("WATCHDOG=1") == true)
        beating.cancel()
        await beating.value
        // Silent past the limit: reported, and the watchdog no longer fed.
        source.set { $0.lastSignOfLifeNs = DispatchTime.now().uptimeNanoseconds - 5_000_000_000 }
        let stalled = await listener.received(seconds: 10) { $0.contains("STATUS=stalled") }
        #expect(stalled.last?.contains("STATUS=stalled: the pipeline thread has shown no sign of life for 5 s") == true)
        #expect(await listener.received(seconds: 0.4).allSatisfy { !$0.contains("WATCHDOG=1") })
        // Alive again: fed again.
        source.set { $0.lastSignOfLifeNs = DispatchTime.now().uptimeNanoseconds }
        #expect(await listener.received(seconds: 10) { $0.contains("WATCHDOG=1") }.last?.contains("WATCHDOG=1") == true)
        task.cancel()
        _ = try? await task.value
        #expect(await listener.received(seconds: 10) { $0.hasPrefix("STOPPING=1") }.last == "STOPPING=1\nSTATUS=stopped")
    }

    @Test func withoutAWatchdogOnlyTheStatusIsSent() async throws {
        let listener = try NotifySocketListener()
        let source = StatusSource()
        source.set { $0 = Self.running() }
        let service = SystemdNotifications(notifier: try SystemdNotifier(socket: listener.name), status: { source.current }, stallTimeout: .seconds(120), watchdog: nil)
        #expect(service.period == .seconds(5))
        let task = Task { try await service.run() }
        #expect(await listener.received(seconds: 10) { $0.hasPrefix("READY=1") }.last?.hasPrefix("READY=1") == true)
        task.cancel()
        _ = try? await task.value
        let rest = await listener.received(seconds: 10) { $0.hasPrefix("STOPPING=1") }
        #expect(rest.last == "STOPPING=1\nSTATUS=stopped")
        #expect(rest.allSatisfy { !$0.contains("WATCHDOG=1") })
    }

    @Test func theStatusLineSaysWhatThePipelineDoes() {
        let limit = MomentsCore.Duration.seconds(120)
        var s = PipelineStatus()
        #expect(SystemdNotifications.statusLine(s, stallTimeout: limit) == "starting: connecting to the brokers")
        s = Self.running()
        s.assigned = []
        #expect(SystemdNotifications.statusLine(s, stallTimeout: limit) == "running: no partitions assigned yet; 0 events, 0 outputs, 0 dead-lettered")
        s = Self.running()
        s.restoringPartitions = 1
        s.eventsProcessed = 1200
        s.outputsDelivered = 70
        s.deadLettered = 3
        #expect(SystemdNotifications.statusLine(s, stallTimeout: limit) == "restoring 1 of 2 partitions; 1200 events, 70 outputs, 3 dead-lettered")
        s = Self.running()
        s.brokerReachable = false
        s.inputPaused = true
        s.outputsInFlight = 5000
        #expect(SystemdNotifications.statusLine(s, stallTimeout: limit)
            == "ready: 2 partitions; no broker answers; input paused, 5000 outputs wait for the broker; 0 events, 0 outputs, 0 dead-lettered")
        s.stopRequested = true
        #expect(SystemdNotifications.statusLine(s, stallTimeout: limit) == "stopping: 5000 outputs in flight; 0 events, 0 outputs, 0 dead-lettered")
        s.lastSignOfLifeNs = DispatchTime.now().uptimeNanoseconds - 200_000_000_000
        #expect(SystemdNotifications.statusLine(s, stallTimeout: limit).hasPrefix("stalled: the pipeline thread has shown no sign of life for 20"))
    }
}
