#!/usr/bin/env bash
# test_rtl.sh: generated units co-simulated in iverilog against the C model
# (engine/unit.c), linted by verilator -Wall, and the C model itself checked
# against `ridge qdq --scaling none` of the exact products.
#  - mul: every operand pair of fp4_e2m1, fp6_e3m2, fp6_e2m3, fp8_e4m3,
#    fp8_e5m2 (and int8), in RNE, and RTZ/RNA for fp8_e4m3;
#  - fp16/bf16 mul, fp mac (combinational and pipelined), every dot format
#    (exact alignment and two windows): seeded random vectors plus edge cases,
#    100,000 random vectors each in the optimised build (25,000 for the dot
#    formats other than MXFP4 and NVFP4, whose iverilog runs take minutes
#    each; RIDGE_RTL_DOT_VECTORS=100000 runs them all at 100,000); the
#    sanitizer build (third argument ON) runs 4,000 each, since there the C
#    side is under test.
# Usage: test_rtl.sh BUILD_DIR SRC_DIR [SANITIZE]
set -u
source "$2/tests/cli/lib.sh"
SAN="${3:-OFF}"
N=100000
ND=${RIDGE_RTL_DOT_VECTORS:-25000}
[ "$SAN" = ON ] && N=4000 ND=4000
for tool in iverilog vvp verilator; do
  if ! command -v $tool >/dev/null; then
    [ "${CI:-}" = true ] && { echo "FAIL: $tool missing in CI (scripts/deps.sh installs it)"; exit 1; }
    echo "SKIP: $tool missing (scripts/deps.sh installs it)"; exit 77
  fi
done

# run NAME ARGS...: ridge rtl --cosim into $T/NAME; checks 0 mismatches, lint clean
run() {
  local name=$1; shift
  if ! "$RIDGE" rtl "$@" --cosim --out "$T/$name" > "$T/$name.json" 2> "$T/$name.err"; then
    fail "$name: ridge rtl $* failed: $(head -c 400 "$T/$name.err")"; return
  fi
  local line
  line=$(json_get "$T/$name.json" "'%d %d %s %s' % (r['cosim']['vectors'], r['cosim']['mismatches'], r['cosim']['exhaustive'], r['cosim']['lint']['clean'])")
  read -r vec bad exh lint <<< "$line"
  [ "$bad" = 0 ] || fail "$name: $bad mismatches of $vec: $(json_get "$T/$name.json" "r['cosim'].get('first_mismatch')")"
  [ "$lint" = True ] || fail "$name: verilator: $(json_get "$T/$name.json" "r['cosim']['lint'].get('first')")"
  echo "$name: $vec vectors, $bad mismatches, exhaustive $exh, $(json_get "$T/$name.json" "round(r['cosim']['seconds'], 1)") s"
  LAST_VECTORS=$vec LAST_EXH=$exh
}

# 1. exhaustive multipliers (pairs = 2^(2 * bits))
for f in fp4_e2m1:256 fp6_e3m2:4096 fp6_e2m3:4096 fp8_e4m3:65536 fp8_e5m2:65536 int8:65536; do
  run "mul_${f%%:*}" --unit mul --format "${f%%:*}"
  [ "${LAST_VECTORS:-0}" = "${f##*:}" ] && [ "${LAST_EXH:-}" = True ] || fail "mul ${f%%:*}: not exhaustive"
done
# user minifloats: IEEE-like, OCP-E4M3-like (fn) and without specials (finite)
for f in e3m4 e3m4fn e4m3finite; do
  run "mul_$f" --unit mul --format $f
done
run mul_e4m3_rtz --unit mul --format fp8_e4m3 --rounding rtz
run mul_e4m3_rna_e2m1 --unit mul --format fp8_e4m3 --out-format fp4_e2m1 --rounding rna

# 1b. the JSON contract: ports, files, provenance
j="$T/mul_fp8_e4m3.json"
[ "$(json_get "$j" "r['top']")" = rg_mul_fp8_e4m3 ] || fail "top name"
[ "$(json_get "$j" "(r['ports']['a']['width'], r['ports']['y']['direction'], r['unit'], r['format'])")" = "(8, 'output', 'mul', 'fp8_e4m3')" ] || fail "ports/unit/format"
sha=$(cd "$T/mul_fp8_e4m3" && cat $(json_get "$j" "' '.join(r['files'])") | sha256sum | cut -d' ' -f1)
[ "$sha" = "$(json_get "$j" "r['verilog_sha256']")" ] || fail "verilog_sha256 is not the SHA-256 of the files"
[ -n "$(json_get "$j" "r['generator_version']")" ] || fail "generator_version"

