#!/usr/bin/env bash
# test_silicon_sweep.sh: a sweep over hardware.silicon.* fields (issue 11)
# through ridged and PostgreSQL: lane format x clock x area on a built chip,
# every point stores energy_j, energy_per_token_j and matrix_power_w, the
# matrix power follows the clock, a point whose math format is wider than its
# lane fails naming numerics.math while the others succeed, and the Pareto
# front over time and energy per token is non-dominated. Args: BUILD_DIR
# SRC_DIR PGDIR.
source "$(dirname "$0")/lib.sh"
DB=$(new_db silicon)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
start_ridged "$PORT" --listen "127.0.0.1:$PORT"

BASE='{"model":"llama3-8b","phase":"prefill","batch":8,"seq_len":2048,
 "hardware":{"preset":"h100-sxm","silicon":{"node_nm":5,"clock_ghz":1.8,"matrix_area_mm2":400,"mac_format":"mxfp4"}},
 "numerics":{"math":"fp4_e2m1"}}'
cat >"$TMP/sweep.json" <<JSON
{"name":"lanes","base":$BASE,
 "axes":[{"path":"hardware.silicon.mac_format","values":["fp8_e4m3","mxfp4","bf16"]},
         {"path":"hardware.silicon.clock_ghz","values":[1.0,2.0]},
         {"path":"hardware.silicon.matrix_area_mm2","range":{"start":100,"stop":400,"steps":4}}]}
JSON
req POST "$U/api/v1/sweeps" -d @"$TMP/sweep.json"; expect 202 "create silicon sweep"
SW=$(jget 'd["id"]')
[ "$(jget 'd["points_total"]')" = 24 ] && ok "24 points" || fail "points_total: $BODY"
st=$(wait_sweep "$U" "$SW" 120)
[ "$st" = succeeded ] || [ "$st" = failed ] && ok "sweep finished ($st)" || fail "sweep did not finish: $st"
# fp4_e2m1 runs on fp8_e4m3 and mxfp4 lanes and on bf16 lanes (exponent and mantissa fit): all succeed
[ "$(sql "SELECT count(*) FROM sweep_results WHERE sweep_id = $SW AND status = 0 AND energy_per_token_j > 0 AND matrix_power_w > 0 AND energy_j > 0")" = 24 ] &&
  ok "every point stores energy and matrix power" || fail "energy columns: $(sql "SELECT status, count(*) FROM sweep_results WHERE sweep_id = $SW GROUP BY 1")"
req GET "$U/api/v1/sweeps/$SW/results?limit=100"; expect 200 "results"
python3 - "$TMP/body" <<'PY' && ok "matrix power doubles with the clock; more area, more power" || fail "matrix power: $(head -c 600 "$TMP/body")"
import json, sys
rows = json.load(open(sys.argv[1]))["results"]
by = {}
for r in rows:
    p = r["params"]
    by[(p["hardware.silicon.mac_format"], p["hardware.silicon.clock_ghz"], p["hardware.silicon.matrix_area_mm2"])] = r
for (lane, ghz, mm2), r in by.items():
    if ghz == 1.0:
        r2 = by[(lane, 2.0, mm2)]
        assert abs(r2["matrix_power_w"] / r["matrix_power_w"] - 2) < 1e-9, (lane, mm2)
        assert r2["time_s"] <= r["time_s"]
    if mm2 == 100:
        assert by[(lane, ghz, 400)]["matrix_power_w"] > 3.9 * r["matrix_power_w"]
PY
req GET "$U/api/v1/sweeps/$SW/pareto?x=time_s:min&y=energy_per_token_j:min"; expect 200 "pareto time x energy"
python3 - "$TMP/body" <<'PY' && ok "time x energy front is non-dominated and sorted" || fail "pareto front: $(head -c 400 "$TMP/body")"
import json, sys
f = json.load(open(sys.argv[1]))["front"]
assert f
for a in f:
    for b in f:
        assert not (b["time_s"] <= a["time_s"] and b["energy_per_token_j"] <= a["energy_per_token_j"] and
                    (b["time_s"] < a["time_s"] or b["energy_per_token_j"] < a["energy_per_token_j"]))
assert [p["time_s"] for p in f] == sorted(p["time_s"] for p in f)
PY
# a math format wider than the lane: the point fails naming numerics.math
cat >"$TMP/bad.json" <<JSON
{"name":"wide","base":$BASE,"axes":[{"path":"numerics.math","values":["fp4_e2m1","bf16"]}]}
JSON
req POST "$U/api/v1/sweeps" -d @"$TMP/bad.json"; expect 202 "create sweep with a too-wide point"
SW2=$(jget 'd["id"]')
wait_sweep "$U" "$SW2" 60 >/dev/null
[ "$(sql "SELECT string_agg(status::text, ',' ORDER BY point_index) FROM sweep_results WHERE sweep_id = $SW2")" != "0,0" ] &&
  ok "the bf16 point on mxfp4 lanes does not succeed" || fail "a bf16 point on mxfp4 lanes succeeded"
req GET "$U/api/v1/sweeps/$SW2/results?limit=10"; expect 200 "results of the mixed sweep"
grep -q "numerics.math" "$TMP/body" && ok "its error names numerics.math" || fail "error field: ${BODY:0:400}"
# bad silicon in the base is refused when the sweep is created
req POST "$U/api/v1/sweeps" -d '{"name":"x","base":{"model":"llama3-8b","phase":"decode","batch":1,"seq_len":8,"hardware":{"preset":"h100-sxm","silicon":{"node_nm":6,"clock_ghz":1,"matrix_area_mm2":1,"mac_format":"fp8_e4m3"}}},"axes":[{"path":"batch","values":[1]}]}'
[ "$CODE" = 400 ] && grep -q "hardware.silicon.node_nm" "$TMP/body" && ok "bad node refused (400)" || fail "bad node: $CODE ${BODY:0:300}"
finish
