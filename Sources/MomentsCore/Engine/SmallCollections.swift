/// Per-interaction bookkeeping holds a handful of small integers (rule indices, episodes): a bit
/// set and a short array do that without hashing, and without a heap allocation for the set.
struct SmallIntSet: Sendable, Equatable, Sequence {
    /// Members 0..<64, one bit each.
    private var bits: UInt64 = 0
    /// Members outside 0..<64 (more than 64 rules, or a 65th episode), kept sorted; nil (no
    /// reference to count when the state is copied) in the usual case.
    private var others: [Int]? = nil

    init() {}
    /// Sorted once: inserted one by one, a long list out of order was quadratic.
    init<S: Sequence>(_ members: S) where S.Element == Int {
        var list: [Int] = []
        for m in members {
            if (0..<64).contains(m) { bits |= 1 << UInt64(m) } else { list.append(m) }
        }
        guard !list.isEmpty else { return }
        list.sort()
        var unique: [Int] = []
        unique.reserveCapacity(list.count)
        for m in list where unique.last != m { unique.append(m) }
        others = unique
    }

    var isEmpty: Bool { bits == 0 && (others ?? []).isEmpty }
    var count: Int { bits.nonzeroBitCount + (others?.count ?? 0) }

    func contains(_ m: Int) -> Bool {
        (0..<64).contains(m) ? bits & (1 << UInt64(m)) != 0 : others?.contains(m) == true
    }

    mutating func insert(_ m: Int) {
        if (0..<64).contains(m) { bits |= 1 << UInt64(m); return }
        // Taken out, so the insert does not copy a list `others` still shares.
        var list = others.take() ?? []
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid] < m { low = mid + 1 } else { high = mid }
        }
        if low == list.count || list[low] != m { list.insert(m, at: low) }
        others = list
    }

    /// Visits the members in ascending order without building an array (snapshots write them).
    func forEachAscending(_ body: (Int) -> Void) {
        if let others { for m in others where m < 0 { body(m) } }
        var rest = bits
        while rest != 0 {
            body(rest.trailingZeroBitCount)
            rest &= rest - 1
        }
        if let others { for m in others where m >= 64 { body(m) } }
    }

    /// Members in ascending order.
    func makeIterator() -> IndexingIterator<[Int]> {
        let list = others ?? []
        let all = list.filter { $0 < 0 } + (0..<64).filter { bits & (1 << UInt64($0)) != 0 } + list.filter { $0 >= 64 }
        return all.makeIterator()
    }
}

/// A map from a small integer (a rule index) to a value: a short array searched linearly,
/// which for the two or three entries an interaction has beats hashing.
struct SmallIntMap<Value: Sendable>: Sendable, Sequence {
    typealias Element = (key: Int, value: Value)
    private var entries: [Element] = []

