/// A binary min-heap ordered by `precedes`. The engine's timers and the simulator's pending
/// events both need "earliest first, ties in insertion order"; callers put the tie-breaker in
/// their ordering.
public struct MinHeap<Element>: @unchecked Sendable {
    public private(set) var elements: [Element] = []
    private let precedes: @Sendable (Element, Element) -> Bool

    public init(by precedes: @escaping @Sendable (Element, Element) -> Bool) { self.precedes = precedes }

    public var isEmpty: Bool { elements.isEmpty }
    public var count: Int { elements.count }
    public var first: Element? { elements.first }

    public mutating func push(_ e: Element) {
        elements.append(e)
        var i = elements.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard precedes(elements[i], elements[parent]) else { break }
            elements.swapAt(i, parent)
            i = parent
        }
    }

    public mutating func pop() -> Element? {
        guard let top = elements.first else { return nil }
        let last = elements.removeLast()
        if !elements.isEmpty {
            elements[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < elements.count, precedes(elements[l], elements[m]) { m = l }
                if r < elements.count, precedes(elements[r], elements[m]) { m = r }
                if m == i { break }
                elements.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
