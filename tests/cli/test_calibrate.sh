#!/usr/bin/env bash
# test_calibrate.sh: `ridge calibrate` recovers known parameters from rows
# generated with them (GEMM time = 2MNK / (peak x e x F/(F + h)) on the H100
# SXM bf16 peak of 989.4 TFLOP/s, NVIDIA H100 whitepaper; ring all-gather
# time = (n-1) a + (n-1)/n S / B, Thakur et al. 2005), checks predictions with
# and without a profile, explains a measured step's gap, applies a profile
# through a spec's "calibration", and refuses bad rows with the line and key.
# Args: BUILD_DIR SRC_DIR
set -euo pipefail
build=$1
ridge="$build/ridge"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_calibrate: $*" >&2; exit 1; }
cd "$tmp"

python3 - <<'PY'
import json, random
random.seed(7)
peak, e, h = 989.4e12, 0.7, 3e9
with open("rows.jsonl", "w") as f:
    for m in [1024, 2048, 4096, 8192, 16384]:
        for n in [1024, 4096, 8192, 16384]:
            for k in [1024, 4096, 8192]:
                F = 2.0 * m * n * k
                t = F / (peak * e * F / (F + h)) * (1 + random.gauss(0, 0.02))
                f.write(json.dumps({"kind": "gemm", "hardware": "h100-sxm", "dtype": "bf16", "m": m, "n": n,
                                    "k": k, "time_s": t, "source": "generated: e 0.7, h 3e9"}) + "\n")
    # dgx-h100: NVLink 450 GB/s per direction, 3 us per step (data/systems/dgx-h100.json),
    # scaleup_bw_efficiency 0.75; generated at 0.6 of the link and 25 us fixed
    for i in range(12, 32, 1):
        S = float(2 ** i)
        t = 25e-6 + 7 * 3e-6 + 7 / 8 * S / (450e9 * 0.75 * 0.6)
        f.write(json.dumps({"kind": "all_gather", "system": "dgx-h100", "ranks": 8, "bytes": S,
                            "dtype": "bf16", "time_s": t, "extra": 1}) + "\n")
PY

"$ridge" calibrate --measurements rows.jsonl --out prof.json >fit.json || fail "fit failed"
python3 - <<'PY' || fail "fit did not recover the parameters"
import json
d = json.load(open("fit.json"))
p = json.load(open("prof.json"))
assert p["format"] == "ridge-calibration-1" and p["measurements"] == "rows.jsonl"
g = {x["kind"]: x for x in p["groups"]}
mm = g["gemm"]["params"]
assert abs(mm["matmul_efficiency"]["value"] - 0.7) < 0.01, mm
assert mm["matmul_efficiency"]["low"] < 0.7 < mm["matmul_efficiency"]["high"], mm
assert abs(mm["matmul_half_efficiency_flops"]["value"] / 3e9 - 1) < 0.1, mm
assert g["gemm"]["mape_after"] < 3 < g["gemm"]["mape_before"], g["gemm"]
assert g["gemm"]["cv_mape"] < 3, g["gemm"]
ag = g["all_gather"]["params"]
assert abs(ag["all_gather_bw_efficiency"]["value"] - 0.6) < 0.01, ag
assert abs(ag["all_gather_latency"]["value"] / 25e-6 - 1) < 0.05, ag
assert g["all_gather"]["mape_after"] < 0.5, g["all_gather"]
assert d["rows"] == 80 and d["by_kind"]["gemm"]["rows"] == 60 and d["by_kind"]["all_gather"]["rows"] == 20
PY

# check: without a profile the shipped defaults, with one the fitted values
"$ridge" calibrate check rows.jsonl >check0.json
"$ridge" calibrate check rows.jsonl --profile prof.json >check1.json
python3 - <<'PY' || fail "check output"
import json
a, b = json.load(open("check0.json")), json.load(open("check1.json"))
assert a["rows"] == b["rows"] == 80 and len(b["per_row"]) == 80
assert b["mape"] < 3 < a["mape"], (a["mape"], b["mape"])
r = b["per_row"][0]
assert r["line"] == 1 and r["kind"] == "gemm" and r["source"].startswith("generated")
assert abs((r["predicted_s"] - r["measured_s"]) / r["measured_s"] - r["error"]) < 1e-12
assert set(b["by_kind"]) == {"gemm", "all_gather"}
PY

# a spec with "calibration" uses the fitted values and says where they come from
cat > spec.json <<'JSON'
{"model": "llama3-70b", "hardware": "h100-sxm", "system": "dgx-h100", "phase": "prefill",
 "batch": 8, "seq_len": 4096, "parallelism": {"tp": 8, "sequence_parallel": true},
 "calibration": "prof.json", "assumptions": {"all_gather_latency": 0}}
