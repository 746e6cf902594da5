#!/usr/bin/env bash
# test_replicas.sh: two ridged replicas on one database share a sweep; one
# is killed with SIGKILL while it holds chunk leases; the survivor takes the
# expired leases over and the sweep completes with every point stored
# exactly once; a replica stalled past its lease is fenced out when it
# resumes. Also: concurrent starters apply each migration once.
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

# 10 chunks of 40000 points; object-valued axis values take the JSON path
# per point (slower), so each chunk holds its lease for a noticeable time
req POST "$UA/api/v1/sweeps" -d "{\"name\":\"shared\",\"base\":$SPEC,\"chunk_size\":40000,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":200000,\"steps\":200000}},{\"path\":\"system\",\"values\":[{\"preset\":\"dgx-h100\"},{\"preset\":\"gb200-nvl72\"}]}]}"
expect 202 "create shared sweep"
SW=$(jget 'd["id"]')
TOTAL=$(jget 'd["points_total"]')
# wait until both replicas have completed chunks and replica-a holds a lease
for _ in $(seq 1 2000); do
  read -r NA NB HELD < <(sql "SELECT count(*) FILTER (WHERE replica = 'replica-a'), count(*) FILTER (WHERE replica = 'replica-b'), count(*) FILTER (WHERE state = 'running' AND owner LIKE 'replica-a/%') FROM sweep_chunks WHERE sweep_id = $SW" | tr '|' ' ')
  [ -n "${RIDGE_TEST_DEBUG:-}" ] && echo "a=$NA b=$NB held=$HELD"
  [ "$NA" -ge 1 ] && [ "$NB" -ge 1 ] && [ "$HELD" -ge 1 ] && break
  sleep 0.01
done
kill -9 "$A"
wait "$A" 2>/dev/null || true
HELD=$(sql "SELECT count(*) FROM sweep_chunks WHERE sweep_id = $SW AND state = 'running' AND owner LIKE 'replica-a/%'")
[ "$HELD" -ge 1 ] && ok "killed replica-a holding $HELD lease(s) (chunks done: a=$NA b=$NB)" ||
  fail "replica-a held no lease when killed (a=$NA b=$NB)"
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

# a replica that stalls past its lease (SIGSTOP) while another takes its
# chunk over: when it resumes, its completion is fenced out and discarded
PC=$(free_port)
start_ridged "$PC" --listen "127.0.0.1:$PC" --replica replica-c --lease-seconds 2 --omp-threads 1
C=$RPID
req POST "$UB/api/v1/sweeps" -d "{\"name\":\"stall\",\"base\":$SPEC,\"chunk_size\":40000,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":200000,\"steps\":200000}},{\"path\":\"system\",\"values\":[{\"preset\":\"dgx-h100\"},{\"preset\":\"gb200-nvl72\"}]}]}"
expect 202 "create second sweep"
SW2=$(jget 'd["id"]')
for _ in $(seq 1 2000); do
  [ "$(sql "SELECT count(*) FROM sweep_chunks WHERE sweep_id = $SW2 AND state = 'running' AND owner LIKE 'replica-c/%'")" -ge 1 ] && break
  sleep 0.01
done
kill -STOP "$C"
STALLED=$(sql "SELECT chunk_index FROM sweep_chunks WHERE sweep_id = $SW2 AND state = 'running' AND owner LIKE 'replica-c/%' LIMIT 1")
[ -n "$STALLED" ] && ok "replica-c stalled holding chunk $STALLED" || fail "replica-c held no lease when stopped"
ST=$(wait_sweep "$UB" "$SW2" 30)
[ "$ST" = succeeded ] && ok "replica-b finished while replica-c was stalled" ||
  fail "second sweep ended $ST: $(sql "SELECT chunk_index, state, owner, attempt, lease_until < now() FROM sweep_chunks WHERE sweep_id = $SW2 AND state <> 'done'") $(sql "SELECT pid, state, wait_event, left(query, 50), now() - xact_start FROM pg_stat_activity WHERE datname = current_database()")"
kill -CONT "$C"
for _ in $(seq 1 100); do
  grep -qE "was lost|not stored" "$RLOG" && break
  sleep 0.1
done
# fenced out by (attempt, owner), or, if it stalled inside its completion
# transaction, that transaction was ended (by the reaper of another
# replica, or the server's timeouts) and rolled back
grep -qE "lease on chunk $SW2/$STALLED was lost|chunk $SW2/$STALLED not stored" "$RLOG" &&
  ok "the resumed replica's completion was discarded" ||
  fail "no lost-lease report: $(tail -5 "$RLOG")"
curl -fsS "http://127.0.0.1:$PC/api/v1/metrics" | grep -q '^ridged_chunks_lost_total [1-9]' && ok "chunks_lost counted" ||
  fail "chunks_lost metric"
T2=$(sql "SELECT points_total FROM sweeps WHERE id = $SW2")
[ "$(sql "SELECT count(*), count(DISTINCT point_index) FROM sweep_results WHERE sweep_id = $SW2")" = "$T2|$T2" ] &&
  ok "every point of the second sweep stored exactly once ($T2)" || fail "second sweep results"
[ "$(sql "SELECT points_done FROM sweeps WHERE id = $SW2")" = "$T2" ] && ok "progress counted once" || fail "points_done"
# a layout search shared by replicas b and c through the same lease queue:
# every chunk done once, the configurations counted once, the ranking that
# of `ridge search`
GPT3='{"model": "gpt3-175b", "hardware": "a100-sxm-80gb", "system": "dgx-a100", "phase": "train", "batch": 1536, "seq_len": 2048, "chips": 1024}'
req POST "$UB/api/v1/searches" -d "{\"name\": \"shared search\", \"spec\": $GPT3, \"options\": {\"top\": 3}, \"chunk_size\": 4000}"
expect 202 "create shared search"
SR=$(jget 'd["id"]')
for _ in $(seq 1 600); do
  req GET "http://127.0.0.1:$PC/api/v1/searches/$SR"
  case "$(jget 'd["status"]')" in succeeded | failed) break ;; esac
  sleep 0.1
done
[ "$(jget 'd["status"]')" = succeeded ] && ok "shared search succeeded" || fail "shared search: ${BODY:0:300}"
echo "$GPT3" >"$TMP/gpt3.json"
"$BUILD/ridge" search "$TMP/gpt3.json" --top 3 >"$TMP/cli_search.json"
python3 - "$TMP/body" "$TMP/cli_search.json" <<'PY' && ok "shared search: $(jget '", ".join("%s %s chunks" % (r["replica"], r["chunks"]) for r in d["replicas"])'); same ranking as ridge search" || fail "shared search differs"
import json, sys
h, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert h["best"] == c["best"] and h["evaluated"] == c["evaluated"] == h["configs_total"]
assert sum(r["configs"] for r in h["replicas"]) == h["configs_total"]
assert sum(r["chunks"] for r in h["replicas"]) == 41
PY
[ "$(sql "SELECT count(*), count(*) FILTER (WHERE state = 'done') FROM search_chunks WHERE search_id = $SR")" = "41|41" ] &&
  ok "41 search chunks, each done once" || fail "search chunks: $(sql "SELECT state, count(*) FROM search_chunks WHERE search_id = $SR GROUP BY 1")"
stop_ridged
RPID=$B
RLOG="$TMP/ridged.$PB.log"
stop_ridged
finish
