import Foundation
import Testing
@testable import MomentsCore

/// The single-pass decoder against an independent reader (Foundation's JSONSerialization) and
/// against the tree parser's strictness, so speed did not cost correctness.
@Suite struct EventScannerTests {
    let decoder = EventDecoder()

    /// Reference events in every member order, with escapes, unicode and unknown members.
    func documents() -> [String] {
        let members = [
            #""event_id":"e-\u0031\"x""#, #""type":"message.sent""#, #""occurred_at":"2026-11-24T09:00:00.250Z""#,
            #""interaction_id":"i-1""#, #""customer_id":"c-ü-1""#, #""channel":"chat""#, #""queue":null"#,
            #""agent_id":"a-7""#, #""data":{"sender":"customer","text":"ich will k\u00fcndigen 😀","extra":[1,{"y":null}]}"#,
            #""attributes":{"tier":"gold","language":"de","tier":"silver"}"#, #""vendor":{"nested":[true,false,-1.5e3]}"#,
        ]
        var out: [String] = []
        var order = Array(members.indices)
        var seed: UInt64 = 7
        for _ in 0..<40 {
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                order.swapAt(i, Int(seed >> 33) % (i + 1))
            }
            out.append("{" + order.map { members[$0] }.joined(separator: " , ") + "}")
        }
        return out
    }

    @Test func agreesWithJSONSerializationWhateverTheMemberOrder() throws {
        for doc in documents() {
            let event = try decoder.decode(doc).get()
            let reference = try #require(try JSONSerialization.jsonObject(with: Data(doc.utf8)) as? [String: Any])
            #expect(event.eventID == reference["event_id"] as? String)
            #expect(event.customerID == reference["customer_id"] as? String)
            #expect(event.agentID == reference["agent_id"] as? String)
            #expect(event.queue == nil)
            let data = try #require(reference["data"] as? [String: Any])
            #expect(event.data.text == data["text"] as? String)
            #expect(event.data.sender == "customer")
            // Duplicate members: the last wins in attributes (a dictionary), as JSONSerialization does.
            #expect(event.attributes == ["tier": "silver", "language": "de"])
            #expect(event.type == .messageSent)
        }
    }

    @Test func numbersTakeTheExactFastPathOrFallBack() {
        for text in ["-0.63", "0.5", "5", "-1", "0.1", "123456789012345", "0.000001", "1e5", "-2.5E-3", "1234567890123456789", "0.30000000000000004"] {
            let bytes = Array(text.utf8)
            let fast = bytes.withUnsafeBufferPointer { JSONLexer.exactDouble($0) }
            if let fast { #expect(fast == Double(text)!, "\(text)") }
            let parsed = try? JSONParser.parse(bytes)
            #expect(parsed?.numberValue == Double(text)!, "\(text)")
        }
    }

    @Test func syntaxErrorsAnywhereWinOverFieldErrors() {
        // A wrong type early in the document and broken JSON later: the document is refused as JSON.
        let doc = #"{"event_id":5,"type":"x","vendor":[1,2,}"#
        guard case .failure(let e) = decoder.decode(doc) else { Issue.record("accepted"); return }
        #expect(e.reason.contains("invalid JSON"))
        // Strictness inside members nobody reads.
        for bad in [#"{"vendor":"\x"}"#, #"{"vendor":[01]}"#, #"{"vendor":1e999}"#, #"{"vendor":"\ud800"}"#, "{\"vendor\":\"\u{01}\"}"] {
            guard case .failure(let e) = decoder.decode(bad) else { Issue.record("accepted \(bad)"); continue }
            #expect(e.reason.contains("invalid JSON"), "\(bad): \(e.reason)")
        }
        var invalidUTF8 = Array(#"{"vendor":"ab"}"#.utf8)
        invalidUTF8.insert(0xC0, at: 12)   // an overlong form
        guard case .failure(let u) = decoder.decode(invalidUTF8) else { Issue.record("accepted invalid UTF-8"); return }
        #expect(u.reason.contains("UTF-8"))
    }

    @Test func fieldErrorsFollowTheContractOrder() {
        // customer_id comes first in the document, but event_id is checked first.
        let doc = #"{"customer_id":7,"type":"interaction.started","event_id":""}"#
        guard case .failure(let e) = decoder.decode(doc) else { Issue.record("accepted"); return }
        #expect(e.field == "event_id")
        #expect(e.reason == "empty")
    }

    @Test func escapedMemberNamesKeepTheirDecodedBytes() throws {
        // Found by the fuzzer: a name with escapes, then a value with escapes, in one document.
        let parsed = try JSONParser.parse(Array(#"{"a\"b":"c\u00fc","x\ny":[{"\u0041":1}]}"#.utf8))
        #expect(parsed["a\"b"]?.stringValue == "cü")
        #expect(parsed["x\ny"] == .array([.object([("A", .number(1))])]))
    }
}
