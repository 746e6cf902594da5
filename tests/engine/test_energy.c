/* test_energy.c: the energy of a step by parts (engine/energy.h): a
 * hand-calculated step, parts that add up to the total on single-chip and
 * sharded steps, energy per token for each phase, collective bytes per link
 * level against the ring volumes, and the TDP-based matrix energy of a
 * preset chip. */
#include "collectives.h"
#include "engine.h"
#include "fixtures.h"
#include "testutil.h"

static rg_assumptions costs(void) {
    rg_assumptions a = fx_ideal();
    a.v[RG_A_HBM_PJ_PER_BIT] = 4;
    a.v[RG_A_SRAM_PJ_PER_BIT] = 0.5;
    a.v[RG_A_SRAM_OPERAND_REUSE] = 64;
    a.v[RG_A_SCALEUP_PJ_PER_BIT] = 1;
    a.v[RG_A_SCALEOUT_PJ_PER_BIT] = 20;
    a.v[RG_A_STATIC_POWER_FRACTION] = 0.1;
    a.v[RG_A_MATRIX_POWER_FRACTION] = 0.5;
    return a;
}

/* Per chip: 2e12 matrix FLOPs = 1e12 MACs, 1e9 bytes, 1e8 bytes scale-up,
 * 1e7 scale-out, 1 s, 2 chips, 1000 tokens, fp8 operands (1 byte), TDP
 * 1000 W, peak 1e15 FLOP/s. By hand, all chips:
 *   energy/MAC  0.5 x 1000 / (1e15 / 2) = 1e-12 J = 1 pJ
 *   matrix      2 x 1e12 x 1 pJ                      = 2 J
 *   hbm         2 x 1e9 x 8 x 4 pJ                    = 0.064 J
 *   sram        2 x (2e9 + 1e12 x 2 x 1 / 64) x 8 x 0.5 pJ = 2 x 3.325e10 x 4e-12 = 0.266 J
 *   scaleup     2 x 1e8 x 8 x 1 pJ                    = 0.0016 J
 *   scaleout    2 x 1e7 x 8 x 20 pJ                   = 0.0032 J
 *   static      2 x 0.1 x 1000 W x 1 s                = 200 J
 * total 202.3348 J, 0.2023348 J per token, 101.1674 W per chip. */
static void test_hand(void) {
    rg_assumptions a = costs();
    rg_energy_in in = {2e12, 1e9, 1e8, 1e7, 1.0, 2.0, 1000.0, 1e15, 1000.0, 1.0, NULL};
    rg_energy e;
    uint8_t used[RG_A_COUNT] = {0};
    rg_energy_compute(&in, &a, &e, used);
    CHECK_REL(e.energy_per_mac_pj, 1.0, 1e-12);
    CHECK_REL(e.part_j[RG_EPART_MATRIX], 2.0, 1e-12);
    CHECK_REL(e.part_j[RG_EPART_HBM], 0.064, 1e-12);
    CHECK_REL(e.part_j[RG_EPART_SRAM], 0.266, 1e-12);
    CHECK_REL(e.part_j[RG_EPART_SCALEUP], 0.0016, 1e-12);
    CHECK_REL(e.part_j[RG_EPART_SCALEOUT], 0.0032, 1e-12);
    CHECK_REL(e.part_j[RG_EPART_STATIC], 200.0, 1e-12);
    CHECK_REL(e.energy_j, 202.3348, 1e-12);
    CHECK_REL(e.energy_per_token_j, 0.2023348, 1e-12);
    CHECK_REL(e.avg_power_w, 101.1674, 1e-12);
    CHECK_REL(e.matrix_power_w, 500.0, 1e-12);
    CHECK_REL(e.static_power_w, 100.0, 1e-12);
    CHECK(used[RG_A_HBM_PJ_PER_BIT] && used[RG_A_SCALEUP_PJ_PER_BIT] && used[RG_A_SCALEOUT_PJ_PER_BIT]);
    CHECK(used[RG_A_MATRIX_POWER_FRACTION] && used[RG_A_STATIC_POWER_FRACTION]);
    /* a silicon matrix unit supplies its own energy per MAC and power */
    rg_silicon_result si = {.enabled = true, .energy_per_mac_pj = 0.25, .matrix_power_w = 321};
    in.silicon = &si;
    memset(used, 0, sizeof used);
    rg_energy_compute(&in, &a, &e, used);
    CHECK_REL(e.part_j[RG_EPART_MATRIX], 0.5, 1e-12);
    CHECK_REL(e.matrix_power_w, 321, 0);
    CHECK(!used[RG_A_MATRIX_POWER_FRACTION]);
}