# 2. the C model against ridge qdq --scaling none of the exact product: the
#    codes' values come from the OCP tables in tests/reference (independent of
#    Ridge); products of two 8-bit values are exact in float32.
for f in e2m1:fp4_e2m1 e3m2:fp6_e3m2 e2m3:fp6_e2m3 e4m3:fp8_e4m3 e5m2:fp8_e5m2; do
  tab=${f%%:*} fmt=${f##*:}
  python3 - "$2/tests/reference/numerics/codes_ocp_$tab.csv" "$T/mul_$fmt/vectors.hex" "$T/$fmt.in" "$T/$fmt.want" <<'EOF'
import csv, math, struct, sys
codes = {}
for row in csv.DictReader(open(sys.argv[1])):
    codes[int(row['code_hex'], 16)] = float.fromhex(row['value_hexfloat']) if row['class'] not in ('nan', 'inf') else (math.nan if row['class'] == 'nan' else (-math.inf if row['sign'] == '1' else math.inf))
bits = max(codes).bit_length()
ins, wants = [], []
for line in open(sys.argv[2]):
    v = int(line, 16)
    y, b, a = v & ((1 << bits) - 1), (v >> bits) & ((1 << bits) - 1), v >> (2 * bits)
    p = codes[a] * codes[b]
    if math.isnan(p) or math.isinf(p):
        continue  # qdq saturates Inf; specials are checked by the co-simulation
    ins.append(p); wants.append(codes[y])
open(sys.argv[3], 'wb').write(struct.pack('<%df' % len(ins), *ins))
open(sys.argv[4], 'wb').write(struct.pack('<%df' % len(wants), *wants))
EOF
  "$RIDGE" qdq --format "$fmt" --scaling none < "$T/$fmt.in" > "$T/$fmt.out" || fail "qdq $fmt"
  python3 - "$T/$fmt.out" "$T/$fmt.want" "$fmt" <<'EOF' || fail "C model differs from ridge qdq for $3"
import struct, sys
got = open(sys.argv[1], 'rb').read(); want = open(sys.argv[2], 'rb').read()
n = len(want) // 4
g = struct.unpack('<%df' % n, got); w = struct.unpack('<%df' % n, want)
bad = [i for i in range(n) if struct.pack('<f', g[i]) != struct.pack('<f', w[i])]
print('%s: %d finite products, %d differ from qdq' % (sys.argv[3], n, len(bad)))
sys.exit(1 if bad or n < 200 else 0)
EOF
done

# 3. random vectors: 16-bit multipliers, fused MACs, block dot products
run mul_bf16 --unit mul --format bf16 --vectors $N
run mul_fp16 --unit mul --format fp16 --vectors $N
run mac_e4m3 --unit mac --format fp8_e4m3 --vectors $N
run mac_e4m3_s3 --unit mac --format fp8_e4m3 --stages 3 --vectors $N
run mac_bf16 --unit mac --format bf16 --acc fp32 --vectors $N
run mac_e5m2_bf16_s2 --unit mac --format fp8_e5m2 --acc bf16 --stages 2 --vectors $N
run mac_int8 --unit mac --format int8 --stages 1 --vectors $N
for f in mxfp4 nvfp4; do
  run "dot_$f" --unit dot --format $f --vectors $N
done
for f in mxfp8_e4m3 mxfp8_e5m2 mxfp6_e3m2 mxfp6_e2m3 mxint8; do
  run "dot_$f" --unit dot --format $f --vectors $ND
done
[ "$(json_get "$T/dot_mxfp4.json" "(r['ports']['a']['width'], r['ports']['sa']['width'], r['parameters']['block'])")" = "(128, 8, 32)" ] || fail "mxfp4 dot ports"
[ "$(json_get "$T/dot_nvfp4.json" "(r['ports']['a']['width'], r['ports']['sa']['width'], r['parameters']['block'])")" = "(64, 8, 16)" ] || fail "nvfp4 dot ports"
W=$((ND / 2))
run dot_e4m3_w16 --unit dot --format mxfp8_e4m3 --align-bits 16 --vectors $W
run dot_e2m1_w6_bf16 --unit dot --format mxfp4 --align-bits 6 --acc bf16 --vectors $W

# 4. bad input: exit 2 naming the option, no directory left behind
bad() {
  local want=$1; shift
  "$RIDGE" rtl "$@" --out "$T/bad" > /dev/null 2> "$T/bad.err"
  local rc=$?
  [ $rc = 2 ] || fail "ridge rtl $*: exit $rc, want 2"
  grep -q -- "$want" "$T/bad.err" || fail "ridge rtl $*: message does not name $want: $(cat "$T/bad.err")"
  [ ! -e "$T/bad" ] || fail "ridge rtl $*: left $T/bad"
}
bad --unit --unit add --format fp8_e4m3
bad --format --unit mul --format fp9_e9m9
bad --format --unit dot --format fp8_e4m3
bad --align-bits --unit dot --format mxfp4 --align-bits 0
bad --align-bits --unit mul --format fp8_e4m3 --align-bits 8
bad --format --unit mul --format e9m31
bad --stages --unit mul --format bf16 --stages 2
bad --acc --unit mac --format bf16 --acc fp8_e4m3
mkdir "$T/exists"
"$RIDGE" rtl --unit mul --format fp4_e2m1 --out "$T/exists" > /dev/null 2>&1
[ $? = 2 ] || fail "an existing --out directory is not refused"

# 5. a failing tool leaves no directory that looks complete
mkdir -p "$T/fakebin"
printf '#!/bin/sh\necho "error: simulated failure" >&2\nexit 3\n' > "$T/fakebin/iverilog"
chmod +x "$T/fakebin/iverilog"
PATH="$T/fakebin:$PATH" "$RIDGE" rtl --unit mul --format fp4_e2m1 --cosim --out "$T/failed" > /dev/null 2> "$T/failed.err"
rc=$?
[ $rc = 1 ] || fail "failing iverilog: exit $rc, want 1"
grep -q iverilog "$T/failed.err" || fail "failing iverilog not named: $(cat "$T/failed.err")"
ls -d "$T/failed" "$T"/failed.tmp-* > /dev/null 2>&1 && fail "a failed run left $(ls -d "$T"/failed*)"
PATH="/nonexistent" "$RIDGE" rtl --unit mul --format fp4_e2m1 --cosim --out "$T/notool" > /dev/null 2> "$T/notool.err"
grep -q "install the Debian package iverilog" "$T/notool.err" || fail "missing iverilog: no package hint: $(cat "$T/notool.err")"

[ $fails = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "test_rtl: all passed"
