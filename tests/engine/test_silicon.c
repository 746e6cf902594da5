/* test_silicon.c: matrix units derived from synthesized lanes
 * (engine/silicon.h): hand-calculated lane counts, peak and power, the
 * derived peak = 2 x MACs x clock, lane counts in the ratio of the lanes'
 * areas, which formats a lane runs, a compute-bound prefill whose time
 * scales inversely with the derived peak, and bad input naming the field.
 * The lane table here is made up for hand arithmetic; the shipped one
 * (data/ppa/osu018.json) is checked by tests/cli/test_silicon.sh. */
#include "engine.h"
#include "fixtures.h"
#include "testutil.h"

static rg_ppa table(void) {
    rg_ppa t;
    memset(&t, 0, sizeof t);
    t.node_nm = 180;
    t.ref = 2;
    t.lanes[0] = (rg_ppa_lane){rg_format_find("fp8_e4m3"), 1, 60000, 400, 24};
    t.lanes[1] = (rg_ppa_lane){rg_format_find("fp4_e2m1"), 1, 30000, 200, 26};
    t.lanes[2] = (rg_ppa_lane){rg_format_find("bf16"), 1, 90000, 700, 32};
    t.lanes[3] = (rg_ppa_lane){rg_format_find("mxfp4"), 32, 320000, 640, 40};
    t.lanes[4] = (rg_ppa_lane){rg_format_find("int8"), 1, 50000, 100, 7};
    t.n = 5;
    return t;
}

static rg_assumptions scaling(void) {
    rg_assumptions a = fx_ideal();
    a.v[RG_A_NODE_AREA_7] = 0.0032;
    a.v[RG_A_NODE_ENERGY_7] = 0.001813;
    a.v[RG_A_NODE_AREA_5] = 0.0032 / 1.8;
    a.v[RG_A_NODE_ENERGY_5] = 0.001813 * 0.7;
    a.v[RG_A_LANE_AREA_UTILIZATION] = 0.5;
    /* short paths: every lane here fits one stage at <= 2 GHz (test_pipeline cuts them) */
    a.v[RG_A_NODE_DELAY_7] = 0.01;
    a.v[RG_A_NODE_DELAY_5] = 0.01;
    a.v[RG_A_PIPELINE_OVERHEAD] = 0.22;
    a.v[RG_A_PIPELINE_UNSPLIT] = 0.38;
    return a;
}

static rg_silicon chip(const char *fmt, double node, double ghz, double mm2) {
    rg_silicon s = {true, node, ghz, mm2, rg_format_find(fmt), 0};
    return s;
}

/* 7 nm, 1.8 GHz, 400 mm2 of fp8 lanes, utilization 0.5, by hand:
 * lane area 60000 x 0.0032 / 0.5 = 384 um2; 4e8 um2 / 384 = 1041666.67 ->
 * 1041666 lanes of one MAC; peak 2 x 1041666 x 1.8e9 = 3.7499976e15 FLOP/s;
 * 400 pJ x 0.001813 = 0.7252 pJ/MAC; power 1041666 x 1.8e9 x 0.7252e-12 =
 * 1359.7497 W; relative to bf16: area 60000/90000, energy 400/700. */
static void test_hand(void) {
    rg_ppa t = table();
    rg_assumptions a = scaling();
    rg_silicon s = chip("fp8_e4m3", 7, 1.8, 400);
    rg_silicon_result r;
    uint8_t used[RG_A_COUNT] = {0};
    rg_err err = {0};
    CHECK_EQ_INT(rg_silicon_derive(&s, &t, &a, &r, used, &err), 0);
    CHECK(r.enabled);
    CHECK_EQ_INT(r.block, 1);
    CHECK_REL(r.lanes, 1041666, 0);
    CHECK_REL(r.macs, 1041666, 0);
    CHECK_REL(r.area_per_mac_um2, 384, 1e-12);
    CHECK_REL(r.matrix_flops, 3.7499976e15, 1e-12);
    CHECK_REL(r.matrix_flops, 2.0 * r.macs * 1.8e9, 1e-15); /* derived peak = 2 x MACs x clock */
    CHECK_REL(r.energy_per_mac_pj, 0.7252, 1e-12);
    CHECK_REL(r.matrix_power_w, 1359.7497, 1e-6);
    CHECK_REL(r.rel_area, 60000.0 / 90000.0, 1e-12);
    CHECK_REL(r.rel_energy, 400.0 / 700.0, 1e-12);
    CHECK(used[RG_A_NODE_AREA_7] && used[RG_A_NODE_ENERGY_7] && used[RG_A_LANE_AREA_UTILIZATION]);
    CHECK(!used[RG_A_NODE_AREA_5]);
    /* 180 nm needs no factor: lane area / utilization = 120000 um2; the
     * 24 ns lane fits one stage of 25 ns */
    s = chip("fp8_e4m3", 180, 0.04, 1.2);
    CHECK_EQ_INT(rg_silicon_derive(&s, &t, &a, &r, NULL, &err), 0);
    CHECK_REL(r.lanes, 10, 0);
    CHECK_REL(r.area_factor, 1, 0);
}

