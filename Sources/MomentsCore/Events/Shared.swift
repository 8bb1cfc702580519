/// An immutable value behind one reference, so that copies of what holds it share it: a copy
/// is one retain instead of a retain for every reference inside the value. `Event`, its
/// `EventData`, `Moment` and the rule index's conditions keep their fields in one.
///
/// Never changes once made (a `let`, so reading it needs no exclusivity check); `with` makes
/// another.
@usableFromInline final class Shared<Value: Sendable>: Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }

    /// A new box holding this one's value with `change` applied.
    @inlinable func with(_ change: (inout Value) -> Void) -> Shared {
        var value = value
        change(&value)
        return Shared(value)
    }
}