    init() {}
    init<S: Sequence>(uniqueKeysWithValues pairs: S) where S.Element == (Int, Value) {
        for (k, v) in pairs { self[k] = v }
    }

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    // By position, reading only the keys: `for e in entries` and `firstIndex(where:)` copied
    // every entry they passed (a wait state retains what it holds): 124 instructions an event
    // more on the reference workload, in the wait rules' get and set.
    subscript(key: Int) -> Value? {
        get {
            guard let i = position(of: key) else { return nil }
            return entries[i].value
        }
        set {
            if let i = position(of: key) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    private func position(of key: Int) -> Int? {
        var i = 0
        while i < entries.count {
            if entries[i].key == key { return i }
            i += 1
        }
        return nil
    }

    subscript(key: Int, default value: @autoclosure () -> Value) -> Value {
        get { self[key] ?? value() }
        set { self[key] = newValue }
    }

    func makeIterator() -> IndexingIterator<[Element]> { entries.makeIterator() }

    /// Visits the entries in ascending key order, in place (one or two entries need no sort).
    func forEachByKey(_ body: (Int, Value) -> Void) {
        switch entries.count {
        case 0: return
        case 1: body(entries[0].key, entries[0].value)
        default:
            for i in entries.indices.sorted(by: { entries[$0].key < entries[$1].key }) { body(entries[i].key, entries[i].value) }
        }
    }
}

extension SmallIntMap: Equatable where Value: Equatable {
    /// Equal when they map the same keys to the same values, whatever the insertion order.
    static func == (lhs: SmallIntMap, rhs: SmallIntMap) -> Bool {
        lhs.count == rhs.count && lhs.allSatisfy { rhs[$0.key] == $0.value }
    }
}

/// A customer's interactions (one to three, nearly always): a short array searched by id.
///
/// A dictionary holding a single interaction allocated room for two, about 430 bytes per open
/// interaction, and hashed the id twice per event; this is about half of that, without hashing.
/// The API is the part of Dictionary's that the engine uses. Past `indexedFrom` interactions
/// (one customer key many callers share, such as `anonymous` for withheld numbers) their
/// positions are kept by id as well: searched, every event of such a key compared its id with
/// all of them (40,000 starts of one key took 7 s).
struct InteractionTable: Sendable, Sequence {
    typealias Element = (key: String, value: InteractionState)
    private var entries: [InteractionState] = []
    /// Each interaction's position in `entries`, once there are more than `indexedFrom`.
    private var positions: [String: Int]?
    static let indexedFrom = 16

    init() {}

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    var keys: [String] { entries.map(\.id) }
    var values: [InteractionState] { entries }

    subscript(id: String) -> InteractionState? {
        get { index(of: id).map { entries[$0] } }
        set {
            if let i = index(of: id) {
                if let newValue { entries[i] = newValue } else { _ = removeEntry(at: i) }
            } else if let newValue {
                put(newValue)
            }
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: String) -> InteractionState? {
        guard let i = index(of: id) else { return nil }
        return removeEntry(at: i)
    }

    /// Removes the entry at `i`; indexed, the last entry takes its place (order is not kept).
    private mutating func removeEntry(at i: Int) -> InteractionState {
        guard positions != nil else { return entries.remove(at: i) }
        if i != entries.count - 1 { swapEntries(i, entries.count - 1) }
        return removeLast()
    }

    // The index's work is kept out of line: `put`, `removeLast` and `moveToEnd` run at every
    // event, nearly always on a table of one to three, and inlined with it they cost ~140
    // instructions an event more (outlined copies of the state).
    @inline(__always) private mutating func swapEntries(_ i: Int, _ j: Int) {
        entries.swapAt(i, j)
        if positions != nil { reindex(i, j) }
    }

    @inline(never) private mutating func reindex(_ i: Int, _ j: Int) {
        positions![entries[i].id] = i
        positions![entries[j].id] = j
    }

    /// Puts interaction `id` last, so `removeLast` moves it out for an update and `put` moves
    /// it back; false when it is not there. Order among interactions is not kept (nothing
    /// depends on it: snapshots sort by id), so nothing shifts. Two steps rather than one
    /// returning an optional: the state (200 bytes) was moved into the optional and out again.
    mutating func moveToEnd(_ id: String) -> Bool {
        guard let i = index(of: id) else { return false }
        if i != entries.count - 1 { swapEntries(i, entries.count - 1) }
        return true
    }

    /// Removes the last interaction (see `moveToEnd`).
    @inline(__always) mutating func removeLast() -> InteractionState {
        if positions != nil { unindexLast() }
        return entries.removeLast()
    }

    @inline(never) private mutating func unindexLast() {
        positions![entries[entries.count - 1].id] = nil
        // Well below the threshold again: searched, as a small table is.
        if entries.count <= Self.indexedFrom / 2 { positions = nil }
    }

    /// Adds an interaction that is not in the table (one moved out by `removeLast`, or a new one).
    @inline(__always) mutating func put(_ ix: consuming InteractionState) {
        entries.append(ix)
        if positions != nil || entries.count > Self.indexedFrom { indexLast() }
    }

    @inline(never) private mutating func indexLast() {
        if positions != nil {
            positions![entries[entries.count - 1].id] = entries.count - 1
            return
        }
        var p: [String: Int] = [:]
        p.reserveCapacity(entries.count * 2)
        for (i, e) in entries.enumerated() { p[e.id] = i }
        positions = p
    }

    /// Whether any interaction satisfies `predicate`, read in place (`values` would copy the array).
    func contains(where predicate: (InteractionState) -> Bool) -> Bool { entries.contains(where: predicate) }

    /// Reads part of one interaction in place, without copying its state out; nil when the
    /// interaction is not there (or `part` gives nil).
    func read<T>(_ id: String, _ part: (InteractionState) -> T?) -> T? {
        guard let i = index(of: id) else { return nil }
        return part(entries[i])
    }

    /// What eviction reads of one interaction: its end, its last event and when its last wait
    /// decision is due (`WaitState.decisionDue`). A projection, as `waitState(of:rule:)` is.
    func evictionFacts(of id: String, lateness: Duration) -> (endedAt: Timestamp?, lastEventAt: Timestamp, waitDue: Timestamp?)? {
        guard let i = index(of: id) else { return nil }
        let ended = entries[i].endedAt
        var due: Timestamp?
        entries[i].waits.forEachByKey { _, ws in
            // Open waits only while the interaction is open; closed long ones held back either way.
            guard ended == nil || ws.openedAt == nil, let d = ws.decisionDue(lateness: lateness) else { return }
            if due.map({ d > $0 }) ?? true { due = d }
        }
        return (ended, entries[i].lastEventAt, due)
    }

    /// One wait state of one interaction. A projection rather than `read`: handing the element
    /// to a closure made the compiler copy the whole interaction first.
    func waitState(of id: String, rule r: Int) -> WaitState? {
        guard let i = index(of: id) else { return nil }
        return entries[i].waits[r]
    }

    @inline(__always) private func index(of id: String) -> Int? {
        if positions != nil { return indexedPosition(of: id) }
        return entries.firstIndex { $0.id == id }
    }

    @inline(never) private func indexedPosition(of id: String) -> Int? { positions![id] }

    /// Visits the interactions in no particular order, in place.
    func forEachUnordered(_ body: (InteractionState) -> Void) { entries.withUnsafeBufferPointer { for ix in $0 { body(ix) } } }

    /// Visits the interactions in id order, in place (sorting the pairs copied every state).
    func forEachByID(_ body: (InteractionState) -> Void) {
        entries.withUnsafeBufferPointer { buf in
            switch buf.count {
            case 0: return
            case 1: body(buf[0])
            default:
                for i in buf.indices.sorted(by: { buf[$0].id < buf[$1].id }) { body(buf[i]) }
            }
        }
    }

    func mapValues(_ transform: (InteractionState) -> InteractionState) -> InteractionTable {
        var t = InteractionTable()
        t.entries = entries.map(transform)
        t.positions = positions   // the same ids in the same places
        return t
    }

    func makeIterator() -> AnyIterator<Element> {
        var i = 0
        return AnyIterator {
            guard i < entries.count else { return nil }
            defer { i += 1 }
            return (entries[i].id, entries[i])
        }
    }
}
