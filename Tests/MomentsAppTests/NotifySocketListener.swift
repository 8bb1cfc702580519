#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What systemd's side of `$NOTIFY_SOCKET` receives: a datagram socket bound to a path (or an
/// abstract name) that collects the notifications a daemon sends.
final class NotifySocketListener: @unchecked Sendable {
    /// As `NOTIFY_SOCKET` names it: a path, or `@name` for an abstract socket.
    let name: String
    private let descriptor: Int32
    private let path: String?

    init(abstract: Bool = false) throws {
        let id = UUID().uuidString.prefix(8)
        var bytes: [UInt8]
        if abstract {
            name = "@moments-test-\(id)"
            bytes = [0] + Array("moments-test-\(id)".utf8)
            path = nil
        } else {
            let p = "/tmp/moments-notify-\(id).sock"
            name = p
            bytes = Array(p.utf8)
            path = p
        }
        #if canImport(Glibc)
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        descriptor = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        guard descriptor >= 0, bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(descriptor)
        if let path { unlink(path) }
    }

    /// Every datagram received until one satisfies `until`, or `seconds` pass; with it last.
    func receive(seconds: Double, until: (String) -> Bool = { _ in false }) -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        var received: [String] = []
        while Date() < deadline {
            if let text = next() {
                received.append(text)
                if until(text) { return received }
            } else {
                usleep(5_000)
            }
        }
        return received
    }

    /// The next datagram waiting, if any.
    private func next() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : nil
    }
}
