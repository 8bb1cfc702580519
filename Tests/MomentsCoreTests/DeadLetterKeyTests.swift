import Foundation
import Testing
@testable import MomentsCore

/// A dead letter keeps at most 1 KiB of its input's key, cut before a character it would split.
@Suite struct DeadLetterKeyTests {
    @Test func aShortKeyIsKeptWhole() {
        let key = Array("c-1".utf8)
        #expect(DeadLetter.keptKey(key) == key)
        let (origin, kept) = Origin.kafka(topic: "t", partition: 0, offset: 1, keyBytes: key)
        #expect(kept == key && origin.key == "c-1" && origin.keySize == nil)
    }

    /// "é" (2 bytes), "€" (3) and "𝄞" (4) straddling byte 1,024 are left out whole.
    @Test(arguments: ["é", "€", "𝄞"])
    func aLongKeyIsCutBeforeTheCharacterItWouldSplit(character: String) {
        let key = Array((String(repeating: "k", count: 1023) + character + "tail").utf8)
        let (origin, kept) = Origin.kafka(topic: "t", partition: 0, offset: 1, keyBytes: key)
        #expect(kept == Array(String(repeating: "k", count: 1023).utf8))
        #expect(origin.key == String(repeating: "k", count: 1023))
        #expect(origin.keySize == key.count)
    }

    @Test func aBinaryKeyIsCutAtTheLimitAndHasNoText() {
        let key = [UInt8](repeating: 0xFF, count: 5000)
        let (origin, kept) = Origin.kafka(topic: "t", partition: 0, offset: 1, keyBytes: key)
        #expect(kept?.count == 1024)
        #expect(origin.key == nil && origin.keySize == 5000)
    }

    /// `key_size` is written only for a key that was cut.
    @Test func keySizeIsWrittenOnlyForACutKey() throws {
        func originJSON(_ key: [UInt8]) throws -> [String: Any] {
            let (origin, _) = Origin.kafka(topic: "t", partition: 0, offset: 1, keyBytes: key)
            let letter = DeadLetter(original: [1], error: DecodeError(field: nil, reason: "x"), origin: origin, time: Timestamp(milliseconds: 0))
            let json = try JSONSerialization.jsonObject(with: Data(CloudEventEncoder().encode(letter))) as? [String: Any]
            return try #require((json?["data"] as? [String: Any])?["origin"] as? [String: Any])
        }
        #expect(try originJSON(Array("c-1".utf8))["key_size"] == nil)
        #expect(try originJSON(Array(repeating: UInt8(ascii: "k"), count: 2000))["key_size"] as? Int == 2000)
    }
}
