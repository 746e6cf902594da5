#!/usr/bin/env bash
# test_evaluate.sh: `ridge evaluate` on worked examples and bad inputs, plus
# `ridge presets` and a short `ridge bench`. Bad input must exit 2 with the
# field named on stderr, never crash. Args: BUILD_DIR SRC_DIR.
set -u
. "$(dirname "$0")/lib.sh"

# 1. Llama-3-70B decode on 8 H200 (one DGX-class node), batch 64, 8k context.
cat > "$T/decode.json" <<'J'
{"model": "llama3-70b", "hardware": "h200", "system": "dgx-h100", "phase": "decode",
 "batch": 64, "seq_len": 8192, "parallelism": {"tp": 8}}
J
if "$RIDGE" evaluate "$T/decode.json" > "$T/decode.out"; then
    [ "$(json_get "$T/decode.out" "r['chips']")" = 8 ] || fail "decode: chips"
    # 70.55B parameters (HF config of meta-llama/Meta-Llama-3-70B)
    [ "$(json_get "$T/decode.out" "round(r['params']/1e9, 2)")" = 70.55 ] || fail "decode: params"
    # Weights per device: 70.55e9 * 2 B / 8 = 17.6 GB; the KV cache of 64 x 8192
    # tokens x 80 layers x 2 x 8 heads x 128 x 2 B / 8 = 21.5 GB per device.
    [ "$(json_get "$T/decode.out" "round(r['memory']['weights_bytes']/1e9, 1)")" = 17.6 ] || fail "decode: weights"
    [ "$(json_get "$T/decode.out" "round(r['memory']['kv_cache_bytes']/1e9, 1)")" = 21.5 ] || fail "decode: kv"
    [ "$(json_get "$T/decode.out" "r['memory']['fits']")" = True ] || fail "decode: fits"
    [ "$(json_get "$T/decode.out" "len(r['spec_sha256'])")" = 64 ] || fail "decode: sha"
    [ "$(json_get "$T/decode.out" "r['time_s'] > 0 and r['tokens_per_s'] > 0 and len(r['ops']) > 5")" = True ] ||
        fail "decode: totals"
    # Decode reads every weight and the KV cache once per token: at least
    # (17.6 + 21.5) GB / 4.8 TB/s = 8.1 ms per token, memory bound.
    [ "$(json_get "$T/decode.out" "r['time_s'] >= 0.0081")" = True ] || fail "decode: faster than the HBM allows"
else
    fail "decode example exited $?"
fi
# The same from stdin gives the same bytes.
"$RIDGE" evaluate - < "$T/decode.json" > "$T/decode2.out" || fail "stdin"
cmp -s "$T/decode.out" "$T/decode2.out" || fail "stdin output differs"

# --canonical: the resolved spec, whose hash is the result's spec_sha256 and
# which is itself a spec giving the same result.
"$RIDGE" evaluate --canonical "$T/decode.json" > "$T/canon.out" || fail "--canonical"
[ "$(json_get "$T/canon.out" "r['spec_sha256']")" = "$(json_get "$T/decode.out" "r['spec_sha256']")" ] ||
    fail "--canonical hash differs from the result's"
json_get "$T/canon.out" "json.dumps(r['spec'])" > "$T/canon.json"
"$RIDGE" evaluate "$T/canon.json" > "$T/canon_eval.out" || fail "canonical spec does not evaluate"
[ "$(json_get "$T/canon_eval.out" "(r['time_s'], r['spec_sha256'])")" = \
  "$(json_get "$T/decode.out" "(r['time_s'], r['spec_sha256'])")" ] || fail "canonical spec evaluates differently"

# 2. GPT-3 175B training on 1024 A100s (DGX A100), Megatron-style layout.
cat > "$T/train.json" <<'J'
{"model": "gpt3-175b", "hardware": "a100-sxm-80gb", "system": "dgx-a100", "phase": "train",
 "batch": 1536, "seq_len": 2048, "chips": 1024,
 "parallelism": {"tp": 8, "pp": 8, "dp": 16, "microbatch": 1, "interleave": 3,
                 "sequence_parallel": true, "recompute": "selective"}}
