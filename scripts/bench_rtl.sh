#!/usr/bin/env bash
# bench_rtl.sh: how long the silicon leg takes here — generating units,
# co-simulating them (exhaustive 8-bit multipliers, 100,000-vector MAC and
# dot runs) and synthesizing the largest (32-element MX dot products).
# Prints a Markdown table and the load average before and after, since the
# figures depend on what else the machine runs.
# Usage: scripts/bench_rtl.sh [BUILD_DIR]   (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
B="${1:-build}"
RIDGE="$B/ridge"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) processors"
echo
echo "| run | command | result | wall s |"
echo "|---|---|---|---|"
i=0
row() { # row LABEL JSON-EXPR ARGS...
  local label=$1 expr=$2; shift 2
  i=$((i + 1))
  local t0 t1
  t0=$(date +%s.%N)
  "$RIDGE" rtl "$@" --out "$T/$i" > "$T/$i.json"
  t1=$(date +%s.%N)
  local res
  res=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($expr)" "$T/$i.json")
  printf '| %s | `ridge rtl %s` | %s | %.1f |\n' "$label" "$*" "$res" "$(python3 -c "print($t1 - $t0)")"
}
gen="'generated in %.2f ms' % (r['generate_seconds'] * 1e3)"
cos="'%d vectors, %d mismatches, %d vvp' % (r['cosim']['vectors'], r['cosim']['mismatches'], r['cosim']['processes'])"
syn="'%d cells, %.0f um2, %.2f ns, %.1f pJ/op, synthesis %.1f s' % (r['synthesis']['cells'], r['synthesis']['area_um2'], r['synthesis']['delay_ns'], r['synthesis']['energy_pj'], r['synthesis']['seconds'])"
row "generate mul" "$gen" --unit mul --format fp8_e4m3
row "generate mac" "$gen" --unit mac --format bf16 --stages 3
row "generate dot" "$gen" --unit dot --format mxfp8_e4m3 --align-bits 16
row "exhaustive co-simulation" "$cos" --unit mul --format fp8_e4m3 --cosim
row "exhaustive co-simulation" "$cos" --unit mul --format fp8_e5m2 --cosim
row "random co-simulation" "$cos" --unit mac --format fp8_e4m3 --cosim --vectors 100000
row "random co-simulation" "$cos" --unit dot --format mxfp8_e4m3 --cosim --vectors 100000
row "synthesis" "$syn" --unit mul --format bf16 --synth
row "synthesis, largest" "$syn" --unit dot --format mxfp8_e4m3 --synth
row "synthesis, largest" "$syn" --unit dot --format mxfp8_e5m2 --synth
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
