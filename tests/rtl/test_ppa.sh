#!/usr/bin/env bash
# test_ppa.sh: `ridge ppa` on three multipliers (fp4_e2m1, fp8_e4m3, bf16)
# through the generator, yosys and OpenSTA: area grows with the significand
# (fp4 < fp8 < bf16), bf16 is its own baseline,
# energy per operation is power x period, every row carries the liberty
# checksum and tool versions, --out writes the same JSON, the temporary
# directories are gone afterwards, and bad options exit 2 naming the option.
# Skipped (77) without yosys, opensta or qflow-tech-osu018. Args: BUILD_DIR
# SRC_DIR.
set -u
. "$(dirname "$0")/../cli/lib.sh"
command -v yosys >/dev/null && command -v sta >/dev/null &&
    [ -r /usr/share/qflow/tech/osu018/osu018_stdcells.lib ] || { echo "skipped: no RTL tools"; exit 77; }

export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
if "$RIDGE" ppa --units mul --formats fp4_e2m1,fp8_e4m3,bf16 --json --clock-ns 10 \
        --out "$T/ppa.json" 2> "$T/ppa.err"; then
    [ "$(json_get "$T/ppa.json" "[x['format'] for x in r]")" = "['fp4_e2m1', 'fp8_e4m3', 'bf16']" ] ||
        fail "rows: $(json_get "$T/ppa.json" "[x['format'] for x in r]")"
    [ "$(json_get "$T/ppa.json" "r[0]['area_um2'] < r[1]['area_um2'] < r[2]['area_um2']")" = True ] ||
        fail "area ordering: $(json_get "$T/ppa.json" "[x['area_um2'] for x in r]")"
    [ "$(json_get "$T/ppa.json" "all(x['cells'] > 0 and x['delay_ns'] > 0 and x['energy_pj'] > 0 for x in r)")" = True ] ||
        fail "positive figures"
    [ "$(json_get "$T/ppa.json" "all(abs(x['energy_pj'] - x['power_w'] * x['clock_ns'] * 1e3) <= 1e-9 * x['energy_pj'] for x in r)")" = True ] ||
        fail "energy = power x period"
    [ "$(json_get "$T/ppa.json" "(r[2]['rel_area'], r[2]['rel_energy'], r[2]['rel_delay'], r[0]['relative_to'])")" = \
        "(1, 1, 1, 'bf16')" ] || fail "bf16 is the baseline"
    [ "$(json_get "$T/ppa.json" "r[0]['rel_area'] < r[1]['rel_area'] < 1")" = True ] || fail "relative areas"
    sha=$(sha256sum /usr/share/qflow/tech/osu018/osu018_stdcells.lib | cut -d' ' -f1)
    [ "$(json_get "$T/ppa.json" "sorted(set(x['liberty_sha256'] for x in r))")" = "['$sha']" ] ||
        fail "liberty checksum"
    [ "$(json_get "$T/ppa.json" "all(x['yosys_version'].startswith('Yosys') and x['sta_version'] and x['generator_version'] for x in r)")" = True ] ||
        fail "provenance"
    [ "$(json_get "$T/ppa.json" "all(len(x['verilog_sha256']) == 64 for x in r) and len(set(x['verilog_sha256'] for x in r)) == 3")" = True ] ||
        fail "verilog checksums"
    [ -z "$(ls -A "$TMPDIR")" ] || fail "temporary directories left: $(ls "$TMPDIR")"
else
    fail "ridge ppa exited $?: $(tail -3 "$T/ppa.err")"
fi
# the table names the baseline
"$RIDGE" ppa --units mul --formats fp4_e2m1 > "$T/table.txt" 2>/dev/null || fail "table run"
grep -q "relative_to" "$T/table.txt" && grep -q "sha256" "$T/table.txt" || fail "table header or provenance"

"$RIDGE" ppa --units mul --formats mxfp4 2> "$T/e1"; [ $? -eq 2 ] && grep -q -- "--formats" "$T/e1" || fail "dot format on mul"
"$RIDGE" ppa --units div 2> "$T/e2"; [ $? -eq 2 ] && grep -q -- "--units" "$T/e2" || fail "unknown unit"
"$RIDGE" ppa --clock-ns 0 2> "$T/e3"; [ $? -eq 2 ] && grep -q -- "--clock-ns" "$T/e3" || fail "bad clock"
[ "$fails" -eq 0 ] && echo "test_ppa: ok" || echo "test_ppa: $fails failures"
[ "$fails" -eq 0 ]
