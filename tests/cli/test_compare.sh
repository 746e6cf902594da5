#!/usr/bin/env bash
# test_compare.sh: `ridge compare A B` on the worked example "what does 1.5x
# HBM bandwidth buy?" (H100 SXM, 3.35 TB/s vs 5.025 TB/s): the only input that
# differs is hardware.mem_bw; a Llama-3-8B decode step (memory-bound) gets
# faster and every memory-bound op takes exactly 1/1.5 of its time, while the
# compute-bound ops of a training step do not change at all. Bad input exits 2
# naming the file and the field. Args: BUILD_DIR SRC_DIR.
set -u
. "$(dirname "$0")/lib.sh"

cat > "$T/decode_a.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "decode", "batch": 32, "seq_len": 4096}
J
cat > "$T/decode_b.json" <<'J'
{"model": "llama3-8b", "hardware": {"preset": "h100-sxm", "mem_bw": 5.025e12}, "phase": "decode",
 "batch": 32, "seq_len": 4096}
J
if "$RIDGE" compare "$T/decode_a.json" "$T/decode_b.json" > "$T/decode.out"; then
    # the canonical specs differ in one field, with both values
    [ "$(json_get "$T/decode.out" "[(d['path'], d['a'], d['b']) for d in r['inputs']]")" = \
        "[('hardware.mem_bw', 3350000000000, 5025000000000)]" ] || fail "decode: inputs"
    [ "$(json_get "$T/decode.out" "r['assumptions']")" = "[]" ] || fail "decode: assumptions"
    # every op of this step is memory-bound (batch 32 is far below the ridge
    # point of 295), so the step takes 1/1.5 of the time: speedup 1.5 less the
    # small latency-bound remainder
    [ "$(json_get "$T/decode.out" "1.40 < r['speedup'] <= 1.5")" = True ] || fail "decode: speedup"
    [ "$(json_get "$T/decode.out" "r['results']['time_s']['ratio'] < 0.72")" = True ] || fail "decode: time ratio"
    [ "$(json_get "$T/decode.out" "r['results']['flops']['ratio']")" = 1 ] || fail "decode: flops unchanged"
    [ "$(json_get "$T/decode.out" "r['results']['memory.per_device_bytes']['delta']")" = 0 ] ||
        fail "decode: memory unchanged"
    [ "$(json_get "$T/decode.out" "abs(r['results']['ridge_point']['ratio'] - 1/1.5) < 1e-12")" = True ] ||
        fail "decode: ridge point"
    [ "$(json_get "$T/decode.out" "abs(r['results']['breakdown.memory_s']['ratio'] - 1/1.5) < 1e-12")" = True ] ||
        fail "decode: memory-bound time"
    [ "$(json_get "$T/decode.out" "all(abs(o['ratio'] - 1/1.5) < 1e-12 for o in r['ops'] if o['a_bound'] == 'memory' == o['b_bound'])")" = True ] ||
        fail "decode: memory-bound ops"
    # ops sorted by absolute change, largest first: attention reads the 17 GB KV cache
    [ "$(json_get "$T/decode.out" "r['ops'][0]['name']")" = attn.flash ] || fail "decode: largest change"
    [ "$(json_get "$T/decode.out" "all(abs(x['delta_s']) >= abs(y['delta_s']) for x, y in zip(r['ops'], r['ops'][1:]))")" = True ] ||
        fail "decode: order"
    [ "$(json_get "$T/decode.out" "len(r['ops_only_a']) + len(r['ops_only_b'])")" = 0 ] || fail "decode: ops matched"
    # the saturation batch moves earlier with more bandwidth; what fits does not
    [ "$(json_get "$T/decode.out" "r['results']['saturation_batch']['delta'] < 0")" = True ] ||
        fail "decode: saturation batch"
    [ "$(json_get "$T/decode.out" "r['results']['max_batch_fits']['delta']")" = 0 ] || fail "decode: max batch"
else
    fail "decode: exit status"
fi

# Training: compute-bound matmuls keep their time exactly; only memory-bound
# element-wise ops speed up.
cat > "$T/train_a.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "train", "batch": 8, "seq_len": 4096,
 "parallelism": {"microbatch": 1, "recompute": "full"}}
J
cat > "$T/train_b.json" <<'J'
{"model": "llama3-8b", "hardware": {"preset": "h100-sxm", "mem_bw": 5.025e12}, "phase": "train",
 "batch": 8, "seq_len": 4096, "parallelism": {"microbatch": 1, "recompute": "full"}}