/* A block dot lane of 32 MACs: 320000 um2 per lane, 10000 per MAC. At 5 nm
 * (factor 0.0032/1.8) and utilization 0.5: 320000 x 0.0017778 / 0.5 =
 * 1137.78 um2 per lane; 100 mm2 -> floor(1e8 / 1137.78) = 87890 lanes =
 * 2812480 MACs; energy 640 x 0.0012691 / 32 = 0.025382 pJ/MAC. */
static void test_block_lane(void) {
    rg_ppa t = table();
    rg_assumptions a = scaling();
    rg_silicon s = chip("mxfp4", 5, 1.0, 100);
    rg_silicon_result r;
    rg_err err = {0};
    CHECK_EQ_INT(rg_silicon_derive(&s, &t, &a, &r, NULL, &err), 0);
    CHECK_EQ_INT(r.block, 32);
    CHECK_REL(r.lanes, 87890, 0);
    CHECK_REL(r.macs, 87890.0 * 32, 0);
    CHECK_REL(r.energy_per_mac_pj, 640 * 0.001813 * 0.7 / 32, 1e-12);
    CHECK_REL(r.matrix_flops, 2.0 * r.macs * 1e9, 1e-15);
}

/* The same area holds lanes in the inverse ratio of their areas (up to the
 * floor of whole lanes): fp4 lanes are half the fp8 area here. */
static void test_lane_ratio(void) {
    rg_ppa t = table();
    rg_assumptions a = scaling();
    rg_silicon s8 = chip("fp8_e4m3", 7, 1.8, 400), s4 = chip("fp4_e2m1", 7, 1.8, 400);
    rg_silicon_result r8, r4;
    rg_err err = {0};
    CHECK_EQ_INT(rg_silicon_derive(&s8, &t, &a, &r8, NULL, &err), 0);
    CHECK_EQ_INT(rg_silicon_derive(&s4, &t, &a, &r4, NULL, &err), 0);
    CHECK_REL(r4.macs / r8.macs, 60000.0 / 30000.0, 1e-6);
    CHECK_REL(r4.area_per_mac_um2 / r8.area_per_mac_um2, 0.5, 1e-12);
}

/* The clock against the lane's path, by hand: fp8 lane 24 ns at 180 nm,
 * node_delay_factor 0.04 -> d = 0.96 ns; 1.8 GHz -> period 0.5556 ns.
 * u = 0.38: a stage of S holds 0.96 (0.38 + 0.62 / S); the fewest S with
 * that <= 0.5556: S >= 0.5952 / (0.5556 - 0.3648) = 3.12 -> 4 stages, stage
 * delay 0.5136 ns (max clock 1.947 GHz). Overhead 0.22 per added stage:
 * lane area 60000 x 0.0032 x 1.66 / 0.5 = 637.44 um2 -> floor(4e8 / 637.44)
 * = 627510 lanes; energy 400 x 0.001813 x 1.66 = 1.203832 pJ per MAC. */
