import Testing
@testable import MomentsCore

/// Output ids are written in one go and `EventData` keeps its fields in a shared box: both
/// must give exactly what the plain forms gave (interpolation, a struct of fields).
@Suite struct OutputIDAndEventDataTests {
    @Test(arguments: [
        ("i-1", "long_wait"), ("", ""), ("", "x"), ("interaction-with-a-long-id-0123456789", "rude_agent_flag"),
        ("é-ü", "ñ"), ("i:1", "r:2"),
    ])
    func joinsAsInterpolationDid(_ pair: (String, String)) {
        let (a, b) = pair
        #expect(OutputID.join(a, b) == "\(a):\(b)")
        for n in [0, 1, 12, -3, 1_000_000_007] {
            let id = OutputID.join(a, b, n)
            #expect(id == "\(a):\(b):\(n)")
            #expect(id.utf8.count == "\(a):\(b):\(n)".utf8.count)
        }
    }

    @Test func emptyDataHasNoBoxAndEqualsNone() {
        #expect(EventData().box == nil)
        #expect(EventData(toQueue: nil, score: nil) == EventData())
        #expect(EventData(reason: "resolved") != EventData())
        #expect(EventData(score: 0) != EventData(), "a zero is a value, not an absent field")
        #expect(EventData(score: -0.5).box == nil && EventData(csat: 4).box == nil, "numbers stay inline")
        #expect(EventData(score: -0.5, reason: "resolved") != EventData(reason: "resolved"))
        #expect(EventData(reason: "resolved", csat: 4) == EventData(reason: "resolved", csat: 4))
        #expect(EventData(reason: "resolved", csat: 4) != EventData(reason: "resolved", csat: 5))
    }

    @Test func settersChangeOnlyTheirCopy() {
        let original = EventData(sender: "customer", text: "cancel my plan")
        var changed = original
        changed.text = "thanks"
        changed.csat = 5
        #expect(original.text == "cancel my plan" && original.csat == nil)
        #expect(changed.sender == "customer" && changed.text == "thanks" && changed.csat == 5)
        changed.sender = nil; changed.text = nil; changed.csat = nil
        #expect(changed == EventData() && changed.box == nil, "clearing every field leaves no box")
        var fromEmpty = EventData()
        fromEmpty.reason = "abandoned"
        #expect(fromEmpty == EventData(reason: "abandoned") && fromEmpty.field("reason") == "abandoned")
    }
}
