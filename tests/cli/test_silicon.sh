#!/usr/bin/env bash
# test_silicon.sh: a chip priced from synthesized lanes through `ridge
# evaluate` (hardware.silicon, engine/silicon.h, data/ppa/osu018.json): the
# result's silicon object, derived peak = 2 x MACs x clock replacing the
# preset's, every scaling factor in the assumptions list, lane counts in the
# ratio of the synthesized lane areas (fp4 vs fp8 MAC lanes, the MXFP4 block
# dot per element), energy parts that add up to the total in every result,
# the canonical text round trip, and bad input exiting 2 naming the field.
# Args: BUILD_DIR SRC_DIR.
set -u
. "$(dirname "$0")/lib.sh"
SRC="$2"
PPA="$SRC/data/ppa/osu018.json"

spec() { # mac_format math phase [area] [clock] [node]
    printf '{"model":"llama3-8b","hardware":{"preset":"h100-sxm","silicon":{"node_nm":%s,"clock_ghz":%s,"matrix_area_mm2":%s,"mac_format":"%s"}},"phase":"%s","batch":8,"seq_len":2048,"numerics":{"math":"%s"}}' \
        "${6:-5}" "${5:-1.8}" "${4:-400}" "$1" "$3" "$2"
}

spec fp8_e4m3 fp8_e4m3 prefill > "$T/fp8.json"
spec fp4_e2m1 fp4_e2m1 prefill > "$T/fp4.json"
spec mxfp4 mxfp4 prefill > "$T/mx4.json"
for f in fp8 fp4 mx4; do
    "$RIDGE" evaluate "$T/$f.json" > "$T/$f.out" 2> "$T/$f.err" || fail "$f: exit $? $(cat "$T/$f.err")"
done

[ "$(json_get "$T/fp8.out" "r['silicon']['matrix_flops'] == 2 * r['silicon']['macs'] * 1.8e9")" = True ] ||
    fail "derived peak != 2 x MACs x clock"
[ "$(json_get "$T/fp8.out" "r['peak_flops'] == r['silicon']['matrix_flops']")" = True ] ||
    fail "the derived peak does not replace the preset's"
for k in macs matrix_flops area_per_mac_um2 energy_per_mac_pj matrix_power_w relative_area_per_mac_vs_bf16; do
    [ "$(json_get "$T/fp8.out" "r['silicon']['$k'] > 0")" = True ] || fail "silicon.$k"
done
names=$(json_get "$T/fp8.out" "' '.join(a['name'] for a in r['assumptions'])")
for a in node_area_factor_5nm node_energy_factor_5nm lane_area_utilization hbm_pj_per_bit static_power_fraction; do
    case " $names " in *" $a "*) ;; *) fail "assumptions list lacks $a" ;; esac
done
case " $names " in *" node_area_factor_7nm "*) fail "lists a node it did not use" ;; esac

# The same area holds lanes in the inverse ratio of their synthesized areas,
# each grown by its pipeline registers: 1 + pipeline_overhead_per_stage x
# (stages - 1).
a8=$(json_get "$PPA" "[u['area_um2'] for u in r['units'] if u['unit']=='mac' and u['format']=='fp8_e4m3'][0]")
a4=$(json_get "$PPA" "[u['area_um2'] for u in r['units'] if u['unit']=='mac' and u['format']=='fp4_e2m1'][0]")
ad=$(json_get "$PPA" "[u['area_um2'] for u in r['units'] if u['unit']=='dot' and u['format']=='mxfp4'][0]")
m8=$(json_get "$T/fp8.out" "r['silicon']['macs']")
m4=$(json_get "$T/fp4.out" "r['silicon']['macs']")
md=$(json_get "$T/mx4.out" "r['silicon']['macs']")
grow() { json_get "$1" "1 + $(json_get "$SRC/data/assumptions.json" "[a['value'] for a in r['assumptions'] if a['name']=='pipeline_overhead_per_stage'][0]") * (r['silicon']['pipeline_stages'] - 1)"; }
g8=$(grow "$T/fp8.out"); g4=$(grow "$T/fp4.out"); gd=$(grow "$T/mx4.out")
python3 -c "import sys; a8,a4,ad,m8,m4,md,g8,g4,gd=map(float,sys.argv[1:]); a8*=g8; a4*=g4; ad*=gd; assert m4>m8 and abs(m4/m8-a8/a4)<=1e-5*a8/a4, (m4/m8,a8/a4); assert abs(md/m8-a8/(ad/32))<=1e-4*a8/(ad/32), (md/m8, a8/(ad/32))" \
    "$a8" "$a4" "$ad" "$m8" "$m4" "$md" "$g8" "$g4" "$gd" || fail "lane ratios: fp8 $m8, fp4 $m4, mxfp4 dot $md MACs"
# The clock against the lane's path: stages and the fastest clock they allow
[ "$(json_get "$T/fp8.out" "r['silicon']['pipeline_stages'] >= 1 and r['silicon']['max_clock_ghz'] >= 1.8 and r['silicon']['lane_delay_ns'] > 0")" = True ] ||
    fail "pipeline stages do not reach the clock: $(json_get "$T/fp8.out" "r['silicon']")"
