import Foundation
import MomentsApp
import MomentsCore
import MomentsRuntime
import Testing

/// systemd's notification protocol, as systemd's side of the socket receives it.
@Suite struct SystemdNotifierTests {
    @Test func readySendsItsFieldsInOneDatagram() throws {
        let listener = try NotifySocketListener()
        let notifier = try #require(try SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": listener.name]))
        notifier.ready(status: "ready: 8 partitions\nand a second line")
        // A line break would start a field of its own: the status stays one line.
        #expect(listener.receive(seconds: 5) { $0.hasPrefix("READY=1") } == ["READY=1\nSTATUS=ready: 8 partitions and a second line"])
        notifier.stopping(status: "stopped")
        #expect(listener.receive(seconds: 5) { $0.hasPrefix("STOPPING=1") }.last == "STOPPING=1\nSTATUS=stopped")
    }

    @Test func anAbstractSocketIsReachedByItsName() throws {
        let listener = try NotifySocketListener(abstract: true)
        let notifier = try SystemdNotifier(socket: listener.name)
        notifier.reloading()
        let got = listener.receive(seconds: 5) { $0.hasPrefix("RELOADING=1") }
        let fields = try #require(got.last).split(separator: "\n")
        #expect(fields.first == "RELOADING=1")
        #expect(fields.contains { $0.hasPrefix("MONOTONIC_USEC=") && Int64($0.dropFirst(15)).map { $0 > 0 } == true })
    }

    @Test func noSocketNamedMeansNoNotifier() throws {
        #expect(try SystemdNotifier.fromEnvironment([:]) == nil)
        #expect(try SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": ""]) == nil)
    }

    @Test func aSocketItCannotReachIsRefusedWithTheReason() {
        for name in ["notify.sock", "vsock:2:1234"] {
            #expect { _ = try SystemdNotifier(socket: name) } throws: { "\($0)".contains("neither a path nor an abstract socket name") }
        }
        let long = "/" + String(repeating: "d", count: 200)
        #expect { _ = try SystemdNotifier(socket: long) } throws: { "\($0)".contains("longer than a socket address holds") }
    }

    /// Sending to a socket nobody listens on fails quietly (systemd gone): the daemon goes on.
    @Test func aSocketNobodyListensOnIsNotAFailure() throws {
        let notifier = try SystemdNotifier(socket: "/tmp/moments-nobody-\(UUID().uuidString.prefix(8)).sock")
        #expect(!notifier.send(["READY=1"]))
        #expect(notifier.lastStatus == nil)
        // Meant and not said: owed, for the next look to say.
        notifier.ready(status: "ready")
        #expect(notifier.readyOwed)
        #expect(!notifier.saidReady)
    }

    /// What systemd was told decides what a reload may say: ready once `READY=1` went through,
    /// not while a reload's `RELOADING=1` waits for its `READY=1`, never after `STOPPING=1`.
    @Test func readinessFollowsWhatSystemdWasTold() throws {
        let listener = try NotifySocketListener()
        let notifier = try SystemdNotifier(socket: listener.name)
        #expect(!notifier.saidReady && !notifier.readyOwed)
        notifier.ready(status: "ready")
        #expect(notifier.saidReady && !notifier.readyOwed)
        notifier.reloading()
        #expect(!notifier.saidReady && notifier.readyOwed)
        notifier.ready(status: "rules reloaded")
        #expect(notifier.saidReady && !notifier.readyOwed)
        notifier.stopping(status: "stopping")
        #expect(!notifier.saidReady && !notifier.readyOwed)
        #expect(listener.receive(seconds: 5) { $0.hasPrefix("STOPPING=1") }.map { $0.split(separator: "\n").first.map(String.init) ?? "" }
            == ["READY=1", "RELOADING=1", "READY=1", "STOPPING=1"])
    }

    /// A service manager slow to read fills the socket's queue (`net.unix.max_dgram_qlen`: 10 by
    /// the kernel's default, 512 where systemd set it): later notifications are dropped rather
    /// than waited for, which held the daemon's threads. What was sent is remembered for the next
    /// look (`SystemdNotifications`).
    @Test func aFullQueueDropsInsteadOfWaiting() throws {
        let listener = try NotifySocketListener()
        let notifier = try SystemdNotifier(socket: listener.name)
        let began = Date()
        let sent = (0..<2000).map { notifier.send(["STATUS=look \($0)"]) }
        #expect(Date().timeIntervalSince(began) < 30, "a send waited for the reader")
        #expect(sent.first == true)
        #expect(sent.contains(false), "2000 datagrams unread and none refused: the queue did not fill?")
        #expect(notifier.lastStatus?.hasPrefix("look ") == true)
        #expect(!notifier.saidStopping)
        notifier.stopping(status: "stopping")
        _ = listener.receive(seconds: 1)
        notifier.stopping(status: "stopping")
        #expect(notifier.saidStopping)
        #expect(notifier.lastStatus == "stopping")
    }

    @Test func theWatchdogIntervalIsThisProcesssOnly() {
        #expect(SystemdNotifier.watchdogInterval(["WATCHDOG_USEC": "30000000"]) == .seconds(30))
        #expect(SystemdNotifier.watchdogInterval(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"]) == .seconds(30))
        #expect(SystemdNotifier.watchdogInterval(["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid() + 1)"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(["WATCHDOG_USEC": "0"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(["WATCHDOG_USEC": "soon"]) == nil)
        #expect(SystemdNotifier.watchdogInterval([:]) == nil)
    }
}
