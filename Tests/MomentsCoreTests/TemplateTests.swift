import Testing
@testable import MomentsCore

/// `Template.render` writes its pieces once into a string of their total UTF-8 length: every
/// piece must land whole, in order, whatever its length or script.
@Suite struct TemplateTests {
    static func render(_ text: String, _ values: [String: String], escape: @escaping (String) -> String = { $0 }) throws -> String {
        try Template.parse(text).get().render({ values[$0] }, escape: escape)
    }

    @Test func literalsAndPlaceholdersInOrder() throws {
        #expect(try Self.render("{a} waited {b}s in {q}.", ["a": "Ana", "b": "95", "q": "billing"]) == "Ana waited 95s in billing.")
        #expect(try Self.render("{a}{b}{a}", ["a": "x", "b": "yz"]) == "xyzx")
        #expect(try Self.render("no placeholders", [:]) == "no placeholders")
        #expect(try Self.render("", [:]) == "")
    }

    @Test func aMissingValueRendersAsADash() throws {
        #expect(try Self.render("agent {agent_id}, queue {queue}", ["queue": "tech"]) == "agent -, queue tech")
    }

    @Test func escapedBracesStayLiteral() throws {
        #expect(try Self.render("{{literal}} {v} }}", ["v": "1"]) == "{literal} 1 }")
    }

    /// Multi-byte text in literals and values, and values longer than the template: the length
    /// is counted in UTF-8 bytes, not characters.
    @Test func multiByteTextAndLongValues() throws {
        let long = String(repeating: "wait ", count: 200)
        #expect(try Self.render("Kunde {c} wartet – {w} 🙂", ["c": "Jürgen Groß", "w": long]) == "Kunde Jürgen Groß wartet – \(long) 🙂")
        #expect(try Self.render("{a}", ["a": "日本語のテキスト"]) == "日本語のテキスト")
        let rendered = try Self.render("ü{a}ü", ["a": "é"])
        #expect(rendered == "üéü")
        #expect(rendered.utf8.count == 6)
    }

    /// `escape` applies to the filled-in values only, never to the template's own text.
    @Test func escapeAppliesToValuesOnly() throws {
        let url = try Self.render("https://runbooks/x?q={queue}&t={time}", ["queue": "tech support", "time": "2026-12-05T10:00:00Z"], escape: URLComponent.encode)
        #expect(url == "https://runbooks/x?q=tech%20support&t=2026-12-05T10%3A00%3A00Z")
    }

    /// A moment fills each placeholder from the right place when the template knows its fields
    /// beforehand (`Template.momentFields`), read in place (`render(from:)`, as the engine renders), and the same as by name.
    @Test func aMomentFillsEveryKindOfPlaceholder() throws {
        let moment = Moment(
            id: "i-1:long-wait:1", rule: "long-wait", kind: .pain, stage: "queue", severity: .high,
            time: Timestamp(milliseconds: 0), interactionID: "i-1", customerID: "c-9", channel: .voice,
            queue: "billing", agentID: nil, attributes: ["tier": "gold", "region": "de"],
            measures: [.init(name: "waited", value: 95), .init(name: "ratio", value: 0.5)],
            details: ["region": "at", "phrase": "cancel"], causeEventID: nil, summary: "")
        let text = "{moment}|{kind}|{stage}|{severity}|{interaction_id}|{customer_id}|{agent_id}|{queue}|{channel}|{time}|"
            + "{tier}|{region}|{language}|{waited}|{ratio}|{phrase}|{unknown}"
        let template = try Template.parse(text).get()
        let expected = "long-wait|pain|queue|high|i-1|c-9|-|billing|voice|1970-01-01T00:00:00.000Z|gold|at|-|95|0.5|cancel|-"
        #expect(template.render(fields: moment.placeholder) == expected)
        #expect(template.render(from: moment.box.value) == expected)   // the fields read in place, as the engine renders
        #expect(template.render(moment.placeholder) == expected)
    }
}
