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

    /// A vendor message that gives a member twice is refused, as a canonical event is: readers
    /// differ on which of the two counts, so a system beside Moments could read another task,
    /// customer or agent in it. At the top, nested, in an array, and inside a JSON object held
    /// in a string (Twilio's `TaskAttributes`).
    @Test func aMemberGivenTwiceIsRefusedInEveryDialect() throws {
        let twilio = DialectDecoder(dialect: .twilioTaskRouter)
        let valid = #"{"EventType":"task.created","TaskSid":"WT1","Timestamp":"1795510800","TaskChannelUniqueName":"voice","TaskAttributes":"{\"customer_id\":\"c\"}"}"#
        #expect(try twilio.decode(valid).get().count == 1)
        let cases: [(json: String, path: String)] = [
            (#"{"EventType":"task.created","TaskSid":"WT1","TaskSid":"WT2","Timestamp":"1795510800","TaskChannelUniqueName":"voice","TaskAttributes":"{\"customer_id\":\"c\"}"}"#, "TaskSid"),
            (#"{"EventType":"task.created","TaskSid":"WT1","Timestamp":"1795510800","TaskChannelUniqueName":"voice","TaskAttributes":"{\"customer_id\":\"c\",\"customer_id\":\"d\"}"}"#, "TaskAttributes.customer_id"),
            (#"{"data":{"payload":{"EventType":"task.created","TaskSid":"WT1","Timestamp":"1795510800","TaskChannelUniqueName":"voice","TaskAttributes":"{\"customer_id\":\"c\"}","TaskSid":"WT3"}}}"#, "data.payload.TaskSid"),
            (#"{"EventType":"task.created","TaskSid":"WT1","Timestamp":"1795510800","TaskChannelUniqueName":"voice","TaskAttributes":"{\"customer_id\":\"c\"}","list":[{"a":1},{"a":1,"a":2}]}"#, "list[1].a"),
        ]
        for (json, path) in cases {
            let error = twilio.decode(json).decodeError
            #expect(error?.category == "duplicate_member", "\(path)")
            #expect(error?.field == path)
        }
        // The same name in two objects, or two names that differ in case, are not repeats.
        let distinct = #"{"EventType":"task.created","TaskSid":"WT1","Timestamp":"1795510800","TaskChannelUniqueName":"voice","TaskAttributes":"{\"customer_id\":\"c\",\"TaskSid\":\"x\"}","taskSid":"WT1"}"#
        #expect(try twilio.decode(distinct).get().count == 1)
        // A large object is checked by a set, not pairwise: a repeat far apart is still found.
        let many = (0..<40).map { "\"k\($0)\":1" }.joined(separator: ",")
        let amazon = DialectDecoder(dialect: .amazonConnect)
        #expect(amazon.decode("{\(many),\"k3\":2}").decodeError?.field == "k3")
        #expect(DialectDecoder(dialect: .genesysCloud).decode(#"{"eventBody":{"id":"x","id":"y"}}"#).decodeError?.field == "eventBody.id")
    }

    /// A repeat's path names where it is from the message's top, through JSON held in strings
    /// (a customer key read through `TaskAttributes` and a string inside it), and clips long
    /// names: the dead letter carries the path twice and must stay far below a message's size.
    @Test func aRepeatsPathIsWholeAndBounded() throws {
        let nested = #"{"EventType":"task.created","TaskSid":"WT1","Timestamp":"1795510800","TaskChannelUniqueName":"voice","TaskAttributes":"{\"customer\":\"{\\\"id\\\":\\\"a\\\",\\\"id\\\":\\\"b\\\"}\"}"}"#
        let decoder = DialectDecoder(dialect: .twilioTaskRouter, customerKey: try CustomerKey(parsing: "TaskAttributes.customer.id"))
        let error = decoder.decode(nested).decodeError
        #expect(error?.category == "duplicate_member")
        #expect(error?.field == "TaskAttributes.customer.id")

        let long = String(repeating: "n", count: 5_000)
        let repeated = DialectDecoder(dialect: .amazonConnect).decode(#"{"\#(long)":[0,0,{"\#(long)":1,"\#(long)":2}]}"#).decodeError
        #expect(repeated?.category == "duplicate_member")
        #expect((repeated?.field?.count ?? .max) < 200, "two clipped names and an index")
        #expect(repeated?.field?.contains("[2]") == true)
    }
}