static void test_pipeline(void) {
    rg_ppa t = table();
    rg_assumptions a = scaling();
    a.v[RG_A_NODE_DELAY_7] = 0.04;
    rg_silicon s = chip("fp8_e4m3", 7, 1.8, 400);
    rg_silicon_result r;
    uint8_t used[RG_A_COUNT] = {0};
    rg_err err = {0};
    CHECK_EQ_INT(rg_silicon_derive(&s, &t, &a, &r, used, &err), 0);
    CHECK_REL(r.lane_delay_ns, 0.96, 1e-12);
    CHECK_EQ_INT(r.pipeline_stages, 4);
    CHECK_REL(r.max_clock_ghz, 1.0 / (0.96 * (0.38 + 0.62 / 4)), 1e-12);
    CHECK_REL(r.area_per_mac_um2, 637.44, 1e-12);
    CHECK_REL(r.lanes, 627510, 0);
    CHECK_REL(r.energy_per_mac_pj, 1.203832, 1e-12);
    CHECK_REL(r.matrix_flops, 2.0 * 627510 * 1.8e9, 1e-15);
    CHECK(used[RG_A_NODE_DELAY_7] && used[RG_A_PIPELINE_OVERHEAD] && used[RG_A_PIPELINE_UNSPLIT]);
    /* more stages than needed are the user's choice: overhead 1 + 0.22 x 5 */
    s.pipeline_stages = 6;
    CHECK_EQ_INT(rg_silicon_derive(&s, &t, &a, &r, NULL, &err), 0);
    CHECK_EQ_INT(r.pipeline_stages, 6);
    CHECK_REL(r.area_per_mac_um2, 60000 * 0.0032 * 2.1 / 0.5, 1e-12);
    /* too few for the clock: refused naming the clock */
    s.pipeline_stages = 3;
    CHECK_EQ_INT(rg_silicon_derive(&s, &t, &a, &r, NULL, &err), RG_ERANGE);
    CHECK_STR(err.field, "hardware.silicon.clock_ghz");
    CHECK(strstr(err.msg, "needs 4 pipeline stages") != NULL);
    /* a slow clock: one stage, no pipeline assumption read */
    memset(used, 0, sizeof used);
    s = chip("fp8_e4m3", 7, 0.9, 400);
    CHECK_EQ_INT(rg_silicon_derive(&s, &t, &a, &r, used, &err), 0);
    CHECK_EQ_INT(r.pipeline_stages, 1);
    CHECK_REL(r.area_per_mac_um2, 384, 1e-12);
    CHECK(!used[RG_A_PIPELINE_OVERHEAD] && !used[RG_A_PIPELINE_UNSPLIT]);
    /* the unsplit part alone exceeds the period: no stage count reaches it */
    s = chip("fp8_e4m3", 7, 3.0, 400);
    CHECK_EQ_INT(rg_silicon_derive(&s, &t, &a, &r, NULL, &err), RG_ERANGE);
    CHECK_STR(err.field, "hardware.silicon.clock_ghz");
    CHECK(strstr(err.msg, "out of reach") != NULL);
    s = chip("fp8_e4m3", 7, 1.8, 400);
    s.pipeline_stages = 65;
    CHECK_EQ_INT(rg_silicon_derive(&s, &t, &a, &r, NULL, &err), RG_ERANGE);
    CHECK_STR(err.field, "hardware.silicon.pipeline_stages");
}

static void test_runs(void) {
    int e4m3 = rg_format_find("fp8_e4m3"), mx4 = rg_format_find("mxfp4"), i8 = rg_format_find("int8");
    CHECK(rg_silicon_runs(e4m3, rg_format_find("fp8_e4m3")));
    CHECK(rg_silicon_runs(e4m3, rg_format_find("fp4_e2m1")));
    CHECK(rg_silicon_runs(e4m3, rg_format_find("fp6_e2m3")));
    CHECK(!rg_silicon_runs(e4m3, rg_format_find("fp8_e5m2")));
    CHECK(!rg_silicon_runs(e4m3, rg_format_find("bf16")));
    CHECK(!rg_silicon_runs(e4m3, rg_format_find("int8")));
    CHECK(!rg_silicon_runs(e4m3, rg_format_find("mxfp4"))); /* no block scales in a plain lane */
    CHECK(rg_silicon_runs(mx4, rg_format_find("mxfp4")));
    CHECK(rg_silicon_runs(mx4, rg_format_find("fp4_e2m1")));
    CHECK(!rg_silicon_runs(mx4, rg_format_find("nvfp4")));
    CHECK(!rg_silicon_runs(mx4, rg_format_find("mxfp8_e4m3")));
    CHECK(rg_silicon_runs(i8, rg_format_find("int8")));
    CHECK(!rg_silicon_runs(i8, rg_format_find("fp4_e2m1")));
    CHECK(rg_silicon_runs(rg_format_find("bf16"), rg_format_find("fp8_e4m3")));
}

static void expect_err(rg_silicon s, const rg_assumptions *a, int code, const char *field) {
    rg_ppa t = table();
    rg_silicon_result r;
    rg_err err = {0};
    CHECK_EQ_INT(rg_silicon_derive(&s, &t, a, &r, NULL, &err), code);
    CHECK_STR(err.field, field);
}

