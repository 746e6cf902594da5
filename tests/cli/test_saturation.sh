#!/usr/bin/env bash
# test_saturation.sh: `ridge evaluate` writes the batch analysis of an
# inference step (saturation_batch, max_batch_fits and their companions,
# engine/saturation.c) and lists the saturation_fraction assumption it rests
# on; training results carry none of these keys. Args: BUILD_DIR SRC_DIR.
set -u
. "$(dirname "$0")/lib.sh"

# Llama-3-8B decode on one H100 SXM, 4096-token context, shipped assumptions.
# Memory by hand: 80 GB x 0.95 = 76e9 B available; bf16 weights 16,060,522,496 B;
# per sequence KV 2 x 32 layers x 8 kv heads x 128 x 4096 x 2 B = 536,870,912 B
# plus 102,400 B of live activations: (76e9 - 16.06e9) / 536,973,312 = 111.6 -> 111.
# The ridge point argument (989.4e12 / 3.35e12 x 2 B per param / 2 = 295
# sequences) says where the weight reads stop dominating; at this context the KV
# reads grow with the batch, the limit stays memory-bound (compute share < 0.2)
# and the knee (above 111) does not fit.
cat > "$T/decode.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "decode", "batch": 32, "seq_len": 4096}
J
if "$RIDGE" evaluate "$T/decode.json" > "$T/decode.out"; then
    [ "$(json_get "$T/decode.out" "r['max_batch_fits']")" = 111 ] || fail "decode: max_batch_fits"
    [ "$(json_get "$T/decode.out" "r['saturation_fraction']")" = 0.9 ] || fail "decode: fraction"
    [ "$(json_get "$T/decode.out" "111 < r['saturation_batch'] < 295")" = True ] || fail "decode: saturation_batch"
    [ "$(json_get "$T/decode.out" "r['saturation_batch_fits']")" = False ] || fail "decode: saturation_batch_fits"
    [ "$(json_get "$T/decode.out" "r['asymptote_compute_share'] < 0.2")" = True ] || fail "decode: share"
    [ "$(json_get "$T/decode.out" \
        "abs(r['saturation_tokens_per_s_per_chip'] / r['asymptote_tokens_per_s_per_chip'] - 0.9) < 0.01")" = True ] ||
        fail "decode: throughput at the saturation batch"
    [ "$(json_get "$T/decode.out" "[a['name'] for a in r['assumptions']].count('saturation_fraction')")" = 1 ] ||
        fail "decode: assumption listed"
    # the design point itself is the one asked for
    [ "$(json_get "$T/decode.out" "r['memory']['kv_cache_bytes']")" = 17179869184 ] || fail "decode: kv bytes"
else
    fail "decode: exit status"
fi

# Short context: the knee sits near the effective ridge point 0.8 x 989.4 /
# (0.7 x 3.35) = 337 and fits; a named fraction override moves it earlier.
cat > "$T/short.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "decode", "batch": 1, "seq_len": 16}
J
if "$RIDGE" evaluate "$T/short.json" > "$T/short.out"; then
    [ "$(json_get "$T/short.out" "300 < r['saturation_batch'] < 400")" = True ] || fail "short: saturation_batch"
    [ "$(json_get "$T/short.out" "r['saturation_batch_fits']")" = True ] || fail "short: fits"
else
    fail "short: exit status"
fi
cat > "$T/half.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "decode", "batch": 1, "seq_len": 16,
 "assumptions": {"saturation_fraction": 0.5}}
J
if "$RIDGE" evaluate "$T/half.json" > "$T/half.out"; then
    [ "$(json_get "$T/half.out" "r['saturation_batch'] < 0.6 * $(json_get "$T/short.out" "r['saturation_batch']")")" = True ] ||
        fail "half: earlier knee"
else
    fail "half: exit status"
fi

# A fraction of 1 is never reached: exit 2 naming the assumption.
cat > "$T/bad.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "decode", "batch": 1, "seq_len": 16,
 "assumptions": {"saturation_fraction": 1.0}}
J
"$RIDGE" evaluate "$T/bad.json" > /dev/null 2> "$T/bad.err"
[ $? = 2 ] || fail "bad fraction: exit status"
grep -q "assumptions.saturation_fraction" "$T/bad.err" || fail "bad fraction: field named"

# Training: no batch analysis keys.
cat > "$T/train.json" <<'J'
{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "train", "batch": 8, "seq_len": 2048}
J
if "$RIDGE" evaluate "$T/train.json" > "$T/train.out"; then
    [ "$(json_get "$T/train.out" "'saturation_batch' in r or 'max_batch_fits' in r")" = False ] ||
        fail "train: keys present"
else
    fail "train: exit status"
fi

[ "$fails" = 0 ] && echo "test_saturation.sh: all passed"
exit $((fails > 0))
