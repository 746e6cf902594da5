#!/usr/bin/env bash
# test_serve.sh: `ridge evaluate` and `ridge search` on "phase": "serve" specs:
# the result keys of the contract, Little's law on the run, the same bytes for
# the same seed, the canonical text round trip, and bad input exiting 2 with
# the field named on stderr. Args: BUILD_DIR SRC_DIR.
set -u
. "$(dirname "$0")/lib.sh"

cat > "$T/serve.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "serve",
 "serving": {"arrival": {"rate_per_s": 10}, "requests": 500, "seed": 5,
             "prompt_tokens": {"dist": "lognormal", "mean": 1024, "sigma": 0.5},
             "output_tokens": {"dist": "uniform", "min": 64, "max": 256},
             "max_batch": 128, "chunked_prefill_tokens": 1024,
             "slo": {"ttft_s": 0.5, "tpot_s": 0.03}}}
J
if "$RIDGE" evaluate "$T/serve.json" > "$T/serve.out"; then
    [ "$(json_get "$T/serve.out" "r['phase']")" = serve ] || fail "serve: phase"
    for k in requests ttft_s tpot_s e2e_s throughput_requests_per_s output_tokens_per_s \
             output_tokens_per_s_per_chip goodput_requests_per_s slo_attainment mean_in_system \
             kv_utilization_mean kv_utilization_peak preemptions series; do
        [ "$(json_get "$T/serve.out" "'$k' in r['serving']")" = True ] || fail "serve: no serving.$k"
    done
    [ "$(json_get "$T/serve.out" "sorted(r['serving']['ttft_s'])")" = "['mean', 'p50', 'p90', 'p99']" ] ||
        fail "serve: ttft_s quantiles"
    [ "$(json_get "$T/serve.out" "r['serving']['requests']")" = 500 ] || fail "serve: requests"
    # Little's law (Little 1961): mean in system = throughput x mean latency
    [ "$(json_get "$T/serve.out" "abs(r['serving']['mean_in_system'] - r['serving']['throughput_requests_per_s'] * r['serving']['e2e_s']['mean']) <= 0.02 * r['serving']['mean_in_system']")" = True ] ||
        fail "serve: Little's law"
    [ "$(json_get "$T/serve.out" "len(r['serving']['series']['t_s']) == len(r['serving']['series']['queue']) > 10")" = True ] ||
        fail "serve: series"
    [ "$(json_get "$T/serve.out" "any(a['name'] == 'kv_block_tokens' for a in r['assumptions'])")" = True ] ||
        fail "serve: kv_block_tokens not listed"
else
    fail "serve example exited $?"
fi
"$RIDGE" evaluate "$T/serve.json" > "$T/serve2.out" || fail "serve rerun"
cmp -s "$T/serve.out" "$T/serve2.out" || fail "serve: the same seed gave other bytes"
# the canonical text is a spec with the same hash
"$RIDGE" evaluate --canonical "$T/serve.json" > "$T/canon.out" || fail "serve --canonical"
json_get "$T/canon.out" "json.dumps(r['spec'])" > "$T/canon.json"
"$RIDGE" evaluate "$T/canon.json" > "$T/canon2.out" || fail "serve canonical spec does not evaluate"
[ "$(json_get "$T/canon2.out" "r['spec_sha256']")" = "$(json_get "$T/serve.out" "r['spec_sha256']")" ] ||
    fail "serve: canonical spec hashes differently"

