/// Why an input could not become an event: which field, and what is wrong with it.
public struct DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// JSON path of the offending field (`data.score`), or nil when the document itself is bad.
    public var field: String?
    public var reason: String
    public init(field: String?, reason: String) { self.field = field; self.reason = reason }
    /// As `DisplayText` escapes it (the field's path can hold a member's name, the reason a
    /// value): what logs, `replay` and the dead letter's header show. Escaped here, not when
    /// made: in `init`, the decoder's error paths grew, and with them its instructions an event.
    public var description: String { DisplayText.escaped(field.map { "\($0): \(reason)" } ?? reason) }

    /// A member given more than once (`EventDecoder.givenTwice`).
    var isGivenTwice: Bool { reason == EventDecoder.givenTwice }

    /// The same error, its field named from `prefix` on (`TaskAttributes` and `customer_id`:
    /// `TaskAttributes.customer_id`); the prefix alone for an error of no field.
    func inside(_ prefix: String) -> DecodeError {
        guard !prefix.isEmpty else { return self }
        return DecodeError(field: field.map { "\(prefix).\($0)" } ?? prefix, reason: reason)
    }

    /// A short, bounded label for metrics: invalid_json, not_an_object, missing_field,
    /// wrong_type, out_of_range, invalid_value, duplicate_member or empty_message.
    public var category: String {
        if reason.hasPrefix("invalid JSON") { return "invalid_json" }
        if isGivenTwice { return "duplicate_member" }
        if reason.hasPrefix("empty message") { return "empty_message" }
        if field == nil && reason.hasPrefix("expected a JSON object") { return "not_an_object" }
        if reason.hasPrefix("missing") || reason.hasPrefix("null") || reason == "empty" { return "missing_field" }
        if reason.hasPrefix("expected") { return "wrong_type" }
        if reason.contains("outside") || reason.contains("out of range") { return "out_of_range" }
        return "invalid_value"
    }

    /// A number as an error quotes it: `7`, not `7.0`, when it is whole (as the event wrote it),
    /// else as Swift prints it (`4.5`). Out of line: the decoder's error paths stay small.
    @inline(never)
    static func number(_ n: Double) -> String {
        n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
    }

    /// A hostile value as an error quotes it: its first 64 Unicode scalars. Counted in
    /// Characters, one letter followed by 400,000 combining marks was a single one, and its
    /// dead letter carried an 800 KB reason twice (value and header), over the producer's limit.
    /// (Its control characters are escaped by `description`, as every error's are.)
    static func clip(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard !scalars.dropFirst(64).isEmpty else { return s }
        return String(String.UnicodeScalarView(scalars.prefix(64))) + "…"
    }
}

/// Decodes canonical JSON events. Unknown fields and unknown types are accepted; a malformed
/// event is a `DecodeError`, never a crash.
public struct EventDecoder: Sendable {
    public var limits: JSONParser.Limits
    /// Events older or newer than this are refused: a year-3000 timestamp would otherwise move a
    /// partition's clock forward for good and fire every timer at once.
    public var earliest = Timestamp(milliseconds: 946_684_800_000)   // 2000-01-01
    public var latest = Timestamp(milliseconds: 4_102_444_800_000)   // 2100-01-01

    /// Whether members in the contract's order are read by the scan's fast path first
    /// (`EventScanner.contractOrderPrefix`); tests turn it off to compare the two ways.
    var readsContractOrderFirst = true
    /// `SmallStringWords.layoutHolds`, read once.
    private let composesSmallStrings = SmallStringWords.layoutHolds

    public init(limits: JSONParser.Limits = JSONParser.Limits()) { self.limits = limits }

    /// Decodes one event. A `cache` (used by one thread at a time) spares rebuilding
    /// `attributes` objects seen before; the event is the same with it or without.
    public func decode(_ bytes: [UInt8], cache: AttributeCache? = nil) -> Result<Event, DecodeError> {
        bytes.withUnsafeBufferPointer { decode($0, cache: cache) }
    }

    /// Decodes one event from bytes the caller holds (the pipeline's records share one buffer
    /// per batch); nothing of them is kept.
    public func decode(_ buf: UnsafeBufferPointer<UInt8>, cache: AttributeCache? = nil) -> Result<Event, DecodeError> {
        guard buf.count <= limits.maxBytes else {
            let e = JSONParser.Error(offset: 0, message: "document of \(buf.count) bytes exceeds the limit of \(limits.maxBytes)")
            return .failure(DecodeError(field: nil, reason: e.description))
        }
        var found = EventScanner.Found(), lexer = JSONLexer(buf: buf, maxDepth: limits.maxDepth, composesSmallStrings: composesSmallStrings)
        do throws(JSONParser.Error) { try EventScanner.scan(&lexer, into: &found, cache: cache, contractOrder: readsContractOrderFirst) } catch {
            return .failure(DecodeError(field: nil, reason: error.description))
        }
        do throws(DecodeError) {
            return .success(try event(from: &found, lexer))
        } catch {
            return .failure(error)
        }
    }

