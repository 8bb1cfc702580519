import Foundation
import MomentsApp
import MomentsCore
import MomentsTestSupport
import Synchronization
import Testing

/// A stop that a broker holds up (a frozen process, a half-open link: librdkafka's final commit
/// and group leave wait for its socket time-outs) is ended by the daemon itself once its limit
/// has passed; until 2026-12-07 a SIGTERM then took minutes, until the orchestrator's SIGKILL.
@Suite struct StopWatchdogTests {
    @Test func aStopPastItsLimitIsEnded() {
        let expired = Mutex(false)
        _ = StopWatchdog(limit: MomentsCore.Duration(milliseconds: 100)) { expired.withLock { $0 = true } }
        #expect(waitFor(seconds: 10) { expired.withLock { $0 } })
    }

    @Test func aStopThatEndsInTimeIsLeftAlone() {
        let expired = Mutex(false)
        let watchdog = StopWatchdog(limit: MomentsCore.Duration(milliseconds: 300)) { expired.withLock { $0 = true } }
        watchdog.stopFinished()
        Thread.sleep(forTimeInterval: 0.8)
        #expect(!expired.withLock { $0 })
    }

    /// The drains' `shutdown_timeout`, a transaction's 30 s under exactly-once, and 10 s for the
    /// final commit, the group leave and the last flush: at the default 15 s, within the 30 s
    /// grace periods of the deployment files.
    @Test func theLimitIsTheStopsOwnWaitsAndTenSeconds() {
        #expect(StopWatchdog.limit(shutdownTimeout: .seconds(15), exactlyOnce: false).milliseconds == 25_000)
        #expect(StopWatchdog.limit(shutdownTimeout: .seconds(15), exactlyOnce: true).milliseconds == 55_000)
    }
}
