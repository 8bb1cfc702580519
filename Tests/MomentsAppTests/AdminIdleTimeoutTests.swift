import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import MomentsApp
import MomentsCore
import MomentsRuntime
import Prometheus
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A connection to the admin endpoint that sends no request, or only part of one's head, is
/// closed after `admin.idle_timeout`: each such client used to hold a connection (and a file
/// descriptor of the daemon's) for as long as it liked.
@Suite struct AdminIdleTimeoutTests {
    @Test func quietAndHalfSentConnectionsAreClosed() async throws {
        var settings = AdminSettings()
        settings.idleTimeout = Duration(milliseconds: 300)
        let state = RulesState(rules: AdminEndpointTests.rules, text: "rules text", source: "r.yaml")
        let router = AdminRouter.make(registry: PrometheusCollectorRegistry(), status: { PipelineStatus() }, rules: state, token: nil)
        let app = AdminServer.make(router: router, settings: settings, logger: Logger(label: "admin-test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // The sockets are waited on off Swift's thread pool (two threads on two cores), which
            // the other tests of a full run keep busy; the closing is NIO's, on its own threads.
            // (That the endpoint answers is the other admin tests' to show: its handlers run on
            // that pool, and in a full run one waited minutes for a thread.)
            let (quietClosed, halfSentClosed) = try await Self.offThePool {
                let quiet = try Self.connect(port: port)
                let halfSent = try Self.connect(port: port)
                defer { close(quiet); close(halfSent) }
                let head = Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\n".utf8)   // no blank line: the head never ends
                _ = write(halfSent, head, head.count)
                return (Self.closedByPeer(quiet, withinMs: 20_000), Self.closedByPeer(halfSent, withinMs: 20_000))
            }
            #expect(quietClosed, "a connection without a request stayed open")
            #expect(halfSentClosed, "a connection sending half a head stayed open")
        }
    }

    /// A request's whole time is bounded too: a body sent a byte at a time (each byte restarts
    /// Hummingbird's idle timeout, and the body of a refused request is read to its end) held
    /// its connection for good until 2026-12-07, without the token.
    @Test func aBodySentAByteAtATimeIsCutOff() async throws {
        var settings = AdminSettings()
        settings.idleTimeout = Duration(milliseconds: 400)
        let state = RulesState(rules: AdminEndpointTests.rules, text: "rules text", source: "r.yaml")
        let router = AdminRouter.make(registry: PrometheusCollectorRegistry(), status: { PipelineStatus() }, rules: state, token: "s3cret")
        let app = AdminServer.make(router: router, settings: settings, logger: Logger(label: "admin-test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (refused, accepted) = try await Self.offThePool {
                // No token (a 401), and a method /healthz does not take (a 405).
                let heads = ["POST /silences HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"]
                let fds = try heads.map { head in
                    let fd = try Self.connect(port: port)
                    let bytes = Array(head.utf8)
                    _ = send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
                    return fd
                }
                defer { fds.forEach { close($0) } }
                return (Self.closedWhileTrickling(fds[0], seconds: 20), Self.closedWhileTrickling(fds[1], seconds: 20))
            }
            #expect(refused, "a refused request's body sent a byte at a time kept its connection")
            #expect(accepted, "a 405's body sent a byte at a time kept its connection")
        }
    }

    /// At most so many connections are open at once (`AdminServer.maxConnections`, 64; 4 here):
    /// past the limit a connection is closed as it opens, and once places are free new ones
    /// are kept again. (Sockets only: counting and closing are NIO's, on its own threads, where
    /// a request's answer waits for Swift's pool, which a full run keeps busy. The test
    /// client may hold a place of its own, so the count kept is 3 or 4.)
    @Test func connectionsPastTheLimitAreClosedAsTheyOpen() async throws {
        var settings = AdminSettings()
        settings.idleTimeout = Duration.seconds(600)
        let state = RulesState(rules: AdminEndpointTests.rules, text: "rules text", source: "r.yaml")
        let router = AdminRouter.make(registry: PrometheusCollectorRegistry(), status: { PipelineStatus() }, rules: state, token: nil)
        let app = AdminServer.make(router: router, settings: settings, logger: Logger(label: "admin-test"), maxConnections: 4)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (kept, freedKept) = try await Self.offThePool {
                var opened: [Int32] = []
                for _ in 0..<8 {
                    opened.append(try Self.connect(port: port))
                    usleep(50_000)   // in order, as NIO takes them
                }
                let closed = opened.map { Self.closedByPeer($0, withinMs: 2_000) }
                let kept = closed.filter { !$0 }.count
                opened.forEach { close($0) }
                // The server hears of the closes a moment later: a new connection is kept once it has.
                var freedKept = false
                for _ in 0..<40 where !freedKept {
                    let again = try Self.connect(port: port)
                    freedKept = !Self.closedByPeer(again, withinMs: 500)
                    close(again)
                }
                return (kept, freedKept)
            }
            #expect((3...4).contains(kept), "\(kept) of 8 connections were kept")
            #expect(freedKept, "no connection was kept once places were free")
        }
    }

    /// A connection that sends no request is closed after 10 s whatever the idle timeout, so
    /// that silent sockets cannot hold the places a scraper and the probes need.
    @Test func aConnectionWithoutARequestIsClosedSoonWhateverTheIdleTimeout() async throws {
        var settings = AdminSettings()
        settings.idleTimeout = Duration.seconds(600)
        #expect(AdminServer.firstRequestLimit(settings) == .seconds(10))
        let state = RulesState(rules: AdminEndpointTests.rules, text: "rules text", source: "r.yaml")
        let router = AdminRouter.make(registry: PrometheusCollectorRegistry(), status: { PipelineStatus() }, rules: state, token: nil)
        let app = AdminServer.make(router: router, settings: settings, logger: Logger(label: "admin-test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (closedEarly, closedLater) = try await Self.offThePool {
                let quiet = try Self.connect(port: port)
                defer { close(quiet) }
                return (Self.closedByPeer(quiet, withinMs: 5_000), Self.closedByPeer(quiet, withinMs: 60_000))
            }
            #expect(!closedEarly, "closed before the first request's limit")
            #expect(closedLater, "a connection without a request stayed open past 10 s")
        }
    }

    /// The first bytes of the answer to `request` (empty if the connection closed first).
    static func answer(_ fd: Int32, _ request: String) -> String {
        let bytes = Array(request.utf8)
        _ = send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 10_000) == 1 else { return "" }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = read(fd, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : ""
    }

    /// Sends a byte every 100 ms, reading whatever answer comes, until the server closes the
    /// connection (true) or `seconds` pass (false).
    static func closedWhileTrickling(_ fd: Int32, seconds: Int) -> Bool {
        var byte: UInt8 = 0x61
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<(seconds * 10) {
            if send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) < 0 { return true }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 100) == 1 && read(fd, &buffer, buffer.count) <= 0 { return true }
        }
        return false
    }

    /// Runs blocking work on a thread of its own, not one of Swift concurrency's.
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EBADF) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    /// Whether the server closed the connection (a read returns end of file) within the time.
    static func closedByPeer(_ fd: Int32, withinMs: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, withinMs) == 1 else { return false }
        var byte: UInt8 = 0
        return read(fd, &byte, 1) <= 0
    }
}
