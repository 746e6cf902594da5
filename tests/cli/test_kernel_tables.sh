#!/usr/bin/env bash
# test_kernel_tables.sh: calibration on one half of the public kernel tables,
# error on the other half. data/measured/xla-gemm.jsonl and
# xla-collectives.jsonl (XLA's measured GPU performance tables, see
# data/measured/README.md) carry a fixed "split" (train/test, from a hash of
# each row's key); `ridge calibrate` fits on the train half only and
# `ridge calibrate check` predicts the test half with the shipped defaults
# and with the fitted profile. Prints the held-out MAPE per kind and per
# group against the issue's targets (GEMM 8 %, collectives 10 %) and checks
# that the fit helps every kind on rows it never saw and that the GEMM
# target holds.
# Args: BUILD_DIR SRC_DIR
set -euo pipefail
ridge="$1/ridge"
data="$2/data/measured"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_kernel_tables: $*" >&2; exit 1; }
for half in train test; do
  cat "$data/xla-gemm.jsonl" "$data/xla-collectives.jsonl" | grep "\"split\": \"$half\"" >"$tmp/$half.jsonl"
done
"$ridge" calibrate --measurements "$tmp/train.jsonl" --out "$tmp/profile.json" --folds 0 >"$tmp/fit.json" ||
  fail "calibrate on the train half"
"$ridge" calibrate check "$tmp/test.jsonl" >"$tmp/before.json" || fail "check with the defaults"
"$ridge" calibrate check "$tmp/test.jsonl" --profile "$tmp/profile.json" >"$tmp/after.json" || fail "check with the profile"
python3 - "$tmp" <<'PY' || fail "held-out kernel error"
import collections, json, sys
tmp = sys.argv[1]
rows = [json.loads(l) for l in open(f"{tmp}/test.jsonl")]
before, after = json.load(open(f"{tmp}/before.json")), json.load(open(f"{tmp}/after.json"))
assert before["rows"] == after["rows"] == len(rows)
targets = {"gemm": 8.0, "all_reduce": 10.0, "all_gather": 10.0, "reduce_scatter": 10.0, "all_to_all": 10.0}
print(f"held-out half: {len(rows)} rows (fitted on the other half)")
print(f"{'kind':16s} {'rows':>5s} {'defaults':>9s} {'fitted':>8s} {'target':>7s}")
for kind, t in targets.items():
    b, a = before["by_kind"][kind], after["by_kind"][kind]
    print(f"{kind:16s} {a['rows']:5d} {b['mape']:8.2f}% {a['mape']:7.2f}% {t:6.0f}% {'met' if a['mape'] <= t else 'NOT met'}")
    assert a["mape"] < b["mape"], f"{kind}: the fit does not help held-out rows"
groups = collections.defaultdict(lambda: [0.0, 0.0, 0])
for r, pb, pa in zip(rows, before["per_row"], after["per_row"]):
    g = groups[(r["kind"], r.get("hardware") or r.get("system"), r["dtype"])]
    g[0] += abs(pb["error"]); g[1] += abs(pa["error"]); g[2] += 1
print("per group (kind, hardware or system, dtype): held-out MAPE defaults -> fitted")
for (k, n, d), (b, a, c) in sorted(groups.items()):
    print(f"  {k:15s} {n:16s} {d:9s} {c:4d} rows {100 * b / c:7.2f}% -> {100 * a / c:6.2f}%")
assert after["by_kind"]["gemm"]["mape"] <= targets["gemm"], "GEMM held-out MAPE above the 8 % target"
# Collectives with NCCL's LL, LL128 and Simple protocols as candidates
# (fastest wins): held-out bounds just above what the model reaches now
# (12.41, 10.35, 14.59, 25.96 %), so a regression of the mechanism or of the
# fit fails here. The targets (10 %) are not met yet (docs/calibration.md).
bounds = {"all_reduce": 13.0, "all_gather": 11.5, "reduce_scatter": 15.5, "all_to_all": 27.0}
for kind, bound in bounds.items():
    assert after["by_kind"][kind]["mape"] <= bound, f"{kind}: held-out MAPE above {bound} %"
