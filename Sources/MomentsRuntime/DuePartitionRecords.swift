/// A partition's changelog partition records that are due to be produced, in batch order.
///
/// Producing one can serve delivery reports (librdkafka's queue full: `KafkaProducer.produce`
/// polls while it waits), or fail on the spot, and either can make a later batch's partition
/// record due inside that call. Produced there, it went out ahead of the earlier ones still
/// waiting in the outer call, and the earlier one, landing last, won the changelog's compaction:
/// a restore then took an older clock and budgets (until 2026-12-07). Now a record made due
/// inside the call joins the queue and the outer call produces it in its turn.
struct DuePartitionRecords {
    typealias Due = (batch: Int, offset: Int64, record: OutputRecord)
    private var queue: [Due] = []
    private var draining = false

    /// Adds records made due; true when the caller is to produce them (`next()` until nil),
    /// false when a call further out is already producing and will take them in order.
    mutating func add(_ due: [Due]) -> Bool {
        queue.append(contentsOf: due)
        guard !draining else { return false }
        draining = true
        return true
    }

    /// The next record to produce; nil, and the drain over, when none is left.
    mutating func next() -> Due? {
        guard !queue.isEmpty else {
            draining = false
            return nil
        }
        return queue.removeFirst()
    }
}
