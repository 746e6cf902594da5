#!/usr/bin/env bash
# test_bad_input.sh: bad requests get a clear 4xx problem+json naming the
# field and change nothing: malformed JSON, wrong types, unknown fields,
# bad axes, oversized bodies (Content-Length and chunked) -> 413, unknown
# paths -> 404, wrong methods -> 405, SQL metacharacters in every string.
# Row counts of every table are compared before and after.
source "$(dirname "$0")/lib.sh"
DB=$(new_db bad)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --max-body 65536

counts() { sql "SELECT (SELECT count(*) FROM sweeps), (SELECT count(*) FROM sweep_chunks), (SELECT count(*) FROM sweep_results), (SELECT count(*) FROM runs), (SELECT count(*) FROM decisions), (SELECT count(*) FROM api_tokens)"; }
# bad METHOD PATH DATA CODE FIELD DESCRIPTION
bad() {
  req "$1" "$U$2" -H 'Content-Type: application/json' --data-binary "$3"
  if [ "$CODE" != "$4" ]; then fail "$6: expected $4, got $CODE: ${BODY:0:300}"; return; fi
  local ct
  ct=$(curl -s -o /dev/null -w '%{content_type}' -X "$1" "$U$2" --data-binary "$3")
  [ "$ct" = "application/problem+json" ] || fail "$6: content type $ct"
  local f
  f=$(python3 -c "import json; d=json.load(open('$TMP/body')); assert {'type','title','status','detail','code'} <= set(d), d; assert d['status'] == $4 and d['type'].startswith('/problems/'), d; print(d.get('field',''))") ||
    { fail "$6: not a problem document of status $4 with a /problems/ type: $BODY"; return; }
  TYPES+=("$(jget 'd["type"]')")
  if [ -n "$5" ] && [ "$f" != "$5" ]; then fail "$6: field '$f', expected '$5'"; return; fi
  ok "$6 ($CODE${5:+, field $5})"
}

# seed one sweep so result/pareto queries have something to refuse on
req POST "$U/api/v1/sweeps" -d "{\"name\":\"seed\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8,16]}]}"
SW=$(jget 'd["id"]')
wait_sweep "$U" "$SW" 30 >/dev/null
BEFORE=$(counts)
TYPES=()

