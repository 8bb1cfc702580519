import Testing
@testable import MomentsCore

@Suite struct DialectDecoderTests {
    @Test func canonicalGoesThroughTheCanonicalDecoderUnchanged() throws {
        let line = #"{"event_id":"e-1","type":"interaction.queued","occurred_at":"2026-11-24T09:00:00Z","interaction_id":"i-1","customer_id":"c-1","channel":"voice","queue":"billing"}"#
        #expect(try DialectDecoder().decode(line).get() == [try EventDecoder().decode(line).get()])
        let bad = #"{"event_id":"e-1"}"#
        #expect(DialectDecoder().decode(bad).decodeError == EventDecoder().decode(bad).decodeError)
    }

    @Test func dialectNames() {
        #expect(Dialect.allCases.map(\.rawValue) == ["canonical", "amazon-connect", "genesys-cloud", "twilio-taskrouter"])
        #expect(Dialect(rawValue: "genesys") == nil)
    }

    @Test func customerKeyPaths() throws {
        #expect(try CustomerKey(parsing: "attributes.customer_id") == .path(["attributes", "customer_id"]))
        #expect(try CustomerKey(parsing: "conversationExternalContactIds[0]") == .path(["conversationExternalContactIds", "0"]))
        #expect(try CustomerKey(parsing: "a.b[1][2].c") == .path(["a", "b", "1", "2", "c"]))
        #expect(try CustomerKey(parsing: "@key") == .messageKey)
        for bad in ["", "a..b", ".a", "a[x]", "a[]", "[0]", "a]b"] {
            #expect(throws: CustomerKey.SyntaxError.self, "\(bad)") { try CustomerKey(parsing: bad) }
        }
    }

    @Test func vendorMessagesThatAreNotObjectsAreErrors() {
        for dialect in Dialect.allCases {
            let decoder = DialectDecoder(dialect: dialect)
            #expect(decoder.decode("[1,2]").decodeError?.category == "not_an_object", "\(dialect)")
            #expect(decoder.decode("{").decodeError?.category == "invalid_json", "\(dialect)")
        }
    }

    @Test func hostileIdsAndAttributesAreBounded() throws {
        let long = String(repeating: "x", count: 600)
        let json = #"{"EventType":"task.created","TaskSid":"\#(long)","Timestamp":"1795510800","TaskChannelUniqueName":"voice","TaskAttributes":"{\"customer_id\":\"c\"}"}"#
        #expect(DialectDecoder(dialect: .twilioTaskRouter).decode(json).decodeError?.field == "interaction_id")
        var many = "{"
        for i in 0..<200 { many += "\\\"k\(i)\\\":\\\"v\\\"," }
        many += "\\\"customer_id\\\":\\\"c\\\"}"
        let json2 = #"{"EventType":"task.created","TaskSid":"WT1","Timestamp":"1795510800","TaskChannelUniqueName":"voice","TaskAttributes":"\#(many)"}"#
        let events = try DialectDecoder(dialect: .twilioTaskRouter).decode(json2).get()
        #expect(events.first?.attributes.count == VendorJSON.maxAttributes)
    }
}
