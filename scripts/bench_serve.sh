#!/usr/bin/env bash
# bench_serve.sh [BUILD_DIR]: speed of the serving simulation and of the
# serving search, on one core and on all cores.
#  1. 100,000 requests (lognormal 1k-token prompts, 256-token answers) of
#     Llama-3-8B on one H100 at 20 requests/s: `ridge evaluate`, one thread;
#  2. `ridge search` over every deployment of the same model on 8 H100s for a
#     1,000-request workload under SLOs, with --disaggregated;
#  3. 100,000 requests read from a CSV trace file (serving.trace_file) through
#     Nemotron-H-8B (Mamba-2 layers and attention) and Gemma-3-27B
#     (sliding-window layers) on one H200, one thread.
# Prints wall and CPU seconds and the simulation's steps and roofline
# evaluations. Figures depend on the machine and its load. BENCH_SERVE_SEARCH=0
# leaves out the search (2).
set -euo pipefail
B=${1:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cat > "$T/sim.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "serve",
 "serving": {"arrival": {"rate_per_s": 20}, "requests": 100000, "seed": 1,
             "prompt_tokens": {"dist": "lognormal", "mean": 1024, "sigma": 0.5}, "output_tokens": 256,
             "chunked_prefill_tokens": 2048}}
J
cat > "$T/search.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "system": "dgx-h100", "phase": "serve", "chips": 8,
 "serving": {"arrival": {"rate_per_s": 20}, "requests": 1000, "seed": 1,
             "prompt_tokens": {"dist": "lognormal", "mean": 2048, "sigma": 0.5}, "output_tokens": 300,
             "slo": {"ttft_s": 1, "tpot_s": 0.05}}}
J
t0=$(date +%s.%N)
OMP_NUM_THREADS=1 /usr/bin/time -f "%U" -o "$T/cpu" "$B/ridge" evaluate "$T/sim.json" > "$T/sim.out"
t1=$(date +%s.%N)
python3 - "$T/sim.out" "$t0" "$t1" "$(cat "$T/cpu")" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["serving"]
print(f"simulation: {s['requests']:,} requests, {s['steps']:,} steps, {s['step_model_evals']:,} roofline evaluations: "
      f"{float(sys.argv[3]) - float(sys.argv[2]):.2f} s wall, {float(sys.argv[4]):.2f} s CPU (one thread)")
PY
python3 - "$T/trace.csv" <<'PY'
import random, sys
rnd = random.Random(1)
t = 0.0
with open(sys.argv[1], "w") as f:
    f.write("arrival_s,prompt_tokens,output_tokens\n")
    for i in range(100000):
        t += rnd.expovariate(10.0)
        f.write(f"{t:.6f},{max(1, int(rnd.lognormvariate(6.8, 0.5)))},{rnd.randint(64, 448)}\n")
PY
for m in nemotron-h-8b gemma-3-27b; do
    echo '{"model": "'$m'", "hardware": "h200", "phase": "serve",
           "serving": {"trace_file": "trace.csv", "chunked_prefill_tokens": 2048}}' > "$T/trace-$m.json"
    t0=$(date +%s.%N)
    OMP_NUM_THREADS=1 /usr/bin/time -f "%U" -o "$T/cpu3" "$B/ridge" evaluate "$T/trace-$m.json" > "$T/trace.out"
    t1=$(date +%s.%N)
    python3 - "$T/trace.out" "$t0" "$t1" "$(cat "$T/cpu3")" "$m" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["serving"]
print(f"trace file, {sys.argv[5]}: {s['requests']:,} requests, {s['steps']:,} steps, {s['step_model_evals']:,} roofline "
      f"evaluations: {float(sys.argv[3]) - float(sys.argv[2]):.2f} s wall, {float(sys.argv[4]):.2f} s CPU (one thread, "
      f"reading and checking the file included)")
PY
done
[ "${BENCH_SERVE_SEARCH:-1}" = 0 ] && exit 0
/usr/bin/time -f "%U" -o "$T/cpu2" "$B/ridge" search "$T/search.json" --top 1 --disaggregated > "$T/search.out"
python3 - "$T/search.out" "$(cat "$T/cpu2")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"search: {r['evaluated']:,} deployments in {r['elapsed_s']:.1f} s wall, {float(sys.argv[2]):.1f} s CPU, on {r['threads']} threads "
      f"({r['rate_per_s']:.0f}/s); best {r['best'][0]['parallelism']['tp']}-way tp x {r['best'][0]['parallelism']['dp']} on "
      f"{r['best'][0]['chips']} chips, goodput {r['best'][0]['goodput_requests_per_s']:.2f} req/s")
PY