bad POST /api/v1/evaluate '{"model":' 400 "" "malformed JSON"
bad POST /api/v1/evaluate '{"a":1} trailing' 400 "" "trailing garbage"
bad POST /api/v1/evaluate '' 400 "" "empty body"
bad POST /api/v1/evaluate '[1,2]' 400 "" "not an object"
bad POST /api/v1/evaluate "${SPEC%\}},\"batch\":\"many\"}" 400 batch "wrong type (batch)"
bad POST /api/v1/evaluate "${SPEC%\}},\"bogus\":1}" 400 bogus "unknown field"
bad POST /api/v1/evaluate "${SPEC%\}},\"store\":\"yes\"}" 400 store "store must be boolean"
bad POST /api/v1/evaluate '{"model":"no-such-model","hardware":"h100-sxm","phase":"train","batch":1,"seq_len":1}' 400 model.preset "unknown preset"
# a Hugging Face config.json in the spec: errors name the config key
HF='"hardware":"h100-sxm","phase":"decode","batch":1,"seq_len":128'
LL='"model_type":"llama","hidden_size":4096,"intermediate_size":14336,"num_attention_heads":32,"num_hidden_layers":32,"vocab_size":128256'
bad POST /api/v1/evaluate "{\"model\":{\"hf_config\":{$LL,\"num_key_value_heads\":\"8\"}},$HF}" 400 model.hf_config.num_key_value_heads "hf_config: string where a number belongs"
bad POST /api/v1/evaluate "{\"model\":{\"hf_config\":{$LL,\"num_key_value_heads\":5}},$HF}" 400 model.hf_config.num_key_value_heads "hf_config: heads that do not divide"
bad POST /api/v1/evaluate "{\"model\":{\"hf_config\":{$LL,\"hidden_act\":\"swiglu9\"}},$HF}" 400 model.hf_config.hidden_act "hf_config: unknown activation"
bad POST /api/v1/evaluate "{\"model\":{\"hf_config\":{\"model_type\":\"mistral\",\"sliding_window\":65536,\"max_position_embeddings\":32768}},$HF}" 400 model.hf_config.sliding_window "hf_config: window longer than the context"
bad POST /api/v1/evaluate "{\"model\":{\"hf_config\":{\"model_type\":\"llama9\"}},$HF}" 400 model.hf_config.model_type "hf_config: unknown model_type"
bad POST /api/v1/evaluate "{\"model\":{\"hf_config\":{\"model_type\":\"zamba2\",\"num_hidden_layers\":2,\"layers_block_type\":[\"mamba\",\"attention\"]}},$HF}" 400 model.hf_config.layers_block_type "hf_config: unknown Zamba2 layer type"
bad POST /api/v1/evaluate "{\"model\":{\"hf_config\":{\"model_type\":\"zamba2\",\"use_shared_attention_adapter\":true,\"num_key_value_heads\":8}},$HF}" 400 model.hf_config.num_key_value_heads "hf_config: Zamba2 q/k/v adapters with grouped KV heads"
req POST "$U/api/v1/evaluate" -d "{\"model\":{\"hf_config\":{$LL,\"num_key_value_heads\":8,\"max_position_embeddings\":8192}},$HF}"
[ "$CODE" = 200 ] && [ "$(jget 'd["result"]["params"]')" = 8030261248 ] && ok "hf_config evaluates (Llama-3-8B: 8,030,261,248 parameters)" ||
  fail "hf_config evaluate: $CODE ${BODY:0:300}"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[1]},{\"path\":\"seq_len\",\"values\":[1,2,3,\"x\"]}]}" 400 "axes[1].values[3]" "bad axis value"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[1,-4]}]}" 400 "axes[0].values[1]" "out-of-range axis value"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":$SPEC,\"axes\":[{\"path\":\"no.such\",\"values\":[1]}]}" 400 "axes[0].path" "unknown axis path"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":$SPEC,\"axes\":[{\"path\":\"hardware\",\"values\":[\"h100-sxm\",\"tpu-v9\"]}]}" 400 "axes[0].values[1]" "unknown preset in axis"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":9,\"steps\":0}}]}" 400 "axes[0].range.steps" "bad range"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[1],\"extra\":1}]}" 400 "axes[0].extra" "unknown axis field"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":{\"model\":\"llama3-8b\"},\"axes\":[{\"path\":\"batch\",\"values\":[1]}]}" 400 "" "incomplete base"
[ "${BODY}" != "${BODY#*base}" ] && ok "base errors name base.*" || fail "base field: $BODY"
bad POST /api/v1/sweeps "{\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[1]}]}" 400 name "missing name"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":$SPEC,\"axes\":[]}" 400 axes "no axes"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":$SPEC,\"axes\":[{\"path\":\"hardware.mem_bw\",\"range\":{\"start\":1e12,\"stop\":9e12,\"steps\":100000000}},{\"path\":\"assumptions.matmul_efficiency\",\"range\":{\"start\":0.1,\"stop\":0.9,\"steps\":100000000}}]}" 400 axes "too many points"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":1e9,\"steps\":100000000}}]}" 400 "axes[0].range" "integer range over the step limit"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":$SPEC,\"tags\":[1],\"axes\":[{\"path\":\"batch\",\"values\":[1]}]}" 400 "tags[0]" "bad tag"
bad POST /api/v1/sweeps "{\"name\":\"s\",\"base\":$SPEC,\"huh\":0,\"axes\":[{\"path\":\"batch\",\"values\":[1]}]}" 400 huh "unknown sweep field"
bad POST /api/v1/decisions '{"title":"t","question":"q"}' 400 decision "decision missing"
bad POST /api/v1/decisions '{"title":"t","question":"q","decision":"d","status":"superseded"}' 400 status "bad decision status"
bad POST /api/v1/decisions '{"title":"t","question":"q","decision":"d","evidence":{"runs":["abc"]}}' 400 "evidence.runs[0]" "bad evidence id"
bad POST /api/v1/decisions '{"title":"t","question":"q","decision":"d","confidence":9}' 400 confidence "confidence type"
bad GET "/api/v1/sweeps/$SW/results?order_by=mfu;DROP%20TABLE%20sweeps" "" 400 order_by "order_by injection"
bad GET "/api/v1/sweeps/$SW/results?filter=mfu%20%3E%200%20OR%201%3D1" "" 400 filter "filter injection"
bad GET "/api/v1/sweeps/$SW/results?filter=mfu%20%3E%20'0'" "" 400 filter "filter quoted value"
bad GET "/api/v1/sweeps/$SW/results?page_token=1%20OR%201=1" "" 400 page_token "page_token injection"
bad GET "/api/v1/sweeps/$SW/results?limit=0" "" 400 limit "limit 0"
bad GET "/api/v1/sweeps/$SW/pareto?x=time_s;DELETE&y=mfu" "" 400 x "pareto injection"
bad GET "/api/v1/sweeps?status=running'--" "" 400 status "status injection"
bad GET "/api/v1/sweeps?created_after=yesterday'--" "" 400 created_after "timestamp injection"
bad GET "/api/v1/sweeps/1%20OR%201=1" "" 404 id "id injection"
bad GET /api/v1/nothing-here "" 404 "" "unknown API path"
bad DELETE "/api/v1/sweeps/$SW" "" 405 "" "DELETE not allowed"
bad PUT /api/v1/evaluate "$SPEC" 405 "" "PUT not allowed"

