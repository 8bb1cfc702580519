#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The canonical interaction event (see schemas/event.schema.json).
///
/// A value, kept in one immutable object (`Shared`) that copies of the event share: an event
/// passes through a dozen hands between its bytes and the engine (the decoder's result, the
/// dialect's list, the batch, the engine's rules), and as a 300-byte struct of a dozen strings
/// each of those copied it and retained every string, then released them all again: about a
/// twelfth of the engine's instructions. Now a copy is one retain. A setter makes a new box,
/// so an event never changes under another copy (only tests set fields). One accessor per
/// field, alike: a key-path subscript would serve them all, but not reliably as cheaply
/// across modules.
public struct Event: Sendable, Equatable {
    /// The fields, as a plain struct.
    @usableFromInline struct Fields: Sendable, Equatable {
        @usableFromInline var eventID: String
        @usableFromInline var type: EventType
        @usableFromInline var occurredAt: Timestamp
        @usableFromInline var interactionID: String
        @usableFromInline var customerID: String
        @usableFromInline var channel: Channel
        @usableFromInline var queue: String?
        @usableFromInline var agentID: String?
        @usableFromInline var data: EventData
        @usableFromInline var attributes: Attributes
    }

    @usableFromInline var box: Shared<Fields>

    public init(
        eventID: String, type: EventType, occurredAt: Timestamp, interactionID: String, customerID: String,
        channel: Channel, queue: String? = nil, agentID: String? = nil, data: EventData = EventData(),
        attributes: Attributes = [:]
    ) {
        box = Shared(Fields(
            eventID: eventID, type: type, occurredAt: occurredAt, interactionID: interactionID, customerID: customerID,
            channel: channel, queue: queue, agentID: agentID, data: data, attributes: attributes))
    }

    /// Changes one field: a new box with the others copied.
    @usableFromInline mutating func update(_ change: (inout Fields) -> Void) { box = box.with(change) }

    @inlinable public var eventID: String {
        _read { yield box.value.eventID }
        set { update { $0.eventID = newValue } }
    }
    @inlinable public var type: EventType {
        _read { yield box.value.type }
        set { update { $0.type = newValue } }
    }
    @inlinable public var occurredAt: Timestamp {
        get { box.value.occurredAt }
        set { update { $0.occurredAt = newValue } }
    }
    @inlinable public var interactionID: String {
        _read { yield box.value.interactionID }
        set { update { $0.interactionID = newValue } }
    }
    @inlinable public var customerID: String {
        _read { yield box.value.customerID }
        set { update { $0.customerID = newValue } }
    }
    @inlinable public var channel: Channel {
        get { box.value.channel }
        set { update { $0.channel = newValue } }
    }
    @inlinable public var queue: String? {
        _read { yield box.value.queue }
        set { update { $0.queue = newValue } }
    }
    @inlinable public var agentID: String? {
        _read { yield box.value.agentID }
        set { update { $0.agentID = newValue } }
    }
    @inlinable public var data: EventData {
        _read { yield box.value.data }
        set { update { $0.data = newValue } }
    }
    @inlinable public var attributes: Attributes {
        _read { yield box.value.attributes }
        set { update { $0.attributes = newValue } }
    }

    public static func == (lhs: Event, rhs: Event) -> Bool {
        lhs.box === rhs.box || lhs.box.value == rhs.box.value
    }
}

/// Event types of the contract. Unknown types decode to `.other` and are ignored by the engine.
public enum EventType: Hashable, Sendable, CustomStringConvertible {
    case interactionStarted, interactionQueued, agentConnected, holdStarted, holdEnded
    case interactionTransferred, interactionEscalated, messageSent, sentimentScored
    case agentFlagged, interactionEnded, surveySubmitted
    case other(String)

    public static let known: [EventType] = [
        .interactionStarted, .interactionQueued, .agentConnected, .holdStarted, .holdEnded,
        .interactionTransferred, .interactionEscalated, .messageSent, .sentimentScored,
        .agentFlagged, .interactionEnded, .surveySubmitted,
    ]

    public var name: String {
        if case .other(let n) = self { return n }
        return staticName.description
    }

    /// Position in `known` (nil for `.other`), so per-type tables are arrays, not hash maps.
    var ordinal: Int? {
        switch self {
        case .interactionStarted: return 0
        case .interactionQueued: return 1
        case .agentConnected: return 2
        case .holdStarted: return 3
        case .holdEnded: return 4
        case .interactionTransferred: return 5
        case .interactionEscalated: return 6
        case .messageSent: return 7
        case .sentimentScored: return 8
        case .agentFlagged: return 9
        case .interactionEnded: return 10
        case .surveySubmitted: return 11
        case .other: return nil
        }
    }

    /// The contract's name of a known type, as bytes the decoder can compare without a String.
    var staticName: StaticString {
        switch self {
        case .interactionStarted: return "interaction.started"
        case .interactionQueued: return "interaction.queued"
        case .agentConnected: return "agent.connected"
        case .holdStarted: return "hold.started"
        case .holdEnded: return "hold.ended"
        case .interactionTransferred: return "interaction.transferred"
        case .interactionEscalated: return "interaction.escalated"
        case .messageSent: return "message.sent"
        case .sentimentScored: return "sentiment.scored"
        case .agentFlagged: return "agent.flagged"
        case .interactionEnded: return "interaction.ended"
        case .surveySubmitted: return "survey.submitted"
        case .other: return ""
        }
    }

    public init(name: String) {
        var name = name
        self = name.withUTF8 { Self.known(named: $0) } ?? .other(name)
    }

