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

    /// Which of `Attributes`' limits an attributes object exceeds.
    enum AttributeLimit {
        case members
        case name(bytes: Int)
        case value(key: JSONLexer.Text, bytes: Int)

        /// The error the decoder reports for it.
        func error(_ lx: JSONLexer) -> DecodeError {
            switch self {
            case .members:
                return DecodeError(field: "attributes", reason: "invalid value: more than \(Attributes.maxCount) members")
            case .name(let bytes):
                return DecodeError(field: "attributes", reason: "invalid value: a name of \(bytes) bytes, longer than \(Attributes.maxKeyBytes)")
            case .value(let key, let bytes):
                return DecodeError(field: "attributes.\(lx.text(key))", reason: "invalid value: \(bytes) bytes, longer than \(Attributes.maxValueBytes)")
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
        /// The first of the attributes' limits the scan found exceeded, if any (a plain value:
        /// a `DecodeError` here, made and destroyed with every scan, cost 37 instructions an event).
        var oversizedAttributes: AttributeLimit?
        /// The first member of the contract the document gives more than once (`customer_id`,
        /// `data.reason`): refused, as readers differ on which of the two counts.
        var repeated: StaticString?
    }

    /// Scans the lexer's input into `found`; throws the first syntax error, wherever it is.
    /// Both are the caller's, so the scan writes where they live: returned, they were copied.
    /// Returns how many members were read in the contract's order (`contractOrderPrefix`);
    /// `contractOrder: false` reads every member through the general loop (tests compare the two).
    @discardableResult
    static func scan(_ lx: inout JSONLexer, into found: inout Found, cache: AttributeCache? = nil, contractOrder: Bool = true) throws(JSONParser.Error) -> Int {
        lx.skipSpace()
        guard !lx.atEnd else { throw lx.fail("unexpected end of input") }
        guard lx.current == UInt8(ascii: "{") else {
            // Not an object: check the document anyway, so bad JSON is reported as such.
            try take(&found.document, &lx, depth: 0)
            try finish(&lx)
            return 0
        }
        found.document = .object
        // Members in the contract's order are read first, each recognized by the bytes that
        // introduce it; the general loop below reads the rest of the object from wherever that
        // stopped: the start for a document in another order or spaced from its first member on,
        // else the first member that differs.
        let read = contractOrder ? try contractOrderPrefix(&lx, into: &found, cache: cache) : 0
        if read == 0 {
            if try !lx.openObject(depth: 1) {
                repeat { try member(&lx, into: &found, cache: cache) } while try !lx.endOfMember(close: UInt8(ascii: "}"), "expected ',' or '}'")
            }
        } else {
            while try !lx.endOfMember(close: UInt8(ascii: "}"), "expected ',' or '}'") { try member(&lx, into: &found, cache: cache) }
        }
        try finish(&lx)
        return read
    }

    /// One member of the top-level object: its name, then its value kept (or checked and
    /// skipped); `lx` is at the member's name.
    @inline(__always)
    private static func member(_ lx: inout JSONLexer, into found: inout Found, cache: AttributeCache?) throws(JSONParser.Error) {
        // Written out here, not a helper taking a closure per member: the closure was not
        // inlined, and its calls cost more than the members' own reading.
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
        case .eventID: try takeOnce(&found.eventID, "event_id", &lx, depth: 1, repeated: &found.repeated)
        case .type: try takeOnce(&found.type, "type", &lx, depth: 1, repeated: &found.repeated)
        case .occurredAt: try takeOnce(&found.occurredAt, "occurred_at", &lx, depth: 1, repeated: &found.repeated)
        case .interactionID: try takeOnce(&found.interactionID, "interaction_id", &lx, depth: 1, repeated: &found.repeated)
        case .customerID: try takeOnce(&found.customerID, "customer_id", &lx, depth: 1, repeated: &found.repeated)
        case .channel: try takeOnce(&found.channel, "channel", &lx, depth: 1, repeated: &found.repeated)
        case .queue: try takeOnce(&found.queue, "queue", &lx, depth: 1, repeated: &found.repeated)
        case .agentID: try takeOnce(&found.agentID, "agent_id", &lx, depth: 1, repeated: &found.repeated)
        case .data where found.data == nil: try data(&lx, into: &found)
        case .attributes where found.attributes == nil: try attributes(&lx, into: &found, cache: cache)
        case .data:
            if found.repeated == nil { found.repeated = "data" }
            try lx.skipValue(depth: 1)
        case .attributes:
            if found.repeated == nil { found.repeated = "attributes" }
            try lx.skipValue(depth: 1)
        case nil: try lx.skipValue(depth: 1)
        }
    }

    /// `take` for a member of the contract: a second occurrence is checked and noted in
    /// `repeated` (the first such), its value not kept.
    @inline(__always)
    private static func takeOnce(
        _ slot: inout Field?, _ name: StaticString, _ lx: inout JSONLexer, depth: Int, repeated: inout StaticString?
    ) throws(JSONParser.Error) {
        if slot != nil, repeated == nil { repeated = name }
        try take(&slot, &lx, depth: depth)
    }

    /// Reads the members at the start of the object that come in the contract's order
    /// (`event_id`, `type`, `occurred_at`, `interaction_id`, `customer_id`, `channel`, `queue`,
    /// `agent_id`, `data`, `attributes`), compact, as producers following the schema write
    /// them; returns how many (0 to 10). `lx` is at the opening brace, and is left after the
    /// last value read (or where it was, for 0).
    ///
    /// Each member is recognized by comparing the bytes before its value — the brace or comma,
    /// the quoted name, the colon — with the ones it must be, a few words; the general loop
    /// spent five steps on that (comma, whitespace, the name's recognition, colon, whitespace),
    /// about a sixth of decoding an event. Its value is then read exactly as the general loop
    /// reads it, and the general loop takes over at the first member that differs: anything but
    /// those exact bytes (whitespace, an escape in a name, another member, a missing one, the
    /// end of the input) is left to it. So a document decodes, or fails with the same error at
    /// the same offset, as it did without this path (`ContractOrderScanTests`, the decoder fuzzer).
    @inline(__always)
    private static func contractOrderPrefix(_ lx: inout JSONLexer, into found: inout Found, cache: AttributeCache?) throws(JSONParser.Error) -> Int {
        // `openObject(depth: 1)` refuses the object itself beyond a depth of 0.
        guard lx.maxDepth >= 1, lx.step(over: "{\"event_id\":") else { return 0 }
        try takeFirst(&found.eventID, &lx)
        guard lx.step(over: ",\"type\":") else { return 1 }
        try takeFirst(&found.type, &lx)
        guard lx.step(over: ",\"occurred_at\":") else { return 2 }
        try takeFirst(&found.occurredAt, &lx)
        guard lx.step(over: ",\"interaction_id\":") else { return 3 }
        try takeFirst(&found.interactionID, &lx)
        guard lx.step(over: ",\"customer_id\":") else { return 4 }
        try takeFirst(&found.customerID, &lx)
        guard lx.step(over: ",\"channel\":") else { return 5 }
        try takeFirst(&found.channel, &lx)
        guard lx.step(over: ",\"queue\":") else { return 6 }
        try takeFirst(&found.queue, &lx)
        guard lx.step(over: ",\"agent_id\":") else { return 7 }
        try takeFirst(&found.agentID, &lx)
        guard lx.step(over: ",\"data\":") else { return 8 }
        try data(&lx, into: &found)
        guard lx.step(over: ",\"attributes\":") else { return 9 }
        try attributes(&lx, into: &found, cache: cache)
        return 10
    }

    /// `take` for a member's first occurrence, with a string read in place: the values in the
    /// contract's order are strings but for a null or two, and reading them here spares a call
    /// and its dispatch per member.
    @inline(__always)
    private static func takeFirst(_ slot: inout Field?, _ lx: inout JSONLexer) throws(JSONParser.Error) {
        if lx.current == UInt8(ascii: "\"") { slot = .scalar(.string(try lx.string())) } else { try take(&slot, &lx, depth: 1) }
    }

    /// The first `data` member's value: an object's members are read, anything else is kept as what it is.
    @inline(__always)
    private static func data(_ lx: inout JSONLexer, into found: inout Found) throws(JSONParser.Error) {
        if lx.current == UInt8(ascii: "{") {
            found.data = .object
            try dataMembers(&lx, into: &found.dataFields, repeated: &found.repeated)
        } else {
            try take(&found.data, &lx, depth: 1)
        }
    }

    /// The first `attributes` member's value, likewise.
    @inline(__always)
    private static func attributes(_ lx: inout JSONLexer, into found: inout Found, cache: AttributeCache?) throws(JSONParser.Error) {
        if lx.current == UInt8(ascii: "{") {
            found.attributes = .object
            try attributeMembers(&lx, into: &found, cache: cache)
        } else {
            try take(&found.attributes, &lx, depth: 1)
        }
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

    private static func dataMembers(_ lx: inout JSONLexer, into d: inout DataFields, repeated: inout StaticString?) throws(JSONParser.Error) {
        if try lx.openObject(depth: 2) { return }
        repeat {
            lx.skipSpace()
            let member: DataMember?
            if let plain = plainDataMember(&lx) {
                member = plain
            } else {
                member = dataMember(try lx.memberName(), lx)
            }
            switch member {
            case .toQueue: try takeOnce(&d.toQueue, "data.to_queue", &lx, depth: 2, repeated: &repeated)
            case .to: try takeOnce(&d.to, "data.to", &lx, depth: 2, repeated: &repeated)
            case .sender: try takeOnce(&d.sender, "data.sender", &lx, depth: 2, repeated: &repeated)
            case .text: try takeOnce(&d.text, "data.text", &lx, depth: 2, repeated: &repeated)
            case .score: try takeOnce(&d.score, "data.score", &lx, depth: 2, repeated: &repeated)
            case .flag: try takeOnce(&d.flag, "data.flag", &lx, depth: 2, repeated: &repeated)
            case .source: try takeOnce(&d.source, "data.source", &lx, depth: 2, repeated: &repeated)
            case .reason: try takeOnce(&d.reason, "data.reason", &lx, depth: 2, repeated: &repeated)
            case .csat: try takeOnce(&d.csat, "data.csat", &lx, depth: 2, repeated: &repeated)
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
            var members = 0
            repeat {
                let key = try lx.memberName()
                members += 1
                if lx.current == UInt8(ascii: "\"") {
                    let value = try lx.string()
                    if found.oversizedAttributes == nil { found.oversizedAttributes = oversized(members: members, key: key, value: value) }
                    // Past a limit the rest is only checked: a refused object is never built.
                    if found.oversizedAttributes == nil { spans.append(key: key, value: value) }
                } else {
                    var value: Field?
                    try take(&value, &lx, depth: 2)
                    if found.badAttribute == nil, let value { found.badAttribute = (lx.text(key), value.typeName) }
                }
            } while try !lx.endOfMember(close: UInt8(ascii: "}"), "expected ',' or '}'")
            if found.oversizedAttributes != nil { return Attributes() }
            // The whole object was checked above; an object with a bad value is an error, never stored.
            let attributes = spans.attributes(lx)
            if let cache, found.badAttribute == nil { cache.store(raw: UnsafeBufferPointer(rebasing: lx.buf[start..<lx.i]), attributes) }
            return attributes
        }
    }

    /// Whether the attribute just read (the `members`-th of its object) takes the attributes
    /// past a limit: an interaction keeps its attributes and every alert about it carries them,
    /// so a message of 80,000 of them made alerts larger than Kafka accepts, retried for ever.
    private static func oversized(members: Int, key: JSONLexer.Text, value: JSONLexer.Text) -> AttributeLimit? {
        if members > Attributes.maxCount { return .members }
        if key.range.count > Attributes.maxKeyBytes { return .name(bytes: key.range.count) }
        if value.range.count > Attributes.maxValueBytes { return .value(key: key, bytes: value.range.count) }
        return nil
    }
}
