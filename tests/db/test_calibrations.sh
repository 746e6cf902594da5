#!/usr/bin/env bash
# test_calibrations.sh: stored calibration profiles in ridged: POST fits
# measurement rows (the ridge calibrate format) and keeps the profile with
# its rows, GET lists and returns them, an evaluation with "calibration":
# NAME uses the fitted values and records them in its provenance; bad rows
# answer 400 naming the line and key; names are unique (409).
source "$(dirname "$0")/lib.sh"
DB=$(new_db calib)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
start_ridged "$PORT" --listen "127.0.0.1:$PORT"

# GEMM rows generated at 0.7 of the H100 SXM bf16 peak (989.4 TFLOP/s,
# NVIDIA H100 whitepaper) with a half-efficiency size of 3e9 FLOP
python3 - >"$TMP/rows.jsonl" <<'PY'
import json
for m in [1024, 4096, 16384]:
    for n in [1024, 4096, 16384]:
        for k in [1024, 8192]:
            F = 2.0 * m * n * k
            print(json.dumps({"kind": "gemm", "hardware": "h100-sxm", "dtype": "bf16", "m": m, "n": n, "k": k,
                              "time_s": F / (989.4e12 * 0.7 * F / (F + 3e9))}))
PY
python3 -c "import json,sys; print(json.dumps({'name':'h100-gemm','description':'generated','measurements':open('$TMP/rows.jsonl').read()}))" >"$TMP/post.json"
req POST "$U/api/v1/calibrations" -H 'Content-Type: application/json' --data-binary @"$TMP/post.json"
expect 201 "store a calibration"
CID=$(jget 'd["id"]')
[ "$(jget 'd["rows"] == 18 and d["name"] == "h100-gemm"')" = True ] && ok "rows and name" || fail "body: ${BODY:0:300}"
[ "$(jget 'abs(d["profile"]["groups"][0]["params"]["matmul_efficiency"]["value"] - 0.7) < 0.005')" = True ] &&
  ok "fitted matmul_efficiency 0.7" || fail "fit: ${BODY:0:400}"
[ "$(sql "SELECT rows, length(measurements) > 1000 FROM calibrations WHERE id = $CID")" = "18|t" ] &&
  ok "measurements kept with the profile" || fail "stored row"
req POST "$U/api/v1/calibrations" -H 'Content-Type: application/json' --data-binary @"$TMP/post.json"
expect 409 "same name again"
req GET "$U/api/v1/calibrations"; expect 200 "list"
req GET "$U/api/v1/calibrations/$CID"; expect 200 "get"
[ "$(jget 'd["profile"]["format"]')" = ridge-calibration-1 ] && ok "profile returned" || fail "get: ${BODY:0:200}"
cp "$TMP/body" "$TMP/fitted.json"
req GET "$U/api/v1/calibrations/99999"; expect 404 "missing calibration"
# a fitted profile (as ridge calibrate --out writes it) stored as it is
python3 -c "import json,sys; print(json.dumps({'name':'h100-gemm-copy','profile':json.load(open('$TMP/fitted.json'))['profile']}))" >"$TMP/prof.json"
req POST "$U/api/v1/calibrations" -H 'Content-Type: application/json' --data-binary @"$TMP/prof.json"
expect 201 "store a fitted profile"
[ "$(jget 'd["rows"] == 0 and d["profile"]["groups"][0]["rows"] == 18 and d["profile"]["groups"][0]["mape_after"] < 1 and "uploaded profile" in d["profile"]["measurements"]')" = True ] &&
  ok "uploaded profile: no rows stored, its groups' fit kept" || fail "upload: ${BODY:0:400}"
req POST "$U/api/v1/calibrations" -d '{"name":"badp","profile":{"format":"x","groups":[]}}'; expect 400 "not a profile"
[ "$(jget 'd["field"]')" = profile ] && ok "names profile" || fail "problem: $BODY"
req POST "$U/api/v1/calibrations" -d '{"name":"badp","profile":{"format":"ridge-calibration-1","groups":[]},"measurements":"x"}'
expect 400 "profile and measurements both"

# an evaluation names the profile
SPEC='{"model":"llama3-8b","hardware":"h100-sxm","phase":"prefill","batch":8,"seq_len":4096'
req POST "$U/api/v1/evaluate" -d "$SPEC}"; expect 200 "plain evaluate"
T0=$(jget 'd["result"]["time_s"]')
req POST "$U/api/v1/evaluate" -d "$SPEC,\"calibration\":\"h100-gemm\"}"; expect 200 "calibrated evaluate"
[ "$(jget "d['result']['time_s'] > $T0")" = True ] && ok "slower at 0.7 of peak" || fail "time: ${BODY:0:200}"
[ "$(jget '[a["name"] for a in d["provenance"]["calibration"]["applied"]]')" = \
  "['matmul_efficiency', 'matmul_half_efficiency_flops']" ] && ok "provenance names the calibrated values" ||
  fail "provenance: ${BODY:0:600}"
[ "$(jget '[a["value"] for a in d["result"]["assumptions"] if a["name"] == "matmul_efficiency"][0] < 0.71')" = True ] &&
  ok "result assumptions carry the fitted value" || fail "assumptions"
