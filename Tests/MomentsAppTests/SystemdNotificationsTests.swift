import Foundation
import Kafka
@testable import MomentsApp
import MomentsCore
import MomentsRuntime
import Testing

/// What the service that keeps systemd told says at each look at the pipeline: the watchdog fed
/// only while the pipeline thread shows signs of life, the status when it changes, the stop
/// once. At instants the tests name (the service's loop itself runs in `DaemonOperationsTests`,
/// under a real `moments run`).
@Suite struct SystemdNotificationsTests {
    static let second: UInt64 = 1_000_000_000
    /// A running pipeline whose thread last showed a sign of life at 100 s.
    static func running() -> PipelineStatus {
        var s = PipelineStatus()
        s.running = true
        s.assigned = [.init(topic: "interactions", partition: 0), .init(topic: "interactions", partition: 1)]
        s.brokerReachable = true
        s.lastSignOfLifeNs = 100 * second
        return s
    }

    static func look(
        _ s: PipelineStatus, at seconds: UInt64, watchdog: Bool = true, lastStatus: String? = nil, saidStopping: Bool = false
    ) -> [String] {
        SystemdNotifications.nextFields(s, stallTimeout: .seconds(120), feedsWatchdog: watchdog, lastStatus: lastStatus, saidStopping: saidStopping, nowNs: seconds * second)
    }

    @Test func theWatchdogIsFedOnlyWhileThePipelineLives() {
        let s = Self.running()
        let line = "ready: 2 partitions; 0 events, 0 outputs, 0 dead-lettered"
        #expect(Self.look(s, at: 101) == ["WATCHDOG=1", "STATUS=\(line)"])
        // Nothing new to say: only the watchdog.
        #expect(Self.look(s, at: 219, lastStatus: line) == ["WATCHDOG=1"])
        // Silent past the limit: said, and the watchdog no longer fed.
        #expect(Self.look(s, at: 221, lastStatus: line) == ["STATUS=stalled: the pipeline thread has shown no sign of life for 121 s"])
        // Without a watchdog, only the status.
        #expect(Self.look(s, at: 101, watchdog: false, lastStatus: "rules reloaded (sha256 0123)") == ["STATUS=\(line)"])
    }

    /// A reload's status line is followed by the pipeline's again, once the service looks.
    @Test func theStatusIsSaidAgainAfterAnotherOne() {
        #expect(Self.look(Self.running(), at: 101, lastStatus: "rules reloaded (sha256 0123)").last?.hasPrefix("STATUS=ready: 2 partitions") == true)
    }

    /// A stop the pipeline asks for itself (an error it cannot go on from) is said once, as a
    /// signal's is; the watchdog is fed through the stop, which has its own limit.
    @Test func aStopIsSaidOnce() {
        var s = Self.running()
        s.stopRequested = true
        s.outputsInFlight = 12
        #expect(Self.look(s, at: 101) == ["STOPPING=1", "WATCHDOG=1", "STATUS=stopping: 12 outputs in flight; 0 events, 0 outputs, 0 dead-lettered"])
        #expect(Self.look(s, at: 102, lastStatus: "stopping: 12 outputs in flight; 0 events, 0 outputs, 0 dead-lettered", saidStopping: true) == ["WATCHDOG=1"])
    }

    /// A `READY=1` whose datagram was dropped (the manager's queue full) is said at the next
    /// look: otherwise systemd waited for it until its start timed out and killed the daemon.
    @Test func anOwedReadyIsSaidAgainButNotInAStop() {
        var s = Self.running()
        let line = "ready: 2 partitions; 0 events, 0 outputs, 0 dead-lettered"
        #expect(SystemdNotifications.nextFields(s, stallTimeout: .seconds(120), feedsWatchdog: false, lastStatus: line, saidStopping: false, readyOwed: true, nowNs: 101 * Self.second)
            == ["READY=1"])
        s.stopRequested = true
        #expect(!SystemdNotifications.nextFields(s, stallTimeout: .seconds(120), feedsWatchdog: false, lastStatus: line, saidStopping: true, readyOwed: true, nowNs: 101 * Self.second)
            .contains("READY=1"))
    }

    @Test func theWatchdogIsFedTwicePerIntervalAtMostEveryFiveSeconds() throws {
        let notifier = try SystemdNotifier(socket: "/tmp/moments-unused-\(UUID().uuidString.prefix(8)).sock")
        func period(_ watchdog: MomentsCore.Duration?) -> MomentsCore.Duration {
            SystemdNotifications(notifier: notifier, status: { PipelineStatus() }, stallTimeout: .seconds(120), watchdog: watchdog, saysReady: true).period
        }
        #expect(period(nil) == .seconds(5))
        #expect(period(.seconds(60)) == .seconds(5))
        #expect(period(.seconds(4)) == .seconds(2))
        #expect(period(MomentsCore.Duration(milliseconds: 4)) == MomentsCore.Duration(milliseconds: 10))
    }

    @Test func theStatusLineSaysWhatThePipelineDoes() {
        let limit = MomentsCore.Duration.seconds(120)
        func line(_ s: PipelineStatus) -> String { SystemdNotifications.statusLine(s, stallTimeout: limit, nowNs: 101 * Self.second) }
        #expect(line(PipelineStatus()) == "starting: connecting to the brokers")
        var s = Self.running()
        s.assigned = []
        #expect(line(s) == "running: no partitions assigned yet; 0 events, 0 outputs, 0 dead-lettered")
        s = Self.running()
        s.assigned = [.init(topic: "interactions", partition: 0)]
        #expect(line(s) == "ready: 1 partition; 0 events, 0 outputs, 0 dead-lettered")
        s = Self.running()
        s.restoringPartitions = 1
        s.eventsProcessed = 1200
        s.outputsDelivered = 70
        s.deadLettered = 3
        #expect(line(s) == "restoring 1 of 2 partitions; 1200 events, 70 outputs, 3 dead-lettered")
        s = Self.running()
        s.brokerReachable = false
        s.inputPaused = true
        s.outputsInFlight = 5000
        #expect(line(s) == "ready: 2 partitions; no broker answers; input paused, 5000 outputs wait for the broker; 0 events, 0 outputs, 0 dead-lettered")
        s.stopRequested = true
        #expect(line(s) == "stopping: 5000 outputs in flight; 0 events, 0 outputs, 0 dead-lettered")
        #expect(SystemdNotifications.statusLine(s, stallTimeout: limit, nowNs: 300 * Self.second) == "stalled: the pipeline thread has shown no sign of life for 200 s")
    }
}
