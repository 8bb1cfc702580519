import Foundation
import Testing
@testable import MomentsCore

/// The customer table must answer as the Dictionary it replaced, through any sequence of
/// insertions, updates and removals (removal moves entries in the slots and in the dense arrays).
@Suite struct CustomerTableTests {
    /// A state told apart by one field, so a value landing under the wrong key is seen.
    func state(_ n: Int) -> CustomerState {
        var s = CustomerState()
        s.lastRecovery["r"] = Timestamp(milliseconds: Int64(n))
        return s
    }

    func mark(_ s: CustomerState?) -> Int64? { s?.lastRecovery["r"]?.milliseconds }

    /// Ids of every length around the 8-byte words the hash reads, past the 15 bytes a Swift
    /// string keeps inline, non-ASCII, and the empty id.
    func id(_ n: Int) -> String {
        switch n % 5 {
        case 0: return "c-\(n)"
        case 1: return "customer-\(n)-" + String(repeating: "x", count: n % 17)
        case 2: return "kündin-\(n)"
        case 3: return String(n, radix: 36)
        default: return n % 1000 == 4 ? "" : "c\(n)"
        }
    }

    @Test(arguments: [1, 2, 20261204] as [UInt64])
    func answersAsADictionaryThroughRandomChurn(seed: UInt64) {
        var table = CustomerTable(seed: seed)
        var model: [String: Int64] = [:]
        var rng = SplitMix(seed: seed)
        for step in 0..<40_000 {
            let key = id(rng.below(3_000))
            switch rng.below(10) {
            case 0..<5:
                table[key] = state(step)
                model[key] = Int64(step)
            case 5..<8:
                table[key] = nil
                model[key] = nil
            default:
                // checkOut / checkIn, as the engine updates a customer.
                var s = CustomerState()
                let slot = table.checkOut(key, into: &s)
                #expect((slot != nil) == (model[key] != nil))
                s.lastRecovery["r"] = Timestamp(milliseconds: Int64(step))
                table.checkIn(key, &s, at: slot)
                model[key] = Int64(step)
            }
            #expect(mark(table[key]) == model[key])
            if step % 2_000 == 0 || step == 39_999 {
                #expect(table.count == model.count)
                for (k, v) in model { #expect(mark(table[k]) == v, "\(k)") }
                #expect(Set(table.keys) == Set(model.keys))
                for (d, k) in table.keys.enumerated() { #expect(table.index(forKey: k) == d) }
            }
        }
    }

    @Test func removingEveryKeyLeavesAnEmptyTableThatStillWorks() {
        var table = CustomerTable(seed: 7)
        let keys = (0..<5_000).map(id)
        for (n, k) in keys.enumerated() { table[k] = state(n) }
        #expect(table.count == Set(keys).count)
        for k in keys.reversed() { table[k] = nil }
        #expect(table.isEmpty && table.count == 0 && table.keys.isEmpty)
        for k in keys.prefix(100) { #expect(table[k] == nil) }
        table["c-1"] = state(1)
        #expect(mark(table["c-1"]) == 1 && table.count == 1)
    }

    @Test func theSameIdsWithAnotherSeedGiveTheSameAnswers() {
        var a = CustomerTable(seed: 1), b = CustomerTable(seed: 99)
        for n in 0..<2_000 { a[id(n)] = state(n); b[id(n)] = state(n) }
        for n in stride(from: 0, to: 2_000, by: 3) { a[id(n)] = nil; b[id(n)] = nil }
        for n in 0..<2_000 { #expect(mark(a[id(n)]) == mark(b[id(n)])) }
    }
}

/// The id hashes (customer table, duplicate fingerprints) read a short run of bytes in one or
/// two overlapping loads: runs of the same length must still give different words.
@Suite struct ShortRunWordTests {
    @Test func everyRunOfALengthGivesItsOwnWord() {
        // Every run of length 0...8 over three byte values, 9,841 runs: overlapping loads that
        // dropped or doubled a byte would make two of one length alike.
        let alphabet: [UInt8] = [0x00, 0x61, 0xFF]
        for n in 0...8 {
            var seen: [UInt64: [UInt8]] = [:]
            var digits = [Int](repeating: 0, count: n)
            repeat {
                let run = digits.map { alphabet[$0] }
                let word = run.withUnsafeBufferPointer { ByteHash.shortRunWord($0) }
                #expect(seen[word] == nil, "\(run) and \(seen[word] ?? [])")
                seen[word] = run
                var k = 0
                while k < n, digits[k] == alphabet.count - 1 { digits[k] = 0; k += 1 }
                if k == n { break }
                digits[k] += 1
            } while true
            #expect(seen.count == Int(pow(3.0, Double(n))))
        }
    }

    /// Longer runs are read as words of eight, the last one ending at the last byte.
    @Test func longerRunsAreReadAsWordsEndingAtTheLastByte() {
        let bytes = (1...20).map { UInt8($0) }
        for n in 9...20 {
            var words: [UInt64] = []
            bytes.prefix(n).withUnsafeBufferPointer { run in ByteHash.forEachWord(run) { words.append($0) } }
            #expect(words.count == (n + 7) / 8, "\(n)")
            #expect(words.first == bytes.withUnsafeBufferPointer { ByteScan.word($0, at: 0) })
            #expect(words.last == bytes.withUnsafeBufferPointer { ByteScan.word($0, at: n - 8) })
        }
    }

    @Test func eightBytesAreTheWordItself() {
        let run: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(run.withUnsafeBufferPointer { ByteHash.shortRunWord($0) } == 0x0807_0605_0403_0201)
    }
}
