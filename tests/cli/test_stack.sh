#!/usr/bin/env bash
# test_stack.sh: a spec's "stack" applies a software-stack preset
# (data/stacks.json) under the spec's own keys, and the result names it.
# Args: BUILD_DIR SRC_DIR
set -euo pipefail
ridge="$1/ridge"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_stack: $*" >&2; exit 1; }
cat >"$tmp/base.json" <<'JSON'
{"model": "gpt3-175b", "hardware": "a100-sxm-80gb", "system": "dgx-a100", "phase": "train",
 "batch": 1536, "seq_len": 2048, "chips": 1024,
 "parallelism": {"tp": 8, "pp": 16, "dp": 8, "microbatch": 1}}
JSON
for s in megatron-2021 megatron-2022 megatron-core-2024; do
  jq --arg s $s '.stack = $s' "$tmp/base.json" >"$tmp/$s.json"
  "$ridge" evaluate "$tmp/$s.json" >"$tmp/$s.out" || fail "$s did not evaluate"
done
python3 - "$tmp" <<'PY' || fail "stack presets"
import json, sys
d = {s: json.load(open(f"{sys.argv[1]}/{s}.out")) for s in ["megatron-2021", "megatron-2022", "megatron-core-2024"]}
a = {s: {x["name"]: x["value"] for x in d[s]["assumptions"]} for s in d}
assert all(d[s]["stack"] == s for s in d)
# 2021: fused softmax, dropout, full recompute (recompute rows present), gradient all-reduce not overlapped
assert a["megatron-2021"]["flash_attention"] == 0 and a["megatron-2021"]["dropout"] == 1
assert a["megatron-2021"]["dp_overlap"] == 0
# 2022: sequence parallel (all-gathers instead of all-reduces) with the backward re-gather
c22 = d["megatron-2022"]["breakdown"]["comm"]
assert c22["all_gather"]["total_s"] > 0 and a["megatron-2022"]["sp_backward_regather"] == 1
assert d["megatron-2021"]["breakdown"]["comm"]["all_reduce"]["total_s"] > c22["all_reduce"]["total_s"]
# each newer stack is faster on the same layout
t = [d[s]["time_s"] for s in ["megatron-2021", "megatron-2022", "megatron-core-2024"]]
assert t[0] > t[1] > t[2], t
PY
# the spec's own keys win over the stack
jq '.stack = "megatron-2021" | .assumptions = {"dropout": 0} | .parallelism.recompute = "none"' "$tmp/base.json" >"$tmp/own.json"
"$ridge" evaluate "$tmp/own.json" | python3 -c "
import json, sys
d = json.load(sys.stdin)
a = {x['name']: x['value'] for x in d['assumptions']}
assert a['dropout'] == 0 and a['flash_attention'] == 0
assert not any(o['pass'] == 'recompute' and o['name'] != 'attn.flash' for o in d['ops'])
" || fail "spec keys do not override the stack"
jq '.stack = "no-such-stack"' "$tmp/base.json" >"$tmp/bad.json"
set +e
"$ridge" evaluate "$tmp/bad.json" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "unknown stack not exit 2"
set -e
grep -q "^ridge: stack: unknown software stack" "$tmp/err" || fail "message: $(cat "$tmp/err")"
echo "test_stack: ok"
