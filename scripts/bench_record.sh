#!/usr/bin/env bash
# bench_record.sh [BUILD_DIR]: how the shared record answers as it grows.
# Loads three 1,000,000-point sweeps and one of 2,000 points into a fresh
# durable PostgreSQL cluster through ridged (its own, stopped at exit), waits
# for the large sweeps' indexes (server/ridged/sweep_index.h), then times
# over HTTP (curl, median of 5 after one warm-up):
#   - the best 100 points of a 1M-point sweep by several result columns
#     (order_by in each column's better direction),
#   - the same for the small sweep beside 3M rows of other sweeps,
#   - the Pareto front of the 1M-point sweep (time_s x energy_per_token_j),
#   - CSV export of the whole 1M-point sweep (ridged streams COPY output in
#     pages of up to 1,000,000 rows, read by one keep-alive client, so the
#     figure is the service's, not process starts), rows/s.
# Set RIDGE_INDEX_MIN_POINTS=0 to measure without the indexes, and
# RIDGE_BENCH_STEPS=N for sweeps of N x 1,000 points (default 1000: 1M).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
[ -x "$BUILD/ridged" ] || { echo "build first: cmake --build $BUILD" >&2; exit 1; }
source scripts/bench_lib.sh
bench_start record
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "postgresql: $(psql "$CONN dbname=postgres" -qAt -c "SELECT format('%s, fsync %s, synchronous_commit %s', current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'))")"
echo "index threshold: ${RIDGE_INDEX_MIN_POINTS:-500000} points"
mk() { # NAME EFFICIENCY_STEPS: batch 1..1000 x efficiencies
  curl -fsS "$U/api/v1/sweeps" -d "{\"name\":\"$1\",\"base\":{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":8,\"seq_len\":2048},\"axes\":[{\"path\":\"assumptions.matmul_efficiency\",\"range\":{\"start\":0.3,\"stop\":0.9,\"steps\":$2}},{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":1000,\"steps\":1000}}]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
STEPS=${RIDGE_BENCH_STEPS:-1000}
BIG=$(mk big "$STEPS"); mk other1 "$STEPS" >/dev/null; LAST=$(mk other2 "$STEPS"); SMALL=$(mk small 2)
t0=$(date +%s.%N)
for id in $BIG $LAST $SMALL; do
  until [ "$(curl -fsS "$U/api/v1/sweeps/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = succeeded ]; do sleep 1; done
done
echo "loaded $((3 * STEPS * 1000 + 2000)) points in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
want=$(grep -cE '^\s*X\(\w+, RC_(F64|I64),' server/ridged/result_cols.h)
if [ "${RIDGE_INDEX_MIN_POINTS:-500000}" != 0 ]; then
  until [ "$(psql "$CONN dbname=bench" -qAt -c "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'sweep_results\\_%' AND indexname <> 'sweep_results_pkey'")" -ge $((3 * want)) ]; do sleep 1; done
  echo "indexes built $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s after the first POST"
fi
psql "$CONN dbname=bench" -qAt -c "VACUUM ANALYZE sweep_results" >/dev/null
med() { # URL: median of 5 timed GETs after a warm-up, ms
  curl -fsS -o /dev/null "$U$1"
  for _ in 1 2 3 4 5; do curl -fsS -o /dev/null -w '%{time_total}\n' "$U$1"; done | sort -n | sed -n 3p |
    python3 -c 'import sys; print(f"{float(sys.stdin.read()) * 1e3:8.1f} ms")'
}
for o in time_s:asc mfu:desc tokens_per_s:desc energy_per_token_j:asc memory_per_device:asc; do
  echo "top 100 of the large sweep by ${o/:/ }: $(med "/api/v1/sweeps/$BIG/results?limit=100&order_by=$o")"
done
echo "top 100 of the 2,000-point sweep by time_s (beside $((3 * STEPS * 1000)) other rows): $(med "/api/v1/sweeps/$SMALL/results?limit=100&order_by=time_s")"
echo "Pareto front of the large sweep, time_s x energy_per_token_j: $(med "/api/v1/sweeps/$BIG/pareto?x=time_s:min&y=energy_per_token_j:min")"
python3 - "$PORT" "$BIG" <<'PY'
import http.client, sys, time
port, sweep = sys.argv[1], sys.argv[2]
conn = http.client.HTTPConnection("127.0.0.1", int(port))
t0 = time.perf_counter(); rows = 0; size = 0; tok = ""
while True:
    conn.request("GET", f"/api/v1/sweeps/{sweep}/results?limit=1000000" + (f"&page_token={tok}" if tok else ""),
                 headers={"Accept": "text/csv"})
    r = conn.getresponse(); body = r.read()
    assert r.status == 200, (r.status, body[:200])
    rows += body.count(b"\n") - 1; size += len(body)
    tok = r.getheader("X-Next-Page-Token") or ""
    if not tok:
        break
dt = time.perf_counter() - t0
print(f"CSV export of the large sweep: {rows:,} rows, {size / 1e6:.1f} MB in {dt:.2f} s = {rows / dt:,.0f} rows/s ({size / 1e6 / dt:.1f} MB/s)")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
