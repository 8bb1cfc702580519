/// One pass over a canonical event's bytes: the whole document is checked as strictly as the
/// tree parser would (syntax, UTF-8, depth, numbers), and the members the contract names are
/// kept as spans of the input. No tree is built and no String is made for a field nobody reads;
/// this is most of why the decoder is several times faster than building a `JSONValue`.
struct EventScanner {
    /// A member's value as the scan saw it: a scalar, or just the kind of a container.
    enum Field {
        case scalar(JSONLexer.Scalar)
        case object
        case array

        var isObject: Bool { if case .object = self { return true } else { return false } }

        var typeName: String {
            switch self {
            case .scalar(let s): return s.typeName
            case .object: return "an object"
            case .array: return "an array"
            }
        }
    }

    /// The members of the `data` object the engine can use (first occurrence wins, as in a lookup).
    struct DataFields {
        var toQueue, to, sender, text, score, flag, source, reason, csat: Field?
    }

    /// What a scan found; fields are nil when absent. Interpretation (which are required, which
    /// values are allowed) is the decoder's, in the contract's order, after the scan succeeded.
    struct Found {
        /// The kind of the whole document; members below are read only when it is an object.
        var document: Field?
        var eventID, type, occurredAt, interactionID, customerID, channel, queue, agentID: Field?
        /// nil when absent; `.object` when an object (its members are in `dataFields`).
        var data: Field?
        var dataFields = DataFields()
        var attributes: Field?
        var attributeValues = Attributes()
        /// The first attribute whose value is not a string: its name and what it was.
        var badAttribute: (name: String, typeName: String)?
    }

    /// Scans the lexer's input into `found`; throws the first syntax error, wherever it is.
    /// Both are the caller's, so the scan writes where they live: returned, they were copied.
    static func scan(_ lx: inout JSONLexer, into found: inout Found, cache: AttributeCache? = nil) throws(JSONParser.Error) {
        lx.skipSpace()
        guard !lx.atEnd else { throw lx.fail("unexpected end of input") }
        guard lx.current == UInt8(ascii: "{") else {
            // Not an object: check the document anyway, so bad JSON is reported as such.
            try take(&found.document, &lx, depth: 0)
            try finish(&lx)
            return
        }
        found.document = .object
        // The member loops are written out here, not a helper taking a closure per member: the
        // closure was not inlined, and its calls cost more than the members' own reading.
        if try !lx.openObject(depth: 1) {
            repeat {
                lx.skipSpace()
                let member: TopLevelMember?
                if let plain = plainTopLevelMember(lx.buf, at: lx.i) {
                    lx.i += plain.length
                    try lx.afterMemberName()
                    member = plain.member
                } else {
                    member = topLevelMember(try lx.memberName(), lx)
                }
                switch member {
                case .eventID: try take(&found.eventID, &lx, depth: 1)
                case .type: try take(&found.type, &lx, depth: 1)
                case .occurredAt: try take(&found.occurredAt, &lx, depth: 1)
                case .interactionID: try take(&found.interactionID, &lx, depth: 1)
                case .customerID: try take(&found.customerID, &lx, depth: 1)
                case .channel: try take(&found.channel, &lx, depth: 1)
                case .queue: try take(&found.queue, &lx, depth: 1)
                case .agentID: try take(&found.agentID, &lx, depth: 1)
                case .data where found.data == nil:
                    if lx.current == UInt8(ascii: "{") {
                        found.data = .object
                        try dataMembers(&lx, into: &found.dataFields)
                    } else {
                        try take(&found.data, &lx, depth: 1)
                    }
                case .attributes where found.attributes == nil:
                    if lx.current == UInt8(ascii: "{") {
                        found.attributes = .object
                        try attributeMembers(&lx, into: &found, cache: cache)
                    } else {
                        try take(&found.attributes, &lx, depth: 1)
                    }
                default: try lx.skipValue(depth: 1)
                }
            } while try !lx.endOfMember(close: UInt8(ascii: "}"), "expected ',' or '}'")
        }
        try finish(&lx)
    }

