// The engine bench's work (decode + detect + encode every output) run once, on one thread, with
// no async runtime: valgrind's callgrind runs this program (it crashes on the `moments`
// executable's async main), and counts the instructions each phase executes. Unlike seconds on
// a shared machine, the count is the same on every run of the same build, so a change to the
// engine can be measured to the instruction. `scripts/count-instructions.sh` runs it.
//
// Usage: moments-instructions RULES_FILE [EVENTS]   (the reference workload: simulate --seed 7)
// MOMENTS_TRACK_CHANGES=1: the engine tracks changed customers, as it does with a changelog.

import Foundation
import MomentsCore
import MomentsSimulation

let arguments = CommandLine.arguments
guard arguments.count >= 2, let text = try? String(contentsOfFile: arguments[1], encoding: .utf8) else {
    FileHandle.standardError.write(Data("usage: moments-instructions RULES_FILE [EVENTS]\n".utf8))
    exit(2)
}
let rules: RuleSet
switch RulesParser.parse(yaml: text, file: arguments[1]) {
case .success(let r): rules = r
case .failure(let e):
    FileHandle.standardError.write(Data("\(e)\n".utf8))
    exit(1)
}
let count = arguments.count > 2 ? Int(arguments[2]) ?? 50_000 : 50_000
let stream = TrafficSimulator.events(options: SimulationOptions(seed: 7), count: count).map { Array($0.json.utf8) }

// Each phase is a function of its own, never inlined, so callgrind's inclusive count of each
// is that phase's share; `measuredRun` is the only part it collects (--toggle-collect).
@inline(never) func decodePhase(_ decoder: EventDecoder, _ line: [UInt8], _ cache: AttributeCache) -> Event? {
    if case .success(let event) = decoder.decode(line, cache: cache) { return event }
    return nil
}

@inline(never) func detectPhase(_ engine: inout Engine, _ event: consuming Event) -> [Output] {
    engine.process(event)
}

@inline(never) func encodePhase(_ encoder: CloudEventEncoder, _ outputs: [Output]) -> Int {
    var bytes = 0
    for o in outputs { bytes += encoder.encode(o).count }
    return bytes
}

@inline(never) func measuredRun(_ stream: [[UInt8]], rules: RuleSet) -> (outputs: Int, bytes: Int) {
    let decoder = EventDecoder()
    let encoder = CloudEventEncoder()
    var engine = Engine(rules: rules)
    engine.tracksChanges = ProcessInfo.processInfo.environment["MOMENTS_TRACK_CHANGES"] == "1"
    // One cache per engine, as the pipeline keeps one per partition.
    let cache = AttributeCache()
    var outputs = 0, bytes = 0
    for line in stream {
        guard let event = decodePhase(decoder, line, cache) else { continue }
        let out = detectPhase(&engine, event)
        outputs += out.count
        bytes += encodePhase(encoder, out)
    }
    return (outputs, bytes)
}

let result = measuredRun(stream, rules: rules)
print("events \(stream.count) outputs \(result.outputs) output_bytes \(result.bytes)")