spec fp8_e4m3 fp8_e4m3 prefill | jq '.hardware.silicon.pipeline_stages = 1' > "$T/st1.json"
"$RIDGE" evaluate "$T/st1.json" > /dev/null 2> "$T/st1.err"; rc=$?
[ $rc = 2 ] && grep -q "hardware.silicon.clock_ghz" "$T/st1.err" && grep -q "pipeline stages" "$T/st1.err" ||
    fail "one stage at 1.8 GHz: exit $rc $(cat "$T/st1.err")"
[ "$(json_get "$T/mx4.out" "r['silicon']['macs_per_lane']")" = 32 ] || fail "an MX dot lane holds 32 MACs"

# Energy: parts add up, per token, in results with and without silicon.
printf '{"model":"llama3-8b","hardware":"h100-sxm","phase":"decode","batch":16,"seq_len":1024}' > "$T/plain.json"
"$RIDGE" evaluate "$T/plain.json" > "$T/plain.out" || fail "plain decode"
[ "$(json_get "$T/plain.out" "'silicon' in r")" = False ] || fail "silicon object without hardware.silicon"
for f in fp8 plain; do
    [ "$(json_get "$T/$f.out" "abs(sum(r['energy']['parts_j'].values()) - r['energy_j']) <= 1e-12 * r['energy_j'] and r['energy_j'] > 0")" = True ] ||
        fail "$f: energy parts do not add up"
done
[ "$(json_get "$T/fp8.out" "abs(r['energy_per_token_j'] - r['energy_j'] / (8 * 2048)) <= 1e-12 * r['energy_j']")" = True ] ||
    fail "prefill energy per token"
[ "$(json_get "$T/plain.out" "abs(r['energy_per_token_j'] - r['energy_j'] / 16) <= 1e-12 * r['energy_j']")" = True ] ||
    fail "decode energy per token"

# Canonical text keeps the silicon and parses back to the same spec.
"$RIDGE" evaluate --canonical "$T/fp8.json" > "$T/canon.json" 2>/dev/null || fail "canonical"
json_get "$T/canon.json" "json.dumps(r['spec'])" > "$T/canon-spec.json"
[ "$(json_get "$T/canon.json" "r['spec']['hardware']['silicon']['mac_format']")" = fp8_e4m3 ] ||
    fail "canonical text lacks the silicon"
"$RIDGE" evaluate "$T/canon-spec.json" > "$T/canon.out" 2>/dev/null || fail "canonical text does not evaluate"
[ "$(json_get "$T/canon.out" "r['spec_sha256']")" = "$(json_get "$T/fp8.out" "r['spec_sha256']")" ] ||
    fail "canonical round trip changes the spec"
"$RIDGE" evaluate --canonical "$T/plain.json" > "$T/canon-plain.json" 2>/dev/null || fail "canonical plain"
[ "$(json_get "$T/canon-plain.json" "'silicon' in r['spec']['hardware']")" = False ] ||
    fail "canonical text of a preset chip names a silicon object"

bad() { # name field json
    printf '%s' "$3" > "$T/bad.json"
    "$RIDGE" evaluate "$T/bad.json" > "$T/bad.out" 2> "$T/bad.err"
    local rc=$?
    [ $rc -eq 2 ] || fail "$1: exit $rc (want 2)"
    grep -qF -- "$2" "$T/bad.err" || fail "$1: stderr '$(cat "$T/bad.err")' lacks '$2'"
    [ ! -s "$T/bad.out" ] || fail "$1: printed a result"
}
bad zero-area hardware.silicon.matrix_area_mm2 "$(spec fp8_e4m3 fp8_e4m3 prefill 0)"
bad negative-area hardware.silicon.matrix_area_mm2 "$(spec fp8_e4m3 fp8_e4m3 prefill -400)"
bad zero-clock hardware.silicon.clock_ghz "$(spec fp8_e4m3 fp8_e4m3 prefill 400 0)"
bad negative-clock hardware.silicon.clock_ghz "$(spec fp8_e4m3 fp8_e4m3 prefill 400 -1.8)"
bad node hardware.silicon.node_nm "$(spec fp8_e4m3 fp8_e4m3 prefill 400 1.8 6)"
bad unknown-format hardware.silicon.mac_format "$(spec fp9 fp8_e4m3 prefill)"
bad no-lane hardware.silicon.mac_format "$(spec fp32 fp8_e4m3 prefill)"
bad wider-math numerics.math "$(spec fp8_e4m3 bf16 prefill)"
bad e5m2-on-e4m3 numerics.math "$(spec fp8_e4m3 fp8_e5m2 prefill)"
bad missing-clock hardware.silicon.clock_ghz '{"model":"llama3-8b","hardware":{"preset":"h100-sxm","silicon":{"node_nm":5,"matrix_area_mm2":400,"mac_format":"fp8_e4m3"}},"phase":"decode","batch":1,"seq_len":8}'

[ "$fails" -eq 0 ] && echo "test_silicon: ok" || echo "test_silicon: $fails failures"
[ "$fails" -eq 0 ]