    public func decode(_ line: String) -> Result<Event, DecodeError> { decode(Array(line.utf8)) }

    /// Interprets a scan in the contract's order, so the first problem reported is the same
    /// whatever the order of the members in the document (but for members given twice, which
    /// come first, and of which the first the document repeats is named).
    /// The attributes are moved out of `f` (copied, they were retained and then released with
    /// the scan's result, atomically).
    func event(from f: inout EventScanner.Found, _ lx: JSONLexer) throws(DecodeError) -> Event {
        if let document = f.document, !document.isObject {
            throw DecodeError(field: nil, reason: "expected a JSON object, found \(document.typeName)")
        }
        // Before the fields: which of two values counts is what readers disagree on (most take
        // the last, Moments took the first until 2026-12-07), so the event is refused.
        if let repeated = f.repeated { throw DecodeError(field: repeated.description, reason: Self.givenTwice) }
        let eventID = try requiredString(f.eventID, "event_id", lx)
        let type = try eventType(f.type, lx)
        let occurredAt = try timestamp(f.occurredAt, lx)
        let interactionID = try requiredString(f.interactionID, "interaction_id", lx)
        let customerID = try requiredString(f.customerID, "customer_id", lx)
        let channel = try channel(f.channel, lx)
        let queue = try optionalString(f.queue, "queue", lx)
        let agentID = try optionalString(f.agentID, "agent_id", lx)
        let data = try decodeData(f, type: type, lx)
        switch f.attributes {
        case nil, .scalar(.null)?, .object?: break
        case let other?: throw DecodeError(field: "attributes", reason: "expected an object, found \(other.typeName)")
        }
        if let bad = f.badAttribute {
            throw DecodeError(field: "attributes.\(DecodeError.clip(bad.name))", reason: "expected a string, found \(bad.typeName)")
        }
        if let oversized = f.oversizedAttributes { throw oversized.error(lx) }
        var attributes = Attributes()
        swap(&attributes, &f.attributeValues)
        return Event(
            eventID: eventID, type: type, occurredAt: occurredAt, interactionID: interactionID, customerID: customerID,
            channel: channel, queue: queue, agentID: agentID, data: data, attributes: attributes)
    }

    func eventType(_ field: EventScanner.Field?, _ lx: JSONLexer) throws(DecodeError) -> EventType {
        guard case .scalar(.string(let t))? = field, !t.escaped else {
            return EventType(name: try requiredString(field, "type", lx))
        }
        // The known names are matched on the bytes; only an unknown type makes a String.
        if let known = lx.withBytes(t, { EventType.known(named: $0) }) { return known }
        return EventType(name: try requiredString(field, "type", lx))
    }

    func channel(_ field: EventScanner.Field?, _ lx: JSONLexer) throws(DecodeError) -> Channel {
        if case .scalar(.string(let t))? = field {
            switch true {
            case lx.text(t, equals: "voice"): return .voice
            case lx.text(t, equals: "chat"): return .chat
            case lx.text(t, equals: "email"): return .email
            case lx.text(t, equals: "sms"): return .sms
            case lx.text(t, equals: "social"): return .social
            default: break
            }
        }
        let text = try requiredString(field, "channel", lx)
        throw DecodeError(field: "channel", reason: "'\(DecodeError.clip(text))' is not one of voice, chat, email, sms, social")
    }

    func timestamp(_ field: EventScanner.Field?, _ lx: JSONLexer) throws(DecodeError) -> Timestamp {
        var parsed: Timestamp?
        if case .scalar(.string(let t))? = field { parsed = lx.withBytes(t) { RFC3339.parse($0) } }
        guard let t = parsed else {
            let text = try requiredString(field, "occurred_at", lx)
            throw DecodeError(field: "occurred_at", reason: "'\(DecodeError.clip(text))' is not an RFC 3339 timestamp")
        }
        guard t >= earliest, t < latest else {
            let text = field.flatMap { if case .scalar(.string(let t)) = $0 { lx.text(t) } else { nil } } ?? ""
            throw DecodeError(field: "occurred_at", reason: "\(DecodeError.clip(text)) is outside the accepted range \(earliest) to \(latest)")
        }
        return t
    }

