#!/usr/bin/env bash
# test_shutdown.sh: SIGTERM stops ridged cleanly while a sweep runs: exit
# status 0, the chunk in progress is handed back (lease cleared, not lost),
# no database connection is left behind, and a restarted replica finishes
# the sweep with every point stored once; a database restart under a
# running replica is survived.
source "$(dirname "$0")/lib.sh"
DB=$(new_db shutdown)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --omp-threads 1
req POST "$U/api/v1/sweeps" -d "{\"name\":\"long\",\"base\":$SPEC,\"chunk_size\":50000,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":100000,\"steps\":100000}},{\"path\":\"seq_len\",\"values\":[1024,2048,4096]}]}"
expect 202 "create sweep"
SW=$(jget 'd["id"]')
for _ in $(seq 1 200); do
  [ "$(sql "SELECT count(*) FROM sweep_chunks WHERE sweep_id = $SW AND state = 'running'")" -ge 1 ] && break
  sleep 0.01
done
T0=$(date +%s.%N)
kill -TERM "$RPID"
RC=0
wait "$RPID" || RC=$?
T1=$(date +%s.%N)
[ "$RC" = 0 ] && ok "exit status 0 after SIGTERM" || fail "exit status $RC"
python3 -c "import sys; sys.exit(0 if $T1 - $T0 < 10 else 1)" && ok "stopped in $(python3 -c "print(round($T1 - $T0, 2))") s" ||
  fail "slow shutdown"
grep -q "ridged: stopped" "$RLOG" && ok "logged a clean stop" || fail "log: $(tail -3 "$RLOG")"
[ "$(sql "SELECT count(*) FROM sweep_chunks WHERE sweep_id = $SW AND state = 'running'")" = 0 ] &&
  ok "no lease left behind" || fail "a chunk is still leased"
[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")" = 0 ] &&
  ok "all database connections closed" || fail "connections left"
start_ridged "$PORT" --listen "127.0.0.1:$PORT"
[ "$(wait_sweep "$U" "$SW" 120)" = succeeded ] && ok "restarted replica finished the sweep" || fail "not finished"
[ "$(sql "SELECT count(*) = 300000 AND count(DISTINCT point_index) = 300000 FROM sweep_results WHERE sweep_id = $SW")" = t ] &&
  ok "every point stored once" || fail "results count"
# the database restarts under a running replica: reads recover at once
# (retried on a fresh connection), writes and sweeps work afterwards
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
AS=()
[ "$(id -u)" -eq 0 ] && AS=(runuser -u postgres --)
"${AS[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" -m fast -w restart >/dev/null
req GET "$U/api/v1/health"; expect 200 "health right after a database restart"
req GET "$U/api/v1/sweeps/$SW"; expect 200 "read right after a database restart"
req POST "$U/api/v1/sweeps" -d "{\"name\":\"after restart\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8,16]}]}"
expect 202 "write after a database restart"
[ "$(wait_sweep "$U" "$(jget 'd["id"]')" 30)" = succeeded ] && ok "workers reconnected" || fail "sweep after restart"
kill -TERM "$RPID"
RC=0
wait "$RPID" || RC=$?
[ "$RC" = 0 ] && ok "idle shutdown" || fail "idle exit $RC"
grep -qE 'Sanitizer|runtime error' "$RLOG" && fail "sanitizer report: $(grep -A20 -E 'Sanitizer|runtime error' "$RLOG" | head -30)"
finish
