/// Customers whose state, restored from the changelog, reflects input records past the one the
/// partition's restore resumes after: a batch's customer records landed but its partition
/// record did not (the instance died in between, the partition record failed, or the partition
/// was lost with the records in flight). On the way through those records their events are
/// passed over up to the offset their own state reflects, so none is applied twice (a count
/// would count it again, a threshold see its score twice); the other customers' events in those
/// records are applied, as their state does not reflect them. The outputs of the events passed
/// over were acknowledged before the state that reflects them was written.
struct CustomersAhead {
    /// Customer → the last input offset its restored state reflects.
    private let offsets: [String: Int64]
    /// The highest of them: once past it, nothing more is passed over.
    let until: Int64

    /// The customers of `offsets` (`Changelog.Contents.customerOffsets`) that are ahead of
    /// `resumeAfter`, the offset the partition record reflects (nil: there is none); nil when
    /// no customer is.
    init?(_ offsets: [String: Int64], resumeAfter: Int64?) {
        let ahead = offsets.filter { $0.value > (resumeAfter ?? .min) }
        guard let until = ahead.values.max() else { return nil }
        self.offsets = ahead
        self.until = until
    }

    var count: Int { offsets.count }

    func isAhead(_ customer: String) -> Bool { offsets[customer] != nil }

    /// The last input offset `customer`'s restored state reflects, if it is ahead.
    func offset(of customer: String) -> Int64? { offsets[customer] }

    /// Whether `customer`'s restored state already reflects the input record at `offset`.
    func reflect(_ customer: String, at offset: Int64) -> Bool {
        offsets[customer].map { offset <= $0 } ?? false
    }
}