J
if "$RIDGE" evaluate "$T/train.json" > "$T/train.out"; then
    # Model FLOPs of a step: 6 * N * tokens = 6 * 174.6e9 * 1536 * 2048 = 3.3e18
    # plus attention; MFU must be a fraction.
    [ "$(json_get "$T/train.out" "3.2e18 < r['flops'] < 4.0e18")" = True ] || fail "train: flops"
    [ "$(json_get "$T/train.out" "0 < r['mfu'] < 1")" = True ] || fail "train: mfu"
    [ "$(json_get "$T/train.out" "r['breakdown']['bubble_s'] > 0")" = True ] || fail "train: bubble"
    [ "$(json_get "$T/train.out" "any(a['name']=='matmul_efficiency' for a in r['assumptions'])")" = True ] ||
        fail "train: assumptions listed"
else
    fail "train example exited $?"
fi

# 3. Bad inputs: exit 2, the field on stderr, nothing on stdout.
bad() { # name expected-stderr-substring json
    printf '%s' "$3" > "$T/bad.json"
    "$RIDGE" evaluate "$T/bad.json" > "$T/bad.out" 2> "$T/bad.err"
    local rc=$?
    [ $rc -eq 2 ] || fail "$1: exit $rc (want 2)"
    grep -qF -- "$2" "$T/bad.err" || fail "$1: stderr '$(cat "$T/bad.err")' lacks '$2'"
    [ ! -s "$T/bad.out" ] || fail "$1: printed a result"
}
OK='"model":"llama3-8b","hardware":"h100-sxm","phase":"decode","seq_len":128'
bad negative-batch "ridge: batch: must be >= 1 (got -4)" "{$OK,\"batch\":-4}"
bad string-batch "batch: expected a number" "{$OK,\"batch\":\"4\"}"
bad fraction-batch "batch: must be an integer" "{$OK,\"batch\":2.5}"
bad huge-batch "batch: must be <=" "{$OK,\"batch\":1e308}"
bad unknown-key "model.dmodel: unknown key" '{"model":{"preset":"llama3-8b","dmodel":1},"hardware":"h100-sxm","phase":"decode","batch":1,"seq_len":1}'
bad negative-dmodel "ridge: model.d_model: must be >= 1 (got -5)" '{"model":{"preset":"llama3-8b","d_model":-5},"hardware":"h100-sxm","phase":"decode","batch":1,"seq_len":1}'
bad unknown-top "batchsize: unknown key" "{$OK,\"batch\":1,\"batchsize\":1}"
bad duplicate "batch: duplicate key" "{$OK,\"batch\":1,\"batch\":2}"
bad malformed "malformed JSON at line 1" '{"model": "llama3-8b",'
bad trailing "malformed JSON" "{$OK,\"batch\":1} trailing"
bad empty "malformed JSON" ""
bad not-object "expected an object" '[1, 2, 3]'
bad missing "seq_len: required" '{"model":"llama3-8b","hardware":"h100-sxm","phase":"decode","batch":1}'
bad preset "hardware.preset: unknown hardware preset" '{"model":"llama3-8b","hardware":"h900","phase":"decode","batch":1,"seq_len":1}'
bad format "numerics.kv_cache: unknown format" "{$OK,\"batch\":1,\"numerics\":{\"kv_cache\":\"fp3\"}}"
bad tp "parallelism.tp" '{"model":"llama3-8b","hardware":"h100-sxm","system":"dgx-h100","phase":"decode","batch":1,"seq_len":1,"parallelism":{"tp":5}}'
bad no-system "system" '{"model":"llama3-8b","hardware":"h100-sxm","phase":"decode","batch":8,"seq_len":1,"parallelism":{"dp":8}}'
bad no-fp4-unit "numerics.math" "{$OK,\"batch\":1,\"numerics\":{\"math\":\"mxfp4\"}}"
bad assumption "assumptions.speed: unknown assumption" "{$OK,\"batch\":1,\"assumptions\":{\"speed\":2}}"
# A binary file must not crash the parser.
head -c 4096 "$RIDGE" > "$T/bin.json"
"$RIDGE" evaluate "$T/bin.json" > /dev/null 2> "$T/bin.err"; rc=$?
[ $rc -eq 2 ] || fail "binary input: exit $rc"
# Missing file, missing argument.
"$RIDGE" evaluate "$T/does-not-exist.json" 2> "$T/nf.err"; rc=$?
[ $rc -eq 2 ] || fail "missing file: exit $rc"
grep -q "does-not-exist.json: cannot read" "$T/nf.err" || fail "missing file: message"
"$RIDGE" evaluate 2> /dev/null; [ $? -eq 2 ] || fail "no argument: exit code"

