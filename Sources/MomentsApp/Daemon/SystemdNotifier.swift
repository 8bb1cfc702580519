#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Logging
import MomentsCore
import Foundation

/// systemd's service notifications (sd_notify(3)), spoken without libsystemd: one datagram of
/// `KEY=value` lines to the socket `$NOTIFY_SOCKET` names, which systemd sets for a service of
/// `Type=notify`. With it `systemctl start` returns once the daemon runs (signal handlers in
/// place, so an early `systemctl reload` no longer falls on a process still loading), `systemctl
/// status` shows what the pipeline is doing, and a `WatchdogSec=` is fed while the pipeline
/// thread shows signs of life. Without `$NOTIFY_SOCKET` (any other supervisor) nothing is sent.
public final class SystemdNotifier: @unchecked Sendable {
    /// The socket: a path, or (written with a leading `@`) a name in Linux's abstract namespace.
    public let socketName: String
    private let descriptor: Int32
    /// The `sockaddr_un` to send to, as bytes, and its length.
    private let address: [UInt8]
    private let addressLength: socklen_t
    private let logger: Logger?
    /// What was said: the last status line sent, whether `STOPPING=1` was, and how many sends
    /// failed. Under `lock`: the service, a reload and a stop signal send from their own threads.
    private var said = Said()
    private let lock = NSLock()
    private struct Said {
        var status: String?
        var stopping = false
        /// systemd was told `READY=1` (and no `RELOADING=1` since); the daemon means to be.
        var ready = false
        var readyMeant = false
        var failures = 0
    }

    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The notifier `environment` asks for; nil when it asks for none (`NOTIFY_SOCKET` unset or
    /// empty). Throws when it names a socket this cannot reach (too long a path, a `vsock:`
    /// address of newer systemd versions, no socket to send from).
    public static func fromEnvironment(_ environment: [String: String], logger: Logger? = nil) throws(SetupError) -> SystemdNotifier? {
        guard let name = environment["NOTIFY_SOCKET"], !name.isEmpty else { return nil }
        return try SystemdNotifier(socket: name, logger: logger)
    }

    public init(socket name: String, logger: Logger? = nil) throws(SetupError) {
        guard name.hasPrefix("/") || name.hasPrefix("@") else {
            throw SetupError(description: "NOTIFY_SOCKET '\(name)' is neither a path nor an abstract socket name (@...); systemd notifications are off")
        }
        var path = Array(name.utf8)
        // An abstract name starts with a zero byte where the environment has `@`.
        if path[0] == UInt8(ascii: "@") { path[0] = 0 }
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else {
            throw SetupError(description: "NOTIFY_SOCKET '\(name)' is longer than a socket address holds (\(capacity - 1) bytes); systemd notifications are off")
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        // A path is read up to its zero byte; an abstract name is exactly as long as said.
        let length = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + path.count + (name.hasPrefix("/") ? 1 : 0)
        #if canImport(Glibc)
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = Darwin.socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard descriptor >= 0 else {
            throw SetupError(description: "cannot open a socket for systemd notifications: \(String(cString: strerror(errno)))")
        }
        self.socketName = name
        self.logger = logger
        self.descriptor = descriptor
        self.address = withUnsafeBytes(of: &address) { Array($0) }
        self.addressLength = socklen_t(length)
    }

    deinit { close(descriptor) }

    /// Sends `fields` (`READY=1`, `STATUS=…`) in one datagram; false when it could not be sent
    /// (systemd gone, a socket without a listener, or one whose queue is full). Never waits: a
    /// datagram socket's send blocks once the receiver has `net.unix.max_dgram_qlen` datagrams
    /// unread (10 by the kernel's default, 512 as systemd sets it), and a service manager slow
    /// to read would have held the daemon's threads; what is dropped is said again at the next
    /// look (`readyOwed`, the status line). The first failure is a warning, with the system's reason. A status is one line:
    /// line breaks in a value would start fields of their own, so they become spaces.
    @discardableResult
    public func send(_ fields: [String]) -> Bool {
        let fields = fields.map { field in String(field.map { $0 == "\n" || $0 == "\r" ? " " : $0 }) }
        let bytes = Array(fields.joined(separator: "\n").utf8)
        let sent = address.withUnsafeBytes { raw in
            bytes.withUnsafeBytes { message in
                #if canImport(Glibc)
                sendto(descriptor, message.baseAddress, message.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), addressLength)
                #else
                sendto(descriptor, message.baseAddress, message.count, MSG_DONTWAIT, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), addressLength)
                #endif
            }
        }
        let reason = sent == bytes.count ? nil : String(cString: strerror(errno))
        let failures = lock.withLock { () -> Int in
            guard reason == nil else { said.failures += 1; return said.failures }
            if let status = fields.last(where: { $0.hasPrefix("STATUS=") }) { said.status = String(status.dropFirst(7)) }
            if fields.contains("STOPPING=1") { said.stopping = true }
            if fields.contains("RELOADING=1") { said.ready = false }
            if fields.contains("READY=1") { said.ready = true }
            return 0
        }
        if let reason {
            if failures == 1 {
                logger?.warning("cannot notify systemd (\(socketName)): \(reason); later failures are logged at debug level")
            } else {
                logger?.debug("cannot notify systemd (\(socketName)): \(reason)")
            }
        }
        return reason == nil
    }

    /// The last status line systemd was sent, by anyone (a reload's, the pipeline's).
    public var lastStatus: String? { lock.withLock { said.status } }

    /// Whether `STOPPING=1` was sent.
    public var saidStopping: Bool { lock.withLock { said.stopping } }

    /// Whether systemd was told the daemon is ready, and not told of a reload or a stop since.
    public var saidReady: Bool { lock.withLock { said.ready && !said.stopping } }

    /// The daemon is ready and systemd was not told (a datagram dropped): the next look says it
    /// again (`SystemdNotifications`), or systemd waits until its start times out.
    public var readyOwed: Bool { lock.withLock { said.readyMeant && !said.ready && !said.stopping } }

    /// `READY=1`, with a status line; owed until it is sent (`readyOwed`).
    public func ready(status: String) {
        lock.withLock { said.readyMeant = true }
        send(["READY=1", "STATUS=\(status)"])
    }

    /// `RELOADING=1` with the monotonic time systemd asks for it (`Type=notify-reload`, systemd 253).
    public func reloading() { send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())", "STATUS=reloading the rules"]) }

    /// `STOPPING=1`, with a status line.
    public func stopping(status: String) { send(["STOPPING=1", "STATUS=\(status)"]) }

    /// The watchdog interval `environment` asks for (`WATCHDOG_USEC`, for this process when
    /// `WATCHDOG_PID` names one); nil for none.
    public static func watchdogInterval(_ environment: [String: String], pid: Int32 = getpid()) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"].flatMap({ Int32($0) }), owner != pid { return nil }
        return Duration(milliseconds: max(1, usec / 1000))
    }

    /// CLOCK_MONOTONIC, which Dispatch's uptime reads on Linux.
    static func monotonicMicroseconds() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds / 1000) }
}