    /// The known type whose name is exactly `bytes`, or nil. The names are told apart by their
    /// length but for two pairs, which a letter tells apart: one comparison (trying the twelve
    /// names in turn was a thirtieth of decoding an event). Written out rather than a table
    /// built from `known`: reading a static array of arrays retained and released it per event,
    /// atomically. `EventTypeNameTests` checks every name against it.
    static func known(named bytes: UnsafeBufferPointer<UInt8>) -> EventType? {
        guard let base = bytes.baseAddress else { return nil }
        let candidate: EventType
        switch bytes.count {
        case 10: candidate = .holdEnded
        case 12: candidate = base[0] == UInt8(ascii: "h") ? .holdStarted : .messageSent
        case 13: candidate = .agentFlagged
        case 15: candidate = .agentConnected
        case 16: candidate = base[1] == UInt8(ascii: "e") ? .sentimentScored : .surveySubmitted
        case 17: candidate = .interactionEnded
        case 18: candidate = .interactionQueued
        case 19: candidate = .interactionStarted
        case 21: candidate = .interactionEscalated
        case 23: candidate = .interactionTransferred
        default: return nil
        }
        let name = candidate.staticName
        return name.utf8CodeUnitCount == bytes.count && memcmp(name.utf8Start, base, bytes.count) == 0 ? candidate : nil
    }

    public var isKnown: Bool { if case .other = self { return false } else { return true } }
    public var description: String { name }
}

public enum Channel: String, Sendable, CaseIterable {
    case voice, chat, email, sms, social
}

/// The type-specific `data` object, flattened: each type uses the fields its contract names.
///
/// Most events carry no data at all (started, queued, connected, holds), and the rest carry
/// one or two fields, yet a struct of seven strings is copied and destroyed field by field:
/// about 450 instructions an event between the decoder, the event's box and its release. So
/// the fields live in an immutable object that copies share, and an empty `data` has none: a
/// copy is one retain, or nothing. A setter makes a new object (only the vendor dialects set
/// fields, once per event they map). The two numbers stay inline: they need no reference
/// count, and a sentiment score (a quarter of the reference workload's events) would otherwise
/// allocate an object for one Double.
public struct EventData: Sendable, Equatable {
    @usableFromInline struct Fields: Sendable, Equatable {
        @usableFromInline var toQueue: String?
        @usableFromInline var to: String?
        @usableFromInline var sender: String?
        @usableFromInline var text: String?
        @usableFromInline var flag: String?
        @usableFromInline var source: String?
        @usableFromInline var reason: String?

        var isEmpty: Bool {
            toQueue == nil && to == nil && sender == nil && text == nil && flag == nil && source == nil && reason == nil
        }
    }

    /// nil when every text field is absent.
    @usableFromInline var box: Shared<Fields>?
    public var score: Double?
    public var csat: Int?

    public init(
        toQueue: String? = nil, to: String? = nil, sender: String? = nil, text: String? = nil, score: Double? = nil,
        flag: String? = nil, source: String? = nil, reason: String? = nil, csat: Int? = nil
    ) {
        let fields = Fields(toQueue: toQueue, to: to, sender: sender, text: text, flag: flag, source: source, reason: reason)
        box = fields.isEmpty ? nil : Shared(fields)
        self.score = score
        self.csat = csat
    }

    @usableFromInline mutating func update(_ change: (inout Fields) -> Void) {
        var fields = box?.value ?? Fields()
        change(&fields)
        box = fields.isEmpty ? nil : Shared(fields)
    }

    @inlinable public var toQueue: String? {
        get { box?.value.toQueue }
        set { update { $0.toQueue = newValue } }
    }
    @inlinable public var to: String? {
        get { box?.value.to }
        set { update { $0.to = newValue } }
    }
    @inlinable public var sender: String? {
        get { box?.value.sender }
        set { update { $0.sender = newValue } }
    }
    @inlinable public var text: String? {
        get { box?.value.text }
        set { update { $0.text = newValue } }
    }
    @inlinable public var flag: String? {
        get { box?.value.flag }
        set { update { $0.flag = newValue } }
    }
    @inlinable public var source: String? {
        get { box?.value.source }
        set { update { $0.source = newValue } }
    }
    @inlinable public var reason: String? {
        get { box?.value.reason }
        set { update { $0.reason = newValue } }
    }

    public static func == (lhs: EventData, rhs: EventData) -> Bool {
        lhs.score == rhs.score && lhs.csat == rhs.csat
            && (lhs.box === rhs.box || (lhs.box?.value ?? Fields()) == (rhs.box?.value ?? Fields()))
    }

    /// A data field by its contract name, as text (for rule `where` matchers).
    public func field(_ name: String) -> String? {
        switch name {
        case "to_queue": return toQueue
        case "to": return to
        case "sender": return sender
        case "text": return text
        case "score": return score.map { String($0) }
        case "flag": return flag
        case "source": return source
        case "reason": return reason
        case "csat": return csat.map { String($0) }
        default: return nil
        }
    }

    /// A numeric data field by its contract name (for rule thresholds).
    public func number(_ name: String) -> Double? {
        switch name {
        case "score": return score
        case "csat": return csat.map(Double.init)
        default: return nil
        }
    }

    public static let textFields: Set<String> = ["to_queue", "to", "sender", "text", "flag", "source", "reason"]
    public static let numericFields: Set<String> = ["score", "csat"]

    /// The data fields an event of `type` can carry (`EventDecoder.decodeData`; the vendor
    /// dialects fill the same ones): a condition on any other field of that type never holds.
    public static func fields(of type: EventType) -> Set<String> {
        switch type {
        case .interactionTransferred: ["to_queue"]
        case .interactionEscalated: ["to"]
        case .messageSent: ["sender", "text"]
        case .sentimentScored: ["score"]
        case .agentFlagged: ["flag", "source"]
        case .interactionEnded: ["reason"]
        case .surveySubmitted: ["csat"]
        default: []
        }
    }
}
