#!/usr/bin/env bash
# test_silicon_sweep.sh: a sweep over hardware.silicon.* fields
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
        # more stages at 2 GHz: fewer, dearer MACs, the same power per area
        # (up to the whole number of lanes)
        assert abs(r2["matrix_power_w"] / r["matrix_power_w"] - 2) < 1e-5, (lane, mm2)
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
# speed x quality x energy: lanes and the numerics they run in one sweep;
# every point stores its quality loss (matmul-output noise-to-signal from
# the emulated formats), narrower numerics lose more, and the Pareto front
# trades time against quality loss
cat >"$TMP/q.json" <<JSON
{"name":"lanes x numerics","base":$BASE,
 "axes":[{"path":"hardware.silicon.mac_format","values":["fp8_e4m3","mxfp4"]},
         {"path":"numerics.weights","values":["fp8_e4m3","mxfp4","bf16"]},
         {"path":"numerics.activations","values":["fp8_e4m3","mxfp4"]}]}
JSON
req POST "$U/api/v1/sweeps" -d @"$TMP/q.json"; expect 202 "create lanes x numerics sweep"
SWQ=$(jget 'd["id"]')
[ "$(wait_sweep "$U" "$SWQ" 120)" = succeeded ] && ok "lanes x numerics sweep succeeded" || fail "sweep $SWQ did not succeed"
[ "$(sql "SELECT count(*) FROM sweep_results WHERE sweep_id = $SWQ AND quality_loss > 0 AND quality_sqnr_db > 0")" = 12 ] &&
  ok "every point stores quality_loss and quality_sqnr_db" || fail "quality columns: $(sql "SELECT point_index, quality_loss FROM sweep_results WHERE sweep_id = $SWQ")"
req GET "$U/api/v1/sweeps/$SWQ/results?limit=100&order_by=quality_sqnr_db:desc"; expect 200 "results by quality"
python3 - "$TMP/body" <<'PY' && ok "quality follows the formats: mxfp4 loses more than fp8, the loss is the matmul's nsr sum" || fail "quality: $(head -c 600 "$TMP/body")"
import json, math, sys
rows = json.load(open(sys.argv[1]))["results"]
q = {}
for r in rows:
    p = r["params"]
    q[(p["hardware.silicon.mac_format"], p["numerics.weights"], p["numerics.activations"])] = r
    assert abs(r["quality_sqnr_db"] + 10 * math.log10(r["quality_loss"])) < 1e-9
    # quality depends on the numerics, never on the lanes
for (lane, w, a), r in q.items():
    assert r["quality_loss"] == q[("mxfp4", w, a)]["quality_loss"]
for lane in ("fp8_e4m3", "mxfp4"):
    for a in ("fp8_e4m3", "mxfp4"):
        assert q[(lane, "mxfp4", a)]["quality_loss"] > q[(lane, "fp8_e4m3", a)]["quality_loss"] > q[(lane, "bf16", a)]["quality_loss"]
    assert q[(lane, "bf16", "mxfp4")]["quality_loss"] > q[(lane, "bf16", "fp8_e4m3")]["quality_loss"]
# bf16 weights: the loss is essentially the activations' (nsr_bf16 ~ 1e-5.5)
sq = [r["quality_sqnr_db"] for r in rows]
assert sq == sorted(sq, reverse=True)
PY
req GET "$U/api/v1/sweeps/$SWQ/pareto?x=time_s:min&y=quality_loss:min"; expect 200 "pareto time x quality loss"
python3 - "$TMP/body" <<'PY' && ok "time x quality front is non-dominated" || fail "quality front: $(head -c 400 "$TMP/body")"
import json, sys
f = json.load(open(sys.argv[1]))["front"]
assert len(f) >= 2
for a in f:
    for b in f:
        assert not (b["time_s"] <= a["time_s"] and b["quality_loss"] <= a["quality_loss"] and
                    (b["time_s"] < a["time_s"] or b["quality_loss"] < a["quality_loss"]))
PY
# the same loss through ridge evaluate's quality object
printf '%s' "$BASE" | python3 -c "import json,sys; s=json.load(sys.stdin); s['numerics'].update(weights='mxfp4', activations='fp8_e4m3'); s['quality']=True; print(json.dumps(s))" > "$TMP/qe.json"
"$BUILD/ridge" evaluate "$TMP/qe.json" > "$TMP/qe.out" || fail "ridge evaluate with quality"
req GET "$U/api/v1/sweeps/$SWQ/results?limit=100"; expect 200 "results again"
python3 - "$TMP/qe.out" "$TMP/body" <<'PY' && ok "ridge evaluate's quality.matmul equals the sweep's column" || fail "evaluate's quality.matmul differs from the sweep's column"
import json, sys
e = json.load(open(sys.argv[1]))["quality"]["matmul"]
rows = json.load(open(sys.argv[2]))["results"]
r = [r for r in rows if r["params"]["numerics.weights"] == "mxfp4" and r["params"]["numerics.activations"] == "fp8_e4m3"][0]
assert e["quality_loss"] == r["quality_loss"], (e, r["quality_loss"])
assert e["quality_sqnr_db"] == r["quality_sqnr_db"]
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
