#!/usr/bin/env bash
# Counts the instructions the engine executes per event on the reference workload, with
# valgrind's callgrind: decode, detect (Engine.process) and encode, and the total. The count
# is repeatable (the same build gives the same figure, however busy the machine), so it is
# the measure to compare two versions of the engine by; events/s come from `moments bench`.
#
# Usage: scripts/count-instructions.sh [EVENTS] [TOP]   (default 50000 events; TOP > 0 also
# lists the TOP functions by their own instructions)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-50000}
top=${2:-0}
./scripts/install-deps.sh
if ! command -v valgrind >/dev/null 2>&1; then
    echo "installing valgrind (apt-get)" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq valgrind >/dev/null
fi
# valgrind 3.19 cannot read DWARF 5, which Swift 6 and clang write by default: this build (a
# folder of its own, so `.build` is untouched) asks both for DWARF 4, and callgrind can then
# also give the count per source line (callgrind_annotate .build-instructions/callgrind.out FILE).
# The Swift runtime linked statically, as `make release` and the Dockerfile link it.
scratch=.build-instructions
swift build -c release --static-swift-stdlib --product moments-instructions --scratch-path "$scratch" \
    -Xswiftc -g -Xswiftc -dwarf-version=4 -Xcc -gdwarf-4 >&2
# Deterministic hashing: Swift seeds its hashes at random per process, which moves
# dictionaries' probe sequences and so the count by a few instructions an event.
SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file="$scratch/callgrind.out" \
    --toggle-collect='*measuredRun*' "$scratch/release/moments-instructions" config/moments.yaml "$events" 2>"$scratch/valgrind.log"
callgrind_annotate --inclusive=yes "$scratch/callgrind.out" > "$scratch/inclusive.txt" 2>/dev/null
python3 - "$scratch/inclusive.txt" "$events" <<'PY'
import re, sys
path, events = sys.argv[1], int(sys.argv[2])
phases = {"measuredRun": "total", "decodePhase": "decode", "detectPhase": "detect (Engine.process)", "encodePhase": "encode outputs"}
found = {}
for line in open(path):
    m = re.match(r"\s*([\d,]+) \(", line)
    if not m: continue
    for sym, name in phases.items():
        if sym in line and name not in found: found[name] = int(m.group(1).replace(",", ""))
total = found.get("total")
if not total: sys.exit("count-instructions: no figures (see .build-instructions/valgrind.log)")
print(f"instructions per event on {events} events of the reference workload (simulate --seed 7, default rules):")
for name in ["decode", "detect (Engine.process)", "encode outputs", "total"]:
    v = found.get(name, 0)
    print(f"  {name:26s} {v / events:9.0f}   {100 * v / total:5.1f} %")
PY
if [ "$top" -gt 0 ]; then
    echo "functions by their own instructions (per event; a function's inlined callees count as its own):"
    callgrind_annotate --inclusive=no "$scratch/callgrind.out" 2>/dev/null | python3 -c '
import re, sys, collections
events, top = int(sys.argv[1]), int(sys.argv[2])
own = collections.Counter()
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(\S.*?):(\S+)( \[.*\])?$", line)
    if m: own[m.group(3)] += int(m.group(1).replace(",", ""))
for name, n in own.most_common(top): print(f"  {n / events:7.0f}  {name[:150]}")
' "$events" "$top"
fi
