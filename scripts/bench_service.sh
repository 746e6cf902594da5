#!/usr/bin/env bash
# bench_service.sh [BUILD_DIR]: measure ridged end to end on this machine.
#   1. a 1,000,000-point sweep submitted over HTTP, timed from the POST to
#      status "succeeded" (all points evaluated and stored in PostgreSQL);
#   2. GET /api/v1/sweeps/{id} under wrk (2 threads, 64 connections, 10 s):
#      on the finished sweep (served from the replica's cache of finished
#      sweeps) and on a cancelled one (status and progress read from the
#      database on every request).
# Before each read benchmark PostgreSQL is brought to a steady state
# (VACUUM ANALYZE of the freshly loaded results, CHECKPOINT).
# Starts its own throwaway PostgreSQL cluster (durable, as a real deployment:
# fsync, synchronous_commit and full_page_writes on, unix sockets only) and
# ridged; stops both at exit. The settings printed are the ones the running
# cluster reports (SHOW), not the ones asked for.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
[ -x "$BUILD/ridged" ] || { echo "build first: cmake --build $BUILD" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
source scripts/bench_lib.sh
bench_start bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "postgresql: $(psql "$CONN dbname=postgres" -qAt -c "SELECT format('%s, fsync %s, synchronous_commit %s, full_page_writes %s', current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes'))")"
python3 - >"$PGDIR/sweep.json" <<'PY'
import json
print(json.dumps({"name": "bench 1M", "tags": ["bench"],
  "base": {"model": "llama3-70b", "hardware": "h100-sxm", "system": "dgx-h100", "phase": "train",
           "batch": 1024, "seq_len": 4096, "parallelism": {"tp": 8, "pp": 4, "dp": 32}},
  "axes": [{"path": "hardware.mem_bw", "range": {"start": 1e12, "stop": 1.6e13, "steps": 125, "scale": "log"}},
           {"path": "hardware.matrix_flops.bf16", "range": {"start": 2e14, "stop": 4e15, "steps": 25, "scale": "log"}},
           {"path": "batch", "values": [256, 512, 768, 1024, 1536, 2048, 3072, 4096]},
           {"path": "seq_len", "values": [2048, 4096, 8192, 16384, 32768]},
           {"path": "numerics.weights", "values": ["bf16", "fp8_e4m3", "mxfp6_e2m3", "mxfp4"]},
           {"path": "parallelism.zero", "values": [1, 3]}]}))
PY
python3 - "$PGDIR/sweep.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = 1
for a in d["axes"]: n *= a["range"]["steps"] if "range" in a else len(a["values"])
print(f"sweep: {n} points, {len(d['axes'])} axes")
PY
T0=$(date +%s.%N)
ID=$(curl -fsS -X POST "$U/api/v1/sweeps" -H 'Content-Type: application/json' --data-binary @"$PGDIR/sweep.json" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
while :; do
  ST=$(curl -fsS "$U/api/v1/sweeps/$ID" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["points_done"])')
  case "$ST" in succeeded* | failed* | cancelled*) break ;; esac
  sleep 0.05
done
T1=$(date +%s.%N)
STORED=$(psql "$CONN dbname=bench" -qAt -c "SELECT count(*) FROM sweep_results WHERE sweep_id = $ID")
FAILED=$(psql "$CONN dbname=bench" -qAt -c "SELECT count(*) FROM sweep_results WHERE sweep_id = $ID AND status <> 0")
python3 -c "t=$T1-$T0; n=$STORED; print(f'sweep: {\"$ST\".split()[0]}: {n} points stored ({$FAILED} infeasible, stored with their status) in {t:.2f} s end to end = {n/t:,.0f} points/s')"
# steady state for the read benchmark: let PostgreSQL finish the work the
# bulk load left behind (autovacuum of 1M new rows, checkpoint) first
psql "$CONN dbname=bench" -qAt -c "VACUUM (ANALYZE) sweep_results" -c "CHECKPOINT" >/dev/null
echo
echo "GET /api/v1/sweeps/$ID (finished sweep), wrk -t2 -c64 -d10s:"
wrk -t2 -c64 -d10s --latency "$U/api/v1/sweeps/$ID" | grep -E 'Requests/sec|  50%|  99%|Non-2xx'
# a sweep that is not finished is read from the database on every GET
ID2=$(curl -fsS -X POST "$U/api/v1/sweeps" -H 'Content-Type: application/json' --data-binary @"$PGDIR/sweep.json" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fsS -o /dev/null -X POST "$U/api/v1/sweeps/$ID2/cancel"
sleep 1
psql "$CONN dbname=bench" -qAt -c "VACUUM (ANALYZE) sweep_results" -c "CHECKPOINT" >/dev/null
echo "GET /api/v1/sweeps/$ID2 (cancelled sweep, database read per request), wrk -t2 -c64 -d10s:"
wrk -t2 -c64 -d10s --latency "$U/api/v1/sweeps/$ID2" | grep -E 'Requests/sec|  50%|  99%|Non-2xx'
