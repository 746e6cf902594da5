#!/usr/bin/env bash
# test_sweep_index.sh: a large succeeded sweep gets a partial index per
# numeric result column (server/ridged/sweep_index.h), built after the sweep
# succeeds; its best-first result queries then read an index instead of every
# row, give the same rows in the same order, and a small sweep gets none.
# RIDGE_INDEX_MIN_POINTS is lowered so a 2,000-point sweep counts as large.
source "$(dirname "$0")/lib.sh"
DB=$(new_db sweepindex)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
export RIDGE_INDEX_MIN_POINTS=1500
start_ridged "$PORT" --listen "127.0.0.1:$PORT"
mk() { # NAME STEPS: batch 1..STEPS x two efficiencies
  req POST "$U/api/v1/sweeps" -d "{\"name\":\"$1\",\"base\":{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":8,\"seq_len\":2048},\"axes\":[{\"path\":\"assumptions.matmul_efficiency\",\"values\":[0.5,0.8]},{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":$2,\"steps\":$2}}]}"
  expect 202 "create sweep $1"
  jget 'd["id"]'
}
BIG=$(mk big 1000 | tail -1)
SMALL=$(mk small 100 | tail -1)
[ "$(wait_sweep "$U" "$BIG" 120)" = succeeded ] && ok "large sweep succeeded" || fail "large sweep $BIG"
[ "$(wait_sweep "$U" "$SMALL" 120)" = succeeded ] && ok "small sweep succeeded" || fail "small sweep $SMALL"
want=$(python3 -c "import sys; sys.path.insert(0, '$SRC/server/ridged'); import re; t=open('$SRC/server/ridged/result_cols.h').read(); print(len(re.findall(r'X\((\w+), RC_(F64|I64),', t)))")
n=0
for _ in $(seq 1 120); do
  n=$(sql "SELECT count(*) FROM pg_indexes WHERE tablename = 'sweep_results' AND indexname LIKE 'sweep_results\\_${BIG}\\_%'")
  [ "$n" = "$want" ] && break
  sleep 0.5
done
[ "$n" = "$want" ] && ok "the large sweep has $n indexes, one per numeric column" || fail "indexes: $n of $want"
[ "$(sql "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'sweep_results\\_${SMALL}\\_%'")" = 0 ] &&
  ok "the small sweep has none" || fail "small sweep indexed"
[ "$(sql "SELECT bool_and(indisvalid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'sweep_results\\_${BIG}\\_%'")" = t ] &&
  ok "every index is valid" || fail "an invalid index"
# the planner reads the index for best-first pages of the large sweep
for col in time_s:ASC mfu:DESC energy_per_token_j:ASC tokens_per_s:DESC; do
  c=${col%%:*} d=${col##*:}
  plan=$(psql "$DB" -qAt -c "SET enable_bitmapscan = off; EXPLAIN SELECT * FROM sweep_results WHERE sweep_id = $BIG ORDER BY $c $d NULLS LAST, point_index $d LIMIT 101")
  echo "$plan" | grep -q "Index Scan.*sweep_results_${BIG}_${c}" && ok "order by $c $d reads its index" || fail "plan for $c: $plan"
done
# the same rows in the same order as a full sort
req GET "$U/api/v1/sweeps/$BIG/results?limit=50&order_by=mfu:desc"; expect 200 "best by mfu"
got=$(jget '",".join(str(r["point_index"]) for r in d["results"])')
exp=$(sql "SELECT string_agg(point_index::text, ',' ORDER BY mfu DESC NULLS LAST, point_index DESC) FROM (SELECT point_index, mfu FROM sweep_results WHERE sweep_id = $BIG ORDER BY mfu DESC NULLS LAST, point_index DESC LIMIT 50) t")
[ "$got" = "$exp" ] && ok "results by mfu equal a full sort" || fail "order differs: $got vs $exp"
# density: every point of the sweep in one cell of the grid, as computed here
req GET "$U/api/v1/sweeps/$BIG/density?x=time_s&y=energy_per_token_j&bins=16"; expect 200 "density"
cp "$TMP/body" "$TMP/density.json"
rows=()
tok=""
: > "$TMP/all.jsonl"
while :; do
  req GET "$U/api/v1/sweeps/$BIG/results?limit=1000${tok:+&page_token=$tok}"
  jget 'json.dumps(d["results"])' >> "$TMP/all.jsonl"
  tok=$(jget 'd["next_page_token"] or ""')
  [ -n "$tok" ] || break
done
python3 - "$TMP/density.json" "$TMP/all.jsonl" <<'PY' && ok "density counts every point in the cell computed from its values" || fail "density: $(head -c 400 "$TMP/density.json")"
import json, math, sys
d = json.load(open(sys.argv[1]))
pts = [r for line in open(sys.argv[2]) for r in json.loads(line)]
assert d["points"] == len(pts) == 2000 and d["bins"] == 16, (d["points"], len(pts))
def cell(v, ax):
    f = (lambda u: math.log10(u)) if ax["log"] else (lambda u: u)
    lo, hi = f(ax["lo"]), f(ax["hi"])
    return min(int((f(v) - lo) / (hi - lo) * 16), 15)
want = {}
for r in pts:
    k = (cell(r["time_s"], d["x"]), cell(r["energy_per_token_j"], d["y"]))
    want[k] = want.get(k, 0) + 1
got = {(i, j): n for i, j, n in d["cells"]}
assert sum(got.values()) == 2000 and all(0 <= i < 16 and 0 <= j < 16 for i, j in got), got
diff = sum(abs(got.get(k, 0) - want.get(k, 0)) for k in set(got) | set(want))
assert diff <= 4, (diff, got, want)  # float rounding at a cell edge may move a point
PY
req GET "$U/api/v1/sweeps/$BIG/density?x=fits&y=time_s"; expect 400 "density of a boolean"
[ "$(jget 'd["field"]')" = x ] && ok "names x" || fail "field: $BODY"
req GET "$U/api/v1/sweeps/$BIG/density?x=time_s&y=mfu&bins=1000"; expect 400 "too many bins"
req GET "$U/api/v1/sweeps/999999/density?x=time_s&y=mfu"; expect 404 "density of a missing sweep"
finish
