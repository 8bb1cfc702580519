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
command -v valgrind >/dev/null 2>&1 || { echo "installing valgrind (apt-get)" >&2; apt-get install -y -qq valgrind >/dev/null; }
swift build -c release --product moments-instructions >&2
out=.build/instructions
mkdir -p "$out"
# valgrind 3.19 cannot read the DWARF 5 Swift 6 writes: count on a copy without debug info
# (function names come from the symbol table).
cp .build/release/moments-instructions "$out/moments-instructions"
strip -g "$out/moments-instructions"
# Deterministic hashing: Swift seeds its hashes at random per process, which moves
# dictionaries' probe sequences and so the count by a few instructions an event.
SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
    --toggle-collect='*measuredRun*' "$out/moments-instructions" config/moments.yaml "$events" 2>"$out/valgrind.log"
callgrind_annotate --inclusive=yes "$out/callgrind.out" > "$out/inclusive.txt"
python3 - "$out/inclusive.txt" "$events" <<'PY'
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
if not total: sys.exit("count-instructions: no figures (see .build/instructions/valgrind.log)")
print(f"instructions per event on {events} events of the reference workload (simulate --seed 7, default rules):")
for name in ["decode", "detect (Engine.process)", "encode outputs", "total"]:
    v = found.get(name, 0)
    print(f"  {name:26s} {v / events:9.0f}   {100 * v / total:5.1f} %")
PY
if [ "$top" -gt 0 ]; then
    echo "functions by their own instructions (per event):"
    callgrind_annotate --inclusive=no "$out/callgrind.out" | sed -n '/file:function/,$p' | sed -n "3,$((top + 2))p" |
        awk -v n="$events" '{ c=$1; gsub(",", "", c); $2=""; $3=""; printf "  %7.0f %s\n", c / n, substr($0, index($0, $4)) }' | sed 's/ \[.*\]$//' | cut -c1-160
fi
