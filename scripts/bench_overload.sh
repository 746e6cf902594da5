#!/usr/bin/env bash
# bench_overload.sh [BUILD_DIR] [POINTS]: what an expensive read costs and
# whether it starves the small ones, on this machine.
#   1. a sweep of POINTS points (default 2,000,000) whose results are filled
#      in by SQL (uniformly random time_s and mfu: the read, not the
#      evaluation, is measured), then VACUUM ANALYZE;
#   2. GET /pareto on it, alone (3 runs);
#   3. four /pareto at once while /health is probed every 0.1 s: the health
#      latencies (median, max) and the Pareto answers' status codes.
# Starts its own throwaway PostgreSQL cluster (not durable) and ridged
# (scripts/bench_lib.sh; default options: --db-timeout-ms 5000); stops both at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
POINTS=${2:-2000000}
[ -x "$BUILD/ridged" ] || { echo "build first: cmake --build $BUILD" >&2; exit 1; }
source scripts/bench_lib.sh
BENCH_DURABLE=0 bench_start bench --workers 0
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
SPEC='{"model":"llama3-8b","hardware":"h100-sxm","phase":"decode","batch":1,"seq_len":1024}'
ID=$(curl -fsS "$U/api/v1/sweeps" -d "{\"name\":\"big\",\"chunk_size\":100000,\"base\":$SPEC,\"axes\":[{\"path\":\"assumptions.matmul_efficiency\",\"range\":{\"start\":0.1,\"stop\":0.9,\"steps\":$POINTS}}]}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
T0=$(date +%s.%N)
psql "$CONN dbname=bench" -qAt -c "INSERT INTO sweep_results (sweep_id, point_index, status, time_s, mfu) SELECT $ID, g, 0, random(), random() FROM generate_series(0, $POINTS - 1) g" \
  -c "UPDATE sweeps SET status = 'succeeded', points_done = points_total WHERE id = $ID" -c "VACUUM ANALYZE sweep_results" >/dev/null
echo "loaded $POINTS result rows in $(python3 -c "print(round($(date +%s.%N) - $T0, 1))") s"
for i in 1 2 3; do
  curl -s -o "$PGDIR/p.json" -w "pareto alone: %{http_code} in %{time_total} s, " "$U/api/v1/sweeps/$ID/pareto"
  python3 -c "import json; d=json.load(open('$PGDIR/p.json')); print(len(d.get('front', [])), 'points on the front')"
done
for i in 1 2 3 4; do
  curl -s -o /dev/null -w "%{http_code} %{time_total}\n" "$U/api/v1/sweeps/$ID/pareto" >"$PGDIR/par.$i" &
done
python3 - "$U" <<'PY'
import sys, time, subprocess, statistics
u = sys.argv[1]
lat = []
t_end = time.time() + 8
while time.time() < t_end:
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", u + "/api/v1/health"],
                         capture_output=True, text=True).stdout.split()
    lat.append((out[0], float(out[1])))
    time.sleep(0.1)
codes = sorted(set(c for c, _ in lat))
t = [x for _, x in lat]
print(f"health during 4 concurrent pareto: {len(t)} probes, codes {codes}, median {statistics.median(t)*1e3:.1f} ms, max {max(t)*1e3:.1f} ms")
PY
wait $(jobs -p | grep -v "^$RPID$") 2>/dev/null || true
echo "the 4 concurrent pareto: $(cat "$PGDIR"/par.* | tr '\n' ';')"
