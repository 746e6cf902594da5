#!/usr/bin/env bash
# test_matmul.sh: `ridge matmul` end to end. Args: BUILD_DIR SRC_DIR.
# .npy files are written with python3's struct (numpy is not required).
# Known answer (by hand, see tests/engine/test_matmul.c): one MXFP8 E4M3
# block A = [256, 2^-9 x 30, -256], B = [256, 2^-9 x 30, 256] gives
# 30 * 2^-18 with exact alignment and 0 with a 16-bit window.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

npy() { # npy PATH ROWS COLS PYTHON-LIST-EXPR
    python3 - "$@" <<'EOF'
import random, struct, sys
path, rows, cols, expr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
vals = eval(expr, {"random": random, "rows": rows, "cols": cols})
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
hdr += ' ' * ((64 - (10 + len(hdr) + 1) % 64) % 64) + '\n'
with open(path, 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode())
    f.write(struct.pack('<%df' % len(vals), *vals))
EOF
}
# sqnr FILE KEY: SQNR in dB, "inf" for an exact result (JSON null)
sqnr() { json_get "$1" "r['$2']['sqnr_db'] if r['$2']['sqnr_db'] is not None else float('inf')"; }
gt() { python3 -c "import sys; sys.exit(0 if float('$1') > float('$2') else 1)"; }

npy "$T/A.npy" 64 512 "[g.gauss(0, 1) for g in [random.Random(1)] for _ in range(rows * cols)]"
npy "$T/B.npy" 512 64 "[g.gauss(0, 1) for g in [random.Random(2)] for _ in range(rows * cols)]"

# exact accumulation beats bf16, against float64 and against the dequantized product
for acc in exact bf16 fp32; do
    "$RIDGE" matmul --a "$T/A.npy" --b "$T/B.npy" --a-format mxfp8_e4m3 --b-format mxfp8_e4m3 --acc $acc \
        > "$T/$acc.json" || fail "matmul --acc $acc exited $?"
done
gt "$(sqnr "$T/exact.json" vs_float64)" "$(sqnr "$T/bf16.json" vs_float64)" ||
    fail "vs float64: exact $(sqnr "$T/exact.json" vs_float64) dB not above bf16 $(sqnr "$T/bf16.json" vs_float64)"
gt "$(sqnr "$T/exact.json" vs_dequantized)" "$(sqnr "$T/bf16.json" vs_dequantized)" ||
    fail "vs dequantized: exact not above bf16"
gt "$(sqnr "$T/fp32.json" vs_dequantized)" "$(sqnr "$T/bf16.json" vs_dequantized)" ||
    fail "vs dequantized: fp32 not above bf16"
[ "$(json_get "$T/exact.json" "r['vs_dequantized']['max_rel_err'] <= 2**-24")" = True ] ||
    fail "exact accumulation is not within half an fp32 ulp of the dequantized product"
[ "$(json_get "$T/exact.json" "(r['a']['shape'], r['b']['shape'], r['c']['shape'], r['block'], r['acc'])")" = \
    "([64, 512], [512, 64], [64, 64], 32, 'exact')" ] || fail "shapes/block/acc in the JSON"

# narrower windows cost more (against the dequantized product: the window's own error)
prev=-1
for al in 4 8 12 16 24 exact; do
    "$RIDGE" matmul --a "$T/A.npy" --b "$T/B.npy" --a-format mxfp8_e4m3 --b-format mxfp8_e4m3 --acc fp32 \
        --align-bits $al > "$T/al$al.json" || fail "--align-bits $al exited $?"
    s=$(sqnr "$T/al$al.json" vs_dequantized)
    gt "$s" "$prev" || fail "--align-bits $al: SQNR $s dB not above the narrower window's $prev dB"
    prev=$s
done
gt "$(sqnr "$T/alexact.json" vs_float64)" "$(sqnr "$T/al8.json" vs_float64)" ||
    fail "vs float64: an 8-bit window is not worse than exact"
[ "$(json_get "$T/al8.json" "(r['align_bits'], r['alignment'])")" = "(8, 'truncated')" ] || fail "align_bits in JSON"

# --out: a float32 .npy of m x n, the same bytes for 1 and 2 threads
for t in 1 2; do
    "$RIDGE" matmul --a "$T/A.npy" --b "$T/B.npy" --a-format nvfp4 --b-format nvfp4 --acc bf16 --threads $t \
        --out "$T/C$t.npy" > /dev/null || fail "--out with --threads $t"
