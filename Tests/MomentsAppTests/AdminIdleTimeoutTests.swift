import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MomentsApp
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
