#!/usr/bin/env bash
# test_pareto.sh: GET /sweeps/{id}/pareto computes the front in ridged over
# streamed (index, x, y) rows (server/ridged/pareto.h). Its answer must be the
# front the SQL window query gave before (reproduced here in psql: a point is
# on the front when its y key beats the smallest y key of every row before
# it in (x key, y key, index) order), row for row, on values made hostile:
# ties, equal x, NaN, NULL, infinities, signed zeros; with filters on results
# and on swept parameters, `or`, both directions, and the energy and quality
# columns.
source "$(dirname "$0")/lib.sh"
DB=$(new_db pareto)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
start_ridged "$PORT" --listen "127.0.0.1:$PORT"
req POST "$U/api/v1/sweeps" -d '{"name":"front","base":{"model":"llama3-8b","hardware":"h100-sxm","phase":"decode","batch":8,"seq_len":2048},"axes":[{"path":"assumptions.matmul_efficiency","values":[0.5,0.8]},{"path":"batch","range":{"start":1,"stop":300,"steps":300}}]}'
expect 202 "create a 600-point sweep"
SW=$(jget 'd["id"]')
[ "$(wait_sweep "$U" "$SW" 120)" = succeeded ] && ok "sweep succeeded" || fail "sweep $SW"
# hostile values: x in steps of equal values (six points per x), y from
# a small alphabet with a trend (ties, a staircase front), NaN, NULL,
# infinities and signed zeros sprinkled in
psql "$DB" -qAt -v ON_ERROR_STOP=1 <<SQL || fail "hostile values: the UPDATE failed"
ALTER TABLE sweep_results DISABLE TRIGGER sweep_results_immutable;
UPDATE sweep_results SET
  time_s = CASE WHEN point_index % 37 = 5 THEN 'NaN'::float8 WHEN point_index % 53 = 7 THEN NULL
                WHEN point_index = 599 THEN 'Infinity'::float8 WHEN (point_index % 300) / 3 = 0 AND point_index % 2 = 1 THEN '-0'::float8
                ELSE ((point_index % 300) / 3)::float8 END,
  mfu = CASE WHEN point_index % 41 = 3 THEN 'NaN'::float8 WHEN point_index % 43 = 9 THEN NULL
             ELSE ((point_index * 7919) % 20) / 20.0 + ((point_index % 300) / 3) / 100.0 END,
  energy_per_token_j = CASE WHEN point_index % 31 = 2 THEN 'NaN'::float8
             ELSE 100 - (point_index % 300) / 3 + (point_index * 31) % 7 END,
  quality_loss = CASE WHEN point_index % 29 = 4 THEN 'NaN'::float8 WHEN point_index % 47 = 1 THEN NULL
             ELSE ((point_index * 17) % 11) / 100.0 + (point_index % 300) / 1000.0 END
WHERE sweep_id = $SW;
ALTER TABLE sweep_results ENABLE TRIGGER sweep_results_immutable;
SQL
[ "$(sql "SELECT count(*) FROM sweep_results WHERE sweep_id = $SW AND time_s = 'NaN'")" -gt 0 ] && ok "hostile values stored" ||
  fail "hostile values"
# sqlfront X XDIR Y YDIR WHERE: the old SQL front's point indices
sqlfront() {
  local xk=$1 yk=$3
  [ "$2" = max ] && xk="-$1"
  [ "$4" = max ] && yk="-$3"
  sql "SELECT coalesce(string_agg(pi::text, ',' ORDER BY xk, yk), '') FROM (SELECT pi, xk, yk FROM (SELECT pi, xk, yk, min(yk) OVER (ORDER BY xk, yk, pi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS best FROM (SELECT point_index AS pi, $xk AS xk, $yk AS yk FROM sweep_results WHERE sweep_id = $SW AND status = 0 AND $1 IS NOT NULL AND $3 IS NOT NULL $5) a) b WHERE best IS NULL OR yk < best ORDER BY xk, yk LIMIT 10000) f"
}
# check X XDIR Y YDIR API_FILTER SQL_WHERE
check() {
  local want got
  want=$(sqlfront "$1" "$2" "$3" "$4" "$6")
  req GET "$U/api/v1/sweeps/$SW/pareto?x=$1:$2&y=$3:$4" --get --data-urlencode "filter=$5"
  [ "$CODE" = 200 ] || { fail "pareto $1:$2 x $3:$4 [$5]: $CODE ${BODY:0:300}"; return; }
  got=$(jget '",".join(str(r["point_index"]) for r in d["front"])')
  [ -n "$want" ] && [ "$got" = "$want" ] && ok "front $1:$2 x $3:$4 [$5] = SQL front ($(echo "$want" | tr ',' '\n' | wc -l) points: ${want:0:60})" ||
    fail "front $1:$2 x $3:$4 [$5]: got '$got', SQL gives '$want'"
}
check time_s min mfu max "" ""
check time_s max mfu min "" ""
check mfu max time_s min "" ""
check time_s min energy_per_token_j min "" ""
check time_s min quality_loss min "" ""
check energy_per_token_j min quality_loss min "" ""
check time_s min mfu max "mfu > 0.2" "AND mfu > 0.2"
check time_s min mfu max "batch <= 100 or batch = 250" "AND (point_index % 300 < 100 OR point_index % 300 = 249)"
check time_s min mfu max "assumptions.matmul_efficiency = 0.8 and time_s < 3" "AND point_index >= 300 AND time_s < 3"
# the rows of the front are whole rows with their params
req GET "$U/api/v1/sweeps/$SW/pareto?x=time_s:min&y=mfu:max"
[ "$(jget 'all("params" in r and "batch" in r["params"] and "tokens_per_s" in r for r in d["front"])')" = True ] &&
  ok "front rows carry params and every column" || fail "front rows: ${BODY:0:300}"
req GET "$U/api/v1/sweeps/$SW/pareto?x=time_s:min&y=mfu:max" --get --data-urlencode "filter=mfu > 5 and mfu < 6"; expect 200 "a filter nothing matches"
[ "$(jget 'len(d["front"])')" = 0 ] && ok "empty front" || fail "empty front: ${BODY:0:200}"
req GET "$U/api/v1/sweeps/$SW/pareto?x=time_s:min&y=time_s:max"; expect 400 "x and y the same field"
stop_ridged
finish
