/// The member names the contract gives meaning to, recognized by length first: a chain of
/// comparisons with every name was a visible cost of the scan, as each member of each event
/// was compared with up to ten names. Now a name is compared with at most three, which share
/// its length.
extension EventScanner {
    enum TopLevelMember {
        case eventID, type, occurredAt, interactionID, customerID, channel, queue, agentID, data, attributes
    }

    enum DataMember {
        case toQueue, to, sender, text, score, flag, source, reason, csat
    }

    /// The top-level member `key` names, nil for one the contract does not name.
    @inline(__always)
    static func topLevelMember(_ key: JSONLexer.Text, _ lx: JSONLexer) -> TopLevelMember? {
        switch key.range.count {
        case 4: return lx.text(key, equals: "type") ? .type : lx.text(key, equals: "data") ? .data : nil
        case 5: return lx.text(key, equals: "queue") ? .queue : nil
        case 7: return lx.text(key, equals: "channel") ? .channel : nil
        case 8: return lx.text(key, equals: "event_id") ? .eventID : lx.text(key, equals: "agent_id") ? .agentID : nil
        case 10: return lx.text(key, equals: "attributes") ? .attributes : nil
        case 11: return lx.text(key, equals: "occurred_at") ? .occurredAt : lx.text(key, equals: "customer_id") ? .customerID : nil
        case 14: return lx.text(key, equals: "interaction_id") ? .interactionID : nil
        default: return nil
        }
    }

    /// The member of `data` that `key` names, nil for one the engine does not use.
    @inline(__always)
    static func dataMember(_ key: JSONLexer.Text, _ lx: JSONLexer) -> DataMember? {
        switch key.range.count {
        case 2: return lx.text(key, equals: "to") ? .to : nil
        case 4: return lx.text(key, equals: "text") ? .text : lx.text(key, equals: "flag") ? .flag : lx.text(key, equals: "csat") ? .csat : nil
        case 5: return lx.text(key, equals: "score") ? .score : nil
        case 6:
            return lx.text(key, equals: "sender") ? .sender : lx.text(key, equals: "source") ? .source : lx.text(key, equals: "reason") ? .reason : nil
        case 8: return lx.text(key, equals: "to_queue") ? .toQueue : nil
        default: return nil
        }
    }
}