# 413: a too-large Content-Length is refused at once
head -c 70000 /dev/zero | tr '\0' ' ' >"$TMP/big.json"
req POST "$U/api/v1/evaluate" -H 'Content-Type: application/json' --data-binary @"$TMP/big.json"; expect 413 "Content-Length over the cap"
# chunked body past the cap: discarded, 413 at the end
req POST "$U/api/v1/sweeps" -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' --data-binary @"$TMP/big.json"
expect 413 "chunked body over the cap"

# SQL metacharacters are stored literally where strings are accepted
EVIL="x'; DROP TABLE sweeps; -- \\\" \$1 %_ \\\\"
req POST "$U/api/v1/sweeps" -d "{\"name\":\"$EVIL\",\"notes\":\"$EVIL\",\"tags\":[\"$EVIL\"],\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8]}]}"
expect 202 "sweep with metacharacters"
EV=$(jget 'd["id"]')
wait_sweep "$U" "$EV" 30 >/dev/null
req GET "$U/api/v1/sweeps/$EV"
python3 -c "import json; d=json.load(open('$TMP/body')); assert d['name']==d['notes']==d['tags'][0], d; assert d['name'].startswith(\"x'; DROP\"), d" &&
  ok "metacharacters round-trip" || fail "metacharacters: ${BODY:0:200}"
req GET "$U/api/v1/sweeps" --get --data-urlencode "tag=$EVIL" --data-urlencode "author=' OR 1=1 --"
expect 200 "search with metacharacters"
[ "$(jget 'len(d["sweeps"])')" = 0 ] && ok "no rows leak through author injection" || fail "author injection"
req GET "$U/api/v1/decisions" --get --data-urlencode "q=%' OR 1=1 --" --data-urlencode "tag=');DROP TABLE decisions;--"
expect 200 "decision search with metacharacters"
req POST "$U/api/v1/decisions" -d "{\"title\":\"$EVIL\",\"question\":\"$EVIL\",\"decision\":\"$EVIL\",\"rationale\":\"$EVIL\",\"tags\":[\"$EVIL\"]}"
expect 201 "decision with metacharacters"
[ "$(jget 'd["title"] == d["rationale"] == d["tags"][0]')" = True ] && ok "decision strings round-trip" || fail "decision strings"

# every problem type met above has its documentation page, served by ridged
for t in $(printf '%s\n' "${TYPES[@]}" | sort -u); do
  CODE=$(curl -s -o "$TMP/doc" -w '%{http_code} %{content_type}' "$U$t")
  [ "$CODE" = "200 text/html; charset=utf-8" ] && grep -q "<h1>${t#/problems/}</h1>" "$TMP/doc" &&
    ok "documentation of $t" || fail "documentation of $t: $CODE"
done
[ "${#TYPES[@]}" -gt 10 ] && ok "${#TYPES[@]} problems checked" || fail "too few problems checked"
req GET "$U/problems"; expect 200 "problem type index"
req GET "$U/problems/no-such-type"; expect 404 "unknown problem type"

AFTER=$(counts)
# the two good writes above added: 1 sweep, its chunk, its result; 1 decision
EXPECT=$(python3 -c "b=list(map(int,'$BEFORE'.split('|'))); b[0]+=1; b[1]+=1; b[2]+=1; b[4]+=1; print('|'.join(map(str,b)))")
[ "$AFTER" = "$EXPECT" ] && ok "bad requests changed nothing ($BEFORE -> $AFTER)" || fail "row counts $BEFORE -> $AFTER (expected $EXPECT)"
kill -0 "$RPID" && ok "ridged still running" || fail "ridged died"
stop_ridged
finish