J
if "$RIDGE" compare "$T/train_a.json" "$T/train_b.json" > "$T/train.out"; then
    [ "$(json_get "$T/train.out" "sum(1 for o in r['ops'] if o['a_bound'] == 'compute')")" -gt 5 ] ||
        fail "train: compute-bound ops present"
    [ "$(json_get "$T/train.out" "all(o['delta_s'] == 0 for o in r['ops'] if o['a_bound'] == 'compute' == o['b_bound'])")" = True ] ||
        fail "train: compute-bound ops unchanged"
    [ "$(json_get "$T/train.out" "r['results']['breakdown.compute_s']['delta']")" = 0 ] || fail "train: compute_s"
    # full recompute: the fused attention's score re-run and the recompute pass
    # share a name and pass; they are matched in order, both unchanged
    [ "$(json_get "$T/train.out" "[o['ratio'] for o in r['ops'] if (o['name'], o['pass']) == ('attn.flash', 'recompute')]")" = \
        "[1, 1]" ] || fail "train: repeated op rows matched in order"
    [ "$(json_get "$T/train.out" "1.0 < r['speedup'] < 1.2")" = True ] || fail "train: modest speedup"
else
    fail "train: exit status"
fi

# An assumption override shows as an assumption difference, not an input one.
cat > "$T/eff.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "decode", "batch": 32, "seq_len": 4096,
 "assumptions": {"memory_bw_efficiency": 0.8}}
J
if "$RIDGE" compare "$T/decode_a.json" "$T/eff.json" > "$T/eff.out"; then
    [ "$(json_get "$T/eff.out" "r['inputs']")" = "[]" ] || fail "eff: inputs"
    [ "$(json_get "$T/eff.out" "[(x['name'], x['a']['value'], x['b']['value'], x['b']['overridden']) for x in r['assumptions']]")" = \
        "[('memory_bw_efficiency', 0.7, 0.8, True)]" ] || fail "eff: assumptions"
else
    fail "eff: exit status"
fi

# Bad input: exit 2, stderr names the file and the field.
cat > "$T/bad_bw.json" <<'J'
{"model": "llama3-8b", "hardware": {"preset": "h100-sxm", "mem_bw": -1}, "phase": "decode", "batch": 1, "seq_len": 16}
J
"$RIDGE" compare "$T/decode_a.json" "$T/bad_bw.json" > /dev/null 2> "$T/err1"
[ $? = 2 ] || fail "bad B: exit status"
grep -q "bad_bw.json: hardware.mem_bw" "$T/err1" || fail "bad B: file and field named ($(cat "$T/err1"))"
printf '{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "decode", "batch": 1, "seq_len": 16, "bogus": 1}' \
    > "$T/bad_key.json"
"$RIDGE" compare "$T/bad_key.json" "$T/decode_a.json" > /dev/null 2> "$T/err2"
[ $? = 2 ] || fail "bad A: exit status"
grep -q "bad_key.json: bogus" "$T/err2" || fail "bad A: file and field named ($(cat "$T/err2"))"
"$RIDGE" compare "$T/decode_a.json" "$T/missing.json" > /dev/null 2> "$T/err3"
[ $? = 2 ] || fail "missing: exit status"
grep -q "missing.json: cannot read" "$T/err3" || fail "missing: file named"
printf '{"model": ' > "$T/trunc.json"
"$RIDGE" compare "$T/trunc.json" "$T/decode_a.json" > /dev/null 2> "$T/err4"
[ $? = 2 ] || fail "malformed: exit status"
grep -q "trunc.json" "$T/err4" || fail "malformed: file named"
"$RIDGE" compare "$T/decode_a.json" > /dev/null 2>&1
[ $? = 2 ] || fail "one spec: exit status"
"$RIDGE" compare "$T/decode_a.json" "$T/decode_b.json" --ops x > /dev/null 2>&1
[ $? = 2 ] || fail "--ops x: exit status"
"$RIDGE" compare "$T/decode_a.json" "$T/decode_b.json" --ops 2 > "$T/top.out" || fail "--ops 2: exit status"
[ "$(json_get "$T/top.out" "len(r['ops'])")" = 2 ] || fail "--ops 2: count"

[ "$fails" = 0 ] && echo "test_compare.sh: all passed"
exit $((fails > 0))
