#!/usr/bin/env bash
# ppa.sh: regenerate data/ppa/osu018.json, the synthesized cost of the
# numerics lanes the roofline prices a chip with (engine/silicon.h).
#
# One `ridge ppa --json` run synthesizes every MAC lane (fp32 accumulator;
# int32 for int8/int4) and every MX/NVFP4 block dot unit with yosys and
# OpenSTA against the OSU 0.18 um cells, then wraps the rows with their
# provenance: liberty checksum, tool and generator versions, clock,
# activity source, date and the command itself. The build embeds the file
# (cmake/embed.cmake globs data/*.json). The checked-in run took 376 s of
# synthesis (the per-unit seconds ridge ppa prints) on the shared 2-core machine.
#
# Usage: scripts/ppa.sh [BUILD_DIR] (default build; RIDGE=path overrides)
#        CLOCK_NS=10 by default (ridge ppa --clock-ns).
#        OUT=path writes the table elsewhere (tests).
#        FORMATS: the formats to synthesize (ridge ppa --formats); by default
#        every MAC format and the three block dots the roofline question
#        needs (mxfp8_e4m3, the dot baseline; mxfp4; nvfp4). FORMATS=all
#        adds the other MX dots (several minutes each on a shared machine).
#        PIPELINE=only regenerates just data/ppa/pipeline.json (below);
#        PIPELINE=0 skips it.
#        RECIPE=only regenerates just data/ppa/recipe_units.json (below);
#        RECIPE=0 skips it.
#
# data/ppa/recipe_units.json holds the units a numerics recipe needs beside
# the lanes (engine/recipe_unit.h, engine/recipe_silicon.h), synthesized
# with the lanes' flow, clock and default activity (0.5): the bf16 block
# amax with the MX E8M0 scale (32 elements, E4M3's emax) and with the NVFP4
# E4M3 scale (16 elements, amax / 6), the four-over-six selector (16 bf16
# elements) and the 16-point Walsh-Hadamard unit on int16 (bf16's
# significand aligned to the block's exponent with 7 bits of headroom).
#
# data/ppa/pipeline.json holds the fp8_e4m3 MAC (fp32 accumulator)
# synthesized at 1, 2 and 3 pipeline stages (ridge rtl --stages): the
# measured cost of pipeline registers behind the pipeline_overhead_per_stage
# assumption (data/assumptions.json).
set -euo pipefail
cd "$(dirname "$0")/.."
ridge=${RIDGE:-${1:-build}/ridge}
clock=${CLOCK_NS:-10}
out=${OUT:-data/ppa/osu018.json}
formats=${FORMATS:-fp4_e2m1,fp6_e3m2,fp6_e2m3,fp8_e4m3,fp8_e5m2,bf16,fp16,int8,int4,mxfp8_e4m3,mxfp4,nvfp4}
cmd=(ppa --units mac,dot --json --clock-ns "$clock")
[ "$formats" = all ] || cmd+=(--formats "$formats")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pipeline() {
  local pout
  pout=$(dirname "$out")/pipeline.json
  for s in 1 2 3; do
    "$ridge" rtl --unit mac --format fp8_e4m3 --acc fp32 --stages "$s" --synth --clock-ns "$clock" \
      --out "$tmp/mac_s$s" > "$tmp/mac_s$s.json"
  done
  jq -s --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg script "scripts/ppa.sh" '{
      provenance: {
        description: "The fp8_e4m3 MAC lane (fp32 accumulator) synthesized at 1, 2 and 3 pipeline stages with yosys and OpenSTA against the OSU 0.18 um cells: the cost of pipeline registers.",
        node_nm: 180,
        liberty_sha256: .[0].synthesis.liberty_sha256,
        yosys_version: .[0].synthesis.yosys_version,
        sta_version: .[0].synthesis.sta_version,
        generator_version: .[0].generator_version,
        date: $date,
        command: "ridge rtl --unit mac --format fp8_e4m3 --acc fp32 --stages S --synth",
        script: $script
      },
      stages: [ .[] | {stages: .parameters.stages, verilog_sha256, cells: .synthesis.cells,
                       area_um2: .synthesis.area_um2, delay_ns: .synthesis.delay_ns,
                       energy_pj: .synthesis.energy_pj} ]
    }' "$tmp"/mac_s1.json "$tmp"/mac_s2.json "$tmp"/mac_s3.json > "$tmp/pipeline.json"
  cp "$tmp/pipeline.json" "$pout.tmp" && mv "$pout.tmp" "$pout"
  echo "wrote $pout"
}
recipe_units() {
  local rout i=0
  rout=$(dirname "$out")/recipe_units.json
  local runs=("--unit amax --format bf16 --block 32 --scale e8m0 --elem fp8_e4m3"
              "--unit amax --format bf16 --block 16 --scale e4m3 --max 6"
              "--unit four_six --format bf16"
              "--unit hadamard --format int16 --block 16")
  for args in "${runs[@]}"; do
    # shellcheck disable=SC2086
    "$ridge" rtl $args --synth --clock-ns "$clock" --out "$tmp/ru_$i" > "$tmp/ru_$i.json"
    i=$((i + 1))
  done
  jq -s --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg script "scripts/ppa.sh" '{
      provenance: {
        description: "The units a numerics recipe needs beside the lanes (amax and block scale, four over six, Walsh-Hadamard; engine/recipe_unit.h), synthesized with yosys and OpenSTA against the OSU 0.18 um cells with the lanes flow, clock and activity.",
        node_nm: 180,
        liberty_path: .[0].synthesis.liberty_path,
        liberty_sha256: .[0].synthesis.liberty_sha256,
        yosys_version: .[0].synthesis.yosys_version,
        sta_version: .[0].synthesis.sta_version,
        generator_version: .[0].generator_version,
        clock_ns: .[0].synthesis.clock_ns,
        activity: .[0].synthesis.activity,
        activity_source: .[0].synthesis.activity_source,
        abc_script: .[0].synthesis.abc_script,
        date: $date,
        command: "ridge rtl --unit U ... --synth (the arguments of each row)",
        script: $script
      },
      units: [ .[] | {unit: .parameters.unit, format: .parameters.format, block: .parameters.block,
                      scale: (.parameters.scale // null), parameters, verilog_sha256,
                      cells: .synthesis.cells, area_um2: .synthesis.area_um2, delay_ns: .synthesis.delay_ns,
                      power_w: .synthesis.power_w, energy_pj: .synthesis.energy_pj,
                      clock_ns: .synthesis.clock_ns, seconds: .synthesis.seconds} ]
    }' "$tmp"/ru_0.json "$tmp"/ru_1.json "$tmp"/ru_2.json "$tmp"/ru_3.json > "$tmp/recipe_units.json"
  cp "$tmp/recipe_units.json" "$rout.tmp" && mv "$rout.tmp" "$rout"
  echo "wrote $rout"
}
if [ "${RECIPE:-1}" = only ]; then
  recipe_units
  exit 0