static double parts_sum(const rg_energy *e) {
    double s = 0;
    for (int p = 0; p < RG_EPART_COUNT; p++)
        s += e->part_j[p];
    return s;
}

static void check_adds_up(rg_spec *s, double tokens) {
    static rg_result r;
    rg_err err = {0};
    s->assumptions = costs();
    s->hw.tdp_w = 400;
    CHECK_EQ_INT(rg_evaluate(s, &r, &err), 0);
    CHECK(r.energy.energy_j > 0);
    CHECK_REL(parts_sum(&r.energy), r.energy.energy_j, 1e-15);
    CHECK_REL(r.energy.energy_per_token_j, r.energy.energy_j / tokens, 1e-15);
    CHECK_REL(r.energy.part_j[RG_EPART_STATIC], 0.1 * 400 * r.time_s * (double)r.chips, 1e-12);
    CHECK_REL(r.energy.part_j[RG_EPART_HBM], r.bytes * 8 * 4e-12, 1e-9);
    CHECK(r.energy.part_j[RG_EPART_MATRIX] > 0);
}

static void test_adds_up(void) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_PREFILL, 8, 2048);
    check_adds_up(&s, 8.0 * 2048);
    s = fx_spec(fx_llama3_8b(), RG_PHASE_DECODE, 64, 4096);
    check_adds_up(&s, 64.0);
    /* sharded training: tp 8 inside a DGX, dp 4 across: both link levels carry bytes */
    s = fx_spec(fx_llama3_70b(), RG_PHASE_TRAIN, 32, 4096);
    s.par.tp = 8;
    s.par.dp = 4;
    s.par.microbatch = 1;
    s.par.sequence_parallel = true;
    check_adds_up(&s, 32.0 * 4096);
    static rg_result r;
    rg_err err = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &r, &err), 0);
    CHECK(r.energy.part_j[RG_EPART_SCALEUP] > 0);
    CHECK(r.energy.part_j[RG_EPART_SCALEOUT] > 0);
}

/* Ring volumes (collectives.h): all-reduce 2(n-1)/n S, all-gather (n-1)/n S,
 * all-to-all (n-1)/n S; hierarchical all-reduce over 4 domains of 8 sends
 * 2 x 7/8 S inside and 2 x 3/4 x S/8 across. */
static void test_coll_bytes(void) {
    double up, out, S = 1024;
    rg_group in8 = {8, 8, 1}, across4 = {4, 1, 4}, both = {32, 8, 4};
    rg_energy_coll_bytes(RG_COMM_ALL_REDUCE, &in8, S, &up, &out);
    CHECK_REL(up, 2.0 * 7 / 8 * S, 1e-15);
    CHECK_REL(out, 0, 0);
    rg_energy_coll_bytes(RG_COMM_ALL_GATHER, &across4, S, &up, &out);
    CHECK_REL(out, 3.0 / 4 * S, 1e-15);
    CHECK_REL(up, 0, 0);
    rg_energy_coll_bytes(RG_COMM_ALL_REDUCE, &both, S, &up, &out);
    CHECK_REL(up, 2.0 * 7 / 8 * S, 1e-15);
    CHECK_REL(out, 2.0 * 3 / 4 * S / 8, 1e-15);
    rg_energy_coll_bytes(RG_COMM_REDUCE_SCATTER, &both, S, &up, &out);
    CHECK_REL(up + out, 31.0 / 32 * S, 1e-15);
    rg_energy_coll_bytes(RG_COMM_ALL_TO_ALL, &both, S, &up, &out);
    CHECK_REL(up, 7.0 / 32 * S, 1e-15);
    CHECK_REL(out, 24.0 / 32 * S, 1e-15);
    rg_energy_coll_bytes(RG_COMM_SEND_RECV, &across4, S, &up, &out);
    CHECK_REL(out, S, 0);
    rg_energy_coll_bytes(RG_COMM_SEND_RECV, &in8, S, &up, &out);
    CHECK_REL(up, S, 0);
}

int main(void) {
    test_hand();
    test_adds_up();
    test_coll_bytes();
    return tu_status("test_energy");
}
