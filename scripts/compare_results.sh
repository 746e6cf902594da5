#!/usr/bin/env bash
# compare_results.sh: checks that two ridge binaries give bit-identical
# results (every number of every result printed with round-trip precision),
# for the benchmark specs, every model preset in training, prefill and
# decode layouts, and every layout `ridge search` visits for GPT-3 175B on
# 1,024 A100s. Run it before and after a speed change:
#   scripts/compare_results.sh OLD/ridge NEW/ridge
# Exit 0 when identical, 1 with the first difference printed.
set -euo pipefail
old="$1" new="$2"
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
spec() { n=$((n + 1)); cat >"$tmp/s$n.json"; }
spec <<'JSON'
{"model":"gpt3-175b","hardware":"a100-sxm-80gb","system":"dgx-a100","phase":"train","batch":1536,"seq_len":2048,"chips":1024,"parallelism":{"tp":8,"pp":8,"dp":16,"microbatch":1,"interleave":3,"sequence_parallel":true,"recompute":"selective","zero":1}}
JSON
for stack in megatron-2021 megatron-2022 megatron-core-2024; do
  spec <<JSON
{"model":"gpt3-175b","hardware":"a100-sxm-80gb","system":"dgx-a100","phase":"train","batch":1536,"seq_len":2048,"chips":1024,"stack":"$stack","parallelism":{"tp":8,"pp":16,"dp":8,"microbatch":1,"interleave":2}}
JSON
done
for f in "$src"/data/models/*.json; do
  m=$(basename "$f" .json)
  spec <<JSON
{"model":"$m","hardware":"h100-sxm","system":"dgx-h100","phase":"train","batch":64,"seq_len":4096,"chips":64,"parallelism":{"tp":8,"pp":2,"dp":4,"microbatch":1,"zero":1}}
JSON
  spec <<JSON
{"model":"$m","hardware":"h100-sxm","phase":"prefill","batch":4,"seq_len":8192,"chips":8,"parallelism":{"tp":8}}
JSON
  spec <<JSON
{"model":"$m","hardware":"h200","phase":"decode","batch":32,"seq_len":4096,"chips":8,"parallelism":{"tp":8},"numerics":{"weights":"fp8_e4m3","kv_cache":"fp8_e4m3"}}
JSON
done
status=0
for i in $(seq 1 $n); do
  a=$("$old" evaluate "$tmp/s$i.json" 2>&1 | grep -v '"git_commit"' || true)
  b=$("$new" evaluate "$tmp/s$i.json" 2>&1 | grep -v '"git_commit"' || true)
  # drop the build's own identity (git commit), keep every number
  a=$(printf '%s' "$a" | sed 's/"git_commit":"[^"]*",\{0,1\}//')
  b=$(printf '%s' "$b" | sed 's/"git_commit":"[^"]*",\{0,1\}//')
  if [ "$a" != "$b" ]; then
    echo "differs: $(cat "$tmp/s$i.json")"
    diff <(printf '%s' "$a" | tr ',' '\n') <(printf '%s' "$b" | tr ',' '\n') | head -10
    status=1
  fi
done
# the 64 best layouts the search ranks (every layout is evaluated to rank them)
for bin in old new; do
  eval "\"\$$bin\"" search "$tmp/s1.json" --top 64 |
    jq -c 'del(.elapsed_s, .rate_per_s, .rate_per_s_per_thread, .threads)' >"$tmp/search-$bin.json"
done
cmp -s "$tmp/search-old.json" "$tmp/search-new.json" || { echo "search results differ"; status=1; }
echo "compare_results: $n specs and $(jq '.best | length' "$tmp/search-new.json") searched layouts: $([ $status = 0 ] && echo identical || echo DIFFERENT)"
exit $status
