#!/usr/bin/env bash
# test_recipes.sh: the numerics recipes end to end: `ridge recipes`,
# `ridge quantize --recipe` on synthetic data, .npy and .safetensors
# tensors (written here with python3's struct and json; no numpy),
# `ridge matmul --a-recipe/--b-recipe`, and bad input (exit 2 naming the
# option, key or tensor). Args: BUILD_DIR SRC_DIR.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# a 64 x 256 tensor as .npy (f32) and as .safetensors (F32, BF16, F16 copies)
python3 - "$T" <<'PY'
import json, random, struct, sys
t = sys.argv[1]
g = random.Random(3)
rows, cols = 64, 256
vals = [g.gauss(0, 0.02) * (20 if i % cols == 5 else 1) for i in range(rows * cols)]
f32 = struct.pack('<%df' % len(vals), *vals)
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
hdr += ' ' * ((64 - (10 + len(hdr) + 1) % 64) % 64) + '\n'
open(t + '/w.npy', 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode() + f32)
def bf16(v):
    u = struct.unpack('<I', struct.pack('<f', v))[0]
    return struct.pack('<H', (u + 0x7FFF + ((u >> 16) & 1)) >> 16)
b16 = b''.join(bf16(v) for v in vals)
f16 = struct.pack('<%de' % len(vals), *vals)
o1, o2, o3 = len(f32), len(f32) + len(b16), len(f32) + len(b16) + len(f16)
h = json.dumps({"__metadata__": {"format": "pt"},
                "layers.0.w": {"dtype": "F32", "shape": [rows, cols], "data_offsets": [0, o1]},
                "layers.0.w_bf16": {"dtype": "BF16", "shape": [rows, cols], "data_offsets": [o1, o2]},
                "layers.0.w_f16": {"dtype": "F16", "shape": [rows, cols], "data_offsets": [o2, o3]},
                "step": {"dtype": "I64", "shape": [], "data_offsets": [o3, o3 + 8]}}).encode()
blob = struct.pack('<Q', len(h)) + h + f32 + b16 + f16 + b'\0' * 8
open(t + '/w.safetensors', 'wb').write(blob)
open(t + '/trunc.safetensors', 'wb').write(blob[:len(blob) // 2])
open(t + '/junk.safetensors', 'wb').write(b'\xff' * 40)
# A (64 x 512, an outlier column) and B (512 x 128) for matmul
def npy(path, r, c, v):
    hd = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (r, c)
    hd += ' ' * ((64 - (10 + len(hd) + 1) % 64) % 64) + '\n'
    open(path, 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hd)) + hd.encode() + struct.pack('<%df' % len(v), *v))
npy(t + '/A.npy', 64, 512, [g.gauss(0, 1) * (30 if i % 512 == 7 else 1) for i in range(64 * 512)])
npy(t + '/B.npy', 512, 128, [g.gauss(0, 0.02) for i in range(512 * 128)])
npy(t + '/wT.npy', cols, rows, [vals[r * cols + c] for c in range(cols) for r in range(rows)])  # w transposed
PY

# the preset list names its sources
"$RIDGE" recipes > "$T/list.json" || fail "ridge recipes"
[ "$(json_get "$T/list.json" "len([x for x in r if x['recipe']['name'] in ('fp8_1x128', 'fp8_128x128', 'nvfp4_16x16', 'nvfp4_4over6', 'kivi2_key') and x['source']])")" = 5 ] ||
    fail "ridge recipes lacks a preset or its source"

# synthetic: FP8 1x128 tiles beat NVFP4, which beats MXFP4; bits as the rule says
for r in fp8_1x128 nvfp4_1x16 mxfp4_1x32; do
    "$RIDGE" quantize --recipe $r --dist activations --n 262144 --seed 1 > "$T/$r.json" || fail "quantize --recipe $r"
done
[ "$(json_get "$T/fp8_1x128.json" "r['bits_per_element']")" = 8.25 ] || fail "fp8_1x128 bits"
python3 -c "
import json; s = {k: json.load(open('$T/' + k + '.json'))['sqnr_db'] for k in ('fp8_1x128', 'nvfp4_1x16', 'mxfp4_1x32')}
assert s['fp8_1x128'] > s['nvfp4_1x16'] > s['mxfp4_1x32'], s" || fail "recipe SQNR order"

# a real tensor: the same values from .npy and from a safetensors F32 tensor give the same metrics
"$RIDGE" quantize --input "$T/w.npy" --input-format npy --recipe nvfp4_16x16 > "$T/npy.json" || fail "npy recipe"
"$RIDGE" quantize --input "$T/w.safetensors" --tensor layers.0.w --recipe nvfp4_16x16 > "$T/st.json" || fail "safetensors recipe"
[ "$(json_get "$T/npy.json" "(r['sqnr_db'], r['rows'], r['cols'])")" = "$(json_get "$T/st.json" "(r['sqnr_db'], r['rows'], r['cols'])")" ] ||
    fail "npy and safetensors give different metrics"
