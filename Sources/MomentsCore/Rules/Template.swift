/// A text with `{placeholder}`s, parsed once when the rules load so rendering is a simple walk
/// and unknown placeholders are caught by `moments check`.
public struct Template: Sendable, Equatable {
    public enum Segment: Sendable, Equatable {
        case literal(String)
        case placeholder(String)
    }

    public let segments: [Segment]
    public var source: String
    /// Per segment, the moment's own field a placeholder names, told apart once here rather
    /// than by comparing the name with each field's at every render (83 instructions an event
    /// on the reference workload); nil for literals and other placeholders (measures, details, attributes).
    let momentFields: [MomentField?]

    public init(segments: [Segment], source: String) {
        self.segments = segments
        self.source = source
        momentFields = segments.map { if case .placeholder(let name) = $0 { MomentField(placeholder: name) } else { nil } }
    }

    public static func == (lhs: Template, rhs: Template) -> Bool { lhs.segments == rhs.segments && lhs.source == rhs.source }

    /// Parses `text`; `{{` and `}}` stand for literal braces.
    public static func parse(_ text: String) -> Result<Template, TemplateError> {
        var segments: [Segment] = []
        var literal = ""
        var chars = Array(text)
        var i = 0
        chars.append("\0")
        while i < chars.count - 1 {
            let c = chars[i]
            if c == "{" && chars[i + 1] == "{" { literal.append("{"); i += 2; continue }
            if c == "}" && chars[i + 1] == "}" { literal.append("}"); i += 2; continue }
            if c == "}" { return .failure(TemplateError(offset: i, message: "unmatched '}'")) }
            if c == "{" {
                guard let close = chars[(i + 1)...].firstIndex(of: "}") else {
                    return .failure(TemplateError(offset: i, message: "unclosed '{'"))
                }
                let name = String(chars[(i + 1)..<close])
                guard Placeholders.isName(name) else {
                    return .failure(TemplateError(offset: i, message: "invalid placeholder '{\(name)}'"))
                }
                if !literal.isEmpty { segments.append(.literal(literal)); literal = "" }
                segments.append(.placeholder(name))
                i = close + 1
                continue
            }
            literal.append(c)
            i += 1
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return .success(Template(segments: segments, source: text))
    }

    public var placeholders: [String] {
        segments.compactMap { if case .placeholder(let p) = $0 { return p } else { return nil } }
    }

    /// Renders with `lookup`; a value the moment does not have renders as "-". `escape` is
    /// applied to filled-in values only (a runbook link encodes them, not its own text).
    ///
    /// The pieces are found first and then written once into a string of their total length
    /// (as `OutputID` writes ids): appended one by one, even into reserved capacity, each piece
    /// went through `String`'s general append (91 instructions an event more on the reference
    /// workload).
    public func render(_ lookup: (String) -> String?, escape: (String) -> String = { $0 }) -> String {
        render(fields: { name, _ in lookup(name) }, escape: escape)
    }

    /// `render`, with each placeholder's moment field (`momentFields`) given beside its name.
    func render(fields lookup: (_ name: String, _ field: MomentField?) -> String?, escape: (String) -> String = { $0 }) -> String {
        withoutActuallyEscaping(lookup) { render(from: PlaceholderLookup(lookup: $0), escape: escape) }
    }

    /// `render` with the values read from `values` where they are: a moment's fields passed
    /// as `fields.placeholder` were copied into the function's context (a dozen references
    /// retained and released) at every render.
    func render<Values: PlaceholderValues>(from values: Values, escape: (String) -> String = { $0 }) -> String {
        withUnsafeTemporaryAllocation(of: String.self, capacity: segments.count) { pieces in
            var total = 0
            for (i, segment) in segments.enumerated() {
                let piece = switch segment {
                case .literal(let l): l
                case .placeholder(let p): values.value(of: p, momentFields[i]).map(escape) ?? "-"
                }
                total += piece.utf8.count
                (pieces.baseAddress! + i).initialize(to: piece)
            }
            defer { pieces.baseAddress?.deinitialize(count: segments.count) }
            return String(unsafeUninitializedCapacity: total) { out in
                var at = 0
                for i in 0..<segments.count { at = pieces[i].copyUTF8(into: out, at: at) }
                return at
            }
        }
    }
}

/// What fills a template's placeholders (`Template.render(from:escape:)`).
protocol PlaceholderValues {
    /// The value of placeholder `name`, whose moment field, if it names one, is `field`.
    func value(of name: String, _ field: MomentField?) -> String?
}

/// Placeholder values from a function.
private struct PlaceholderLookup: PlaceholderValues {
    let lookup: (String, MomentField?) -> String?
    func value(of name: String, _ field: MomentField?) -> String? { lookup(name, field) }
}

extension Moment.Fields: PlaceholderValues {
    func value(of name: String, _ field: MomentField?) -> String? { placeholder(name, field) }
}

/// The placeholders a moment fills from a field of its own (`Moment.Fields.placeholder`).
enum MomentField: Sendable {
    case moment, kind, stage, severity, interactionID, customerID, agentID, queue, channel, time

    init?(placeholder name: String) {
        switch name {
        case "moment": self = .moment
        case "kind": self = .kind
        case "stage": self = .stage
        case "severity": self = .severity
        case "interaction_id": self = .interactionID
        case "customer_id": self = .customerID
        case "agent_id": self = .agentID
        case "queue": self = .queue
        case "channel": self = .channel
        case "time": self = .time
        default: return nil
        }
    }
}

/// Percent-encoding of a value put into a link: everything but RFC 3986's unreserved characters,
/// so a queue "tech support" or a time with ':' cannot break the URL of a runbook.
public enum URLComponent {
    public static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 15)])
            }
        }
        return out
    }
}

public struct TemplateError: Error, Sendable {
    /// Character offset within the template text.
    public var offset: Int
    public var message: String
}

/// Placeholders every moment can fill, whatever its condition.
public enum Placeholders {
    public static let common: Set<String> = [
        "moment", "kind", "stage", "severity", "interaction_id", "customer_id", "agent_id", "queue", "channel",
        "time", "tier", "language", "region",
    ]

    /// What a placeholder's name may be: letters, digits and `_` (a measure's name too, as the
    /// placeholder that shows it).
    public static func isName<S: StringProtocol>(_ name: S) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
}
