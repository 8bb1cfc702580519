/// Why an input could not become an event: which field, and what is wrong with it.
public struct DecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// JSON path of the offending field (`data.score`), or nil when the document itself is bad.
    public var field: String?
    public var reason: String
    public init(field: String?, reason: String) { self.field = field; self.reason = reason }
    public var description: String { field.map { "\($0): \(reason)" } ?? reason }

    /// A short, bounded label for metrics: invalid_json, not_an_object, missing_field,
    /// wrong_type, out_of_range, invalid_value or empty_message.
    public var category: String {
        if reason.hasPrefix("invalid JSON") { return "invalid_json" }
        if reason.hasPrefix("empty message") { return "empty_message" }
        if field == nil && reason.hasPrefix("expected a JSON object") { return "not_an_object" }
        if reason.hasPrefix("missing") || reason == "empty" { return "missing_field" }
        if reason.hasPrefix("expected") { return "wrong_type" }
        if reason.contains("outside") || reason.contains("out of range") { return "out_of_range" }
        return "invalid_value"
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

    public init(limits: JSONParser.Limits = JSONParser.Limits()) { self.limits = limits }

    public func decode(_ bytes: [UInt8]) -> Result<Event, DecodeError> {
        do {
            let json: JSONValue
            do { json = try JSONParser.parse(bytes, limits: limits) } catch { return .failure(DecodeError(field: nil, reason: error.description)) }
            return .success(try event(from: json))
        } catch let e as DecodeError {
            return .failure(e)
        } catch {
            return .failure(DecodeError(field: nil, reason: "\(error)"))
        }
    }

    public func decode(_ line: String) -> Result<Event, DecodeError> { decode(Array(line.utf8)) }

    func event(from json: JSONValue) throws -> Event {
        guard case .object = json else { throw DecodeError(field: nil, reason: "expected a JSON object, found \(json.typeName)") }
        let eventID = try requiredString(json, "event_id")
        let type = EventType(name: try requiredString(json, "type"))
        let occurredText = try requiredString(json, "occurred_at")
        var text = occurredText
        guard let occurredAt = text.withUTF8({ RFC3339.parse($0) }) else {
            throw DecodeError(field: "occurred_at", reason: "'\(clip(occurredText))' is not an RFC 3339 timestamp")
        }
        guard occurredAt >= earliest, occurredAt < latest else {
            throw DecodeError(field: "occurred_at", reason: "\(occurredText) is outside the accepted range \(earliest) to \(latest)")
        }
        let interactionID = try requiredString(json, "interaction_id")
        let customerID = try requiredString(json, "customer_id")
        let channelText = try requiredString(json, "channel")
        guard let channel = Channel(rawValue: channelText) else {
            throw DecodeError(field: "channel", reason: "'\(clip(channelText))' is not one of voice, chat, email, sms, social")
        }
        let queue = try optionalString(json, "queue")
        let agentID = try optionalString(json, "agent_id")
        let data = try decodeData(json["data"], type: type)
        var attributes: [String: String] = [:]
        switch json["attributes"] {
        case nil, .null?: break
        case .object(let members)?:
            for (k, v) in members {
                guard case .string(let s) = v else { throw DecodeError(field: "attributes.\(k)", reason: "expected a string, found \(v.typeName)") }
                attributes[k] = s
            }
        case let other?: throw DecodeError(field: "attributes", reason: "expected an object, found \(other.typeName)")
        }
        return Event(
            eventID: eventID, type: type, occurredAt: occurredAt, interactionID: interactionID, customerID: customerID,
            channel: channel, queue: queue, agentID: agentID, data: data, attributes: attributes)
    }

    /// Checks the fields the engine relies on for this type; other data fields are ignored.
    func decodeData(_ value: JSONValue?, type: EventType) throws -> EventData {
        let data: JSONValue
        switch value {
        case nil, .null?: data = .object([])
        case .object?: data = value!
        case let other?: throw DecodeError(field: "data", reason: "expected an object, found \(other.typeName)")
        }
        var d = EventData()
        func text(_ key: String, required: Bool) throws -> String? {
            switch data[key] {
            case nil, .null?:
                if required { throw DecodeError(field: "data.\(key)", reason: "missing, required for \(type.name)") }
                return nil
            case .string(let s)?: return s
            case let other?: throw DecodeError(field: "data.\(key)", reason: "expected a string, found \(other.typeName)")
            }
        }
        func number(_ key: String) throws -> Double {
            switch data[key] {
            case nil, .null?: throw DecodeError(field: "data.\(key)", reason: "missing, required for \(type.name)")
            case .number(let n)?: return n
            case let other?: throw DecodeError(field: "data.\(key)", reason: "expected a number, found \(other.typeName)")
            }
        }
        switch type {
        case .interactionTransferred: d.toQueue = try text("to_queue", required: false)
        case .interactionEscalated: d.to = try text("to", required: false)
        case .messageSent:
            d.sender = try text("sender", required: true)
            guard d.sender == "customer" || d.sender == "agent" else {
                throw DecodeError(field: "data.sender", reason: "'\(clip(d.sender!))' is not customer or agent")
            }
            d.text = try text("text", required: true)
        case .sentimentScored:
            let s = try number("score")
            guard (-1...1).contains(s) else { throw DecodeError(field: "data.score", reason: "\(s) is outside -1..1") }
            d.score = s
        case .agentFlagged:
            d.flag = try text("flag", required: true)
            d.source = try text("source", required: false)
        case .interactionEnded:
            let r = try text("reason", required: true)!
            guard ["resolved", "abandoned", "unresolved"].contains(r) else {
                throw DecodeError(field: "data.reason", reason: "'\(clip(r))' is not resolved, abandoned or unresolved")
            }
            d.reason = r
        case .surveySubmitted:
            let c = try number("csat")
            guard c == c.rounded(), (1...5).contains(c) else { throw DecodeError(field: "data.csat", reason: "\(c) is not an integer 1..5") }
            d.csat = Int(c)
        default: break
        }
        return d
    }

    func requiredString(_ json: JSONValue, _ key: String) throws -> String {
        switch json[key] {
        case nil, .null?: throw DecodeError(field: key, reason: "missing")
        case .string(let s)?:
            guard !s.isEmpty else { throw DecodeError(field: key, reason: "empty") }
            return s
        case let other?: throw DecodeError(field: key, reason: "expected a string, found \(other.typeName)")
        }
    }

    func optionalString(_ json: JSONValue, _ key: String) throws -> String? {
        switch json[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s.isEmpty ? nil : s
        case let other?: throw DecodeError(field: key, reason: "expected a string or null, found \(other.typeName)")
        }
    }

    /// Keeps hostile values from bloating error messages.
    func clip(_ s: String) -> String { s.count <= 64 ? s : String(s.prefix(64)) + "…" }
}