done
cmp -s "$T/C1.npy" "$T/C2.npy" || fail "C differs between 1 and 2 threads"
python3 - "$T/C1.npy" <<'EOF' || fail "C.npy is not a 64 x 64 float32 .npy"
import ast, struct, sys
b = open(sys.argv[1], 'rb').read()
assert b[:8] == b'\x93NUMPY\x01\x00'
hl = struct.unpack('<H', b[8:10])[0]
h = ast.literal_eval(b[10:10 + hl].decode())
assert h == {'descr': '<f4', 'fortran_order': False, 'shape': (64, 64)}, h
assert (10 + hl) % 64 == 0 and len(b) == 10 + hl + 4 * 64 * 64
EOF

# the hand-computed block
npy "$T/a1.npy" 1 32 "[256.0] + [2.0**-9] * 30 + [-256.0]"
npy "$T/b1.npy" 32 1 "[256.0] + [2.0**-9] * 30 + [256.0]"
for al in exact 16; do
    "$RIDGE" matmul --a "$T/a1.npy" --b "$T/b1.npy" --a-format mxfp8_e4m3 --b-format mxfp8_e4m3 --acc fp32 \
        --align-bits $al --out "$T/c1_$al.npy" > /dev/null || fail "known block, --align-bits $al"
done
python3 - "$T/c1_exact.npy" "$T/c1_16.npy" <<'EOF' || fail "known block: want 30*2^-18 exact, 0 with 16 bits"
import struct, sys
v = [struct.unpack('<f', open(p, 'rb').read()[-4:])[0] for p in sys.argv[1:]]
assert v == [30 * 2.0**-18, 0.0], v
EOF

# bad input: exit 2, the message names the option
echo "not numpy" > "$T/bad.npy"
npy "$T/B64.npy" 64 4 "[1.0] * (rows * cols)"
npy "$T/A100.npy" 4 100 "[1.0] * (rows * cols)"
npy "$T/B100.npy" 100 4 "[1.0] * (rows * cols)"
python3 - "$T/A3.npy" <<'EOF'
import struct, sys
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4, 8), }"
hdr += ' ' * ((64 - (10 + len(hdr) + 1) % 64) % 64) + '\n'
open(sys.argv[1], 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode() + bytes(256))
EOF
bad() { # bad OPTION ARGS...: exits 2 and names OPTION
    local opt=$1; shift
    "$RIDGE" matmul "$@" > /dev/null 2> "$T/err"
    local rc=$?
    [ $rc -eq 2 ] || fail "matmul $* exited $rc, want 2"
    grep -q -- "$opt" "$T/err" || fail "matmul $*: message does not name $opt: $(cat "$T/err")"
}
F=(--a-format mxfp4 --b-format mxfp4)
bad --a --a "$T/missing.npy" --b "$T/B.npy" "${F[@]}"
bad --a --a "$T/bad.npy" --b "$T/B.npy" "${F[@]}"
bad --a --a "$T/A3.npy" --b "$T/B.npy" "${F[@]}"
bad --b --a "$T/A.npy" --b "$T/B64.npy" "${F[@]}"
bad --a --a "$T/A100.npy" --b "$T/B100.npy" "${F[@]}"
bad --b --a "$T/A.npy" "${F[@]}"
bad --a-format --a "$T/A.npy" --b "$T/B.npy" --a-format mxfp9 --b-format mxfp4
bad --b-format --a "$T/A.npy" --b "$T/B.npy" --a-format mxfp4 --b-format mxfp8_e4m3
bad --acc --a "$T/A.npy" --b "$T/B.npy" "${F[@]}" --acc nosuch
bad --acc --a "$T/A.npy" --b "$T/B.npy" --a-format mxfp8_e4m3 --b-format mxfp8_e4m3 --acc fp4_e2m1
bad --align-bits --a "$T/A.npy" --b "$T/B.npy" "${F[@]}" --align-bits 0
bad --align-bits --a "$T/A.npy" --b "$T/B.npy" "${F[@]}" --align-bits 65
bad --align-bits --a "$T/A.npy" --b "$T/B.npy" --a-format fp8_e4m3 --b-format fp8_e4m3 --align-bits 8
bad --threads --a "$T/A.npy" --b "$T/B.npy" "${F[@]}" --threads 0
bad --bogus --a "$T/A.npy" --b "$T/B.npy" "${F[@]}" --bogus 1

[ $fails -eq 0 ] && echo "test_matmul: ok"
exit $((fails > 0))
