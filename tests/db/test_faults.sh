#!/usr/bin/env bash
# test_faults.sh: ridged when PostgreSQL freezes (every server process
# stopped with SIGSTOP, as a hung VM or a stalled disk looks from outside):
# reads answer 503 within the database timeout instead of hanging, /health
# says degraded within 2 s even while other reads wait, and when the
# server thaws ridged reconnects and answers again. The cluster is thawed
# by the EXIT trap whatever happens.
source "$(dirname "$0")/lib.sh"
DB=$(new_db faults)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
PM=$(head -1 "$PGDIR/data/postmaster.pid")
FROZEN=()
thaw() { for p in "${FROZEN[@]}"; do kill -CONT "$p" 2>/dev/null || true; done; FROZEN=(); }
freeze() { FROZEN=("$PM" $(pgrep -P "$PM")); for p in "${FROZEN[@]}"; do kill -STOP "$p"; done; }
trap 'thaw; cleanup' EXIT
# elapsed CMD...: runs CMD, prints the seconds it took
elapsed() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N); python3 -c "print(round($t1 - $t0, 2))"; }
health() { curl -s -m 10 -o "$TMP/health" -w '%{http_code}' "$U/api/v1/health" >"$TMP/health.code"; }

start_ridged "$PORT" --listen "127.0.0.1:$PORT" --db-timeout-ms 1000
req POST "$U/api/v1/sweeps" -d "{\"name\":\"f\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8,16]}]}"
expect 202 "sweep before the freeze"
SW=$(jget 'd["id"]')
wait_sweep "$U" "$SW" 60 >/dev/null

freeze
T=$(elapsed health)
[ "$(cat "$TMP/health.code")" = 503 ] && grep -q '"degraded"' "$TMP/health" && ok "health degraded with the database frozen (${T} s)" ||
  fail "health with the database frozen: $(cat "$TMP/health.code") $(cat "$TMP/health")"
python3 -c "import sys; sys.exit(0 if $T < 2.0 else 1)" && ok "health answered within 2 s" || fail "health took $T s"
T=$(elapsed curl -s -m 20 -o "$TMP/body" "$U/api/v1/sweeps/$SW/results")
CODE=$(python3 -c "import json; print(json.load(open('$TMP/body'))['status'])" 2>/dev/null || echo none)
[ "$CODE" = 503 ] && ok "a read fails with 503 (${T} s)" || fail "read with the database frozen: $CODE $(head -c 200 "$TMP/body")"
python3 -c "import sys; sys.exit(0 if $T < 4.0 else 1)" && ok "the read failed fast" || fail "the read took $T s"
# eight reads at once hold the HTTP threads; health still answers in time
CURLS=()
for i in 1 2 3 4 5 6 7 8; do curl -s -m 20 -o /dev/null "$U/api/v1/sweeps?limit=$i" & CURLS+=($!); done
sleep 0.2
T=$(elapsed health)
[ "$(cat "$TMP/health.code")" = 503 ] && ok "health degraded under waiting reads (${T} s)" || fail "health under reads: $(cat "$TMP/health.code")"
python3 -c "import sys; sys.exit(0 if $T < 2.0 else 1)" && ok "health under reads within 2 s" || fail "health under reads took $T s"
for p in "${CURLS[@]}"; do wait "$p" || true; done
thaw

for _ in $(seq 1 50); do
  health
  [ "$(cat "$TMP/health.code")" = 200 ] && break
  sleep 0.2
done
[ "$(cat "$TMP/health.code")" = 200 ] && ok "health ok again after the thaw" || fail "health after the thaw: $(cat "$TMP/health")"
req GET "$U/api/v1/sweeps/$SW/results"
expect 200 "reads work again after the thaw"
req GET "$U/metrics"
grep -q '^ridged_db_pool_timeouts_total [1-9]' "$TMP/body" && ok "timeouts are counted" || fail "no timeouts counted"
stop_ridged
finish
