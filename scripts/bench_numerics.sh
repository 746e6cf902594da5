#!/usr/bin/env bash
# bench_numerics.sh [BUILD_DIR] [REPS]: quantise-dequantise speed of every
# format `ridge bench-numerics` times, against memcpy on the same number of
# threads, on 2 threads (2^26 elements) and on 1 thread (2^24 elements); as
# docs/numerics.md "Speed" quotes it. Best of REPS (default 5) per figure;
# the kernel's instruction set and the load average are printed beside them.
set -euo pipefail
B=${1:-build}
REPS=${2:-5}
RIDGE="$B/ridge"
[ -x "$RIDGE" ] || { echo "bench_numerics: $RIDGE not built" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
OMP_WAIT_POLICY=passive "$RIDGE" bench-numerics --threads 2 --n 67108864 --reps "$REPS" > "$T/t2.json"
OMP_WAIT_POLICY=passive "$RIDGE" bench-numerics --threads 1 --n 16777216 --reps "$REPS" > "$T/t1.json"
python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
r2, r1 = json.load(open(f"{t}/t2.json")), json.load(open(f"{t}/t1.json"))
print(f"isa {r2['isa']}; load average (1 min) {r2['load_average_1m']:.2f} and {r1['load_average_1m']:.2f}; "
      f"memcpy {r2['memcpy']['gb_per_s']:.2f} GB/s on 2 threads, {r1['memcpy']['gb_per_s']:.2f} GB/s on 1")
print("| format | 2 threads GB/s | ratio to memcpy | 1 thread GB/s | ratio to memcpy |")
print("|---|---|---|---|---|")
one = {f["format"]: f for f in r1["formats"]}
for f in r2["formats"]:
    g = one[f["format"]]
    print(f"| {f['format']} | {f['gb_per_s']:.2f} | {f['ratio_to_memcpy']:.2f} | {g['gb_per_s']:.2f} | {g['ratio_to_memcpy']:.2f} |")
PY