# bad input: exit 2, the field on stderr
bad() { # FIELD JQ-EXPR
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); exec(sys.argv[2]); print(json.dumps(r))" \
        "$T/serve.json" "$2" > "$T/bad.json"
    "$RIDGE" evaluate "$T/bad.json" > /dev/null 2> "$T/bad.err"
    rc=$?
    [ $rc = 2 ] || fail "bad $1: exit $rc"
    grep -q "$1" "$T/bad.err" || fail "bad $1: stderr does not name it: $(cat "$T/bad.err")"
}
bad serving.arrival.rate_per_s "r['serving']['arrival']['rate_per_s'] = 0"
bad serving.arrival.rate_per_s "r['serving']['arrival']['rate_per_s'] = -3"
bad serving.slo.ttft_s "r['serving']['slo']['ttft_s'] = -1"
bad serving.slo.ttft_ms "r['serving']['slo']['ttft_ms'] = 500"
bad serving.slo.tpot_s.unit "r['serving']['slo']['tpot_s'] = {'value': 30, 'unit': 'ms'}"
bad serving.arrival.trace "r['serving']['arrival'] = {'trace': [[0, 10, 10], [2, 10, 10], [1, 10, 10]]}"
bad serving.arrival.trace "r['serving']['arrival'] = {'trace': [[-1, 10, 10]]}"
bad serving.prompt_tokens.sigma "r['serving']['prompt_tokens'] = {'dist': 'lognormal', 'mean': 100}"
bad serving.disaggregated "r.update({'system': 'dgx-h100', 'chips': 4}); r['serving']['disaggregated'] = {'prefill': {'instances': 2, 'tp': 2}, 'decode': {'instances': 1, 'tp': 2}}"
bad serving.max_batch "r['serving']['max_batch'] = 0"

# ridge search on a serve spec: deployments under the SLOs, ranked
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); r.update({'system': 'dgx-h100', 'chips': 2}); r['serving']['requests'] = 100; print(json.dumps(r))" \
    "$T/serve.json" > "$T/search.json"
if "$RIDGE" search "$T/search.json" --top 3 --threads 2 > "$T/search.out"; then
    [ "$(json_get "$T/search.out" "r['evaluated'] > 50 and len(r['best']) == 3")" = True ] || fail "serve search: size"
    [ "$(json_get "$T/search.out" "r['best'][0]['goodput_per_chip'] >= r['best'][1]['goodput_per_chip'] >= r['best'][2]['goodput_per_chip']")" = True ] ||
        fail "serve search: not ranked by goodput per chip"
    "$RIDGE" search "$T/search.json" --top 3 --threads 1 > "$T/search1.out" || fail "serve search, one thread"
    [ "$(json_get "$T/search.out" "r['best']")" = "$(json_get "$T/search1.out" "r['best']")" ] ||
        fail "serve search: the thread count changed the answer"
else
    fail "serve search exited $?"
fi
"$RIDGE" search "$T/search.json" --goal fastest > /dev/null 2>&1
[ $? = 2 ] || fail "serve search: a bad --goal must exit 2"

# serving.trace_file: a CSV or JSON-lines trace beside the spec (the path is relative to the spec file)
# gives the result of the same rows inline; longer than the 64 rows a sweep holds inline.
mkdir -p "$T/tr"
python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
rows = [[round(0.05 * i, 3), 64 + (37 * i) % 900, 8 + (11 * i) % 60] for i in range(300)]
with open(t + "/tr/trace.csv", "w") as f:
    f.write("prompt_tokens,arrival_s,output_tokens\n# a comment, then a blank line\n\n")
    f.writelines(f"{p},{a},{o}\n" for a, p, o in rows)
with open(t + "/tr/trace.jsonl", "w") as f:
    f.writelines(json.dumps({"arrival_s": a, "prompt_tokens": p, "output_tokens": o}) + "\n" for a, p, o in rows)
base = {"model": "llama3-8b", "hardware": "h100-sxm", "phase": "serve",
        "serving": {"max_batch": 64, "chunked_prefill_tokens": 512}}
for name, extra in (("file-csv", {"trace_file": "trace.csv"}), ("file-jsonl", {"trace_file": "trace.jsonl"}),
                    ("inline", {"arrival": {"trace": rows}})):
    spec = json.loads(json.dumps(base))
    spec["serving"].update(extra)
    json.dump(spec, open(f"{t}/tr/{name}.json", "w"))
PY
for f in file-csv file-jsonl inline; do
    (cd / && "$RIDGE" evaluate "$T/tr/$f.json" > "$T/tr/$f.out") || fail "trace: $f exited $?"
