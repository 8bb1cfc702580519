import Dispatch
import Foundation

/// Turns SIGINT/SIGTERM into a callback (with how many signals came so far, and which this one
/// is) on a dispatch queue,
/// so the thread running the pipeline is never interrupted mid-operation.
final class SignalHandler: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let lock = NSLock()
    private var count = 0

    init(signals: [Int32], handler: @escaping @Sendable (_ count: Int, _ signal: Int32) -> Void) {
        let queue = DispatchQueue(label: "moments.signals")
        for s in signals {
            signal(s, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s, queue: queue)
            source.setEventHandler { [unowned self, source] in   // the cycle ends at `cancel`
                lock.lock()
                // Signals that came before the handler ran are merged into one call: counted
                // each (two quick SIGTERMs forced no exit).
                count += max(1, Int(source.data))
                let n = count
                lock.unlock()
                handler(n, s)
            }
            source.resume()
            sources.append(source)
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
