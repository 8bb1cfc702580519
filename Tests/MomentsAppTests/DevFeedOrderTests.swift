import MomentsCore
import Testing
@testable import MomentsApp

/// The dev feed prints what was delivered in event-time order: delivery reports come by produce
/// request, a topic's outputs together, so the warm start's burst was printed all coaching,
/// then all alerts, then all recovery, times jumping back and forth.
@Suite struct DevFeedOrderTests {
    @Test func linesComeByTimeThenMomentRecoveryCoaching() {
        let t = { (s: Int64) in Timestamp(milliseconds: 1_795_510_800_000 + s * 1000) }
        // As delivered: the coaching topic's request first, then the alerts', then recovery's.
        let delivered: [(time: Timestamp, rank: Int, arrival: Int, line: String)] = [
            (t(30), 2, 1, "coaching 30"), (t(10), 2, 2, "coaching 10"),
            (t(30), 0, 3, "alert 30"), (t(10), 0, 4, "alert 10"), (t(20), 0, 5, "alert 20"),
            (t(10), 1, 6, "recovery 10"), (t(20), 0, 7, "alert 20 again"),
        ]
        #expect(DevSession.printOrder(delivered) == [
            "alert 10", "recovery 10", "coaching 10", "alert 20", "alert 20 again", "alert 30", "coaching 30",
        ])
    }
}
