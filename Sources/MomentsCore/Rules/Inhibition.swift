/// One moment suppressing another (an escalation makes the separate negative-sentiment alert
/// redundant). Declared on the inhibiting moment: `inhibits: [{ moment: negative-sentiment, scope: interaction }]`.
public struct Inhibition: Sendable, Equatable {
    /// Ids of the moments suppressed.
    public var moments: [String]
    public var scope: InhibitionScope
}

public enum InhibitionScope: String, Sendable, CaseIterable {
    /// The inhibiting moment fired in the same interaction.
    case interaction
    /// The inhibiting moment fired in any interaction of the same customer that the engine still
    /// holds (open, or ended within `interaction_grace`).
    case customer
}