[ "$(json_get "$T/st.json" "(r['rows'], r['cols'])")" = "(64, 256)" ] || fail "safetensors shape"
for d in w_bf16 w_f16; do
    "$RIDGE" quantize --input "$T/w.safetensors" --tensor layers.0.$d --format mxfp4 > "$T/$d.json" || fail "safetensors $d"
done
"$RIDGE" quantize --input "$T/w.safetensors" --list > "$T/ls.json" || fail "--list"
[ "$(json_get "$T/ls.json" "[(t['name'], t['dtype'], t['shape']) for t in r['tensors']][1]")" = "('layers.0.w_bf16', 'BF16', [64, 256])" ] ||
    fail "--list entry"

# matmul: per-operand recipes; DeepSeek FP8 loses less than NVFP4 16x16; thread-independent output
"$RIDGE" matmul --a "$T/A.npy" --b "$T/B.npy" --a-recipe fp8_1x128 --b-recipe fp8_128x128 > "$T/m8.json" || fail "matmul fp8"
for t in 1 2; do
    "$RIDGE" matmul --a "$T/A.npy" --b "$T/B.npy" --a-recipe nvfp4_4over6 --b-recipe nvfp4_16x16_4over6 --threads $t \
        --out "$T/C$t.npy" > "$T/m4_$t.json" || fail "matmul nvfp4 --threads $t"
done
cmp -s "$T/C1.npy" "$T/C2.npy" || fail "matmul C differs between 1 and 2 threads"
gt() { python3 -c "import sys; sys.exit(0 if float('$1') > float('$2') else 1)"; }
gt "$(json_get "$T/m8.json" "r['vs_float64']['sqnr_db']")" "$(json_get "$T/m4_1.json" "r['vs_float64']['sqnr_db']")" ||
    fail "FP8 matmul SQNR not above NVFP4's"

# a safetensors weight is B^T (out x in, as PyTorch stores a Linear weight): w.npy x w^T from either file
"$RIDGE" matmul --a "$T/w.npy" --b "$T/w.safetensors" --b-tensor layers.0.w --a-recipe fp8_1x128 \
    --b-recipe nvfp4_16x16 > "$T/mst.json" || fail "matmul --b-tensor"
"$RIDGE" matmul --a "$T/w.npy" --b "$T/wT.npy" --a-recipe fp8_1x128 --b-recipe nvfp4_16x16 > "$T/mnp.json" ||
    fail "matmul w^T npy"
[ "$(json_get "$T/mst.json" "(r['vs_float64']['sqnr_db'], r['c']['shape'])")" = \
  "$(json_get "$T/mnp.json" "(r['vs_float64']['sqnr_db'], r['c']['shape'])")" ] || fail "safetensors B^T differs from npy B"

# bad input: exit 2, the message names the option, key or tensor
bad() { # bad WANT-IN-STDERR CMD...
    local want="$1"
    shift
    "$@" > /dev/null 2> "$T/err"
    local rc=$?
    [ $rc = 2 ] || fail "exit $rc, not 2: $*"
    grep -q -- "$want" "$T/err" || fail "'$want' not in: $(cat "$T/err")"
}
bad "--recipe: rotate" "$RIDGE" quantize --recipe nvfp4_rht16:rotate=12
bad "--recipe: block" "$RIDGE" quantize --recipe fp8_128x128 --dist normal --n 4096 --cols 4096
bad "--recipe" "$RIDGE" quantize --recipe no_such_recipe
bad "--tensor: 'missing'" "$RIDGE" quantize --input "$T/w.safetensors" --tensor missing --format nvfp4
bad "--tensor: required" "$RIDGE" quantize --input "$T/w.safetensors" --format nvfp4
bad "cannot be read" "$RIDGE" quantize --input "$T/w.safetensors" --tensor step --format nvfp4
bad "truncated" "$RIDGE" quantize --input "$T/trunc.safetensors" --tensor layers.0.w --format nvfp4
bad "header length" "$RIDGE" quantize --input "$T/junk.safetensors" --tensor x --format nvfp4
bad "--b-recipe: rotate" "$RIDGE" matmul --a "$T/A.npy" --b "$T/B.npy" --a-recipe nvfp4_rht16 --b-recipe nvfp4_1x16
bad "--b-recipe: block" "$RIDGE" matmul --a "$T/A.npy" --b "$T/B.npy" --a-recipe fp8_1x128 --b-recipe fp8_128x128:block=96x128
bad "--b-tensor: 'nope'" "$RIDGE" matmul --a "$T/w.npy" --b "$T/w.safetensors" --b-tensor nope --a-recipe fp8_1x128 --b-recipe fp8_1x128
bad "--b-tensor" "$RIDGE" matmul --a "$T/w.npy" --b "$T/w.safetensors" --b-tensor layers.0.w --a-format mxfp4 --b-format mxfp4
bad "--a-recipe" "$RIDGE" matmul --a "$T/A.npy" --b "$T/B.npy" --a-recipe fp8_1x128 --b-recipe fp8_1x128 --a-format mxfp4

[ $fails = 0 ] && echo "test_recipes: all passed"
exit $((fails > 0))
