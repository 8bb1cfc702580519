internal import CRdKafka
#if canImport(Glibc)
import Glibc
#endif

/// Wakes a thread that serves several clients as soon as any of them has something to serve:
/// records, rebalances or commit results on a consumer's queue, delivery reports on a producer's.
///
/// librdkafka writes a byte to a pipe when a watched queue receives an op after it was last
/// served (`rd_kafka_queue_io_event_enable`), so the owner sleeps in `wait` instead of in one
/// client's poll with a fixed timeout, during which the other client's reports would sit unserved.
///
/// Both ends are non-blocking: librdkafka's threads must never block on a full pipe (a full pipe
/// only means the waiter wakes at once, which is right), and `wait` drains without blocking.
public final class KafkaWakeup: @unchecked Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32

    /// A process that cannot open a pipe cannot open a Kafka client's sockets either.
    public init() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { preconditionFailure("pipe: \(String(cString: strerror(errno)))") }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    /// Closed only once every client that writes here is gone: each holds its wakeup (see `watch`).
    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Wakes the waiter from any thread (a stop request, new rules).
    public func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Sleeps until a watched queue or `signal` wakes it, or `timeoutMs` passes (negative: no
    /// limit). Returns true when woken. Wake-ups that came before are consumed, so the caller
    /// must serve every watched queue after this returns, and before the next wait.
    @discardableResult
    public func wait(timeoutMs: Int32) -> Bool {
        var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMs) > 0
        var sink = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &sink, sink.count) > 0 {}
        return ready
    }

    /// Has librdkafka write here whenever `queue` receives an op after it was served. The queue
    /// handle is only borrowed: the setting stays with the client's queue itself.
    func watch(_ queue: OpaquePointer) {
        var byte: UInt8 = 1
        rd_kafka_queue_io_event_enable(queue, writeEnd, &byte, 1)
    }
}
