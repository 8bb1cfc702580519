import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Listens on a fixed loopback address (127.0.0.1:9092 for `moments broker`) and relays each
/// connection to the mock cluster's bootstrap broker, whose port is random.
///
/// Only bootstrapping goes through here: the cluster's metadata names its brokers' real
/// addresses (also on 127.0.0.1), and clients connect to those directly afterwards.
public final class BootstrapRelay: @unchecked Sendable {
    public let host: String
    public let port: UInt16
    private let targetHost: String
    private let targetPort: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var stopped = false

    /// - Parameters:
    ///   - host: must be a loopback address; this tool never listens elsewhere.
    ///   - target: the mock broker's `host:port`.
    public init(host: String = "127.0.0.1", port: UInt16 = 9092, target: String) throws {
        guard host.hasPrefix("127.") else { throw RelayError("refusing to listen on \(host): only loopback addresses are allowed") }
        let parts = target.split(separator: ":")
        guard parts.count == 2, let tp = UInt16(parts[1]) else { throw RelayError("bad target address \(target)") }
        self.host = host
        self.port = port
        self.targetHost = String(parts[0])
        self.targetPort = tp
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RelayError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = try Self.address(host, port)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw RelayError("cannot listen on \(host):\(port): \(reason)")
        }
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "moments-relay"
        thread.start()
    }

    deinit { stop() }

    public var address: String { "\(host):\(port)" }

    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return   // listener closed
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard upstream >= 0, var addr = try? Self.address(targetHost, targetPort),
                withUnsafePointer(to: &addr, {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }) == 0
            else {
                close(client)
                if upstream >= 0 { close(upstream) }
                continue
            }
            Self.pump(from: client, to: upstream)
            Self.pump(from: upstream, to: client)
        }
    }

    /// Copies bytes one way until either side closes, then closes both directions.
    private static func pump(from source: Int32, to sink: Int32) {
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                var sent = 0
                while sent < n {
                    let w = buffer.withUnsafeBytes { write(sink, $0.baseAddress! + sent, n - sent) }
                    if w < 0 && errno == EINTR { continue }
                    if w <= 0 { break }
                    sent += w
                }
                if sent < n { break }
            }
            shutdown(source, Int32(SHUT_RDWR))
            shutdown(sink, Int32(SHUT_RDWR))
            // Each direction closes the descriptor it reads from; the other direction closes the other.
            close(source)
        }
        thread.start()
    }

    private static func address(_ host: String, _ port: UInt16) throws -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw RelayError("bad IPv4 address \(host)") }
        return addr
    }
}

public struct RelayError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}
