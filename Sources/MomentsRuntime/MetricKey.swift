/// The identity of a cached metric handle: its name and up to three labels, hashed as they are.
/// Joining them into one key string cost an allocation for every acknowledged output.
struct MetricKey: Hashable {
    struct Label: Hashable {
        var name: String
        var value: String
    }

    let name: String
    private let first: Label?
    private let second: Label?
    private let third: Label?

    init(_ name: String, _ first: (String, String)? = nil, _ second: (String, String)? = nil, _ third: (String, String)? = nil) {
        self.name = name
        self.first = first.map { Label(name: $0.0, value: $0.1) }
        self.second = second.map { Label(name: $0.0, value: $0.1) }
        self.third = third.map { Label(name: $0.0, value: $0.1) }
    }

    init(_ name: String, labels: [(String, String)]) {
        precondition(labels.count <= 3, "a metric of Moments has at most three labels")
        self.init(name, labels.first, labels.dropFirst().first, labels.dropFirst(2).first)
    }

    /// The labels in order, as swift-metrics takes them.
    var dimensions: [(String, String)] { [first, second, third].compactMap { $0.map { ($0.name, $0.value) } } }
}