static void test_bad_input(void) {
    rg_assumptions a = scaling();
    expect_err(chip("fp8_e4m3", 7, 1.8, 0), &a, RG_ERANGE, "hardware.silicon.matrix_area_mm2");
    expect_err(chip("fp8_e4m3", 7, 1.8, -4), &a, RG_ERANGE, "hardware.silicon.matrix_area_mm2");
    expect_err(chip("fp8_e4m3", 7, 0, 400), &a, RG_ERANGE, "hardware.silicon.clock_ghz");
    expect_err(chip("fp8_e4m3", 7, -1, 400), &a, RG_ERANGE, "hardware.silicon.clock_ghz");
    expect_err(chip("fp8_e4m3", 6, 1.8, 400), &a, RG_ERANGE, "hardware.silicon.node_nm");
    expect_err(chip("fp32", 7, 1.8, 400), &a, RG_EUNKNOWN, "hardware.silicon.mac_format");
    rg_assumptions z = a;
    z.v[RG_A_NODE_AREA_7] = 0;
    expect_err(chip("fp8_e4m3", 7, 1.8, 400), &z, RG_ERANGE, "node_area_factor_7nm");
    z = a;
    z.v[RG_A_LANE_AREA_UTILIZATION] = 1.5;
    expect_err(chip("fp8_e4m3", 7, 1.8, 400), &z, RG_ERANGE, "lane_area_utilization");
    /* disabled silicon derives nothing and never fails */
    rg_silicon off = chip("fp8_e4m3", 6, -1, -1);
    off.enabled = false;
    expect_err(off, &a, 0, "");
}

/* A spec on the lanes: the derived peak replaces the preset's. */
static rg_spec silicon_spec(const rg_ppa *t, const char *lane, double ghz) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_PREFILL, 8, 2048);
    s.assumptions = scaling();
    s.assumptions.v[RG_A_MATMUL_HALF_FLOPS] = 0;
    s.hw.mem_bw = 1e18; /* every matmul stays compute-bound at both clocks */
    s.hw.vector_flops = 1e21;
    s.hw.silicon = chip(lane, 7, ghz, 400);
    s.numerics.math = rg_format_find("fp8_e4m3");
    s.ppa = t;
    return s;
}

static void test_prefill_scales(void) {
    rg_ppa t = table();
    static rg_result r1, r2;
    rg_err err = {0};
    rg_spec s1 = silicon_spec(&t, "fp8_e4m3", 1.0), s2 = silicon_spec(&t, "fp8_e4m3", 2.0);
    CHECK_EQ_INT(rg_evaluate(&s1, &r1, &err), 0);
    CHECK_EQ_INT(rg_evaluate(&s2, &r2, &err), 0);
    CHECK(r1.silicon.enabled);
    CHECK_REL(r2.silicon.matrix_flops, 2.0 * r1.silicon.matrix_flops, 1e-15);
    CHECK_REL(r1.breakdown.compute_s / r2.breakdown.compute_s, 2.0, 1e-12);
    CHECK_REL(r1.time_s / r2.time_s, 2.0, 1e-3);
    CHECK(r1.breakdown.memory_s < 1e-3 * r1.breakdown.compute_s);
    CHECK(r1.used[RG_A_NODE_AREA_7] && r1.used[RG_A_NODE_ENERGY_7]);
    /* the matrix energy is MACs executed x energy per MAC; the clock does not change it */
    CHECK_REL(r1.energy.part_j[RG_EPART_MATRIX], r2.energy.part_j[RG_EPART_MATRIX], 1e-12);
    CHECK_REL(r1.energy.energy_per_mac_pj, r1.silicon.energy_per_mac_pj, 0);
    CHECK_REL(r1.mfu, r1.flops / (r1.time_s * r1.silicon.matrix_flops), 1e-12);
}

static void test_spec_errors(void) {
    rg_ppa t = table();
    static rg_result r;
    rg_err err = {0};
    rg_spec s = silicon_spec(&t, "fp8_e4m3", 1.8);
    s.numerics.math = rg_format_find("bf16");
    CHECK_EQ_INT(rg_evaluate(&s, &r, &err), RG_ERANGE);
    CHECK_STR(err.field, "numerics.math");
    CHECK_EQ_INT(rg_spec_validate(&s, &err), RG_ERANGE);
    s.numerics.math = rg_format_find("fp4_e2m1"); /* narrower: runs at the lane's rate */
    CHECK_EQ_INT(rg_evaluate(&s, &r, &err), 0);
    s.ppa = NULL;
    CHECK_EQ_INT(rg_evaluate(&s, &r, &err), RG_EINTERNAL);
    CHECK_STR(err.field, "hardware.silicon");
}

int main(void) {
    test_hand();
    test_block_lane();
    test_lane_ratio();
    test_runs();
    test_pipeline();
    test_bad_input();
    test_prefill_scales();
    test_spec_errors();
    return tu_status("test_silicon");
}
