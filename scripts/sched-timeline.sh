#!/usr/bin/env bash
# Where the two cores go during an end-to-end run: the scheduler's switches (perf's
# sched:sched_switch tracepoint, all CPUs) around `moments bench --suite e2e --runs 1`, reduced
# to the last pipeline run's processing window, from its engine threads' first run after the
# group join to their last run. Prints how long both cores, one core or none sat idle, each
# thread's share of a core, which threads ran while the other core was idle, and how often the
# pipeline thread was preempted, and by whom. The figures of the README's twenty-ninth round.
#
# Usage: scripts/sched-timeline.sh [EVENTS]   (default 100000; needs perf and the kernel's
# tracepoints, which take root or kernel.perf_event_paranoid -1)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-100000}
command -v perf >/dev/null 2>&1 || { echo "perf is missing (Debian: apt-get install linux-perf)" >&2; exit 1; }
./scripts/install-deps.sh
swift build -c release --static-swift-stdlib --product moments >&2   # as `make release`
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
perf record -q -a -e sched:sched_switch -o "$scratch/sched.data" -- \
    .build/release/moments bench --suite e2e --events "$events" --runs 1 --no-changelog >"$scratch/bench.txt" 2>&1
grep -E "^    pipeline:" "$scratch/bench.txt" | tail -1
perf script -i "$scratch/sched.data" -F cpu,time,trace >"$scratch/sched.txt" 2>/dev/null
python3 - "$scratch/sched.txt" <<'PY'
import collections, re, sys

# One line a switch: "[001] 84686.168: prev_comm=… prev_pid=… prev_prio=… prev_state=… ==> next_comm=… next_pid=… next_prio=…"
line = re.compile(r"\[(\d+)\]\s+([\d.]+):.*?prev_comm=(.*?) prev_pid=(\d+) .*?prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)")
switches = []
for text in open(sys.argv[1]):
    m = line.search(text)
    if m:
        cpu, t, pc, pp, state, nc, np_ = m.groups()
        switches.append((float(t), int(cpu), pc, int(pp), state, nc, int(np_)))
switches.sort()
names = {}
for t, cpu, pc, pp, state, nc, np_ in switches:
    names[pp] = pc
    names[np_] = nc

# The last pipeline's engine threads: the two (or more) "moments-engine" threads seen last.
engine_seen = {}
for t, cpu, pc, pp, state, nc, np_ in switches:
    for comm, pid in ((pc, pp), (nc, np_)):
        if comm == "moments-engine":
            engine_seen.setdefault(pid, [t, t])[1] = t
if not engine_seen:
    sys.exit("no engine thread in the trace")
last_start = max(v[0] for v in engine_seen.values())
engines = {p for p, v in engine_seen.items() if v[0] >= last_start - 0.05}
# Their runs; the window starts after the longest pause in them (the group join) and ends
# with their last run.
runs = [t for t, cpu, pc, pp, state, nc, np_ in switches if np_ in engines]
gaps = [(runs[k] - runs[k - 1], k) for k in range(1, len(runs))]
start = runs[max(gaps)[1]] if gaps else runs[0]
end = max(t for t, cpu, pc, pp, state, nc, np_ in switches if pp in engines and state != "X")
window = end - start
if window <= 0:
    sys.exit("no processing window found")

# Each CPU's occupant over the window, rebuilt from the switches.
cpus = sorted({cpu for _, cpu, *_ in switches})
occupant = {cpu: 0 for cpu in cpus}
since = {cpu: start for cpu in cpus}
intervals = []   # (begin, end, cpu, pid)
preempted = collections.Counter()
pipe_pids = collections.Counter()
switch_count = 0
for t, cpu, pc, pp, state, nc, np_ in switches:
    if t < start:
        occupant[cpu] = np_
        continue
    if t > end:
        break
    switch_count += 1
    if pc == "moments-pipe":
        pipe_pids[pp] += 1
    intervals.append((since[cpu], t, cpu, occupant[cpu]))
    occupant[cpu] = np_
    since[cpu] = t
for cpu in cpus:
    intervals.append((since[cpu], end, cpu, occupant[cpu]))
pipe = pipe_pids.most_common(1)[0][0] if pipe_pids else None
for t, cpu, pc, pp, state, nc, np_ in switches:
    if start <= t <= end and pp == pipe and state.startswith("R"):
        preempted[nc] += 1

# Sweep: at every instant, who is on which CPU.
events = []
for b, e, cpu, pid in intervals:
    if pid != 0 and e > b:
        events.append((b, 1, pid))
        events.append((e, -1, pid))
events.sort(key=lambda x: (x[0], x[1]))
running = collections.Counter()
last = start
idle_time = collections.Counter()   # by number of idle CPUs
alone = collections.Counter()
for t, delta, pid in events:
    active = [p for p, n in running.items() if n > 0]
    idle_time[len(cpus) - len(active)] += t - last
    if len(active) == 1 and len(cpus) == 2:
        alone[active[0]] += t - last
    running[pid] += delta
    last = t
busy = collections.Counter()
for b, e, cpu, pid in intervals:
    if pid != 0:
        busy[pid] += e - b

def label(pid):
    return f"{names.get(pid, '?')} ({pid})"

print(f"window: {window * 1e3:.1f} ms of the last pipeline run ({len(engines)} engine threads)")
print(f"cores busy {sum(busy.values()) / window:.2f}; " +
      "; ".join(f"{k} of {len(cpus)} cores idle {100 * v / window:.1f} %" for k, v in sorted(idle_time.items()) if k > 0))
print("time on a core, as a share of the window:")
for pid, v in busy.most_common(8):
    print(f"  {label(pid):<28} {100 * v / window:5.1f} %")
if len(cpus) == 2:
    print("running while the other core was idle:")
    for pid, v in alone.most_common(6):
        print(f"  {label(pid):<28} {100 * v / window:5.1f} %")
print(f"context switches: {switch_count / window:,.0f} a second")
if pipe is not None:
    total = sum(preempted.values())
    print(f"pipeline thread preempted {total / window:,.0f} times a second, by: " +
          ", ".join(f"{comm} {100 * n / max(total, 1):.0f} %" for comm, n in preempted.most_common(4)))
PY
