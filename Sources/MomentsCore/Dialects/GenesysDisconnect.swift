/// Genesys Cloud's disconnect types, as detail events spell them (`CONSULT_TRANSFER`) and as
/// conversation detail records do (`consultTransfer`): compared without case, `_` or `.`.
/// The values are those of Genesys' platform API (DisconnectTypeEnum): ENDPOINT, CLIENT, SYSTEM,
/// TRANSFER, ERROR, PEER, OTHER, SPAM, TIMEOUT, TRANSPORT_FAILURE, CONFERENCE_TRANSFER,
/// CONSULT_TRANSFER, FORWARD_TRANSFER, NO_ANSWER_TRANSFER, NOT_AVAILABLE_TRANSFER, UNCALLABLE,
/// DND_ENDPOINT, DND_TRANSFER, INACTIVITY (and SESSION_EXPIRED in the analytics records).
enum GenesysDisconnect {
    /// An agent's leg that ended by handing the customer on. Until 2026-12-07 only TRANSFER
    /// counted, and a consult (attended) transfer, the usual kind, was not seen. The routing
    /// re-offers (NO_ANSWER_TRANSFER, NOT_AVAILABLE_TRANSFER, DND_TRANSFER: the ACD offered the
    /// interaction to an agent who did not take it, and offers it to another) are not
    /// transfers the customer goes through, and do not count towards `multi-transfer`.
    static func isTransfer(_ disconnectType: String?) -> Bool {
        guard let d = disconnectType else { return false }
        return transfers.contains(normalized(d))
    }

    /// A customer's end that the system, the network or an error caused, rather than either
    /// party hanging up: the interaction ends `unresolved`. TRANSPORT_FAILURE (a dropped call),
    /// UNCALLABLE, INACTIVITY and SESSION_EXPIRED were taken for `resolved` until 2026-12-07.
    static func endsUnresolved(_ disconnectType: String?) -> Bool {
        guard let d = disconnectType else { return false }
        return unresolved.contains(normalized(d))
    }

    private static let transfers: Set<String> = ["transfer", "consulttransfer", "forwardtransfer", "conferencetransfer"]
    private static let unresolved: Set<String> = [
        "system", "error", "timeout", "spam", "conferencetransfer", "transportfailure", "uncallable", "inactivity", "sessionexpired",
    ]

    /// `CONSULT_TRANSFER`, `consultTransfer` and `transfer.consult` alike: the Conversations API
    /// writes the kind after the dot, so its words are put in the other order.
    static func normalized(_ d: String) -> String {
        let lowered = d.lowercased()
        if lowered.hasPrefix("transfer."), lowered.count > "transfer.".count {
            return String(lowered.dropFirst("transfer.".count)).filter { $0.isLetter } + "transfer"
        }
        return lowered.filter { $0.isLetter }
    }
}