fi
if [ "${PIPELINE:-1}" = only ]; then
  pipeline
  exit 0
fi
[ "${PIPELINE:-1}" = 0 ] || pipeline
[ "${RECIPE:-1}" = 0 ] || recipe_units

"$ridge" "${cmd[@]}" --out "$tmp/rows.json"
jq --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
   --arg command "ridge ${cmd[*]}" \
   --arg script "scripts/ppa.sh" \
   '{
      provenance: {
        description: "Area, critical path and energy per operation of Ridge numerics lanes, synthesized with yosys and OpenSTA against the OSU 0.18 um standard cells (qflow-tech-osu018). Relative cost between formats comes from here; absolute cost at another node comes from the node scaling assumptions.",
        node_nm: 180,
        liberty_path: .[0].liberty_path,
        liberty_sha256: .[0].liberty_sha256,
        yosys_version: .[0].yosys_version,
        sta_version: .[0].sta_version,
        generator_version: .[0].generator_version,
        clock_ns: .[0].clock_ns,
        activity: .[0].activity,
        activity_source: .[0].activity_source,
        abc_script: .[0].abc_script,
        date: $date,
        command: $command,
        script: $script
      },
      units: [ .[] | {unit, format, acc, cells, area_um2, delay_ns, power_w, energy_pj, clock_ns,
                      rel_area, rel_energy, rel_delay, relative_to} ]
    }' "$tmp/rows.json" > "$tmp/out.json"
mkdir -p "$(dirname "$out")"
cp "$tmp/out.json" "$out.tmp" && mv "$out.tmp" "$out"
echo "wrote $out ($(jq '.units | length' "$out") units)"