PY

# The GEMM tile and wave model (off in the presets: no matrix_cores) on the
# H100 rows: 132 SMs (NVIDIA H100 Tensor Core GPU Architecture whitepaper,
# 2022, H100 SXM5), the shipped gemm_tile_m/n and gemm_split_k_min; fitted
# and held out the same way. Reported, and kept off while it does worse.
for half in train test; do
  grep '"hardware": "h100-sxm"' "$tmp/$half.jsonl" >"$tmp/h100-$half.jsonl"
  sed 's/"hardware": "h100-sxm"/"hardware": "h100-sxm", "matrix_cores": 132/' "$tmp/h100-$half.jsonl" >"$tmp/h100w-$half.jsonl"
done
for v in h100 h100w; do
  "$ridge" calibrate --measurements "$tmp/$v-train.jsonl" --out "$tmp/$v.json" --folds 0 >/dev/null || fail "calibrate $v"
  "$ridge" calibrate check "$tmp/$v-test.jsonl" --profile "$tmp/$v.json" >"$tmp/$v-check.json" || fail "check $v"
done
python3 - "$tmp" <<'PY' || fail "tile and wave model report"
import json, sys
tmp = sys.argv[1]
size, wave = (json.load(open(f"{tmp}/{v}-check.json"))["mape"] for v in ("h100", "h100w"))
print(f"H100 bf16 GEMMs held out: size curve {size:.2f}%, with the tile and wave model (132 SMs) {wave:.2f}%")
assert size < wave, "the tile and wave model now predicts held-out GEMMs better: consider turning it on"
PY

# Memory-bound kernels: Liger-Kernel's measured forward normalisation kernels
# (data/measured/liger-memory.jsonl, scripts/import_liger_tables.py; bytes =
# each op's minimum traffic). memory_bw_efficiency and
# memory_half_efficiency_bytes are fitted per hardware on the train half and
# the test half is predicted; target 15 %.
for half in train test; do
  grep "\"split\": \"$half\"" "$data/liger-memory.jsonl" >"$tmp/mem-$half.jsonl"
done
"$ridge" calibrate --measurements "$tmp/mem-train.jsonl" --out "$tmp/mem.json" --folds 0 >/dev/null || fail "calibrate memory"
"$ridge" calibrate check "$tmp/mem-test.jsonl" >"$tmp/mem-before.json" || fail "check memory defaults"
"$ridge" calibrate check "$tmp/mem-test.jsonl" --profile "$tmp/mem.json" >"$tmp/mem-after.json" || fail "check memory"
python3 - "$tmp" <<'PY' || fail "memory-bound held-out error"
import collections, json, sys
tmp = sys.argv[1]
rows = [json.loads(l) for l in open(f"{tmp}/mem-test.jsonl")]
b, a = (json.load(open(f"{tmp}/mem-{v}.json")) for v in ("before", "after"))
assert a["rows"] == len(rows) >= 10
print(f"memory (Liger-Kernel) held out: {len(rows)} rows, defaults {b['mape']:.2f}% -> fitted {a['mape']:.2f}% (target 15%)")
g = collections.defaultdict(lambda: [0.0, 0])
for r, p in zip(rows, a["per_row"]):
    g[(r["hardware"], r["op"])][0] += abs(p["error"]); g[(r["hardware"], r["op"])][1] += 1
for (h, op), (s, c) in sorted(g.items()):
    print(f"  {h:14s} {op:20s} {c:3d} rows {100 * s / c:6.2f}%")
assert a["mape"] < b["mape"], "the fit does not help held-out memory rows"
assert a["mape"] <= 6.0, "memory-bound held-out MAPE above 6 % (4.42 % when written)"
PY
