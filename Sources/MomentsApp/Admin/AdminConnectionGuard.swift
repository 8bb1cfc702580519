import NIOCore
import NIOHTTPTypes
import Synchronization

/// Bounds what one client can hold of the admin endpoint, in its HTTP pipeline:
/// - a request, from its head to the end of its body and of its answer, takes at most
///   `requestLimit`, or its connection is closed. Hummingbird's idle timeout restarts at every
///   byte read, so a body sent a byte at a time (even after a 401 or 405, which Hummingbird
///   reads to its end) held a connection for good, and so did pipelined requests whose answers
///   were never read;
/// - a connection's first request must begin within `firstRequestLimit`;
/// - at most `ConnectionBudget.limit` connections are open at once; past it a new one is
///   closed as it opens. Until 2026-12-07 nothing capped them: a few hundred held connections
///   took the process's file descriptors, `/healthz` stopped answering (so the liveness probe
///   restarted a working daemon) and the rules file could no longer be read.
final class AdminConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Open connections, shared by every connection of one server.
    final class ConnectionBudget: Sendable {
        let limit: Int
        private let open = Atomic<Int>(0)
        init(limit: Int) { self.limit = limit }
        /// Takes a place; false (and nothing taken) when all are taken.
        func take() -> Bool {
            if open.wrappingAdd(1, ordering: .relaxed).newValue <= limit { return true }
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        func give() { open.wrappingSubtract(1, ordering: .relaxed) }
    }

    private let requestLimit: TimeAmount
    private let budget: ConnectionBudget
    private var counted = false
    /// Requests whose body has not ended, and requests whose answer has not been written out.
    private var requestsReading = 0
    private var answersOwed = 0
    private var deadline: Scheduled<Void>?
    private let firstRequestLimit: TimeAmount
    private var firstRequest: Scheduled<Void>?

    init(requestLimit: TimeAmount, firstRequestLimit: TimeAmount, budget: ConnectionBudget) {
        self.requestLimit = requestLimit
        self.firstRequestLimit = firstRequestLimit
        self.budget = budget
    }

    /// Removed from the pipeline (nothing does so today): its place and timers go with it.
    func handlerRemoved(context: ChannelHandlerContext) { release() }

    /// Gives the connection's place back and stops its timers; once, whichever comes first.
    private func release() {
        if counted { budget.give(); counted = false }
        deadline?.cancel()
        deadline = nil
        firstRequest?.cancel()
        firstRequest = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        guard budget.take() else {
            context.close(promise: nil)
            return
        }
        counted = true
        // The first request's head must come within the limit too: with places counted, a
        // connection that never sends one would otherwise hold a place for the whole idle
        // timeout, and a few dozen such kept the probes out.
        let channel = context.channel
        firstRequest = context.eventLoop.scheduleTask(in: firstRequestLimit) { channel.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            firstRequest?.cancel()
            firstRequest = nil
            requestsReading += 1
            answersOwed += 1
            armIfBusy(context)
        case .end:
            requestsReading = max(0, requestsReading - 1)
            disarmIfIdle()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        // Owed until its bytes have gone out: an answer a client does not read stays queued.
        let written = promise ?? context.eventLoop.makePromise()
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in handler.value.answerWritten() }
        context.write(data, promise: written)
    }

    private func answerWritten() {
        answersOwed = max(0, answersOwed - 1)
        disarmIfIdle()
    }

    private func armIfBusy(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: requestLimit) { channel.close(promise: nil) }
    }

    private func disarmIfIdle() {
        guard requestsReading == 0 && answersOwed == 0 else { return }
        deadline?.cancel()
        deadline = nil
    }
}
