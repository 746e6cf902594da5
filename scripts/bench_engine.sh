#!/usr/bin/env bash
# bench_engine.sh [BUILD_DIR] [RUNS]: the engine's per-call cost, as
# docs/spec.md "Measured speed" quotes it. Runs `ridge bench --seconds 1`
# RUNS times (default 3) and prints, per step and built-in spec, the lowest
# and highest CPU microseconds per call; then times the layout search of the
# README's gpt3.json on one thread, and benches that spec with a calibration
# profile. Prints the load average before and after,
# since on a shared machine the wall-clock figures depend on it.
set -euo pipefail
B=${1:-build}
RUNS=${2:-3}
RIDGE="$B/ridge"
[ -x "$RIDGE" ] || { echo "bench_engine: $RIDGE not built" >&2; exit 1; }
SRC="$(cd "$(dirname "$0")/.." && pwd)"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$RUNS"); do
  "$RIDGE" bench --seconds 1 > "$T/bench.$i.json"
done
# the README's training spec, taken from the README itself
python3 - "$SRC/README.md" "$T/gpt3.json" <<'PY'
import re, sys
m = re.search(r"cat > gpt3.json <<'JSON'\n(.*?)\nJSON\n", open(sys.argv[1]).read(), re.S)
open(sys.argv[2], "w").write(m.group(1) + "\n")
PY
/usr/bin/env time -f '%e %U' -o "$T/search.time" "$RIDGE" search "$T/gpt3.json" --threads 1 --top 1 > "$T/search.json"
# the same training step with a calibration profile (fitted from the shipped
# all-reduce rows), as `ridge bench SPEC` times it
"$RIDGE" calibrate --measurements "$SRC/data/measured/allreduce-8xh200.jsonl" --out "$T/prof.json" --folds 0 > /dev/null
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); s['calibration']=sys.argv[2]; json.dump(s, open(sys.argv[3],'w'))" \
  "$T/gpt3.json" "$T/prof.json" "$T/gpt3-cal.json"
"$RIDGE" bench --seconds 1 "$T/gpt3-cal.json" > "$T/bench.cal.json"
python3 - "$T" "$RUNS" <<'PY'
import json, sys
t, runs = sys.argv[1], int(sys.argv[2])
res = [json.load(open(f"{t}/bench.{i}.json")) for i in range(1, runs + 1)]
names = [b["name"] for b in res[0]["benchmarks"]]
steps = [k for k, v in res[0]["benchmarks"][0].items() if isinstance(v, dict) and "cpu_us_per_call" in v]
print(f"CPU us per call over {runs} runs of `ridge bench --seconds 1`, lowest-highest:")
print("| step | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
for s in steps:
    cells = []
    for n in names:
        v = [b[s]["cpu_us_per_call"] for r in res for b in r["benchmarks"] if b["name"] == n]
        fmt = (lambda x: f"{x:.2f}") if max(v) < 10 else (lambda x: f"{x:.0f}")
        cells.append(f"{fmt(min(v))}-{fmt(max(v))}")
    print(f"| `{s}` | " + " | ".join(cells) + " |")
wall, user = open(f"{t}/search.time").read().split()
s = json.load(open(f"{t}/search.json"))
cal = json.load(open(f"{t}/bench.cal.json"))["benchmarks"][0]
print(f"gpt3.json with a calibration profile: evaluate_no_ops {cal['evaluate_no_ops']['cpu_us_per_call']:.2f} CPU us "
      f"({1 / cal['evaluate_no_ops']['cpu_us_per_call']:.2f} M/s per core), evaluate {cal['evaluate']['cpu_us_per_call']:.2f} CPU us "
      f"({1 / cal['evaluate']['cpu_us_per_call']:.2f} M/s per core)")
print(f"ridge search gpt3.json --threads 1: {s['evaluated']:,} layouts, {float(wall):.2f} s wall, {float(user):.2f} s CPU, "
      f"{s['evaluated'] / float(user) / 1e6:.2f} M layouts per CPU-second")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
