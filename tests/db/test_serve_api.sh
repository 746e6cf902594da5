#!/usr/bin/env bash
# test_serve_api.sh: serve specs through ridged: POST /api/v1/evaluate answers
# the serving result, a bad serve spec is a 400 problem naming the field, and a
# sweep over the arrival rate and the replicas stores the serving columns
# (TTFT/TPOT p99, goodput, SLO attainment) that order_by and the Pareto front
# read.
source "$(dirname "$0")/lib.sh"
DB=$(new_db serve)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
start_ridged "$PORT" --listen "127.0.0.1:$PORT"

SERVE='{"model":"llama3-8b","hardware":"h100-sxm","system":"dgx-h100","phase":"serve",
 "serving":{"arrival":{"rate_per_s":10},"requests":300,"seed":2,"prompt_tokens":{"dist":"lognormal","mean":1024,"sigma":0.5},
 "output_tokens":128,"chunked_prefill_tokens":1024,"slo":{"ttft_s":0.5,"tpot_s":0.03}}}'
req POST "$U/api/v1/evaluate" -d "$SERVE"; expect 200 "evaluate a serve spec"
[ "$(jget 'd["result"]["phase"] == "serve" and d["result"]["serving"]["requests"] == 300')" = True ] &&
  ok "serving result" || fail "serving result: ${BODY:0:300}"
[ "$(jget 'sorted(d["result"]["serving"]["tpot_s"])')" = "['mean', 'p50', 'p90', 'p99']" ] && ok "tpot quantiles" ||
  fail "tpot quantiles"
[ "$(jget '(lambda s: s["energy_per_output_token_j"] > 0 and abs(s["energy_per_request_j"] * s["requests"] - s["energy_j"]) <= 1e-9 * s["energy_j"])(d["result"]["serving"])')" = True ] &&
  ok "serving energy per output token and per request" || fail "serving energy: ${BODY:0:300}"

BAD=$(echo "$SERVE" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["serving"]["arrival"]["rate_per_s"]=-1; print(json.dumps(d))')
req POST "$U/api/v1/evaluate" -d "$BAD"; expect 400 "negative arrival rate"
[ "$(jget 'd["field"]')" = serving.arrival.rate_per_s ] && ok "problem names serving.arrival.rate_per_s" ||
  fail "problem field: $BODY"
BAD=$(echo "$SERVE" | python3 -c 'import json,sys; d=json.load(sys.stdin); d["serving"]["slo"]={"ttft":1}; print(json.dumps(d))')
req POST "$U/api/v1/evaluate" -d "$BAD"; expect 400 "SLO without its unit suffix"
[ "$(jget 'd["field"]')" = serving.slo.ttft ] && ok "problem names serving.slo.ttft" || fail "problem field: $BODY"

# traces: any length inline; a file path is refused (the service reads no files); a sweep holds 64 rows
LONG=$(python3 -c 'import json; print(json.dumps({"model":"llama3-8b","hardware":"h100-sxm","phase":"serve","serving":{"arrival":{"trace":[[0.02*i,100+i,4+i%5] for i in range(500)]}}}))')
req POST "$U/api/v1/evaluate" -d "$LONG"; expect 200 "evaluate a 500-row inline trace"
[ "$(jget 'd["result"]["serving"]["requests"]')" = 500 ] && ok "500 traced requests" || fail "long trace: ${BODY:0:300}"
req POST "$U/api/v1/evaluate" -d '{"model":"llama3-8b","hardware":"h100-sxm","phase":"serve","serving":{"trace_file":"/etc/passwd"}}'
expect 400 "a trace file path"
[ "$(jget 'd["field"]')" = serving.trace_file ] && ok "problem names serving.trace_file" || fail "trace_file: $BODY"
req POST "$U/api/v1/sweeps" -d '{"name":"long trace","base":'"$LONG"',"axes":[{"path":"serving.max_batch","values":[8,16]}]}'
expect 400 "a sweep over a 500-row trace"
[ "$(jget 'd["field"]')" = base.serving.arrival.trace ] && ok "sweep problem names base.serving.arrival.trace" || fail "sweep trace: $BODY"

cat >"$TMP/sweep.json" <<JSON
{"name":"serving load","base":$SERVE,
 "axes":[{"path":"serving.arrival.rate_per_s","values":[5,10,20,40]},
         {"path":"parallelism.dp","values":[1,2]}]}
JSON
req POST "$U/api/v1/sweeps" -d @"$TMP/sweep.json"; expect 202 "create a serving sweep"
SW=$(jget 'd["id"]')
[ "$(wait_sweep "$U" "$SW" 120)" = succeeded ] && ok "serving sweep succeeded" || fail "serving sweep did not succeed"
req GET "$U/api/v1/sweeps/$SW/results?order_by=ttft_p99_s&limit=20"; expect 200 "results by TTFT p99"
python3 - "$TMP/body" <<'PY' && ok "serving columns stored and ordered; more load, longer TTFT" || fail "serving columns: $(head -c 400 "$TMP/body")"
import json, sys
d = json.load(open(sys.argv[1]))["results"]
assert len(d) == 8, len(d)
t = [r["ttft_p99_s"] for r in d]
assert t == sorted(t) and t[0] > 0, t
for r in d:
    assert 0 <= r["slo_attainment"] <= 1 and r["goodput_requests_per_s"] >= 0 and r["tpot_p99_s"] > 0, r
one = {r["params"]["serving.arrival.rate_per_s"]: r for r in d if r["params"]["parallelism.dp"] == 1}
assert one[40]["ttft_p99_s"] > one[5]["ttft_p99_s"], one
PY
req GET "$U/api/v1/sweeps/$SW/pareto?x=serve_output_tokens_per_s_per_chip:max&y=ttft_p99_s:min"; expect 200 "serving Pareto front"
[ "$(jget 'len(d["front"]) >= 1')" = True ] && ok "front over throughput per chip and TTFT" || fail "front: $BODY"

# a sweep of other phases stores no serving figure: the columns are NULL
cat >"$TMP/plain.json" <<'JSON'
{"name":"decode, no serving","base":{"model":"llama3-8b","hardware":"h100-sxm","phase":"decode","batch":8,"seq_len":1024},
 "axes":[{"path":"batch","values":[8,16]}]}
JSON
req POST "$U/api/v1/sweeps" -d @"$TMP/plain.json"; expect 202 "create a decode sweep"
SW2=$(jget 'd["id"]')
[ "$(wait_sweep "$U" "$SW2" 120)" = succeeded ] && ok "decode sweep succeeded" || fail "decode sweep did not succeed"
req GET "$U/api/v1/sweeps/$SW2/results?limit=10"; expect 200 "decode sweep results"
[ "$(jget 'all(r["ttft_p99_s"] is None and r["tpot_p99_s"] is None and r["goodput_requests_per_s"] is None and r["serve_output_tokens_per_s_per_chip"] is None and r["slo_attainment"] is None and r["time_s"] > 0 for r in d["results"]) and len(d["results"]) == 2')" = True ] &&
  ok "serving columns NULL for decode points" || fail "serving columns of decode points: ${BODY:0:400}"
stop_ridged
finish
