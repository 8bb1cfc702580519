/// A moment rule's condition as the engine evaluates it per event: each case holds its
/// condition in a shared box. Binding a case of `Condition` itself copied its payload — a
/// retain and a release for every set, array and string in it — for each listening rule on
/// each event; binding a box retains one reference at most, and the fields are read in place.
enum ListenedCondition: Sendable {
    case wait(Shared<WaitCondition>)
    case count(Shared<CountCondition>)
    case match(Shared<MatchCondition>)
    case threshold(Shared<ThresholdCondition>)
    case ended(Shared<EndedCondition>)
    case repeatContact(RepeatContactCondition)
    case phrases(PhraseMatcher)   // a class of its own: read in place
    case resolution(ResolutionCondition)

    init(_ condition: Condition) {
        switch condition {
        case .wait(let c): self = .wait(Shared(c))
        case .count(let c): self = .count(Shared(c))
        case .match(let c): self = .match(Shared(c))
        case .threshold(let c): self = .threshold(Shared(c))
        case .ended(let c): self = .ended(Shared(c))
        case .repeatContact(let c): self = .repeatContact(c)   // plain values: nothing to retain
        case .phrases(let c): self = .phrases(PhraseMatcher(c))
        case .resolution(let c): self = .resolution(c)
        }
    }
}