JSON
"$ridge" evaluate spec.json >cal.json || fail "evaluate with calibration"
python3 - <<'PY' || fail "calibrated evaluation"
import json
d = json.load(open("cal.json"))
names = {a["name"]: a for a in d["calibration"]["applied"]}
assert "matmul_efficiency" in names and "all_gather_bw_efficiency" in names
assert "all_gather_latency" not in names  # the spec's own value wins
assert "gemm h100-sxm bf16, 60 rows of rows.jsonl" in names["matmul_efficiency"]["source"]
used = {a["name"]: a for a in d["assumptions"]}
assert abs(used["matmul_efficiency"]["value"] - names["matmul_efficiency"]["value"]) < 1e-12
assert used["all_gather_latency"]["value"] == 0
PY

# with "uncertainty": true the calibrated values vary over their fitted intervals
jq '.uncertainty = true' spec.json >unc.json
"$ridge" evaluate unc.json >unc_out.json || fail "calibrated uncertainty"
python3 - <<'PY' || fail "calibrated ranges"
import json
d = json.load(open("unc_out.json"))
p = {k: v for g in json.load(open("prof.json"))["groups"] for k, v in g["params"].items()}
cal = [x for x in d["uncertainty"]["dominant"] if x["confidence"] == "calibrated"]
assert cal, d["uncertainty"]["dominant"]
for x in cal:
    assert abs(x["range_low"] - p[x["name"]]["low"]) < 1e-12 and abs(x["range_high"] - p[x["name"]]["high"]) < 1e-12
PY
jq 'del(.calibration) | .uncertainty = {"ranges": {"matmul_efficiency": [0.5, 0.9]}}' spec.json >ranges.json
"$ridge" evaluate ranges.json | python3 -c "
import json, sys
d = json.load(sys.stdin)['uncertainty']['dominant']
m = [x for x in d if x['name'] == 'matmul_efficiency'][0]
assert m['range_low'] == 0.5 and m['range_high'] == 0.9 and m['confidence'] == 'calibrated'
" || fail "explicit ranges"
jq 'del(.calibration) | .uncertainty = {"ranges": {"nope": [0.5, 0.9]}}' spec.json >badr.json
set +e
"$ridge" evaluate badr.json >/dev/null 2>err.txt; [ $? -eq 2 ] || fail "unknown range not exit 2"
set -e
grep -q "uncertainty.ranges.nope" err.txt || fail "range error message: $(cat err.txt)"

# compare and search read "calibration" too
jq 'del(.calibration)' spec.json >plain.json
"$ridge" compare plain.json spec.json | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['speedup'] < 1, d['speedup']" ||
  fail "compare with a calibrated side"
jq '.chips = 8 | del(.parallelism)' spec.json >search.json
"$ridge" search search.json --top 1 >/dev/null || fail "search with a calibration"

# explain: a measured step 20 % slower than predicted
pred=$("$ridge" evaluate spec.json | python3 -c "import json,sys; print(json.load(sys.stdin)['time_s'])")
meas=$(python3 -c "print($pred * 1.2)")
"$ridge" calibrate explain spec.json --measured-s "$meas" --profile prof.json >explain.json || fail "explain"
python3 - "$pred" <<'PY' || fail "explain output"
import json, sys
d = json.load(open("explain.json"))
assert abs(d["gap"] - 0.2) < 1e-9 and abs(d["predicted_s"] - float(sys.argv[1])) < 1e-12
a = d["assumptions"]
assert len(a) >= 3 and a[0]["needed"] is not None
assert "likeliest invalid assumption" in d["summary"] and a[0]["name"] in d["summary"]
# the ranking is by plausibility: each entry is no more ranges away than the next reachable one
reach = [x["ranges_away"] for x in a if x["needed"] is not None]
assert reach == sorted(reach)
assert sum(o["share"] for o in d["ops"]) <= 1.0 + 1e-9 and len(d["ops"]) > 0
# per op: the parts of the step before and after the joint change; the
# waterfall adds up to the gap, the parts to the joint prediction
o = d["op_attribution"]
gap = d["measured_s"] - d["predicted_s"]
assert abs(sum(s["delta_s"] for s in o["steps"]) - gap) < 1e-9 * d["measured_s"], o["steps"]
assert abs(o["unattributed_s"]) < 1e-6 * d["measured_s"]
assert abs(o["joint_predicted_s"] + o["residual_s"] - d["measured_s"]) < 1e-12 * d["measured_s"]
assert abs(sum(r["after_s"] for r in o["rows"]) - sum(r["before_s"] for r in o["rows"])
           - (o["joint_predicted_s"] - d["predicted_s"]) + o["unattributed_s"]) < 1e-9 * d["measured_s"]
assert o["steps"][0]["delta_s"] > 0 and o["steps"][0]["kind"] in ("op", "comm", "bubble", "other")
assert o["summary"].startswith(o["steps"][0]["name"] + " changes most under the joint change"), o["summary"]
PY

# a collective kind's efficiency is relative to the link's and may exceed 1
# (NVLS): a tensor-parallel step measured 10 % faster than predicted is
# within reach of a higher all-reduce efficiency
echo '{"model": "llama3-8b", "hardware": "h100-sxm", "system": "dgx-h100", "phase": "train", "batch": 32,
       "seq_len": 4096, "parallelism": {"tp": 8}}' >tp.json