# 3b. The codesign link: "quality" adds the emulated quality of the formats.
cat > "$T/q.json" <<'J'
{"model": "llama3-8b", "hardware": "b200", "phase": "decode", "batch": 8, "seq_len": 2048,
 "numerics": {"weights": "mxfp4", "kv_cache": "fp8_e4m3", "math": "fp8_e4m3"}, "quality": {"n": 4096}}
J
if "$RIDGE" evaluate "$T/q.json" > "$T/q.out"; then
    # MXFP4 on heavy-tailed weights: well under bf16's 55 dB (docs/numerics.md: 18.8 dB on N(0,1)).
    [ "$(json_get "$T/q.out" "5 < r['quality']['weights']['sqnr_db'] < 30")" = True ] || fail "quality: weights sqnr"
    [ "$(json_get "$T/q.out" "r['quality']['kv_cache']['format']")" = fp8_e4m3 ] || fail "quality: kv format"
    # quality does not change the design point's hash
    sed 's/, "quality": {"n": 4096}//' "$T/q.json" > "$T/q2.json"
    "$RIDGE" evaluate "$T/q2.json" > "$T/q2.out" || fail "quality: without"
    [ "$(json_get "$T/q.out" "r['spec_sha256']")" = "$(json_get "$T/q2.out" "r['spec_sha256']")" ] ||
        fail "quality changed the spec hash"
    [ "$(json_get "$T/q2.out" "'quality' in r")" = False ] || fail "quality listed without being asked"
else
    fail "quality example exited $?"
fi
bad quality-opts "quality.n" "{$OK,\"batch\":1,\"quality\":{\"n\":-1}}"

# 4. presets: every kind listed, with sources; one preset by name.
"$RIDGE" presets > "$T/presets.out" || fail "presets exit"
[ "$(json_get "$T/presets.out" "len(r['hardware']), len(r['models']), len(r['systems'])")" = "6 12 6" ] ||
    fail "presets: counts"
[ "$(json_get "$T/presets.out" "r['hardware'][0]['mem_bw']['source'] != ''")" = True ] || fail "presets: sources"
[ "$(json_get "$T/presets.out" "all(a['source'] for a in r['assumptions']) and len(r['assumptions']) > 5")" = True ] ||
    fail "presets: assumptions with sources"
"$RIDGE" presets hardware h100-sxm > "$T/one.out" || fail "presets KIND NAME"
[ "$(json_get "$T/one.out" "r['matrix_flops']['bf16']['value']")" = 989400000000000 ] || fail "presets: h100 bf16"
"$RIDGE" presets models nope 2> /dev/null; [ $? -eq 2 ] || fail "presets: unknown name exit"

# 5. bench: short run, JSON with a positive rate.
"$RIDGE" bench --seconds 0.05 > "$T/bench.out" || fail "bench exit"
[ "$(json_get "$T/bench.out" "all(b['evaluate']['per_s_per_core'] > 0 for b in r['benchmarks'])")" = True ] ||
    fail "bench: rates"
"$RIDGE" bench --seconds -1 2> /dev/null; [ $? -eq 2 ] || fail "bench: bad --seconds"
"$RIDGE" bench --seconds 0.02 "$T/decode.json" > "$T/bench1.out" || fail "bench SPEC"
[ "$(json_get "$T/bench1.out" "len(r['benchmarks']) == 1 and r['benchmarks'][0]['chips'] == 8")" = True ] ||
    fail "bench SPEC: one benchmark of the given spec"
echo '{"model": "llama3-8b", "batch": -1}' > "$T/badbench.json"
"$RIDGE" bench --seconds 0.02 "$T/badbench.json" > /dev/null 2> "$T/bb.err"; rc=$?
[ $rc -eq 2 ] && grep -q "batch" "$T/bb.err" || fail "bench: bad spec exit $rc"

if [ $fails -ne 0 ]; then
    echo "test_evaluate: $fails failures" >&2
    exit 1
fi
echo "test_evaluate: all checks passed"