T1=$(jget 'd["result"]["time_s"]')
req POST "$U/api/v1/evaluate" -d "$SPEC,\"calibration\":\"h100-gemm-copy\"}"; expect 200 "evaluate with the uploaded profile"
[ "$(jget "d['result']['time_s'] == $T1")" = True ] && ok "uploaded profile prices as the fitted one" || fail "time: ${BODY:0:200}"
req GET "$U/api/v1/calibrations"; expect 200 "list"
[ "$(jget '[c["name"] for c in d["calibrations"]]')" = "['h100-gemm-copy', 'h100-gemm']" ] && ok "listed" || fail "list: $BODY"
req POST "$U/api/v1/evaluate" -d "$SPEC,\"calibration\":\"nope\"}"; expect 400 "unknown calibration"
[ "$(jget 'd["field"]')" = calibration ] && ok "names the field" || fail "problem: $BODY"

# gap attribution (POST /api/v1/explain): the CLI's answer, a waterfall that
# adds up to the gap, the stored profile applied
echo "$SPEC}" >"$TMP/spec.json"
"$BUILD/ridge" calibrate explain "$TMP/spec.json" --measured-s 0.9 >"$TMP/cli.json" || fail "ridge calibrate explain"
req POST "$U/api/v1/explain" -d "$SPEC,\"measured_s\":0.9}"; expect 200 "explain"
cp "$TMP/body" "$TMP/api.json"
python3 - "$TMP/api.json" "$TMP/cli.json" "$T0" <<'PY' && ok "explain: the CLI's answer; the waterfall adds up to the gap" ||
import json, sys
a, c, t0 = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), float(sys.argv[3])
assert a == c, "API and CLI differ"
assert a["predicted_s"] == t0 and a["measured_s"] == 0.9
steps = a["attribution"]["steps"]
assert len(steps) >= 2 and abs(sum(s["share"] for s in steps) - 1) < 1e-9, steps
gap = a["measured_s"] - a["predicted_s"]
assert abs(sum(s["delta_s"] for s in steps) - gap) < 1e-9 * a["measured_s"], (steps, gap)
# slower than predicted (0.9 s against about 0.71): every assumption whose
# rise slows the step rises, the others drop
assert gap > 0
for s in steps:
    if s["name"] != "other":
        el = [x["elasticity"] for x in a["assumptions"] if x["name"] == s["name"]][0]
        assert (s["joint_value"] > s["value"]) == (el > 0), s
assert a["summary"].startswith(a["assumptions"][0]["name"])
# the per-op view: each part of the step before and after the joint change;
# its steps add up to the gap too, the parts to the joint prediction
o = a["op_attribution"]
assert abs(sum(s["delta_s"] for s in o["steps"]) - gap) < 1e-9 * a["measured_s"], o["steps"]
assert abs(sum(r["after_s"] - r["before_s"] for r in o["rows"]) + o["unattributed_s"]
           - (o["joint_predicted_s"] - a["predicted_s"])) < 1e-9 * a["measured_s"]
assert abs(o["unattributed_s"]) < 1e-6 * a["measured_s"], o["unattributed_s"]
assert abs(o["residual_s"]) < 0.1 * a["measured_s"], o["residual_s"]
assert {r["kind"] for r in o["rows"]} <= {"op", "comm", "bubble", "other"}
big = [r for r in o["rows"] if r["kind"] == "op"][0]
assert big["delta_s"] > 0 and big["after_s"] > big["before_s"], big
ops = sorted(o["rows"], key=lambda r: -abs(r["delta_s"]))
assert [r["name"] for r in ops] == [r["name"] for r in o["rows"]], "largest change first"
PY
  fail "explain: ${BODY:0:600}"
req POST "$U/api/v1/explain" -d "$SPEC,\"measured_s\":0.5,\"calibration\":\"h100-gemm\"}"; expect 200 "calibrated explain"
[ "$(jget "d['predicted_s'] > $T0")" = True ] && ok "explain applies the stored profile" || fail "calibrated: ${BODY:0:200}"
req POST "$U/api/v1/explain" -d "$SPEC}"; expect 400 "explain without measured_s"
[ "$(jget 'd["field"]')" = measured_s ] && ok "names measured_s" || fail "problem: $BODY"
req POST "$U/api/v1/explain" -d "$SPEC,\"measured_s\":-1}"; expect 400 "negative measured_s"
req POST "$U/api/v1/explain" -d '{"model":"nope","measured_s":1}'; expect 400 "explain of a bad spec"
[ "$(jget 'd["field"]')" = model.preset ] && ok "names the spec field" || fail "problem: $BODY"

# bad rows
req POST "$U/api/v1/calibrations" -d '{"name":"bad","measurements":"{\"kind\":\"gemm\",\"hardware\":\"h100-sxm\",\"dtype\":\"bf16\",\"m\":1,\"n\":1,\"time_s\":1}\n"}'
expect 400 "row without k"
[ "$(jget 'd["field"] == "measurements" and "measurements:1: k: missing" in d["detail"]')" = True ] &&
  ok "line and key named" || fail "bad row problem: $BODY"
req POST "$U/api/v1/calibrations" -d '{"name":"bad name!","measurements":""}'; expect 400 "bad name"
req POST "$U/api/v1/calibrations" -d '{"name":"x","measurements":"", "folds": 1}'; expect 400 "bad folds"
[ "$(sql 'SELECT count(*) FROM calibrations')" = 2 ] && ok "nothing stored for bad input" || fail "stored bad input"

stop_ridged
finish
