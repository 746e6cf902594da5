#!/usr/bin/env bash
# test_search.sh: `ridge search` prints the same best layouts for 1 and 2
# threads, only layouts that fit, counts infeasible ones, and refuses bad
# input with exit 2. Args: BUILD_DIR SRC_DIR.
set -u
. "$(dirname "$0")/lib.sh"

# Llama-3-8B training on 64 H100s (8 DGX H100), global batch 256 x 4096.
cat > "$T/s.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "system": "dgx-h100", "phase": "train",
 "batch": 256, "seq_len": 4096, "chips": 64}
J
export OMP_WAIT_POLICY=passive
"$RIDGE" search "$T/s.json" --threads 1 --top 5 > "$T/t1.out" || fail "search 1 thread"
"$RIDGE" search "$T/s.json" --threads 2 --top 5 > "$T/t2.out" || fail "search 2 threads"
strip='{k: v for k, v in r.items() if k not in ("elapsed_s", "rate_per_s", "rate_per_s_per_thread", "threads")}'
[ "$(json_get "$T/t1.out" "$strip")" = "$(json_get "$T/t2.out" "$strip")" ] || fail "1 vs 2 threads differ"
[ "$(json_get "$T/t1.out" "r['evaluated'] == r['feasible'] + r['no_fit'] + r['rejected']")" = True ] ||
    fail "counts do not add up"
[ "$(json_get "$T/t1.out" "r['evaluated'] > 1000 and r['feasible'] > 0")" = True ] || fail "too few evaluated"
[ "$(json_get "$T/t1.out" "len(r['best']) == 5 and all(b['memory']['fits'] for b in r['best'])")" = True ] ||
    fail "best must fit"
[ "$(json_get "$T/t1.out" "all(r['best'][i]['time_s'] <= r['best'][i+1]['time_s'] for i in range(4))")" = True ] ||
    fail "best not sorted"
p='b["parallelism"]'
[ "$(json_get "$T/t1.out" "all($p['tp']*$p['pp']*$p['dp']*$p['cp']*$p['ep'] == 64 for b in r['best'])")" = True ] ||
    fail "degrees do not multiply to chips"
# The best layout, evaluated alone, gives the same step time.
python3 - "$T/s.json" "$T/t1.out" "$T/best.json" <<'P'
import json, sys
spec = json.load(open(sys.argv[1])); best = json.load(open(sys.argv[2]))["best"][0]
spec["parallelism"] = best["parallelism"]
json.dump(spec, open(sys.argv[3], "w"))
P
"$RIDGE" evaluate "$T/best.json" > "$T/best.out" || fail "evaluate best"
[ "$(json_get "$T/best.out" "r['time_s']")" = "$(json_get "$T/t1.out" "r['best'][0]['time_s']")" ] ||
    fail "best time differs from evaluate"
[ "$(json_get "$T/best.out" "r['spec_sha256']")" = "$(json_get "$T/t1.out" "r['best'][0]['spec_sha256']")" ] ||
    fail "best spec hash differs from evaluate"

# A tiny memory makes everything infeasible: counted, none listed.
cat > "$T/tiny.json" <<'J'
{"model": "llama3-8b", "hardware": {"preset": "h100-sxm", "mem_bytes": 1e9}, "system": "dgx-h100",
 "phase": "train", "batch": 16, "seq_len": 4096, "chips": 8}
J
"$RIDGE" search "$T/tiny.json" > "$T/tiny.out" || fail "tiny search"
[ "$(json_get "$T/tiny.out" "r['feasible'] == 0 and r['no_fit'] > 0 and r['best'] == []")" = True ] ||
    fail "infeasible configurations must be counted, not listed"

# Bad input.
echo '{"model": "llama3-8b", "hardware": "h100-sxm", "system": "dgx-h100", "phase": "train", "batch": 8, "seq_len": 8}' > "$T/nochips.json"
"$RIDGE" search "$T/nochips.json" 2> "$T/e1"; rc=$?
[ $rc -eq 2 ] && grep -q "chips" "$T/e1" || fail "missing chips: exit $rc"
echo '{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "train", "batch": 8, "seq_len": 8, "chips": 8}' > "$T/nosys.json"
"$RIDGE" search "$T/nosys.json" 2> "$T/e2"; rc=$?
[ $rc -eq 2 ] && grep -q "system" "$T/e2" || fail "missing system: exit $rc"
"$RIDGE" search "$T/s.json" --top 0 2> /dev/null; [ $? -eq 2 ] || fail "--top 0"
"$RIDGE" search "$T/s.json" --max-configs 100 2> "$T/e3"; rc=$?
[ $rc -eq 2 ] && grep -q "chips: more than 100 configurations" "$T/e3" || fail "--max-configs: exit $rc"
"$RIDGE" search "$T/s.json" --threads x 2> /dev/null; [ $? -eq 2 ] || fail "--threads x"

if [ $fails -ne 0 ]; then
    echo "test_search: $fails failures" >&2
    exit 1
fi
echo "test_search: all checks passed"
