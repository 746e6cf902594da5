#!/usr/bin/env bash
# test_serve_validate.sh: scripts/validate_serving.py runs every row of
# data/validation/trtllm-offline.json through `ridge evaluate` and the error
# figures docs/spec.md quotes ("Against published serving runs") are the ones
# it prints. Args: BUILD_DIR SRC_DIR.
set -u
. "$(dirname "$0")/lib.sh"
SRC="$2"
python3 "$SRC/scripts/validate_serving.py" --ridge "$RIDGE" --json > "$T/val.json" || fail "validate_serving.py exited $?"
python3 "$SRC/scripts/validate_serving.py" --ridge "$RIDGE" --json --only precision=fp4 \
    --set numerics.fp4.math='"fp8_e4m3"' --set numerics.fp4.activations='"fp8_e4m3"' > "$T/fp4.json" ||
    fail "validate_serving.py --only --set exited $?"
python3 "$SRC/scripts/validate_serving.py" --ridge "$RIDGE" --json --set serving.kv_admission='"greedy"' \
    > "$T/greedy.json" || fail "validate_serving.py greedy exited $?"
python3 - "$T/val.json" "$SRC/docs/spec.md" "$T/fp4.json" "$T/greedy.json" <<'PY' || fail "docs/spec.md figures"
import json, sys
v = json.load(open(sys.argv[1]))
text = " ".join(open(sys.argv[2]).read().split())
s = v["summary"]
assert len(v["rows"]) == 80 and all(r["predicted_output_tokens_per_s"] > 0 for r in v["rows"]), len(v["rows"])
f4 = json.load(open(sys.argv[3]))["summary"]["all"]
gr = json.load(open(sys.argv[4]))["summary"]["all"]
assert f4["n"] == 20 and f4["mape_pct"] < s["precision=fp4"]["mape_pct"], f4
want = [f"brings them to {f4['mape_pct']:.1f} %", f"the MAPE is {gr['mape_pct']:.1f} %",
        f"MAPE {s['all']['mape_pct']:.1f} % (mean {s['all']['mean_pct']:+.1f} %, median {s['all']['median_pct']:+.1f} %)",
        f"FP8 rows {s['precision=fp8']['mape_pct']:.1f} %", f"FP4 rows {s['precision=fp4']['mape_pct']:.1f} %"]
missing = [w for w in want if w not in text]
assert not missing, missing
print("ok:", want)
PY
if [ $fails -ne 0 ]; then
    echo "test_serve_validate: $fails failures" >&2
    exit 1
fi
echo "test_serve_validate: all checks passed"
