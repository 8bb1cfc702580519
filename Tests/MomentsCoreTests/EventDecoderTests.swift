import Foundation
import Testing
@testable import MomentsCore

@Suite struct EventDecoderTests {
    let decoder = EventDecoder()
    let valid = #"{"event_id":"e-1","type":"sentiment.scored","occurred_at":"2026-11-24T09:00:00.250Z","interaction_id":"i-1","customer_id":"c-1","channel":"chat","queue":"billing","agent_id":null,"data":{"score":-0.75},"attributes":{"tier":"gold"}}"#

    func error(_ json: String) -> DecodeError? {
        if case .failure(let e) = decoder.decode(json) { return e }
        return nil
    }

    func replacing(_ a: String, _ b: String) -> String { valid.replacingOccurrences(of: a, with: b) }

    @Test func decodesTheCanonicalEvent() throws {
        let e = try decoder.decode(valid).get()
        #expect(e.eventID == "e-1")
        #expect(e.type == .sentimentScored)
        #expect(e.occurredAt == RFC3339.parse("2026-11-24T09:00:00.250Z"))
        #expect(e.channel == .chat)
        #expect(e.queue == "billing")
        #expect(e.agentID == nil)
        #expect(e.data.score == -0.75)
        #expect(e.attributes == ["tier": "gold"])
    }

