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

if [ $fails -ne 0 ]; then
    echo "test_serve: $fails failures" >&2
    exit 1
fi
echo "test_serve: all checks passed"