tpred=$("$ridge" evaluate tp.json | python3 -c "import json,sys; print(json.load(sys.stdin)['time_s'])")
"$ridge" calibrate explain tp.json --measured-s "$(python3 -c "print($tpred * 0.9)")" >tp-explain.json ||
  fail "explain a faster step"
python3 -c "
import json; a = {x['name']: x for x in json.load(open('tp-explain.json'))['assumptions']}
n = a['all_reduce_bw_efficiency']['needed']
assert n is not None and n > 1.0, n" || fail "all_reduce_bw_efficiency above 1 out of reach"

# bad rows: exit 2 naming line and key, nothing written; --skip-bad counts them
printf '%s\n' "$(head -1 rows.jsonl)" '{"kind":"gemm","hardware":"h100-sxm","dtype":"bf16","m":1,"n":2,"time_s":1}' >bad1.jsonl
printf '%s\n' '{"kind":"matmul","time_s":1}' >bad2.jsonl
printf '%s\n' '{"kind":"memory","hardware":"nope","bytes":1,"time_s":1}' >bad3.jsonl
printf '%s\n' '{"kind":"all_reduce","system":"dgx-h100","ranks":8,"bytes":1,"time_s":-1}' >bad4.jsonl
printf '%s\n' '{"kind":"step","spec":{"model":"llama3-8b"},"time_s":1}' 'not json' >bad5.jsonl
check_bad() {
  set +e
  "$ridge" calibrate --measurements "$1" --out out.json >/dev/null 2>err.txt
  rc=$?
  set -e
  [ $rc -eq 2 ] || fail "$1: exit $rc, expected 2"
  grep -q "$2" err.txt || fail "$1: message '$(cat err.txt)' lacks '$2'"
  [ ! -e out.json ] || fail "$1: a profile was written"
}
check_bad bad1.jsonl "bad1.jsonl:2: k: missing"
check_bad bad2.jsonl "bad2.jsonl:1: kind: unknown"
check_bad bad3.jsonl "bad3.jsonl:1: hardware: unknown hardware preset"
check_bad bad4.jsonl "bad4.jsonl:1: time_s: must be a number > 0"
check_bad bad5.jsonl "bad5.jsonl:1: spec\."
printf '%s\n' '{"kind":"all_gather","system":"dgx-h100","ranks":2.5,"bytes":1,"time_s":1}' >bad6.jsonl
check_bad bad6.jsonl "bad6.jsonl:1: ranks: must be a whole number"
printf '%s\n' '[1,2]' >bad7.jsonl
check_bad bad7.jsonl "bad7.jsonl:1: (row): expected a JSON object"
printf '%s\n' '{"kind":"all_gather","system":"nope","ranks":8,"bytes":1,"time_s":1}' >bad8.jsonl
check_bad bad8.jsonl "bad8.jsonl:1: system: unknown system preset"
printf '%s\n' '{"kind":"gemm","hardware":"h100-sxm","dtype":"bf16","m":1,"n":1,"k":1,"matrix_cores":0.5,"time_s":1}' >bad9.jsonl
check_bad bad9.jsonl "bad9.jsonl:1: matrix_cores: must be a whole number"
cat rows.jsonl bad1.jsonl bad5.jsonl >mixed.jsonl
"$ridge" calibrate check mixed.jsonl --skip-bad >skip.json || fail "--skip-bad"
python3 -c "import json; d=json.load(open('skip.json')); assert d['skipped_bad']==3 and d['rows']==81, d['skipped_bad']" ||
  fail "--skip-bad count"
set +e
"$ridge" calibrate check "$tmp/none.jsonl" >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing file not exit 2"
"$ridge" calibrate explain spec.json >/dev/null 2>&1; [ $? -eq 2 ] || fail "explain without --measured-s not exit 2"
"$ridge" calibrate --measurements rows.jsonl >/dev/null 2>&1; [ $? -eq 2 ] || fail "fit without --out not exit 2"
printf '{"format":"x"}' >badprof.json
jq '.calibration = "badprof.json"' spec.json >spec2.json
"$ridge" evaluate spec2.json >/dev/null 2>err.txt; [ $? -eq 2 ] || fail "bad profile not exit 2"
grep -q "calibration: badprof.json" err.txt || fail "bad profile message: $(cat err.txt)"
set -e
# the shipped public measurements parse and predict (data/measured/README.md)
src=$2
"$ridge" calibrate check "$src/data/measured/mamf-gemm.jsonl" >mamf.json || fail "data/measured/mamf-gemm.jsonl"
"$ridge" calibrate --measurements "$src/data/measured/allreduce-8xh200.jsonl" --out ar.json --folds 2 >ar_fit.json ||
  fail "data/measured/allreduce-8xh200.jsonl"
python3 - <<'PY' || fail "public measurements"
import json
m = json.load(open("mamf.json"))
assert m["rows"] == 4 and all("ml-engineering" in r["source"] for r in m["per_row"])
g = json.load(open("ar_fit.json"))["groups"]["groups"][0]
assert g["rows"] == 20 and g["mape_after"] < g["mape_before"] and g["cv_mape"] < 10, g
PY
echo "test_calibrate: ok"