done
[ "$(json_get "$T/tr/inline.out" "r['serving']['requests']")" = 300 ] || fail "trace: inline requests"
for f in file-csv file-jsonl; do
    cmp -s "$T/tr/$f.out" "$T/tr/inline.out" || fail "trace: $f differs from the inline trace"
done
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); r['chips'] = 1; print(json.dumps(r))" \
    "$T/tr/file-csv.json" > "$T/tr/search.json"
"$RIDGE" search "$T/tr/search.json" --top 1 > "$T/tr/search.out" || fail "trace: search exited $?"
[ "$(json_get "$T/tr/search.out" "r['evaluated'] > 10")" = True ] || fail "trace: search evaluated too few"
badtrace() { # WHAT FILE-TEXT STDERR-PATTERN
    printf "$2" > "$T/tr/bad.csv"
    echo '{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "serve", "serving": {"trace_file": "bad.csv"}}' \
        > "$T/tr/bad.json"
    "$RIDGE" evaluate "$T/tr/bad.json" > "$T/tr/bad.out" 2> "$T/tr/bad.err"
    rc=$?
    [ $rc = 2 ] || fail "trace $1: exit $rc"
    [ -s "$T/tr/bad.out" ] && fail "trace $1: wrote output"
    grep -q "serving.trace_file: $3" "$T/tr/bad.err" || fail "trace $1: stderr: $(cat "$T/tr/bad.err")"
}
badtrace decreasing '0,10,10\n2,10,10\n1.5,10,10\n' 'line 3: arrival_s 1.5 is before'
badtrace negative '# t\n-1,10,10\n' 'line 2: arrival_s must be'
badtrace zero-tokens '0,10,10\n1,0,10\n' 'line 2: prompt_tokens must be an integer'
badtrace fraction '0,10,2.5\n' 'line 1: output_tokens must be an integer'
badtrace columns '0,10\n' 'line 1: 2 columns'
badtrace header 'arrival_s,prompt,output_tokens\n' 'line 1: header column "prompt"'
badtrace text '0,ten,10\n' 'line 1: prompt_tokens: not a number'
badtrace json-key '{"arrival_s": 0, "prompt_tokens": 1, "output_tokens": 1, "user": 3}\n' 'line 1: unknown key "user"'
badtrace json-missing '{"arrival_s": 0, "prompt_tokens": 1}\n' 'line 1: output_tokens: missing'
badtrace empty '# nothing\n' 'no rows'
rm -f "$T/tr/bad.csv"
"$RIDGE" evaluate "$T/tr/bad.json" > /dev/null 2> "$T/tr/bad.err"
[ $? = 2 ] && grep -q "serving.trace_file: cannot read" "$T/tr/bad.err" || fail "trace: a missing file must exit 2"

# layer kinds serve: sliding-window layers (Gemma 3), Mamba-2 layers (Nemotron-H), uneven stages
for ml in gemma-3-27b:30:32 nemotron-h-8b:12:16; do
    m=${ml%%:*}
    python3 -c "import json,sys; f, l = map(int, sys.argv[1].split(':')[1:]); print(json.dumps({'model': sys.argv[1].split(':')[0], 'hardware': 'h100-sxm', 'system': 'dgx-h100',
        'phase': 'serve', 'parallelism': {'pp': 2, 'first_stage_layers': f, 'last_stage_layers': l},
        'serving': {'arrival': {'rate_per_s': 4}, 'requests': 60, 'prompt_tokens': 3000, 'output_tokens': 64,
                    'chunked_prefill_tokens': 1024}}))" $ml > "$T/kind.json"
    if "$RIDGE" evaluate "$T/kind.json" > "$T/kind.out" 2> "$T/kind.err"; then
        [ "$(json_get "$T/kind.out" "r['serving']['requests'] == 60 and r['serving']['tpot_s']['p50'] > 0")" = True ] ||
            fail "serve $m: result"
    else
        fail "serve $m (uneven stages) exited: $(cat "$T/kind.err")"
    fi
done

if [ $fails -ne 0 ]; then
    echo "test_serve: $fails failures" >&2
    exit 1
fi
echo "test_serve: all checks passed"