    private static func finish(_ lx: inout JSONLexer) throws(JSONParser.Error) {
        lx.skipSpace()
        if !lx.atEnd { throw lx.fail("unexpected data after the document") }
    }

    /// Keeps the first occurrence of a member; later ones are only checked.
    private static func take(_ slot: inout Field?, _ lx: inout JSONLexer, depth: Int) throws(JSONParser.Error) {
        switch lx.current {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let kind: Field = lx.current == UInt8(ascii: "{") ? .object : .array
            try lx.skipValue(depth: depth)
            if slot == nil { slot = kind }
        default:
            let s = try lx.scalar()
            if slot == nil { slot = .scalar(s) }
        }
    }

    private static func dataMembers(_ lx: inout JSONLexer, into d: inout DataFields) throws(JSONParser.Error) {
        if try lx.openObject(depth: 2) { return }
        repeat {
            let key = try lx.memberName()
            switch dataMember(key, lx) {
            case .toQueue: try take(&d.toQueue, &lx, depth: 2)
            case .to: try take(&d.to, &lx, depth: 2)
            case .sender: try take(&d.sender, &lx, depth: 2)
            case .text: try take(&d.text, &lx, depth: 2)
            case .score: try take(&d.score, &lx, depth: 2)
            case .flag: try take(&d.flag, &lx, depth: 2)
            case .source: try take(&d.source, &lx, depth: 2)
            case .reason: try take(&d.reason, &lx, depth: 2)
            case .csat: try take(&d.csat, &lx, depth: 2)
            case nil: try lx.skipValue(depth: 2)
            }
        } while try !lx.endOfMember(close: UInt8(ascii: "}"), "expected ',' or '}'")
    }

    /// Attributes are collected as the scan goes and sorted once at the end (later duplicates
    /// win, as in a dictionary); no String is made for them.
    ///
    /// With a cache, an object seen before is not parsed at all: where it ends is guessed (the
    /// first closing brace, `guessedObjectEnd`) and the bytes up to there are looked up. Only
    /// whole objects that decoded without error are stored, and a JSON object ends where its
    /// own bytes say, so bytes equal to a stored object are that object however the guess was
    /// made; anything else is parsed in full, as without a cache.
    private static func attributeMembers(_ lx: inout JSONLexer, into found: inout Found, cache: AttributeCache?) throws(JSONParser.Error) {
        let start = lx.i
        // An object reaching the full parse below was looked up already (and missed): a
        // non-empty object always has a closing brace, and `{}` returns at `openObject`.
        if let cache, lx.maxDepth >= 2, let end = lx.guessedObjectEnd(), end - start > 2,
            let hit = cache.lookup(raw: UnsafeBufferPointer(rebasing: lx.buf[start..<end])) {
            found.attributeValues = hit
            lx.i = end
            return
        }
        if try lx.openObject(depth: 2) { return }
        found.attributeValues = try AttributeSpans.withList { (spans) throws(JSONParser.Error) -> Attributes in
            repeat {
                let key = try lx.memberName()
                if lx.current == UInt8(ascii: "\"") {
                    spans.append(key: key, value: try lx.string())
                } else {
                    var value: Field?
                    try take(&value, &lx, depth: 2)
                    if found.badAttribute == nil, let value { found.badAttribute = (lx.text(key), value.typeName) }
                }
            } while try !lx.endOfMember(close: UInt8(ascii: "}"), "expected ',' or '}'")
            // The whole object was checked above; an object with a bad value is an error, never stored.
            let attributes = spans.attributes(lx)
            if let cache, found.badAttribute == nil { cache.store(raw: UnsafeBufferPointer(rebasing: lx.buf[start..<lx.i]), attributes) }
            return attributes
        }
    }
}
