/* test_recipe_silicon.c: the recipe units priced beside the lanes
 * (engine/recipe_silicon.h), by hand on a made-up unit table: unit
 * operations per element from the recipe's scale, tensor scale, four over
 * six and rotation size; units provisioned for the operand stream; area,
 * power and energy per element and per step; which classes are quantized on
 * the chip; a missing unit refused naming the class. The shipped table
 * (data/ppa/recipe_units.json) is checked by tests/cli/test_recipe_silicon.sh. */
#include "engine.h"
#include "fixtures.h"
#include "recipe_silicon.h"
#include "testutil.h"

static rg_ppa table(void) {
    rg_ppa t;
    memset(&t, 0, sizeof t);
    t.node_nm = 180;
    t.runits[0] = (rg_ppa_runit){RG_RUNIT_AMAX, RG_RUNIT_SCALE_E8M0, 32, 20000, 50, 5};
    t.runits[1] = (rg_ppa_runit){RG_RUNIT_AMAX, RG_RUNIT_SCALE_E4M3, 16, 12000, 40, 6};
    t.runits[2] = (rg_ppa_runit){RG_RUNIT_FOUR_SIX, 0, 16, 200000, 800, 30};
    t.runits[3] = (rg_ppa_runit){RG_RUNIT_HADAMARD, 0, 16, 30000, 60, 4};
    t.nrunits = 4;
    return t;
}

static void set(rg_spec *s, rg_tclass c, const char *text) {
    CHECK_EQ_INT(rg_recipe_parse(text, &s->numerics.recipes[c].r, "r", NULL), 0);
    s->numerics.recipes[c].on = true;
    snprintf(s->numerics.recipes[c].text, sizeof s->numerics.recipes[c].text, "%s", text);
}

/* 1e6 MACs at 1 GHz, node factors 0.01 (area) and 0.002 (energy),
 * utilization 0.5, recipe_operand_reuse 100: an operand stream of 1e4
 * elements per clock. */
static rg_silicon_result matrix(void) {
    rg_silicon_result si;
    memset(&si, 0, sizeof si);
    si.enabled = true;
    si.macs = 1e6;
    si.area_factor = 0.01;
    si.energy_factor = 0.002;
    return si;
}

static rg_spec spec(rg_phase phase, const rg_ppa *t) {
    rg_spec s = fx_spec(fx_llama3_8b(), phase, 4, 2048);
    s.ppa = t;
    s.hw.silicon = (rg_silicon){true, 5, 1.0, 100, rg_format_find("nvfp4"), 0};
    s.assumptions.v[RG_A_RECIPE_OPERAND_REUSE] = 100;
    s.assumptions.v[RG_A_LANE_AREA_UTILIZATION] = 0.5;
    return s;
}

/* NVFP4 with four over six on the activations, by hand:
 *   amax ops/element = (block + tensor amax) / 16 = 0.125; four_six 1/16
 *   energy = 0.125 x 40 x 0.002 + 0.0625 x 800 x 0.002 = 0.11 pJ/element
 *   units: amax ceil(1e4 x 0.125) = 1250, four_six 625
 *   area: 1250 x 12000 x 0.01 / 0.5 + 625 x 200000 x 0.01 / 0.5
 *       = 300000 + 2500000 um2 = 2.8 mm2 (0.028 of 100 mm2)
 *   power: 1250 x 1e9 x 0.08 pJ + 625 x 1e9 x 1.6 pJ = 0.1 + 1.0 = 1.1 W
 *   step: 1e9 elements x 2 chips x 0.11 pJ = 2.2e-4 J; 1e4 tokens: 2.2e-8 J.
 * The weights' recipe is quantized offline in prefill: not counted. */
static void test_hand(void) {
    rg_ppa t = table();
    rg_spec s = spec(RG_PHASE_PREFILL, &t);
    set(&s, RG_TC_ACTIVATIONS, "nvfp4_4over6");
    set(&s, RG_TC_WEIGHTS, "nvfp4_16x16_4over6");
    rg_silicon_result si = matrix();
    rg_recipe_silicon r;
    uint8_t used[RG_A_COUNT] = {0};
    rg_err err = {0};
    const double elems[2] = {1e9, 5e8};
    CHECK_EQ_INT(rg_recipe_silicon_derive(&s, &si, elems, 2, 1e4, &r, used, &err), 0);
    CHECK(r.enabled && r.cls[RG_TC_ACTIVATIONS].on && !r.cls[RG_TC_WEIGHTS].on && !r.cls[RG_TC_KV].on);
    CHECK_REL(r.cls[RG_TC_ACTIVATIONS].unit_ops[RG_RUNIT_AMAX], 0.125, 1e-15);
    CHECK_REL(r.cls[RG_TC_ACTIVATIONS].unit_ops[RG_RUNIT_FOUR_SIX], 0.0625, 1e-15);
    CHECK_REL(r.cls[RG_TC_ACTIVATIONS].energy_pj_per_element, 0.11, 1e-12);
    CHECK_REL(r.units[RG_RUNIT_AMAX], 1250, 0);
    CHECK_REL(r.units[RG_RUNIT_FOUR_SIX], 625, 0);
    CHECK(r.units[RG_RUNIT_HADAMARD] == 0);
    CHECK_REL(r.area_mm2, 2.8, 1e-12);
    CHECK_REL(r.area_fraction, 0.028, 1e-12);
    CHECK_REL(r.power_w, 1.1, 1e-12);
    CHECK_REL(r.energy_j, 2.2e-4, 1e-12);
    CHECK_REL(r.energy_per_token_j, 2.2e-8, 1e-12);
    CHECK(used[RG_A_RECIPE_OPERAND_REUSE] && used[RG_A_LANE_AREA_UTILIZATION]);
}

