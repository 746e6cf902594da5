#!/usr/bin/env bash
# test_replicas.sh: two ridged replicas on one database share a sweep; one
# is killed with SIGKILL while it holds chunk leases; the survivor takes the
# expired leases over and the sweep completes with every point stored
# exactly once. Also: concurrent starters apply each migration once.
source "$(dirname "$0")/lib.sh"
DB=$(new_db replicas)

# three replicas migrating one fresh database at once
for i in 1 2 3; do "$RIDGED" migrate --db "$DB" >"$TMP/mig$i.log" 2>&1 & done
wait
[ "$(sql 'SELECT count(*) FROM schema_migrations')" = "$(ls "$SRC"/schema/[0-9]*.sql | wc -l)" ] &&
  ok "concurrent migrations applied once each" || fail "schema_migrations: $(sql 'SELECT * FROM schema_migrations')"
[ "$(grep -l 'applied migration 0001' "$TMP"/mig*.log | wc -l)" = 1 ] && ok "exactly one starter applied 0001" ||
  fail "0001 applied by $(grep -l 'applied migration 0001' "$TMP"/mig*.log | wc -l) starters"
[ "$(sql 'SELECT length(checksum) FROM schema_migrations WHERE version = 1')" = 64 ] && ok "checksum recorded" ||
  fail "checksum"

PA=$(free_port)
PB=$(free_port)
start_ridged "$PA" --listen "127.0.0.1:$PA" --replica replica-a --lease-seconds 2 --omp-threads 1
A=$RPID
start_ridged "$PB" --listen "127.0.0.1:$PB" --replica replica-b --lease-seconds 2 --omp-threads 1
B=$RPID
UA="http://127.0.0.1:$PA"
UB="http://127.0.0.1:$PB"

# 20 chunks of 20000 points (each takes a noticeable time, so leases are held)
req POST "$UA/api/v1/sweeps" -d "{\"name\":\"shared\",\"base\":$SPEC,\"chunk_size\":20000,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":40000,\"steps\":40000}},{\"path\":\"hardware\",\"values\":[\"h100-sxm\",\"b200\",\"h200\",\"mi300x\",\"a100-sxm-80gb\"]},{\"path\":\"seq_len\",\"values\":[1024,4096]}]}"
expect 202 "create shared sweep"
SW=$(jget 'd["id"]')
TOTAL=$(jget 'd["points_total"]')
# wait until both replicas have completed chunks and replica-a holds a lease
for _ in $(seq 1 200); do
  NA=$(sql "SELECT count(*) FROM sweep_chunks WHERE sweep_id = $SW AND replica = 'replica-a'")
  NB=$(sql "SELECT count(*) FROM sweep_chunks WHERE sweep_id = $SW AND replica = 'replica-b'")
  HELD=$(sql "SELECT count(*) FROM sweep_chunks WHERE sweep_id = $SW AND state = 'running' AND owner LIKE 'replica-a/%'")
  [ "$NA" -ge 1 ] && [ "$NB" -ge 1 ] && [ "$HELD" -ge 1 ] && break
  sleep 0.01
done
kill -9 "$A"
wait "$A" 2>/dev/null || true
ok "killed replica-a (done a=$NA b=$NB, leases held by a: $HELD)"
ST=$(wait_sweep "$UB" "$SW" 120)
[ "$ST" = succeeded ] && ok "survivor finished the sweep" || fail "sweep ended $ST"
[ "$(sql "SELECT count(*), count(DISTINCT point_index), min(point_index), max(point_index) FROM sweep_results WHERE sweep_id = $SW")" = "$TOTAL|$TOTAL|0|$((TOTAL - 1))" ] &&
  ok "every point stored exactly once ($TOTAL)" || fail "results: $(sql "SELECT count(*), count(DISTINCT point_index) FROM sweep_results WHERE sweep_id = $SW")"
[ "$(sql "SELECT points_done FROM sweeps WHERE id = $SW")" = "$TOTAL" ] && ok "points_done = total" || fail "points_done"
[ "$(sql "SELECT count(*) FROM sweep_chunks WHERE sweep_id = $SW AND attempt > 1")" -ge 1 ] &&
  ok "a lost lease was re-claimed (attempt > 1)" || fail "no chunk was re-claimed"
req GET "$UB/api/v1/sweeps/$SW"
[ "$(jget 'sorted(r["replica"] for r in d["provenance"]["replicas"])')" = "['replica-a', 'replica-b']" ] &&
  ok "provenance names both replicas" || fail "replicas: $(jget 'd["provenance"]["replicas"]')"
[ "$(jget 'sum(r["points"] for r in d["provenance"]["replicas"])')" = "$TOTAL" ] && ok "replica shares add up" || fail "shares"
# a stale completion (old attempt) is fenced out: simulate one by hand
if psql "$DB" -qAt -c "BEGIN; UPDATE sweep_chunks SET state='done' WHERE sweep_id=$SW AND chunk_index=0 AND attempt=0 AND owner='nobody' RETURNING 1; COMMIT" | grep -q 1; then
  fail "fence matched a stale attempt"
else ok "fence ignores a stale attempt"; fi
if psql "$DB" -qAt -c "INSERT INTO sweep_results (sweep_id, point_index, status) VALUES ($SW, 0, 0)" >/dev/null 2>&1; then
  fail "duplicate point accepted"; else ok "unique (sweep_id, point_index) backstop"; fi
if psql "$DB" -qAt -c "UPDATE sweep_results SET mfu = 0 WHERE sweep_id = $SW" >/dev/null 2>&1; then
  fail "results are mutable"; else ok "results are immutable"; fi
RPID=$B
stop_ridged
finish