    /// Checks the fields the engine relies on for this type; other data fields are ignored.
    @inline(__always) func decodeData(_ f: EventScanner.Found, type: EventType, _ lx: JSONLexer) throws(DecodeError) -> EventData {
        switch f.data {
        case nil, .scalar(.null)?, .object?: break
        case let other?: throw DecodeError(field: "data", reason: "expected an object, found \(other.typeName)")
        }
        let fields = f.dataFields
        func text(_ field: EventScanner.Field?, _ key: String, required: Bool) throws(DecodeError) -> String? {
            switch field {
            case nil, .scalar(.null)?:
                if required { throw DecodeError(field: "data.\(key)", reason: "missing, required for \(type.name)") }
                return nil
            case .scalar(.string(let t))?: return lx.text(t)
            case let other?: throw DecodeError(field: "data.\(key)", reason: "expected a string, found \(other.typeName)")
            }
        }
        func number(_ field: EventScanner.Field?, _ key: String) throws(DecodeError) -> Double {
            switch field {
            case nil, .scalar(.null)?: throw DecodeError(field: "data.\(key)", reason: "missing, required for \(type.name)")
            case .scalar(.number(let n))?: return n
            case let other?: throw DecodeError(field: "data.\(key)", reason: "expected a number, found \(other.typeName)")
            }
        }
        // Each case makes its EventData in one initializer call: assigning fields one by one to
        // a `var` copied the whole struct twice (retaining its seven strings each time). One
        // copy and destroy of it is still left by the compiler on every event (~340
        // instructions, on every path, even that of a type without data); returning it
        // through an inout, making it elsewhere, gathering the fields in locals for one
        // initializer call at the end (+47), making the Event in each case (+286), or making
        // the Event's fields directly did not remove it. Inlined: -35.
        switch type {
        case .interactionTransferred:
            // The queue it moves to becomes the interaction's queue, in every later output:
            // bounded as `queue` is (a megabyte of it made outputs Kafka refuses).
            let toQueue = try text(fields.toQueue, "to_queue", required: false)
            if let q = toQueue, q.utf8.count > Self.maxIDBytes { throw Self.tooLong("data.to_queue", q.utf8.count) }
            // Empty is absent, as for `queue`: an empty `to_queue` gave every later output queue "".
            return EventData(toQueue: toQueue?.isEmpty == false ? toQueue : nil)
        case .interactionEscalated: return EventData(to: try text(fields.to, "to", required: false))
        case .messageSent:
            let sender = try text(fields.sender, "sender", required: true)!
            guard sender == "customer" || sender == "agent" else {
                throw DecodeError(field: "data.sender", reason: "'\(DecodeError.clip(sender))' is not customer or agent")
            }
            return EventData(sender: sender, text: try text(fields.text, "text", required: true))
        case .sentimentScored:
            let s = try number(fields.score, "score")
            guard (-1...1).contains(s) else { throw DecodeError(field: "data.score", reason: "\(DecodeError.number(s)) is outside -1..1") }
            return EventData(score: s)
        case .agentFlagged:
            // Rules match on the flag's value: an empty one would be an event no rule can see.
            let flag = try text(fields.flag, "flag", required: true)!
            guard !flag.isEmpty else { throw DecodeError(field: "data.flag", reason: "empty, required for \(type.name)") }
            return EventData(flag: flag, source: try text(fields.source, "source", required: false))
        case .interactionEnded:
            let r = try text(fields.reason, "reason", required: true)!
            guard r == "resolved" || r == "abandoned" || r == "unresolved" else {
                throw DecodeError(field: "data.reason", reason: "'\(DecodeError.clip(r))' is not resolved, abandoned or unresolved")
            }
            return EventData(reason: r)
        case .surveySubmitted:
            let c = try number(fields.csat, "csat")
            guard c == c.rounded(), (1...5).contains(c) else { throw DecodeError(field: "data.csat", reason: "\(DecodeError.number(c)) is not an integer 1..5") }
            return EventData(csat: Int(c))
        default: return EventData()
        }
    }

    static let givenTwice = "given more than once (readers differ on which one counts)"

    /// Ids, queues and agents longer than this are refused: the duplicate filter and the state
    /// keep them, so a stream of megabyte ids would pin gigabytes (the vendor dialects agree).
    public static let maxIDBytes = 512

    func requiredString(_ field: EventScanner.Field?, _ key: String, _ lx: JSONLexer) throws(DecodeError) -> String {
        switch field {
        case nil: throw DecodeError(field: key, reason: "missing")
        // Written, as null: "missing" sent the reader looking for a member that is there (until 2026-12-08).
        case .scalar(.null)?: throw DecodeError(field: key, reason: "null, where a string is required")
        case .scalar(.string(let t))?:
            guard t.range.count <= Self.maxIDBytes else { throw Self.tooLong(key, t.range.count) }
            let s = lx.text(t)
            guard !s.isEmpty else { throw DecodeError(field: key, reason: "empty") }
            return s
        case let other?: throw DecodeError(field: key, reason: "expected a string, found \(other.typeName)")
        }
    }

    func optionalString(_ field: EventScanner.Field?, _ key: String, _ lx: JSONLexer) throws(DecodeError) -> String? {
        switch field {
        case nil, .scalar(.null)?: return nil
        case .scalar(.string(let t))?:
            guard t.range.count <= Self.maxIDBytes else { throw Self.tooLong(key, t.range.count) }
            let s = lx.text(t)
            return s.isEmpty ? nil : s
        case let other?: throw DecodeError(field: key, reason: "expected a string or null, found \(other.typeName)")
        }
    }

    static func tooLong(_ key: String, _ bytes: Int) -> DecodeError {
        DecodeError(field: key, reason: "invalid value: \(bytes) bytes, longer than \(maxIDBytes)")
    }
}
