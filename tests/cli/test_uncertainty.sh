#!/usr/bin/env bash
# test_uncertainty.sh: "uncertainty": true reports an interval for time, MFU
# and tokens/s from the used assumptions' confidence ranges and ranks the
# assumptions that dominate it (server/codec_uncertainty.c).
# Args: BUILD_DIR SRC_DIR
set -euo pipefail
ridge="$1/ridge"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_uncertainty: $*" >&2; exit 1; }
cat >"$tmp/s.json" <<'JSON'
{"model": "gpt3-175b", "hardware": "a100-sxm-80gb", "system": "dgx-a100", "phase": "train",
 "batch": 1536, "seq_len": 2048, "chips": 1024, "uncertainty": true,
 "parallelism": {"tp": 8, "pp": 16, "dp": 8, "microbatch": 1, "sequence_parallel": true}}
JSON
"$ridge" evaluate "$tmp/s.json" >"$tmp/u.json" || fail "evaluate"
jq 'del(.uncertainty)' "$tmp/s.json" >"$tmp/plain.json"
"$ridge" evaluate "$tmp/plain.json" >"$tmp/p.json"
python3 - "$tmp" <<'PY' || fail "interval"
import json, sys
d = json.load(open(sys.argv[1] + "/u.json"))
p = json.load(open(sys.argv[1] + "/p.json"))
u = d["uncertainty"]
assert "uncertainty" not in p and p["time_s"] == d["time_s"] and p["spec_sha256"] == d["spec_sha256"]
for k in ("time_s", "mfu", "tokens_per_s"):
    assert u[k]["low"] < u[k]["value"] < u[k]["high"], (k, u[k])
assert u["time_s"]["value"] == d["time_s"]
assert abs(u["mfu"]["low"] * u["time_s"]["high"] - d["mfu"] * d["time_s"]) < 1e-9 * d["time_s"]
dom = u["dominant"]
shares = [x["share"] for x in dom]
assert shares == sorted(shares, reverse=True) and abs(sum(shares) - 1) < 1e-9
names = [x["name"] for x in dom]
assert "matmul_efficiency" in names[:3], names  # the compute-bound step rests on it first
assert not {"flash_attention", "dropout"} & set(names)
for x in dom:
    assert x["range_low"] < x["value"] <= x["range_high"] or x["range_low"] <= x["value"] < x["range_high"]
# the time interval is the quadrature sum of the excursions
up = sum(max(max(x["time_at_low_s"], x["time_at_high_s"]) - d["time_s"], 0) ** 2 for x in dom) ** 0.5
assert abs(u["time_s"]["high"] - d["time_s"] - up) < 1e-9 * d["time_s"]
PY
jq '.uncertainty = "yes"' "$tmp/s.json" >"$tmp/bad.json"
set +e
"$ridge" evaluate "$tmp/bad.json" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "bad uncertainty value not exit 2"
set -e
grep -q "^ridge: uncertainty:" "$tmp/err" || fail "message: $(cat "$tmp/err")"
echo "test_uncertainty: ok"
