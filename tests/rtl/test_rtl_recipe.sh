#!/usr/bin/env bash
# test_rtl_recipe.sh: the recipe units (engine/recipe_unit.h) co-simulated in
# iverilog against their C models and linted by verilator -Wall, in seconds:
#  - amax with an E8M0 scale (bf16 source, 32 elements; fp16 source with
#    fp4_e2m1's emax) and with the E4M3 scale (M = 6; M = 4 runs inside
#    four_six; test_recipe_unit checks every amax for both in C): every source
#    magnitude once as a block's largest element (32,768 vectors for bf16),
#    then seeded random blocks (zeros, one non-zero, NaN/Inf, the largest
#    and the smallest binades);
#  - four_six (bf16, and fp8_e5m2 with a quarter of the vectors): seeded
#    random blocks of the same kinds, finite;
#  - hadamard (int8 x 16, int4 x 4, int12 x 8): seeded random blocks and
#    the all-minimum and all-maximum blocks (the full width growth);
#  - one small synthesis (hadamard int4 x 4) through the same yosys/OpenSTA
#    flow, with provenance;
#  - bad input: exit 2 naming the option, no directory left behind.
# Usage: test_rtl_recipe.sh BUILD_DIR SRC_DIR [SANITIZE]
set -u
source "$2/tests/cli/lib.sh"
N=2000
[ "${3:-OFF}" = ON ] && N=500
for tool in iverilog vvp verilator; do
  if ! command -v $tool >/dev/null; then
    [ "${CI:-}" = true ] && { echo "FAIL: $tool missing in CI (scripts/deps.sh installs it)"; exit 1; }
    echo "SKIP: $tool missing (scripts/deps.sh installs it)"; exit 77
  fi
done

run() {
  local name=$1; shift
  if ! "$RIDGE" rtl "$@" --cosim --out "$T/$name" > "$T/$name.json" 2> "$T/$name.err"; then
    fail "$name: ridge rtl $* failed: $(head -c 400 "$T/$name.err")"; return
  fi
  local line
  line=$(json_get "$T/$name.json" "'%d %d %s' % (r['cosim']['vectors'], r['cosim']['mismatches'], r['cosim']['lint']['clean'])")
  read -r vec bad lint <<< "$line"
  [ "$bad" = 0 ] || fail "$name: $bad mismatches of $vec: $(json_get "$T/$name.json" "r['cosim'].get('first_mismatch')")"
  [ "$lint" = True ] || fail "$name: verilator: $(json_get "$T/$name.json" "r['cosim']['lint'].get('first')")"
  echo "$name: $vec vectors, $bad mismatches, $(json_get "$T/$name.json" "round(r['cosim']['seconds'], 1)") s"
  LAST_VECTORS=$vec
}

run amax_bf16_e8m0 --unit amax --format bf16 --vectors $N
[ "${LAST_VECTORS:-0}" = $((32768 + N)) ] || fail "amax bf16: not every magnitude swept ($LAST_VECTORS vectors)"
run amax_fp16_e8m0_e2m1 --unit amax --format fp16 --block 16 --elem fp4_e2m1 --vectors $N
run amax_bf16_e4m3 --unit amax --format bf16 --block 16 --scale e4m3 --vectors $N
run four_six_bf16 --unit four_six --format bf16 --vectors $N
run four_six_e5m2 --unit four_six --format fp8_e5m2 --vectors $((N / 4))
run hadamard_int8_16 --unit hadamard --format int8 --block 16 --vectors $N
run hadamard_int4_4 --unit hadamard --format int4 --block 4 --vectors $N
run hadamard_int12_8 --unit hadamard --format int12 --block 8 --vectors $N

j="$T/amax_bf16_e4m3.json"
[ "$(json_get "$j" "(r['top'], r['ports']['x']['width'], r['ports']['y']['width'], r['parameters']['scale'], r['parameters']['max'])")" = "('rg_amax_bf16_b16_e4m3_m6', 256, 24, 'e4m3', 6)" ] || fail "amax ports/parameters: $(json_get "$j" "r['ports']")"
j="$T/four_six_bf16.json"
[ "$(json_get "$j" "(r['ports']['x']['width'], r['ports']['amax']['width'], r['ports']['y']['width'], len(r['files']))")" = "(256, 16, 65, 5)" ] || fail "four_six ports/files"
j="$T/hadamard_int8_16.json"
[ "$(json_get "$j" "(r['ports']['y']['width'], r['parameters']['stages'])")" = "(192, 4)" ] || fail "hadamard: 16 outputs of 12 bits, 4 stages"
sha=$(cd "$T/hadamard_int8_16" && cat $(json_get "$j" "' '.join(r['files'])") | sha256sum | cut -d' ' -f1)
[ "$sha" = "$(json_get "$j" "r['verilog_sha256']")" ] || fail "verilog_sha256 is not the SHA-256 of the files"

# a small synthesis: the flow runs for recipe units and records its provenance
if command -v yosys > /dev/null && command -v sta > /dev/null && [ -f /usr/share/qflow/tech/osu018/osu018_stdcells.lib ]; then
  if "$RIDGE" rtl --unit hadamard --format int4 --block 4 --synth --out "$T/syn" > "$T/syn.json" 2> "$T/syn.err"; then
    ok=$(json_get "$T/syn.json" "int(r['synthesis']['area_um2'] > 0 and r['synthesis']['delay_ns'] > 0 and r['synthesis']['energy_pj'] > 0 and len(r['synthesis']['liberty_sha256']) == 64 and bool(r['synthesis']['yosys_version']))")
    [ "$ok" = 1 ] || fail "hadamard synthesis: $(json_get "$T/syn.json" "r['synthesis']")"
  else
    fail "hadamard synthesis failed: $(head -c 400 "$T/syn.err")"
  fi
fi

bad() {
  local want=$1; shift
  "$RIDGE" rtl "$@" --out "$T/bad" > /dev/null 2> "$T/bad.err"
  local rc=$?
  [ $rc = 2 ] || fail "ridge rtl $*: exit $rc, want 2"
  grep -q -- "$want" "$T/bad.err" || fail "ridge rtl $*: message does not name $want: $(cat "$T/bad.err")"
  [ ! -e "$T/bad" ] || fail "ridge rtl $*: left $T/bad"
}
bad --block --unit hadamard --format int8 --block 12
bad --format --unit hadamard --format bf16
bad --block --unit four_six --format bf16 --block 32
bad --scale --unit amax --format bf16 --scale e5m2
bad --max --unit amax --format bf16 --scale e4m3 --max 5
bad --elem --unit amax --format bf16 --elem mxfp4
bad --format --unit amax --format fp32
bad --stages --unit amax --format bf16 --stages 1
bad --block --unit mul --format bf16 --block 16

[ $fails = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "test_rtl_recipe: all passed"
