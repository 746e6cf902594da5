#!/usr/bin/env bash
# test_validate.sh: `ridge validate` against the 1,549 measured vTrain
# Megatron-DeepSpeed iteration times (tests/reference/measured). Fails when
# the overall MAPE regresses above the threshold (set just above what the
# model achieves: 6.90 % overall, 6.81 % single-node, 8.08 % multi-node),
# checks the cross-validated error (5 folds of whole configurations, the
# step assumptions fitted on the training folds only: 6.97 % held out), the
# JSON report and the error paths.
# Args: BUILD_DIR SRC_DIR
set -euo pipefail
build=$1
src=$2
ridge="$build/ridge"
data="$src/tests/reference/measured"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_validate: $*" >&2; exit 1; }

MAX_MAPE=7.2

"$ridge" validate --data "$data" --max-mape "$MAX_MAPE" >"$tmp/out.txt" ||
  fail "MAPE above $MAX_MAPE % (or the command failed): $(grep MAPE "$tmp/out.txt")"
grep -q "MAPE overall" "$tmp/out.txt" || fail "no MAPE line"
grep -q "Largest gaps" "$tmp/out.txt" || fail "no gap listing"

"$ridge" validate --data "$data" --json >"$tmp/out.json" || fail "--json failed"
python3 - "$tmp/out.json" "$MAX_MAPE" <<'PY' || fail "JSON report check failed"
import json, sys
d = json.load(open(sys.argv[1]))
lim = float(sys.argv[2])
assert d["rows"] == 1549, d["rows"]
assert d["evaluated"] == 1549 and d["failed"] == 0
assert d["mape"] <= lim, d["mape"]
assert d["mape_single_node"] <= 8.0, d["mape_single_node"]
assert d["mape_multi_node"] <= 10.0, d["mape_multi_node"]
rows = d["per_row"]
assert len(rows) == 1549
assert sum(r["set"] == "multi_node" for r in rows) == 109
for r in rows:
    e = (r["predicted_ms"] - r["measured_ms"]) / r["measured_ms"]
    assert abs(e - r["error"]) < 1e-9
mape = 100 * sum(abs(r["error"]) for r in rows) / len(rows)
assert abs(mape - d["mape"]) < 1e-9
assert len(d["analysis"]) >= 5 and all("trait" in a for a in d["analysis"])
assert len(d["worst"]) > 0
PY

# cross-validation: held-out error per fold, fitted on training folds only
"$ridge" validate --data "$data" --json --folds 5 --max-cv-mape 7.5 >"$tmp/cv.json" ||
  fail "cross-validated MAPE above 7.5 % (or the command failed)"
python3 - "$tmp/cv.json" <<'PY' || fail "cross-validation report"
import json, sys
cv = json.load(open(sys.argv[1]))["cross_validation"]
assert cv["folds"] == 5 and len(cv["per_fold"]) == 5
assert sum(f["test_rows"] for f in cv["per_fold"]) == 1549
for f in cv["per_fold"]:
    assert f["train_rows"] + f["test_rows"] == 1549 and f["test_rows"] > 100
    assert 0 < f["held_out_mape"] < 10 and 0 < f["train_mape"] < 10
    assert 1e-5 < f["fitted"]["kernel_overhead"] < 1e-3 and 0.5 < f["fitted"]["matmul_efficiency"] <= 1
w = sum(f["held_out_mape"] * f["test_rows"] for f in cv["per_fold"]) / 1549
assert abs(w - cv["held_out_mape"]) < 1e-9
PY
set +e
"$ridge" validate --data "$data" --folds 1 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--folds 1 not refused with exit 2"
set -e

# the rows as ridge calibrate step rows: check predicts them exactly as validate does, and a fit on
# them recovers the setup's step assumptions
"$ridge" validate --data "$data" --emit-rows "$tmp/steps.jsonl" >/dev/null || fail "--emit-rows"
[ "$(wc -l <"$tmp/steps.jsonl")" -eq 1549 ] || fail "--emit-rows wrote $(wc -l <"$tmp/steps.jsonl") rows"
"$ridge" calibrate check "$tmp/steps.jsonl" >"$tmp/steps_check.json" || fail "calibrate check of the step rows"
"$ridge" calibrate --measurements "$tmp/steps.jsonl" --out "$tmp/vtrain.json" --folds 0 >/dev/null ||
  fail "calibrate fit of the step rows"
python3 - "$tmp" <<'PY' || fail "step rows disagree with validate"
import json, sys
t = sys.argv[1]
v, c = json.load(open(t + "/out.json")), json.load(open(t + "/steps_check.json"))
assert c["rows"] == 1549 and abs(c["mape"] - v["mape"]) < 1e-9, (c["mape"], v["mape"])
assert c["per_row"][0]["source"].startswith("vTrain")
p = json.load(open(t + "/vtrain.json"))["groups"][0]["params"]
assert 6e-5 < p["kernel_overhead"]["value"] < 1.1e-4 and 0.7 < p["matmul_efficiency"]["value"] < 0.9, p
PY

# a what-if override changes the answer; an unknown one is refused (exit 2)
"$ridge" validate --data "$data" --json --set matmul_efficiency=0.5 >"$tmp/slow.json"
python3 -c "import json,sys; a=json.load(open('$tmp/out.json')); b=json.load(open('$tmp/slow.json')); assert b['mean_signed_error'] > a['mean_signed_error']" ||
  fail "--set did not change the prediction"
set +e
"$ridge" validate --data "$data" --set no_such_assumption=1 >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown assumption not refused with exit 2"
"$ridge" validate --data "$tmp/nowhere" >/dev/null 2>"$tmp/err.txt"
[ $? -eq 2 ] || fail "missing data dir not refused with exit 2"
grep -q "cannot read" "$tmp/err.txt" || fail "missing data dir message"
"$ridge" validate --data "$data" --max-mape 1 >/dev/null 2>&1
[ $? -eq 3 ] || fail "--max-mape 1 should fail with exit 3"
set -e
echo "test_validate: ok ($(grep "MAPE overall" "$tmp/out.txt" | tr -s ' '))"