    /// A member of the contract given twice is refused, naming it, wherever the two stand
    /// (the contract's order read first, the general loop, inside `data`); unknown members and
    /// attributes given twice are not (attributes keep the last value).
    @Test func aContractMemberGivenTwiceIsRefused() throws {
        let cases: [(String, String)] = [
            (replacing(#","channel""#, #","customer_id":"c-2","channel""#), "customer_id"),
            (replacing(#""event_id":"e-1","#, #""event_id":"e-1","event_id":"e-2","#), "event_id"),
            (replacing(#""queue":"billing""#, #""queue":"billing","queue":null"#), "queue"),
            (replacing(#","attributes""#, #","data":{},"attributes""#), "data"),
            (replacing(#"}}"#, #"},"attributes":{}}"#), "attributes"),
            (replacing(#""score":-0.75"#, #""score":-0.75,"score":0.9"#), "data.score"),
            (#"{"type":"sentiment.scored","type":"hold.started"}"#, "type"),
        ]
        for (json, field) in cases {
            let e = error(json)
            #expect(e == DecodeError(field: field, reason: EventDecoder.givenTwice), "\(json)")
            #expect(e?.category == "duplicate_member")
        }
        let unknownTwice = try decoder.decode(replacing(#""attributes""#, #""x":1,"x":2,"attributes""#)).get()
        #expect(unknownTwice.eventID == "e-1")
        let attributeTwice = try decoder.decode(replacing(#"{"tier":"gold"}"#, #"{"tier":"gold","tier":"vip"}"#)).get()
        #expect(attributeTwice.attributes == ["tier": "vip"])
    }

    @Test func unknownFieldsAndTypesAreIgnored() throws {
        let e = try decoder.decode(replacing(#""attributes""#, #""vendor":{"x":[1,2,{"y":null}]},"attributes""#)).get()
        #expect(e.eventID == "e-1")
        let other = try decoder.decode(replacing("sentiment.scored", "wrapup.noted")).get()
        #expect(other.type == .other("wrapup.noted"))
        #expect(!other.type.isKnown)
    }

    @Test(arguments: [
        (#"{"type":"x"}"#, "event_id", "missing"),
        (#"[1,2]"#, nil, "expected a JSON object"),
    ] as [(String, String?, String)])
    func documentLevelErrors(json: String, field: String?, reason: String) throws {
        let e = try #require(error(json))
        #expect(e.field == field)
        #expect(e.reason.contains(reason))
    }

    /// A timestamp that reads but is out of range is quoted clipped, as every other quoted input
    /// is: a megabyte of fraction digits made a reason of a megabyte (twice in its dead letter).
    @Test func anOutOfRangeTimestampIsQuotedClipped() throws {
        let long = "2200-01-01T00:00:00." + String(repeating: "1", count: 5000) + "Z"
        let error = try #require(EventDecoder().decode(replacing("2026-11-24T09:00:00.250Z", long)).decodeError)
        #expect(error.field == "occurred_at")
        #expect(error.reason.contains("outside the accepted range"))
        #expect(error.reason.utf8.count < 300, "\(error.reason.utf8.count) bytes")
    }

    /// An error names a stray character as the character it is, and never carries a control
    /// character: reasons go to terminals, logs and dead-letter headers, and a line's escape
    /// sequence reached the reader's terminal as it was; `“` was shown as `â`.
    @Test func errorsShowCharactersReadablyAndNoControlCharacters() throws {
        func reason(_ bytes: [UInt8]) -> String? {
            if case .failure(let e) = decoder.decode(bytes) { return e.reason }
            return nil
        }
        #expect(reason(Array(#"{"a":“x”}"#.utf8)) == "invalid JSON at byte 5: unexpected character '“' (U+201C)")
        #expect(reason(Array("é".utf8)) == "invalid JSON at byte 0: unexpected character 'é' (U+E9)")
        #expect(reason(Array("\u{A0}{}".utf8)) == "invalid JSON at byte 0: unexpected character U+A0")
        #expect(reason([0x1B] + Array("[31m".utf8)) == "invalid JSON at byte 0: unexpected byte 0x1B")
        #expect(reason(Array(#"{"a":"#.utf8) + [0xFF, 0x7D]) == "invalid JSON at byte 5: unexpected byte 0xFF")
        #expect(reason(Array(#"{"a":@}"#.utf8)) == "invalid JSON at byte 5: unexpected character '@'")
        let escaped = try #require(error(replacing(#""channel":"chat""#, #""channel":"\u001b[31mfax\u202e""#)))
        #expect(escaped.description == #"channel: '\u{1B}[31mfax\u{202E}' is not one of voice, chat, email, sms, social"#)
        // A member's name in the field's path too (an attribute's value too long, here).
        let long = String(repeating: "v", count: 300)
        let named = try #require(error(replacing(#"{"tier":"gold"}"#, "{\"\\u001b[31mRED\":\"\(long)\"}")))
        #expect(named.description.hasPrefix(#"attributes.\u{1B}[31mRED: "#), "\(named.description)")
    }

    @Test func everyBadFieldIsNamed() throws {
        let cases: [(String, String, String)] = [
            (replacing(#""event_id":"e-1""#, #""event_id":7"#), "event_id", "expected a string, found a number"),
            (replacing(#""channel":"chat""#, #""channel":"fax""#), "channel", "not one of voice"),
            (replacing("2026-11-24T09:00:00.250Z", "yesterday"), "occurred_at", "not an RFC 3339 timestamp"),
            (replacing("2026-11-24T09:00:00.250Z", "2026-02-30T09:00:00Z"), "occurred_at", "not an RFC 3339 timestamp"),
            (replacing("2026-11-24T09:00:00.250Z", "3026-11-24T09:00:00Z"), "occurred_at", "outside the accepted range"),
            (replacing("-0.75", "\"bad\""), "data.score", "expected a number, found a string"),
            (replacing("-0.75", "-1.5"), "data.score", "outside -1..1"),
            (replacing(#"{"score":-0.75}"#, "{}"), "data.score", "missing"),
            (replacing(#""data":{"score":-0.75}"#, #""data":[1]"#), "data", "expected an object"),
            (replacing(#"{"tier":"gold"}"#, #"{"tier":5}"#), "attributes.tier", "expected a string"),
            (replacing(#""queue":"billing""#, #""queue":["a"]"#), "queue", "expected a string or null"),
            (replacing(#""customer_id":"c-1""#, #""customer_id":"""#), "customer_id", "empty"),
        ]
        for (json, field, reason) in cases {
            let e = try #require(error(json), "\(json) should fail")
            #expect(e.field == field, "\(json)")
            #expect(e.reason.contains(reason), "\(e.reason) should contain \(reason)")
        }
    }

    /// A required member written as null is said to be null: "missing" (until 2026-12-08) sent
    /// the reader looking for a member that is there. Counted as a missing field still.
    @Test func aRequiredMemberThatIsNullIsSaidToBeNull() throws {
        for key in ["type", "event_id", "interaction_id", "customer_id", "channel", "occurred_at"] {
            let json = valid.replacingOccurrences(of: #"("\#(key)":"[^"]*")"#, with: #""\#(key)":null"#, options: .regularExpression)
            let e = try #require(error(json), "\(json) should fail")
            #expect(e == DecodeError(field: key, reason: "null, where a string is required"), "\(json)")
            #expect(e.category == "missing_field")
        }
        let absent = try #require(error(#"{"event_id":"e-1"}"#))
        #expect(absent == DecodeError(field: "type", reason: "missing"))
    }

    @Test func typeSpecificDataIsChecked() throws {
        let ended = replacing("sentiment.scored", "interaction.ended").replacingOccurrences(of: #"{"score":-0.75}"#, with: #"{"reason":"bored"}"#)
        #expect(error(ended)?.field == "data.reason")
        let survey = replacing("sentiment.scored", "survey.submitted").replacingOccurrences(of: #"{"score":-0.75}"#, with: #"{"csat":6}"#)
        #expect(error(survey)?.field == "data.csat")
        let message = replacing("sentiment.scored", "message.sent").replacingOccurrences(of: #"{"score":-0.75}"#, with: #"{"sender":"bot","text":"hi"}"#)
        #expect(error(message)?.field == "data.sender")
        // Found by the decoder fuzzer (seed 20261204): an empty flag was accepted.
        let flagged = replacing("sentiment.scored", "agent.flagged").replacingOccurrences(of: #"{"score":-0.75}"#, with: #"{"flag":""}"#)
        #expect(error(flagged)?.field == "data.flag")
        #expect(error(flagged)?.reason.contains("empty") == true)
    }

    /// A whole number is quoted as the event wrote it: `"csat":7` was "7.0 is not an integer 1..5".
    @Test func numbersInErrorsAreWrittenAsInTheEvent() throws {
        func reason(_ data: String, _ type: String) -> String? {
            error(replacing("sentiment.scored", type).replacingOccurrences(of: #"{"score":-0.75}"#, with: data))?.reason
        }
        #expect(reason(#"{"csat":7}"#, "survey.submitted") == "7 is not an integer 1..5")
        #expect(reason(#"{"csat":2.5}"#, "survey.submitted") == "2.5 is not an integer 1..5")
        #expect(reason(#"{"csat":1e300}"#, "survey.submitted") == "1e+300 is not an integer 1..5")
        #expect(reason(#"{"score":2}"#, "sentiment.scored") == "2 is outside -1..1")
        #expect(reason(#"{"score":-1.5}"#, "sentiment.scored") == "-1.5 is outside -1..1")
    }

    @Test func hostileDocumentsAreErrorsNotCrashes() throws {
        #expect(error(String(valid.dropLast(20)))?.reason.contains("invalid JSON") == true)
        #expect(error(String(repeating: "[", count: 10_000))?.reason.contains("nesting deeper") == true)
        #expect(error("")?.reason.contains("invalid JSON") == true)
        var bytes = Array(valid.utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "g"))!   // inside "gold"
        bytes[at] = 0xFF
        if case .failure(let e) = decoder.decode(bytes) { #expect(e.reason.contains("UTF-8")) } else { Issue.record("invalid UTF-8 accepted") }
        let huge = "{\"event_id\":\"" + String(repeating: "x", count: 2 << 20) + "\"}"
        #expect(error(huge)?.reason.contains("exceeds the limit") == true)
        #expect(error(replacing("-0.75", "1e999"))?.reason.contains("out of range") == true)
    }

    @Test func escapesAndUnicodeAreDecoded() throws {
        let e = try decoder.decode(replacing(#""customer_id":"c-1""#, #""customer_id":"c-\u00fc\ud83d\ude00\n""#)).get()
        #expect(e.customerID == "c-ü😀\n")
    }

    /// Instants RFC 3339 cannot write are described by their number, not a trap.
    @Test func extremeTimestampsDescribeThemselves() {
        #expect(Timestamp(milliseconds: .max).description == "Timestamp(milliseconds: \(Int64.max))")
        #expect(Timestamp(milliseconds: .min).description == "Timestamp(milliseconds: \(Int64.min))")
        #expect(Timestamp(milliseconds: 253_402_300_799_999).description == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: -62_167_219_200_000).description == "0000-01-01T00:00:00.000Z")
    }

    @Test func duplicateFilterIsBounded() {
        var f = DuplicateFilter(capacity: 3)
        let inserted = ["a", "a", "b", "c", "d"].map { f.insert($0) }
        #expect(inserted == [true, false, true, true, true])
        #expect(f.count == 3)
        let again = ["a", "d"].map { f.insert($0) }
        #expect(again == [true, false])   // "a" was forgotten after three newer ids
    }

    /// A window resized on reload keeps the newest ids that fit, oldest forgotten first, and
    /// then evicts at its new size; a larger one keeps them all.
    @Test func aResizedDuplicateFilterKeepsTheNewestIds() {
        var f = DuplicateFilter(capacity: 5)
        for id in ["a", "b", "c", "d", "e", "f", "g"] { _ = f.insert(id) }   // the ring wrapped: c…g
        var smaller = f.resized(to: 3)
        #expect(smaller.capacity == 3 && smaller.count == 3)
        let remembered = ["g", "f", "e"].map { smaller.insert($0) }
        #expect(remembered == [false, false, false])
        let forgotten = [smaller.insert("d"), smaller.insert("e")]   // d was forgotten; it evicts e
        #expect(forgotten == [true, true])
        var larger = f.resized(to: 10)
        let kept = ["c", "d", "e", "f", "g"].map { larger.insert($0) }
        #expect(kept == [false, false, false, false, false])
        let added = ["h", "i", "j", "k", "l"].map { larger.insert($0) }
        #expect(added == [true, true, true, true, true])
        #expect(larger.count == 10)
        let cAgain = larger.insert("c")
        #expect(!cAgain)
    }

    /// The fingerprint table against the set and ring it replaced, through growth (it starts at
    /// 1,024 ids), wrap-around of the ring and many removals (which shift probe runs back).
    @Test func duplicateFilterMatchesASetWithFIFOEviction() {
        let capacity = 5_000
        var filter = DuplicateFilter(capacity: capacity)
        var seen: Set<String> = [], ring: [String] = [], sent: [String] = []
        for n in 0..<20_000 {
            // Mostly new ids; every 7th repeats one sent up to 3,000 ids ago (inside the window
            // or already forgotten), picked by a fixed stride so the test is deterministic.
            let id = n % 7 == 0 && n > 0 ? sent[max(0, n - 1 - (n * 7_919) % 3_000)] : "ix-\(n)-\(n % 13)"
            sent.append(id)
            let expected = !seen.contains(id)
            if expected {
                seen.insert(id); ring.append(id)
                if ring.count > capacity { seen.remove(ring.removeFirst()) }
            }
            #expect(filter.insert(id) == expected)
        }
        #expect(filter.count == seen.count)
    }

    /// Fingerprints that share the table's tag (and so its home slot) but differ elsewhere are
    /// different ids: the table must read the ring to tell them apart, also after evictions
    /// shifted the probe run.
    @Test func duplicateFilterTellsApartFingerprintsThatShareATag() {
        var filter = DuplicateFilter(capacity: 4)
        let sameTag = (1...6).map { Fingerprint(high: UInt64($0) << 32 | 0xABCD, low: UInt64($0) << 1 | 1) }
        let first = sameTag.map { filter.insert($0) }
        #expect(first == [true, true, true, true, true, true])
        #expect(filter.count == 4)
        // The last four are remembered; the first two were evicted in arrival order.
        let remembered = [5, 4, 3, 2].map { filter.insert(sameTag[$0]) }
        #expect(remembered == [false, false, false, false])
        let then = [
            filter.insert(sameTag[0]),   // forgotten, so new again; evicts sameTag[2]
            filter.insert(sameTag[2]),   // just evicted, new again; evicts sameTag[3]
            filter.insert(sameTag[4]),
            filter.insert(sameTag[0]),
        ]
        #expect(then == [true, true, false, false])
        #expect(filter.count == 4)
    }
}

@Suite struct TimeTests {
    @Test func rfc3339RoundTrips() throws {
        for text in ["2026-11-24T09:00:00.000Z", "1999-12-31T23:59:59.999Z", "2024-02-29T12:00:00.001Z", "1969-07-20T20:17:40.000Z"] {
            let t = try #require(RFC3339.parse(text))
            #expect(t.description == text)
        }
        #expect(RFC3339.parse("2026-11-24T10:00:00+01:00") == RFC3339.parse("2026-11-24T09:00:00Z"))
        #expect(RFC3339.parse("2026-11-24T09:00:00.123456Z")?.milliseconds == RFC3339.parse("2026-11-24T09:00:00.123Z")?.milliseconds)
        #expect(RFC3339.parse("2026-11-24 09:00:00") == nil)
        #expect(RFC3339.parse("2026-13-01T00:00:00Z") == nil)
        #expect(RFC3339.parse("2023-02-29T00:00:00Z") == nil)
    }

    /// The straight-line reader of the contract's two forms agrees with the general reader on
    /// timestamps across four centuries (leap days, second 60) and on every one-byte change to
    /// them: a digit, a separator, or a byte that is neither, at every position.
    @Test func contractFormsReadAsTheGeneralReaderReadsThem() {
        var seed: UInt64 = 42
        var samples = ["2024-02-29T23:59:60.999Z", "2023-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"]
        for _ in 0..<300 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let ms = Int64(bitPattern: seed >> 1) % (400 * 365 * 86_400_000) - 200 * 365 * 86_400_000
            let text = RFC3339.format(Timestamp(milliseconds: ms))
            samples.append(text)
            samples.append(String(text.prefix(19)) + "Z")
        }
        let replacements: [UInt8] = Array("09/:-TZ.a ".utf8) + [0x80]
        var compared = 0
        for text in samples {
            let bytes = Array(text.utf8)
            var variants = [bytes]
            for k in bytes.indices {
                for r in replacements { var v = bytes; v[k] = r; variants.append(v) }
            }
            for v in variants {
                let fast = v.withUnsafeBufferPointer { RFC3339.parse($0) }
                #expect(fast == RFC3339.parseAnyForm(v), "\(String(decoding: v, as: UTF8.self))")
                compared += 1
            }
        }
        #expect(compared > 100_000)
    }

    @Test func durationsNeedUnits() {
        #expect(DurationParser.parse("120s") == .seconds(120))
        #expect(DurationParser.parse("1h30m") == .minutes(90))
        #expect(DurationParser.parse("30d") == .days(30))
        #expect(DurationParser.parse("500ms") == Duration(milliseconds: 500))
        #expect(DurationParser.parse("120") == nil)
        #expect(DurationParser.parse("12x") == nil)
        // Units from larger to smaller, each once (until 2026-12-07 these were sums).
        #expect(DurationParser.parse("1d2h3m4s5ms") == Duration(milliseconds: 93_784_005))
        #expect(DurationParser.parse("30s2h") == nil)
        #expect(DurationParser.parse("1m1m1m") == nil)
        #expect(DurationParser.parse("2m1min") == nil)
        #expect(DurationParser.parse("99999999999999999999d") == nil)
    }

    @Test func humanDurations() {
        #expect(Duration.seconds(45).description == "45 s")
        #expect(Duration.seconds(130).description == "2 min 10 s")
        #expect(Duration.minutes(65).description == "1 h 5 min")
        #expect(Duration.days(3).description == "3 d")
    }
}

@Suite struct TextNormalizerTests {
    @Test func foldsCaseAccentsAndPunctuation() {
        #expect(TextNormalizer.normalize("Ich will KÜNDIGEN!") == " ich will kundigen ")
        #expect(TextNormalizer.normalize("Voglio   disdire, subito.") == " voglio disdire subito ")
        #expect(TextNormalizer.normalize("Straße") == " strasse ")
        #expect(TextNormalizer.normalize("I don't") == " i dont ")
    }

    /// Invisible format characters are not word breaks (until 2026-12-07 a soft hyphen split
    /// "kündigen" in two, on both the byte path and the Unicode one).
    @Test func invisibleFormatCharactersAreDropped() {
        #expect(TextNormalizer.normalize("kün\u{AD}digen") == " kundigen ")
        #expect(TextNormalizer.normalize("can\u{200B}cel now") == " cancel now ")
        #expect(TextNormalizer.normalize("\u{FEFF}I want to can\u{2060}cel") == " i want to cancel ")
    }
}

@Suite struct PhraseSearchTests {
    func matcher(_ phrases: [String]) -> PhraseMatcher {
        PhraseMatcher(PhraseCondition(sender: nil, phrases: phrases.map { (language: "xx", phrase: TextNormalizer.normalize($0), original: $0) }))
    }

    /// The one-pass search must name the phrase a search phrase by phrase names: the first, in
    /// file order, that the folded text contains.
    @Test func findsTheFirstPhraseInFileOrderAsAPerPhraseSearchDoes() {
        let phrases = [
            "cancel my subscription", "cancel", "I want to cancel", "ich will kündigen", "kündigen", "disdire", "want",
            "mau berhenti", "x", "subito", "close my account", "cancel my account", "Straße", "strasse weg",
        ]
        let m = matcher(phrases)
        let folded = phrases.map { TextNormalizer.normalize($0) }
        let words = ["i", "want", "to", "cancel", "my", "subscription", "account", "close", "ich", "will", "KÜNDIGEN", "voglio",
                     "disdire", "subito", "saya", "mau", "berhenti", "x", "xx", "cancellation", "Straße", "weg", "¿", "!", "don't", "日本"]
        var rng = SplitMix(seed: 20261204)
        var texts = ["", " ", "I want to cancel", "cancellation please", "Ich will KÜNDIGEN!", "straße weg", "x"]
        for _ in 0..<3_000 { texts.append((0..<rng.below(12)).map { _ in words[rng.below(words.count)] }.joined(separator: rng.below(3) == 0 ? ", " : " ")) }
        var found = 0
        for t in texts {
            let text = TextNormalizer.normalize(t)
            let expected = folded.firstIndex { text.contains($0) }
            #expect(m.firstMatch(in: t) == expected, "\(t)")
            if expected != nil { found += 1 }
        }
        #expect(found > 1_000 && found < texts.count)   // the texts test both outcomes
    }

    /// A phrase written with ä, ö or ü also matches the spelling without them (ae, oe, ue), as
    /// German is typed on keyboards without umlauts; the phrase found is still the first in
    /// file order (until 2026-12-07 "ICH WILL KUENDIGEN" went unmatched).
    @Test func umlautsMatchTheirSpellingWithoutThem() {
        let m = matcher(["ich will kündigen", "Vertrag KÜNDIGEN", "cancel"])
        #expect(m.firstMatch(in: "ICH WILL KUENDIGEN!") == 0)
        #expect(m.firstMatch(in: "ich will kündigen") == 0)
        #expect(m.firstMatch(in: "den vertrag kuendigen bitte") == 1)
        #expect(m.firstMatch(in: "kuendigen") == nil)
        #expect(m.firstMatch(in: "cancel, vertrag kuendigen") == 1)
        #expect(matcher(["ku\u{308}ndigen"]).firstMatch(in: "Kuendigen") == 0)   // a combining diaeresis too
        #expect(PhraseMatcher.umlautSpelling("cancel") == nil)
        #expect(PhraseMatcher.umlautSpelling("Öffnung für Männer") == "Oeffnung fuer Maenner")
    }

    @Test func aPhraseMatchesWholeWordsOnly() {
        let m = matcher(["cancel"])
        #expect(m.firstMatch(in: "please cancel it") == 0)
        #expect(m.firstMatch(in: "Cancel!") == 0)
        #expect(m.firstMatch(in: "cancellation") == nil)
        #expect(m.firstMatch(in: "precancel") == nil)
    }
}

@Suite struct LatinFoldingTests {
    /// The byte path must give what the Unicode path gives, for every text it accepts.
    @Test func latinFastPathMatchesTheUnicodePath() {
        let texts = [
            "I WANT to Cancel!", "don't  stop -- now", "  ", "x", "Order #123, please.", "tab\there",
            "Ich will KÜNDIGEN!", "Straße", "Je veux résilier, ça suffit.", "¿Quiero CANCELAR? ¡Ya!", "Não aguento mais", "Ærø × ½ ÿ Ÿ",
        ]
        for t in texts {
            let fast = TextNormalizer.normalizeLatin(t)
            #expect(fast != nil, "\(t)")
            #expect(fast == TextNormalizer.normalizeUnicode(t), "\(t)")
        }
        // Every scalar of the table, alone and between letters, as the general path folds it.
        for value in 0x80..<0x250 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            for t in ["\(Character(scalar))", "a\(Character(scalar))b", "A \(Character(scalar))\(Character(scalar)) B"] {
                if let fast = TextNormalizer.normalizeLatin(t) { #expect(fast == TextNormalizer.normalizeUnicode(t), "U+\(String(value, radix: 16))") }
            }
        }
    }

    @Test func otherScriptsAndCombiningMarksTakeTheGeneralPath() {
        #expect(TextNormalizer.normalizeLatin("Kündigen") != nil)
        #expect(TextNormalizer.normalizeLatin("Ku\u{308}ndigen") == nil)   // a combining mark (U+0308)
        #expect(TextNormalizer.normalizeLatin("я хочу отменить") == nil)
        #expect(TextNormalizer.normalizeLatin("it’s over") == nil)   // U+2019, three bytes
        #expect(TextNormalizer.normalize("Ku\u{308}ndigen") == " kundigen ")
        #expect(TextNormalizer.normalize("it’s over") == " its over ")
    }
}
