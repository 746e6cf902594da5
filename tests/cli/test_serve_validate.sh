#!/usr/bin/env bash
# test_serve_validate.sh: scripts/validate_serving.py runs every row of
# data/validation/trtllm-offline.json through `ridge evaluate` and the error
# figures docs/spec.md quotes ("Against published serving runs") are the ones
# it prints: the shipped assumptions, the earlier FP8/FP4 activations, the
# fitted FP4 rate on the held-out half, MoE with tensor-parallel experts and
# greedy admission. Under the sanitizers (the same figures, a slower
# binary) only the shipped run is made and its figures checked. Args:
# BUILD_DIR SRC_DIR.
set -u
. "$(dirname "$0")/lib.sh"
SRC="$2"
SANITIZED=0
grep -q '^RIDGE_SANITIZE:BOOL=ON' "$1/CMakeCache.txt" 2> /dev/null && SANITIZED=1
val() { # OUT ARGS...
    local out=$1
    shift
    python3 "$SRC/scripts/validate_serving.py" --ridge "$RIDGE" --json "$@" > "$T/$out.json" ||
        fail "validate_serving.py $* exited $?"
}
val val
if [ $SANITIZED = 0 ]; then
    val act --set numerics.fp8.activations='"fp8_e4m3"' --set numerics.fp4.activations='"nvfp4"'
    val fp4 --set assumptions.fp4_matmul_rate_fraction=0.5
    val moetp --only kind=moe --set moe_parallelism='"tp"'
    val greedy --set serving.kv_admission='"greedy"'
fi
python3 - "$T" "$SRC/docs/spec.md" $SANITIZED <<'PY' || fail "docs/spec.md figures"
import json, sys
t = sys.argv[1]
load = lambda n: json.load(open(f"{t}/{n}.json"))
v = load("val")
text = " ".join(open(sys.argv[2]).read().split())
s = v["summary"]
assert len(v["rows"]) == 117 and all(r["predicted_output_tokens_per_s"] > 0 for r in v["rows"]), len(v["rows"])
assert s["kind=moe"]["n"] == 37 and s["half=held-out"]["n"] == 58, s
m = lambda g: f"{g['mape_pct']:.1f} %"
want = [f"MAPE {m(s['all'])} (mean {s['all']['mean_pct']:+.1f} %, median {s['all']['median_pct']:+.1f} %)",
        f"dense rows {m(s['kind=dense'])}, MoE rows {m(s['kind=moe'])}",
        f"FP8 rows {m(s['precision=fp8'])}, FP4 rows {m(s['precision=fp4'])}",
        f"tp1 {m(s['tp=1'])}, tp2 {m(s['tp=2'])}, tp4 {m(s['tp=4'])}, tp8 {m(s['tp=8'])}",
        f"held-out half {m(s['half=held-out'])} (dense {m(s['half=held-out,kind=dense'])}, "
        f"MoE {m(s['half=held-out,kind=moe'])})"]
if sys.argv[3] == "0":
    a, f4, mt, gr = load("act")["summary"], load("fp4")["summary"], load("moetp")["summary"], load("greedy")["summary"]
    q = mt["model=qwen3-235b-a22b"]
    want += [
        f"gives {m(a['all'])} (dense {m(a['kind=dense'])})",
        f"the MAPE is {m(f4['all'])}: the held-out half {m(f4['half=held-out'])} (dense "
        f"{m(f4['half=held-out,kind=dense'])}, MoE {m(f4['half=held-out,kind=moe'])}), dense rows "
        f"{m(f4['kind=dense'])}, FP4 rows {m(f4['precision=fp4'])}, tp4 {m(f4['tp=4'])}",
        f"Qwen3-235B-A22B comes out {m(q)} (mean {q['mean_pct']:.1f} %)",
        f"(`--set serving.kv_admission='\"greedy\"'`) the MAPE is {m(gr['all'])}"]
missing = [w for w in want if w not in text]
assert not missing, missing
print("ok:", want)
PY
if [ $fails -ne 0 ]; then
    echo "test_serve_validate: $fails failures" >&2
    exit 1
fi
echo "test_serve_validate: all checks passed"
