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
#   - CSV export of the whole 1M-point sweep (pages of 10,000 rows), rows/s.
# Set RIDGE_INDEX_MIN_POINTS=0 to measure without the indexes.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
[ -x "$BUILD/ridged" ] || { echo "build first: cmake --build $BUILD" >&2; exit 1; }
PGDIR=$(mktemp -d /tmp/ridge-record.XXXXXX)
chmod 755 "$PGDIR"
RPID=""
cleanup() {
  [ -n "$RPID" ] && kill -TERM "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
  tests/db/pg_stop.sh "$PGDIR/pg" >/dev/null 2>&1
  rm -rf "$PGDIR"
}
trap cleanup EXIT
RIDGE_PG_DURABLE=1 tests/db/pg_start.sh "$PGDIR/pg" >/dev/null
CONN="$(cat "$PGDIR/pg/conninfo")"
psql "$CONN dbname=postgres" -qAt -c "CREATE DATABASE bench" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
U="http://127.0.0.1:$PORT"
OMP_WAIT_POLICY=passive "$BUILD/ridged" --listen "127.0.0.1:$PORT" --db "$CONN dbname=bench" >"$PGDIR/ridged.log" 2>&1 &
RPID=$!
for _ in $(seq 1 100); do curl -fsS "$U/api/v1/health" >/dev/null 2>&1 && break; sleep 0.1; done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "postgresql: $(psql "$CONN dbname=postgres" -qAt -c "SELECT format('%s, fsync %s, synchronous_commit %s', current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'))")"
echo "index threshold: ${RIDGE_INDEX_MIN_POINTS:-500000} points"
mk() { # NAME EFFICIENCY_STEPS: batch 1..1000 x efficiencies
  curl -fsS "$U/api/v1/sweeps" -d "{\"name\":\"$1\",\"base\":{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":8,\"seq_len\":2048},\"axes\":[{\"path\":\"assumptions.matmul_efficiency\",\"range\":{\"start\":0.3,\"stop\":0.9,\"steps\":$2}},{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":1000,\"steps\":1000}}]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
BIG=$(mk big 1000); mk other1 1000 >/dev/null; LAST=$(mk other2 1000); SMALL=$(mk small 2)
t0=$(date +%s.%N)
for id in $BIG $LAST $SMALL; do
  until [ "$(curl -fsS "$U/api/v1/sweeps/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = succeeded ]; do sleep 1; done
done
echo "loaded 3,002,000 points in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
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
  echo "top 100 of 1M by ${o/:/ }: $(med "/api/v1/sweeps/$BIG/results?limit=100&order_by=$o")"
done
echo "top 100 of the 2,000-point sweep by time_s (beside 3M other rows): $(med "/api/v1/sweeps/$SMALL/results?limit=100&order_by=time_s")"
echo "Pareto front of 1M, time_s x energy_per_token_j: $(med "/api/v1/sweeps/$BIG/pareto?x=time_s:min&y=energy_per_token_j:min")"
t0=$(date +%s.%N); rows=0; tok=""
while :; do
  hdr=$(curl -fsS -D - -o "$PGDIR/page.csv" -H 'Accept: text/csv' "$U/api/v1/sweeps/$BIG/results?limit=10000${tok:+&page_token=$tok}")
  rows=$((rows + $(wc -l < "$PGDIR/page.csv") - 1))
  tok=$(printf '%s' "$hdr" | tr -d '\r' | sed -n 's/^[Xx]-[Nn]ext-[Pp]age-[Tt]oken: //p')
  [ -n "$tok" ] || break
done
dt=$(python3 -c "print($(date +%s.%N) - $t0)")
echo "CSV export of 1M: $rows rows in $(python3 -c "print(round($dt, 2))") s = $(python3 -c "print(f'{$rows / $dt:,.0f}')") rows/s"
