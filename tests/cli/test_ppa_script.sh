#!/usr/bin/env bash
# test_ppa_script.sh: scripts/ppa.sh wraps `ridge ppa --json` rows into the
# PPA table the codec reads (data/ppa/osu018.json's shape): provenance with
# liberty checksum, tool and generator versions, clock, activity source,
# date and command, and one row per unit; the default format list is passed
# to ridge ppa. A stand-in ridge prints two rows, so no synthesis runs. The
# checked-in table itself must have that shape and the lanes the engine
# needs. Args: BUILD_DIR SRC_DIR.
set -u
. "$(dirname "$0")/lib.sh"
SRC="$2"
cat > "$T/ridge" <<'SH'
#!/usr/bin/env bash
echo "$@" > "$(dirname "$0")/args"
while [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done
cat > "$out" <<'JSON'
[{"unit":"mac","format":"fp8_e4m3","acc":"fp32","cells":10,"area_um2":100,"delay_ns":2,"power_w":1e-3,"energy_pj":10,
  "clock_ns":10,"activity":0.5,"rel_area":0.5,"rel_energy":0.5,"rel_delay":0.5,"relative_to":"bf16",
  "activity_source":"default: uniform random operands","abc_script":"strash","liberty_path":"/x.lib","liberty_sha256":"abc",
  "yosys_version":"Yosys 0.23","sta_version":"2.0.17","generator_version":"ridge-rtlgen 1","seconds":1},
 {"unit":"dot","format":"mxfp4","acc":"fp32","cells":20,"area_um2":300,"delay_ns":3,"power_w":2e-3,"energy_pj":20,
  "clock_ns":10,"activity":0.5,"rel_area":0.3,"rel_energy":0.3,"rel_delay":0.3,"relative_to":"mxfp8_e4m3",
  "activity_source":"default: uniform random operands","abc_script":"strash","liberty_path":"/x.lib","liberty_sha256":"abc",
  "yosys_version":"Yosys 0.23","sta_version":"2.0.17","generator_version":"ridge-rtlgen 1","seconds":1}]
JSON
SH
chmod +x "$T/ridge"
RIDGE="$T/ridge" OUT="$T/ppa.json" bash "$SRC/scripts/ppa.sh" > "$T/log" 2>&1 || fail "ppa.sh exited $?: $(cat "$T/log")"
grep -q -- "--units mac,dot --json --clock-ns 10 --formats fp4_e2m1" "$T/args" || fail "ridge ppa arguments: $(cat "$T/args")"
[ "$(json_get "$T/ppa.json" "sorted(r['provenance'])")" = \
  "['abc_script', 'activity', 'activity_source', 'clock_ns', 'command', 'date', 'description', 'generator_version', 'liberty_path', 'liberty_sha256', 'node_nm', 'script', 'sta_version', 'yosys_version']" ] ||
    fail "provenance keys: $(json_get "$T/ppa.json" "sorted(r['provenance'])")"
[ "$(json_get "$T/ppa.json" "(r['provenance']['liberty_sha256'], r['provenance']['node_nm'], r['provenance']['command'][:9])")" = \
  "('abc', 180, 'ridge ppa')" ] || fail "provenance values"
[ "$(json_get "$T/ppa.json" "[(u['unit'], u['format'], u['area_um2']) for u in r['units']]")" = \
  "[('mac', 'fp8_e4m3', 100), ('dot', 'mxfp4', 300)]" ] || fail "units"
# the checked-in table
P="$SRC/data/ppa/osu018.json"
[ "$(json_get "$P" "r['provenance']['node_nm'] == 180 and len(r['provenance']['liberty_sha256']) == 64")" = True ] ||
    fail "checked-in provenance"
[ "$(json_get "$P" "all(any(u['unit'] == k and u['format'] == f for u in r['units']) for k, f in [('mac', 'bf16'), ('mac', 'fp8_e4m3'), ('mac', 'fp4_e2m1'), ('dot', 'mxfp4'), ('dot', 'mxfp8_e4m3')])")" = True ] ||
    fail "checked-in lanes"
[ "$fails" -eq 0 ] && echo "test_ppa_script: ok" || echo "test_ppa_script: $fails failures"
[ "$fails" -eq 0 ]
