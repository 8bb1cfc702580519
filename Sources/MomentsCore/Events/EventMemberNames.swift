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

    /// A top-level name written plainly — quote, name, quote, as producers write them — read
    /// by comparing the sixteen bytes at `i` with the names', instead of lexing a string and then
    /// looking it up (together a seventh of decoding). Nil for anything else: an escape, a name
    /// the contract does not give, fewer than sixteen bytes left, or no quote at `i`; the general
    /// path reads those. A name between plain quotes holds no quote, so a match is exact.
    ///
    /// Each name is written as the two little-endian words of its quoted bytes (`"event_id"` is
    /// 22 65 76 65 6E 74 5F 69, 64 22): literals, so no table is loaded per member.
    /// `EventMemberNameTests` checks every one against its name.
    @inline(__always)
    static func plainTopLevelMember(_ buf: UnsafeBufferPointer<UInt8>, at i: Int) -> (member: TopLevelMember, length: Int)? {
        guard i >= 0, buf.count - i >= 16 else { return nil }
        let lo = ByteScan.word(buf, at: i), hi = ByteScan.word(buf, at: i + 8)
        guard lo & 0xFF == UInt64(UInt8(ascii: "\"")) else { return nil }
        @inline(__always) func quoted(_ l: UInt64, _ h: UInt64, _ length: Int) -> Bool {
            let loMask: UInt64 = length >= 8 ? ~0 : (1 << (8 * UInt64(length))) &- 1
            let hiMask: UInt64 = length >= 16 ? ~0 : length <= 8 ? 0 : (1 << (8 * UInt64(length - 8))) &- 1
            return lo & loMask == l && hi & hiMask == h
        }
        // The first letter picks the candidates, so each name is compared at most twice.
        switch UInt8(truncatingIfNeeded: lo >> 8) {
        case UInt8(ascii: "e"): return quoted(0x695F_746E_6576_6522, 0x2264, 10) ? (.eventID, 10) : nil
        case UInt8(ascii: "t"): return quoted(0x2265_7079_7422, 0, 6) ? (.type, 6) : nil
        case UInt8(ascii: "o"): return quoted(0x6572_7275_6363_6F22, 0x22_7461_5F64, 13) ? (.occurredAt, 13) : nil
        case UInt8(ascii: "i"): return quoted(0x6361_7265_746E_6922, 0x2264_695F_6E6F_6974, 16) ? (.interactionID, 16) : nil
        case UInt8(ascii: "c"):
            if quoted(0x656D_6F74_7375_6322, 0x22_6469_5F72, 13) { return (.customerID, 13) }
            return quoted(0x6C65_6E6E_6168_6322, 0x22, 9) ? (.channel, 9) : nil
        case UInt8(ascii: "q"): return quoted(0x22_6575_6575_7122, 0, 7) ? (.queue, 7) : nil
        case UInt8(ascii: "a"):
            if quoted(0x695F_746E_6567_6122, 0x2264, 10) { return (.agentID, 10) }
            return quoted(0x7562_6972_7474_6122, 0x2273_6574, 12) ? (.attributes, 12) : nil
        case UInt8(ascii: "d"): return quoted(0x2261_7461_6422, 0, 6) ? (.data, 6) : nil
        default: return nil
        }
    }

    /// A member of `data` the engine uses, its name written plainly and followed by the colon
    /// and a value (no whitespace): stepped over up to the value. Nil, with `lx` unmoved, for
    /// anything else, which `memberName` and `dataMember` then read. The name's second byte
    /// (its first letter) picks the candidates; each is compared with its quotes and colon, so
    /// a longer name that starts alike (`"texts":`) is not taken for it.
    @inline(__always)
    static func plainDataMember(_ lx: inout JSONLexer) -> DataMember? {
        guard lx.buf.count - lx.i > 2, lx.buf[lx.i] == UInt8(ascii: "\"") else { return nil }
        switch lx.buf[lx.i + 1] {
        case UInt8(ascii: "s"):
            if lx.step(over: "\"sender\":") { return .sender }
            if lx.step(over: "\"score\":") { return .score }
            return lx.step(over: "\"source\":") ? .source : nil
        case UInt8(ascii: "t"):
            if lx.step(over: "\"text\":") { return .text }
            if lx.step(over: "\"to\":") { return .to }
            return lx.step(over: "\"to_queue\":") ? .toQueue : nil
        case UInt8(ascii: "r"): return lx.step(over: "\"reason\":") ? .reason : nil
        case UInt8(ascii: "f"): return lx.step(over: "\"flag\":") ? .flag : nil
        case UInt8(ascii: "c"): return lx.step(over: "\"csat\":") ? .csat : nil
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
