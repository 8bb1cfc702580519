import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A phrases condition as the engine evaluates it: which of its phrases (the first in file
/// order) a message contains, found in one pass over the message.
///
/// Searching the folded text once per phrase compared at every space (every phrase starts with
/// one), 50 comparisons a message for the default rules' 21 phrases: about 800 instructions an
/// event, a seventeenth of the engine, spent on a tenth of the events. Here each word start of
/// the text looks only at the phrases whose second byte (a word's first letter) is the next
/// byte, and the lowest phrase number found anywhere wins, which is the phrase the per-phrase
/// search found first. The tables are flat arrays read through pointers: an array of arrays
/// retained and released an inner array at every word start. A class: as a struct in a shared
/// box, calling its method copied it (its five arrays retained and released) for each message.
final class PhraseMatcher: Sendable {
    let condition: PhraseCondition
    /// The folded forms' bytes, one after another; form `e` is `bytes[starts[e]..<starts[e + 1]]`,
    /// a form of phrase `phraseOf[e]`. A phrase has one form, or two when it is written with
    /// a German umlaut (`umlautSpelling`).
    private let bytes: [UInt8]
    private let starts: [Int]
    private let phraseOf: [Int]
    /// Per byte value `b`: the forms whose second byte is `b`, in file order of their phrases,
    /// as the range `candidates[first[b]..<first[b + 1]]`.
    private let candidates: [Int]
    private let first: [Int]
    /// The phrases must be folded (`TextNormalizer.normalize`, as the rules parser leaves
    /// them, which refuses a phrase without letters): a space, then a letter or digit. So a
    /// match can only start at a space of the text.
    init(_ condition: PhraseCondition) {
        self.condition = condition
        var forms: [(phrase: Int, bytes: [UInt8])] = []
        for (n, p) in condition.phrases.enumerated() {
            forms.append((n, Array(p.phrase.utf8)))
            if let spelt = Self.umlautSpelling(p.original) { forms.append((n, Array(TextNormalizer.normalize(spelt).utf8))) }
        }
        precondition(forms.allSatisfy { $0.bytes.count >= 2 && $0.bytes[0] == 0x20 && $0.bytes[1] != 0x20 }, "phrases must be folded")
        bytes = forms.flatMap(\.bytes)
        starts = forms.reduce(into: [0]) { $0.append($0.last! + $1.bytes.count) }
        phraseOf = forms.map(\.phrase)
        var lists = Array(repeating: [Int](), count: 256)
        for (e, f) in forms.enumerated() { lists[Int(f.bytes[1])].append(e) }
        candidates = lists.flatMap { $0 }
        first = lists.reduce(into: [0]) { $0.append($0.last! + $1.count) }
    }

    /// A phrase with ä, ö or ü written as German is typed without them (ae, oe, ue): "ich will
    /// kündigen" is also "ich will kuendigen". Folding alone makes it "kundigen", which the
    /// second spelling never is (until 2026-12-07 it went unmatched). Nil for a phrase without.
    static func umlautSpelling(_ phrase: String) -> String? {
        let spellings: [Character: String] = ["ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"]
        // Composed first: "u" and a combining diaeresis is "ü" too.
        let composed = phrase.precomposedStringWithCanonicalMapping
        guard composed.contains(where: { spellings[$0] != nil }) else { return nil }
        return String(composed.flatMap { spellings[$0].map(Array.init) ?? [$0] })
    }

    /// The number of the first phrase (in file order) that the message contains, or nil.
    func firstMatch(in text: String) -> Int? {
        let folded = TextNormalizer.normalizedBytes(text)
        return folded.withUnsafeBufferPointer { firstMatch(inFolded: $0) }
    }

    func firstMatch(inFolded text: UnsafeBufferPointer<UInt8>) -> Int? {
        var best = Int.max
        bytes.withUnsafeBufferPointer { bytes in
            starts.withUnsafeBufferPointer { starts in
                candidates.withUnsafeBufferPointer { candidates in
                    first.withUnsafeBufferPointer { first in
                        phraseOf.withUnsafeBufferPointer { phraseOf in
                            var i = 0
                            while i + 1 < text.count {
                                defer { i += 1 }
                                if text[i] != 0x20 { continue }
                                let next = Int(text[i + 1])
                                for k in first[next]..<first[next + 1] {
                                    let e = candidates[k], n = phraseOf[e]
                                    guard n < best else { break }   // in file order: nothing later can win
                                    let start = starts[e], count = starts[e + 1] - start
                                    if count <= text.count - i,
                                       memcmp(text.baseAddress! + i, bytes.baseAddress! + start, count) == 0 {
                                        best = n
                                        break
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return best == Int.max ? nil : best
    }
}
