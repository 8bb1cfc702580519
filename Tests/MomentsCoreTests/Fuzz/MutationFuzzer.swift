import Foundation
import Testing
@testable import MomentsCore

/// A small seeded mutation fuzzer: deterministic for a seed, bounded by a time budget.
///
/// `make test` gives each target a few seconds; `MOMENTS_FUZZ_SECONDS=600 swift test --filter Fuzz`
/// (or `make fuzz`) runs longer, `MOMENTS_FUZZ_SEED` picks another sequence, and
/// `MOMENTS_FUZZ_TRACE=1` writes each input to the temporary directory before it is tried, so
/// the input that crashes the process is on disk afterwards.
struct MutationFuzzer {
    var rng: SplitMix
    let seeds: [[UInt8]]
    let dictionary: [[UInt8]]
    let maxLength: Int

    init(seed: UInt64, seeds: [[UInt8]], dictionary: [String], maxLength: Int = 256 * 1024) {
        precondition(!seeds.isEmpty)
        self.rng = SplitMix(seed: seed)
        self.seeds = seeds
        self.dictionary = dictionary.map { Array($0.utf8) } + [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x00], [0xEF, 0xBB, 0xBF]]
        self.maxLength = maxLength
    }

    /// The next input: a seed with one to four stacked mutations.
    mutating func next() -> [UInt8] {
        var b = seeds[rng.below(seeds.count)]
        for _ in 0..<(1 + rng.below(4)) { mutate(&b) }
        if b.count > maxLength { b.removeLast(b.count - maxLength) }
        return b
    }

    mutating func mutate(_ b: inout [UInt8]) {
        let n = b.count
        switch rng.below(12) {
        case 0 where n > 0:   // flip a bit
            b[rng.below(n)] ^= UInt8(1 << rng.below(8))
        case 1 where n > 0:   // any byte
            b[rng.below(n)] = UInt8(truncatingIfNeeded: rng.next())
        case 2:   // a token that means something to a JSON parser or a mapper
            b.insert(contentsOf: dictionary[rng.below(dictionary.count)], at: rng.below(n + 1))
        case 3 where n > 0:   // delete a range
            let start = rng.below(n)
            b.removeSubrange(start..<min(n, start + 1 + rng.below(32)))
        case 4 where n > 0:   // duplicate a range
            let start = rng.below(n)
            let chunk = Array(b[start..<min(n, start + 1 + rng.below(64))])
            b.insert(contentsOf: chunk, at: rng.below(n + 1))
        case 5 where n > 0:   // truncate
            b.removeSubrange(rng.below(n)...)
        case 6:   // splice with another seed
            let other = seeds[rng.below(seeds.count)]
            guard !other.isEmpty, n > 0 else { return }
            let cut = rng.below(n), from = rng.below(other.count)
            b = Array(b[..<cut]) + Array(other[from...])
        case 7:   // a number where a number was
            var digit = -1
            for _ in 0..<min(n, 64) {
                let i = rng.below(n)
                if b[i] >= 0x30 && b[i] <= 0x39 { digit = i; break }
            }
            guard digit >= 0 else { return }
            var end = digit
            while end < b.count, (b[end] >= 0x30 && b[end] <= 0x39) || b[end] == 0x2E { end += 1 }
            let numbers = ["0", "-1", "1e999", "-1e999", "1e308", "9223372036854775808", "99999999999999", "32503680000000", "-0.0", "1.5", "4102444800000"]
            b.replaceSubrange(digit..<end, with: Array(numbers[rng.below(numbers.count)].utf8))
        case 8:   // nest deeper
            let depth = 1 + rng.below(64)
            b = Array(repeating: UInt8(ascii: "["), count: depth) + b + Array(repeating: UInt8(ascii: "]"), count: depth)
        case 9 where n > 1:   // swap two bytes far apart
            b.swapAt(rng.below(n), rng.below(n))
        case 10:   // random bytes, high ones included
            let count = 1 + rng.below(8)
            b.insert(contentsOf: (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: rng.below(n + 1))
        case 11 where n > 0:   // a long run inside whatever is there (often a string)
            b.insert(contentsOf: Array(repeating: UInt8(ascii: "a"), count: 1 << (8 + rng.below(10))), at: rng.below(n + 1))
        default: break
        }
    }
}

/// SplitMix64: tiny, fast, and the same sequence everywhere for a seed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}

/// The budget and seed of a fuzz run, from the environment.
enum FuzzSettings {
    static var seconds: Double {
        ProcessInfo.processInfo.environment["MOMENTS_FUZZ_SECONDS"].flatMap(Double.init) ?? 2.5
    }
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["MOMENTS_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x6D6F_6D65_6E74_73
    }
    static var trace: Bool { ProcessInfo.processInfo.environment["MOMENTS_FUZZ_TRACE"] == "1" }
    /// Longer than this for one input, twice, counts as a hang (inputs take microseconds).
    static let slowInput = Swift.Duration.seconds(2)

    static func traceFile(_ target: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("moments-fuzz-\(target).current")
    }

    /// Keeps a finding's input where a developer can replay it, and says where.
    static func save(_ input: [UInt8], target: String, index: Int) -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("moments-fuzz-\(target)-\(index).bin")
        try? Data(input).write(to: url)
        return url.path
    }
}

/// Runs `body` on fuzzer inputs until the budget is spent; records slow inputs and every
/// problem `body` reports, with a saved reproducer. Returns the number of inputs tried.
@discardableResult
func fuzz(_ target: String, seeds: [[UInt8]], dictionary: [String], maxLength: Int = 256 * 1024, body: ([UInt8]) -> String?) -> Int {
    var fuzzer = MutationFuzzer(seed: FuzzSettings.seed ^ UInt64(target.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }.magnitude),
                                seeds: seeds, dictionary: dictionary, maxLength: maxLength)
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(Int64(FuzzSettings.seconds * 1000)))
    let trace = FuzzSettings.trace
    var tried = 0, findings = 0
    // Every seed as it is first, then mutations.
    var pending = seeds
    while clock.now < deadline && findings < 5 {
        let input = pending.popLast() ?? fuzzer.next()
        if trace { try? Data(input).write(to: FuzzSettings.traceFile(target)) }
        let started = clock.now
        let problem = body(input)
        let elapsed = clock.now - started
        tried += 1
        if let problem {
            findings += 1
            Issue.record("\(target): \(problem); input saved to \(FuzzSettings.save(input, target: target, index: findings))")
        } else if elapsed > FuzzSettings.slowInput, retimed(input, clock: clock, body: body) > FuzzSettings.slowInput {
            // Slow twice: a real hang, not the machine being busy (builds share these cores).
            findings += 1
            Issue.record("\(target): one input took \(elapsed); input saved to \(FuzzSettings.save(input, target: target, index: findings))")
        }
    }
    print("fuzz \(target): \(tried) inputs in \(FuzzSettings.seconds) s, \(findings) findings")
    return tried
}

private func retimed(_ input: [UInt8], clock: ContinuousClock, body: ([UInt8]) -> String?) -> Swift.Duration {
    let started = clock.now
    _ = body(input)
    return clock.now - started
}
