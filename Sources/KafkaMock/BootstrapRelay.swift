import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Listens on a fixed loopback address (127.0.0.1:9092 for `moments broker`) and relays each
/// connection to the mock cluster's bootstrap broker, whose port is random.
///
/// Why a relay: librdkafka 2.0.2's mock brokers always bind 127.0.0.1 port 0 (see
/// `rd_kafka_mock_broker_new` in rdkafka_mock.c; no property chooses the port), so a fixed
/// address needs something in front. Only bootstrapping goes through here: the cluster's
/// metadata names its brokers' real addresses (also on 127.0.0.1), and clients connect to those
/// directly afterwards. A broker taken down and up again keeps its port, so the target stays valid.
///
/// Threads: one accepts, two per relayed connection copy bytes; `stop` ends them all.
public final class BootstrapRelay: @unchecked Sendable {
    public let host: String
    public let port: UInt16
    private let state: RelayState

    /// - Parameters:
    ///   - host: must be a loopback address; this tool never listens elsewhere.
    ///   - target: the mock broker's `host:port` (also loopback).
    ///   - port: 0 for one the system chooses (`port` then says which).
    public init(host: String = "127.0.0.1", port: UInt16 = 9092, target: String) throws {
        // `localhost` is loopback too; taken as 127.0.0.1 without asking a resolver, which could
        // name another address (it was refused as not loopback until 2026-12-07).
        let host = host == "localhost" ? "127.0.0.1" : host
        guard host.hasPrefix("127.") else { throw RelayError("refusing to listen on \(host): only loopback addresses are allowed") }
        let parts = target.split(separator: ":")
        guard parts.count == 2, let targetPort = UInt16(parts[1]), parts[0].hasPrefix("127.") else {
            throw RelayError("bad target address \(target): expected 127.x.x.x:port")
        }
        let upstream = try socketAddress(String(parts[0]), targetPort)
        var addr = try socketAddress(host, port)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RelayError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw RelayError("cannot listen on \(host):\(port): \(reason)")
        }
        // The port bound, which differs from the one asked for when that was 0: the address
        // printed for clients named port 0, where nothing can connect (until 2026-12-07).
        var boundAddress = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &boundAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.host = host
        self.port = named == 0 ? UInt16(bigEndian: boundAddress.sin_port) : port
        // The threads hold the state, not the relay, so dropping the relay still stops them.
        let state = RelayState(listener: fd, upstream: upstream)
        self.state = state
        // Named from the thread itself: Linux applies no name set before the thread starts.
        Thread {
            Thread.current.name = "moments-relay"
            state.acceptLoop()
        }.start()
    }

    deinit { stop() }

    public var address: String { "\(host):\(port)" }

    /// Stops listening and cuts every relayed connection; returns once the port is released.
    /// Idempotent.
    public func stop() { state.stop() }
}

/// What the relay's threads share; every field is guarded by `lock`.
private final class RelayState: @unchecked Sendable {
    private let listener: Int32
    private let upstream: sockaddr_in
    private let lock = NSLock()
    private var stopped = false
    private var connections: [ObjectIdentifier: RelayedConnection] = [:]
    /// Signalled by the accept thread once it has closed the listener.
    private let listenerClosed = DispatchSemaphore(value: 0)

    init(listener: Int32, upstream: sockaddr_in) {
        self.listener = listener
        self.upstream = upstream
    }

    func stop() {
        lock.lock()
        guard !stopped else { lock.unlock(); return }
        stopped = true
        // shutdown, not close: the accept thread still uses the descriptor and closes it itself
        // (a closed number could be handed to another socket while accept is being called).
        shutdown(listener, Int32(SHUT_RDWR))
        for c in connections.values { c.halt() }
        lock.unlock()
        listenerClosed.wait()
    }

    func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            lock.lock()
            let done = stopped
            lock.unlock()
            if done {
                if client >= 0 { close(client) }
                close(listener)
                listenerClosed.signal()
                return
            }
            if client < 0 {
                // EINTR, ECONNABORTED: try again; out of descriptors: wait a little for some.
                if errno == EMFILE || errno == ENFILE { usleep(10_000) }
                continue
            }
            guard let server = connectUpstream() else { close(client); continue }
            noDelay(client)
            noDelay(server)
            let connection = RelayedConnection(client, server)
            lock.lock()
            connections[ObjectIdentifier(connection)] = connection
            if stopped { connection.halt() }   // stop() came while connecting: it did not see this one
            lock.unlock()
            for (from, to) in [(client, server), (server, client)] {
                Thread { [self] in
                    pump(from: from, to: to)
                    connection.halt()   // one side ended: end the other direction too
                    if connection.finished() {
                        lock.lock()
                        connections[ObjectIdentifier(connection)] = nil
                        lock.unlock()
                    }
                }.start()
            }
        }
    }

    private func connectUpstream() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = upstream
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if ok != 0 { close(fd); return nil }   // broker down: the client sees a closed connection
        return fd
    }

    /// Kafka requests are small and latency-bound: send them at once rather than after Nagle's delay.
    private func noDelay(_ fd: Int32) {
        var yes: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Copies bytes one way until either side closes or fails.
    private func pump(from source: Int32, to sink: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            var sent = 0
            while sent < n {
                // MSG_NOSIGNAL: a peer that went away is an error here, not a SIGPIPE for the process.
                let w = buffer.withUnsafeBytes { send(sink, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                if w < 0 && errno == EINTR { continue }
                if w <= 0 { return }
                sent += w
            }
        }
    }
}

/// The two sockets of one relayed connection. Each is closed only after both copying threads
/// are done with it: a descriptor closed early could be reused by the next accept and then shut
/// down by mistake.
private final class RelayedConnection: @unchecked Sendable {
    private let a: Int32
    private let b: Int32
    private let lock = NSLock()
    private var running = 2

    init(_ a: Int32, _ b: Int32) { self.a = a; self.b = b }

    /// Ends both directions (the copying threads see end of stream or an error).
    func halt() {
        lock.lock()
        defer { lock.unlock() }
        guard running > 0 else { return }
        shutdown(a, Int32(SHUT_RDWR))
        shutdown(b, Int32(SHUT_RDWR))
    }

    /// Called by each copying thread as it ends; the last one closes both sockets and gets true.
    func finished() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        running -= 1
        guard running == 0 else { return false }
        close(a)
        close(b)
        return true
    }
}

private func socketAddress(_ host: String, _ port: UInt16) throws -> sockaddr_in {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw RelayError("bad IPv4 address \(host)") }
    return addr
}

public struct RelayError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}
