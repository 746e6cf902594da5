#!/usr/bin/env bash
# test_recipe_silicon.sh: the recipe units priced on a built chip with the
# shipped table (data/ppa/recipe_units.json, scripts/ppa.sh): NVFP4 with four
# over six on a 5 nm NVFP4 chip reports silicon.recipes; its energy per
# element is the data file's rows by hand (2/16 E4M3 amax operations for the
# block and tensor amax, 1/16 four_six, times node_energy_factor_5nm); the
# unit counts follow recipe_operand_reuse; weights count only in training;
# no recipes or no chip: no silicon.recipes; the table's provenance is
# complete; a bad override is refused naming the assumption.
# Usage: test_recipe_silicon.sh BUILD_DIR SRC_DIR
set -u
source "$2/tests/cli/lib.sh"
D="$2/data"
spec() { # PHASE REUSE_OVERRIDE(JSON or empty)
  python3 - "$1" "${2:-}" <<'EOF'
import json, sys
s = {"model": "llama3-8b",
     "hardware": {"preset": "b200", "silicon": {"node_nm": 5, "clock_ghz": 1.8, "matrix_area_mm2": 400,
                                                "mac_format": "nvfp4"}},
     "phase": sys.argv[1], "batch": 8, "seq_len": 4096,
     "numerics": {"math": "nvfp4", "recipes": {"weights": "nvfp4_16x16_4over6", "activations": "nvfp4_4over6"}}}
if sys.argv[2]:
    s["assumptions"] = json.loads(sys.argv[2])
print(json.dumps(s))
EOF
}

spec prefill > "$T/p.json"
"$RIDGE" evaluate "$T/p.json" > "$T/p.out" || fail "evaluate prefill: $(head -c 300 "$T/p.out")"
python3 - "$T/p.out" "$D/ppa/recipe_units.json" "$D/assumptions.json" <<'EOF' || fail "prefill: silicon.recipes against the data files"
import json, math, sys
r = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2])); a = json.load(open(sys.argv[3]))
av = {x["name"]: x["value"] for x in a["assumptions"]}
rows = {(u["unit"], u.get("scale")): u for u in t["units"]}
sr = r["silicon"]["recipes"]
fe, fa = av["node_energy_factor_5nm"], av["node_area_factor_5nm"]
e_amax, e_fos = rows[("amax", "e4m3")]["energy_pj"], rows[("four_six", "e4m3")]["energy_pj"]
want = (2 / 16 * e_amax + 1 / 16 * e_fos) * fe
got = sr["classes"]["activations"]["energy_pj_per_element"]
assert abs(got - want) <= 1e-9 * want, (got, want)
assert "weights" not in sr["classes"], "prefill re-quantizes no weights"
macs = r["silicon"]["macs"]
stream = macs / av["recipe_operand_reuse"]
assert sr["units"]["amax"]["count"] == math.ceil(stream * 2 / 16 - 1e-9), sr["units"]
assert sr["units"]["four_six"]["count"] == math.ceil(stream / 16 - 1e-9), sr["units"]
area = sum(sr["units"][k]["count"] * rows[key]["area_um2"] * fa / av["lane_area_utilization"]
           for k, key in (("amax", ("amax", "e4m3")), ("four_six", ("four_six", "e4m3")))) * 1e-6
assert abs(sr["area_mm2"] - area) <= 1e-9 * area, (sr["area_mm2"], area)
assert 0 < sr["area_fraction_of_matrix"] < 1 and sr["energy_per_token_j"] > 0 and sr["power_w"] > 0
assert any(x["name"] == "recipe_operand_reuse" for x in r["assumptions"])
print("prefill: %d amax + %d four_six units, %.3f mm2 (%.2f %% of the matrix), %.4g pJ/element, %.3g J/token"
      % (sr["units"]["amax"]["count"], sr["units"]["four_six"]["count"], sr["area_mm2"],
         100 * sr["area_fraction_of_matrix"], got, sr["energy_per_token_j"]))
EOF

# training re-quantizes the weights every step: they count too
spec train > "$T/t.json"
"$RIDGE" evaluate "$T/t.json" > "$T/t.out" || fail "evaluate train: $(head -c 300 "$T/t.out")"
[ "$(json_get "$T/t.out" "int(r['silicon']['recipes']['classes']['weights']['elements_per_step'] > 0)")" = 1 ] || fail "training: no weight elements"

# no recipes: no silicon.recipes; recipes without a chip: no silicon at all
python3 -c "import json; s=json.load(open('$T/p.json')); del s['numerics']['recipes']; print(json.dumps(s))" > "$T/n.json"
"$RIDGE" evaluate "$T/n.json" > "$T/n.out" || fail "evaluate without recipes"
[ "$(json_get "$T/n.out" "'recipes' in r['silicon']")" = False ] || fail "silicon.recipes without recipes"
python3 -c "import json; s=json.load(open('$T/p.json')); s['hardware']='b200'; print(json.dumps(s))" > "$T/c.json"
"$RIDGE" evaluate "$T/c.json" > "$T/c.out" || fail "evaluate without a chip"
[ "$(json_get "$T/c.out" "'silicon' in r")" = False ] || fail "silicon without hardware.silicon"

# the table's provenance and rows
python3 - "$D/ppa/recipe_units.json" <<'EOF' || fail "recipe_units.json provenance"
import json, sys
t = json.load(open(sys.argv[1])); p = t["provenance"]
assert len(p["liberty_sha256"]) == 64 and p["yosys_version"] and p["sta_version"] and p["generator_version"]
assert p["activity"] == 0.5 and p["clock_ns"] == 10
kinds = sorted({u["unit"] for u in t["units"]})
assert kinds == ["amax", "four_six", "hadamard"], kinds
for u in t["units"]:
    assert len(u["verilog_sha256"]) == 64 and u["area_um2"] > 0 and u["energy_pj"] > 0 and u["delay_ns"] > 0, u
EOF

# a bad override names the assumption
spec prefill '{"recipe_operand_reuse": 0}' > "$T/b.json"
"$RIDGE" evaluate "$T/b.json" > /dev/null 2> "$T/b.err"
rc=$?
[ $rc = 2 ] || fail "recipe_operand_reuse 0: exit $rc, want 2"
grep -q recipe_operand_reuse "$T/b.err" || fail "recipe_operand_reuse 0: not named: $(cat "$T/b.err")"

[ $fails = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "test_recipe_silicon: all passed"