/* Training re-quantizes the weights: an MXFP8 (E8M0, 1x32) weight recipe
 * takes 1/32 amax operations per element (0.05 x 50 x 0.002 / 32 pJ...),
 * and a 128-point rotation log2(128) / log2(16) = 1.75 of the 16-point
 * unit's butterflies per element: 1.75 / 16 operations. Units of a kind
 * are shared: the larger need of the two classes is provisioned. */
static void test_train_rotation(void) {
    rg_ppa t = table();
    rg_spec s = spec(RG_PHASE_TRAIN, &t);
    set(&s, RG_TC_WEIGHTS, "mxfp8_1x32");
    set(&s, RG_TC_ACTIVATIONS, "nvfp4_rht16:rotate=128");
    rg_silicon_result si = matrix();
    rg_recipe_silicon r;
    rg_err err = {0};
    const double elems[2] = {1e9, 5e8};
    CHECK_EQ_INT(rg_recipe_silicon_derive(&s, &si, elems, 1, 1e4, &r, NULL, &err), 0);
    CHECK(r.cls[RG_TC_WEIGHTS].on && r.cls[RG_TC_ACTIVATIONS].on);
    CHECK_REL(r.cls[RG_TC_WEIGHTS].unit_ops[RG_RUNIT_AMAX], 1.0 / 32, 1e-15);
    CHECK_REL(r.cls[RG_TC_WEIGHTS].energy_pj_per_element, 50 * 0.002 / 32, 1e-12);
    CHECK_REL(r.cls[RG_TC_ACTIVATIONS].unit_ops[RG_RUNIT_HADAMARD], 1.75 / 16, 1e-15);
    /* activations: (1 + 1) / 16 E4M3 amax ops + 1.75/16 Hadamard ops */
    CHECK_REL(r.cls[RG_TC_ACTIVATIONS].energy_pj_per_element, (2.0 / 16 * 40 + 1.75 / 16 * 60) * 0.002,
              1e-12);
    CHECK_REL(r.units[RG_RUNIT_HADAMARD], 1094, 0); /* ceil(1e4 x 0.109375) = 1093.75 -> 1094 */
    CHECK_REL(r.units[RG_RUNIT_AMAX], 1250, 0);     /* the E4M3 row's need, the larger of the two */
    CHECK_REL(r.cls[RG_TC_WEIGHTS].energy_j, 5e8 * 50 * 0.002 / 32 * 1e-12, 1e-12);
}

static void test_off_and_bad(void) {
    rg_ppa t = table();
    rg_spec s = spec(RG_PHASE_PREFILL, &t);
    rg_silicon_result si = matrix();
    rg_recipe_silicon r;
    rg_err err = {0};
    const double elems[2] = {1e9, 0};
    /* no recipes, or no silicon: nothing */
    CHECK_EQ_INT(rg_recipe_silicon_derive(&s, &si, elems, 1, 1, &r, NULL, &err), 0);
    CHECK(!r.enabled && r.area_mm2 == 0);
    set(&s, RG_TC_ACTIVATIONS, "nvfp4_4over6");
    si.enabled = false;
    CHECK_EQ_INT(rg_recipe_silicon_derive(&s, &si, elems, 1, 1, &r, NULL, &err), 0);
    CHECK(!r.enabled);
    /* a unit the table lacks names the class's recipe */
    si = matrix();
    t.nrunits = 2; /* no four_six */
    CHECK(rg_recipe_silicon_derive(&s, &si, elems, 1, 1, &r, NULL, &err) < 0);
    CHECK_STR(err.field, "numerics.recipes.activations");
    t = table();
    s.assumptions.v[RG_A_RECIPE_OPERAND_REUSE] = 0.5;
    CHECK(rg_recipe_silicon_derive(&s, &si, elems, 1, 1, &r, NULL, &err) < 0);
    CHECK_STR(err.field, "recipe_operand_reuse");
}

int main(void) {
    test_hand();
    test_train_rotation();
    test_off_and_bad();
    return tu_status("test_recipe_silicon");
}
