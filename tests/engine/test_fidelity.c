/* test_fidelity.c: the mechanisms that bring a step closer to what a real
 * software stack runs, each counted by hand against its source:
 * - Megatron sequence parallelism: per layer and micro-step, 2 all-gathers
 *   + 2 reduce-scatters forward, their conjugates backward, plus the
 *   backward re-gather of each block's layer-norm output (Korthikanti et al.
 *   2022, "Reducing Activation Recomputation in Large Transformer Models",
 *   sec. 4.2.2): 6 all-gathers and 4 reduce-scatters per layer;
 * - pipeline scatter/gather (Narayanan et al. 2021, sec. 4.1): 1/tp of the
 *   activation per send, re-assembled by a tensor-parallel all-gather;
 * - the interleaved 1F1B bubble with fewer micro-batches than stages;
 * - collectives priced by kind, NCCL's bus-bandwidth convention;
 * - GEMM tile and wave quantisation (NVIDIA Deep Learning Performance
 *   Guide, "Matrix Multiplication Background": 108 SMs of an A100);
 * - uneven pipeline stages (Dubey et al. 2024, Llama 3, sec. 3.3.2). */
#include <stdlib.h>
#include <string.h>

#include "../testutil.h"
#include "collectives.h"
#include "fixtures.h"
#include "roofline.h"

static rg_result res;

/* Llama 3 8B, 4 sequences of 2048 tokens, micro-batch 1 (4 micro-steps),
 * tp 8 inside one DGX, 32 layers. */
static rg_spec tp_spec(void) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_TRAIN, 4, 2048);
    s.par.tp = 8;
    s.par.microbatch = 1;
    return s;
}

static void test_sp_counts(void) {
    rg_spec s = tp_spec();
    s.par.sequence_parallel = true;
    s.assumptions.v[RG_A_SP_REGATHER] = 1.0;
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    rg_link up = {300e9, 5e-6}; /* fx_dgx scale-up */
    double bytes = 2048.0 * 4096 * 2, ag = rg_coll_ring_all_gather(&up, 8, bytes);
    double rs = rg_coll_ring_reduce_scatter(&up, 8, bytes), per = 32.0 * 4.0; /* layers x micro-steps */
    /* forward g, g (AG) + backward of the two g-bar (AG) + 2 re-gathers = 6; RS: 2 fwd + 2 bwd */
    CHECK_REL(res.breakdown.comm_s[RG_COMM_ALL_GATHER], 6.0 * per * ag, 1e-9);
    CHECK_REL(res.breakdown.comm_s[RG_COMM_REDUCE_SCATTER], 4.0 * per * rs, 1e-9);
    CHECK(res.breakdown.comm_s[RG_COMM_ALL_REDUCE] == 0.0);
    CHECK(res.used[RG_A_SP_REGATHER]);
    double with = res.time_s;
    /* a stack that keeps the gathered output: 4 and 4 */
    s.assumptions.v[RG_A_SP_REGATHER] = 0.0;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_REL(res.breakdown.comm_s[RG_COMM_ALL_GATHER], 4.0 * per * ag, 1e-9);
    CHECK(res.time_s < with);
    /* full recompute re-runs the forward collectives: 2 + 2 + 2 + 2 AG, 6 RS */
    s.assumptions.v[RG_A_SP_REGATHER] = 1.0;
    s.par.recompute = RG_RECOMPUTE_FULL;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_REL(res.breakdown.comm_s[RG_COMM_ALL_GATHER], 8.0 * per * ag, 1e-9);
    CHECK_REL(res.breakdown.comm_s[RG_COMM_REDUCE_SCATTER], 6.0 * per * rs, 1e-9);
    /* inference has no backward pass: 2 and 2 */
    s.phase = RG_PHASE_PREFILL;
    s.batch = 1;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_REL(res.breakdown.comm_s[RG_COMM_ALL_GATHER], 2.0 * 32 * ag, 1e-9);
    /* without SP: 2 all-reduces forward + 2 backward per layer (Shoeybi et al. 2019) */
    s = tp_spec();
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double ar = rg_coll_ring_all_reduce(&up, 8, bytes), tree = rg_coll_tree_all_reduce(&up, 8, bytes);
    CHECK_REL(res.breakdown.comm_s[RG_COMM_ALL_REDUCE], 4.0 * per * (ar < tree ? ar : tree), 1e-9);
}

/* tp 8 x pp 2 = two DGX nodes: the pipeline send crosses scale-out. */
static void test_pp_scatter_gather(void) {
    rg_spec s = tp_spec();
    s.par.pp = 2;
    rg_err e = {0};
    rg_link up = {300e9, 5e-6}, out = {25e9, 10e-6};  /* fx_dgx */
    double full = 2048.0 * 4096 * 2, sends = 2.0 * 4; /* fwd + bwd per micro-step */
    s.assumptions.v[RG_A_PP_SCATTER_GATHER] = 1.0;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_REL(res.breakdown.comm_s[RG_COMM_SEND_RECV], sends * rg_coll_send_recv(&out, full / 8), 1e-9);
    CHECK_REL(res.breakdown.comm_s[RG_COMM_ALL_GATHER], sends * rg_coll_ring_all_gather(&up, 8, full), 1e-9);
    CHECK(res.used[RG_A_PP_SCATTER_GATHER]);
    s.assumptions.v[RG_A_PP_SCATTER_GATHER] = 0.0;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_REL(res.breakdown.comm_s[RG_COMM_SEND_RECV], sends * rg_coll_send_recv(&out, full), 1e-9);
    CHECK(res.breakdown.comm_s[RG_COMM_ALL_GATHER] == 0.0);
}

/* pp 4, interleave 2, 2 micro-batches: the fill/drain (pp-1) chunk slots
 * plus (v-1)(pp-m) slots waiting for the first micro-batch of the second
 * chunk round: (3 + 2) / 2 micro-batch times. With 8 micro-batches: 3/2. */
static void test_bubble_short(void) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_TRAIN, 2, 2048);
    s.par.pp = 4;
    s.par.microbatch = 1;
    s.par.interleave = 2;
    rg_err e = {0};
    for (int b = 2; b <= 8; b += 6) {
        s.batch = b;
        CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
        double opt = 0;
        for (int i = 0; i < res.n_ops; i++)
            if (res.ops[i].pass == RG_PASS_OPTIMIZER)
                opt += res.ops[i].count * res.ops[i].time_s;
        double t_mb = (res.breakdown.compute_s + res.breakdown.memory_s - opt) / b;
        CHECK_REL(res.breakdown.bubble_s, (b == 2 ? 5.0 : 3.0) / 2.0 * t_mb, 1e-9);
    }
}

/* Per-kind efficiency and latency; NCCL's busbw = S/t x factor equals the
 * link bandwidth x the kind's efficiency for large messages. */
static void test_kinds(void) {
    rg_net net = {.up = {300e9, 0.0}, .out = {25e9, 0.0}, .domain = 8};
    rg_group g = rg_coll_place(8, 1, 8);
    double S = 1e9;
    double base = rg_coll_time(&net, RG_COMM_ALL_GATHER, &g, S);
    CHECK_REL(S / base * rg_coll_busbw_factor(RG_COMM_ALL_GATHER, 8), 300e9, 1e-12);
    net.kind_eff[RG_COMM_ALL_GATHER] = 0.5;
    net.kind_latency[RG_COMM_ALL_GATHER] = 20e-6;
    CHECK_REL(rg_coll_time(&net, RG_COMM_ALL_GATHER, &g, S), 2.0 * base + 20e-6, 1e-12);
    /* other kinds untouched */
    CHECK_REL(S / rg_coll_time(&net, RG_COMM_REDUCE_SCATTER, &g, S) * 7.0 / 8.0, 300e9, 1e-12);
    CHECK_REL(rg_coll_busbw_factor(RG_COMM_ALL_REDUCE, 8), 1.75, 1e-15);
    CHECK_REL(rg_coll_busbw_factor(RG_COMM_ALL_TO_ALL, 4), 0.75, 1e-15);
    CHECK_REL(rg_coll_busbw_factor(RG_COMM_SEND_RECV, 2), 1.0, 1e-15);
    /* the evaluation reads the kind's assumptions */
    rg_spec s = tp_spec();
    s.par.sequence_parallel = true;
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double rs = res.breakdown.comm_s[RG_COMM_REDUCE_SCATTER];
    s.assumptions.v[RG_A_REDUCE_SCATTER_LAT] = 10e-6;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_REL(res.breakdown.comm_s[RG_COMM_REDUCE_SCATTER], rs + 4.0 * 32 * 4 * 10e-6, 1e-9);
    CHECK(res.used[RG_A_REDUCE_SCATTER_LAT] && res.used[RG_A_REDUCE_SCATTER_EFF]);
    CHECK(!res.used[RG_A_ALL_TO_ALL_EFF]);
    CHECK(!res.used[RG_A_REDUCE_SCATTER_STEP_LAT]); /* 0: the link's latency, not an assumption used */
}

/* A kind's step latency replaces the link's in its alpha-beta terms: a ring
 * all-gather of 8 ranks has 7 steps, a tree all-reduce of 8 ranks 2 x 3
 * levels (and the ring 2 x 7); the fixed cost per call stays once. */
static void test_step_latency(void) {
    rg_net net = {.up = {300e9, 3e-6}, .out = {25e9, 5e-6}, .domain = 8};
    rg_group g = rg_coll_place(8, 1, 8);
    double S = 1e3; /* latency-bound */
    double ag = rg_coll_time(&net, RG_COMM_ALL_GATHER, &g, S);
    CHECK_REL(ag, 7 * 3e-6 + 7.0 / 8.0 * S / 300e9, 1e-12);
    net.kind_step_latency[RG_COMM_ALL_GATHER] = 1e-6;
    net.kind_latency[RG_COMM_ALL_GATHER] = 10e-6;
    CHECK_REL(rg_coll_time(&net, RG_COMM_ALL_GATHER, &g, S), 10e-6 + 7 * 1e-6 + 7.0 / 8.0 * S / 300e9, 1e-12);
    /* all-reduce: min(ring 2 x 7 steps, tree 2 x 3 levels) at the kind's step latency */
    net.kind_step_latency[RG_COMM_ALL_REDUCE] = 2e-6;
    CHECK_REL(rg_coll_time(&net, RG_COMM_ALL_REDUCE, &g, S), 2 * 3 * 2e-6 + 2.0 * S / 300e9, 1e-12);
    /* other kinds keep the link's */
    CHECK_REL(rg_coll_time(&net, RG_COMM_REDUCE_SCATTER, &g, S), ag, 1e-12);
    /* the evaluation reads it and lists it once set */
    rg_spec s = tp_spec();
    s.par.sequence_parallel = true;
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double t0 = res.breakdown.comm_s[RG_COMM_ALL_GATHER];
    s.assumptions.v[RG_A_ALL_GATHER_STEP_LAT] = s.system.scaleup_latency;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_REL(res.breakdown.comm_s[RG_COMM_ALL_GATHER], t0, 1e-12);
    CHECK(res.used[RG_A_ALL_GATHER_STEP_LAT]);
    s.assumptions.v[RG_A_ALL_GATHER_STEP_LAT] = 2.0 * s.system.scaleup_latency;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK(res.breakdown.comm_s[RG_COMM_ALL_GATHER] > t0);
}

/* Tile and wave quantisation on 108 SMs with 128 x 128 tiles. */
static void test_gemm_quantisation(void) {
    rg_roof r;
    memset(&r, 0, sizeof r);
    r.cores = 108;
    r.tile_m = r.tile_n = 128;
    r.split_k_min = 256;
    r.mm_peak = 312e12;
    r.mm_eff = 1.0;
    /* 9 x 12 = 108 tiles: one full wave */
    CHECK_REL(rg_gemm_utilization(&r, 1152, 1536, 4096, 1), 1.0, 1e-12);
    /* one column more: 9 x 13 = 117 tiles, two waves, the last column tile 1/128 full */
    CHECK_REL(rg_gemm_utilization(&r, 1152, 1537, 4096, 1), (1537.0 / 1664.0) * (117.0 / 216.0), 1e-12);
    /* one tile: K = 4096 splits into 16 slices of 256 */
    CHECK_REL(rg_gemm_utilization(&r, 128, 128, 4096, 1), 16.0 / 108.0, 1e-12);
    /* a 64-row product gets a 64-row tile */
    CHECK_REL(rg_gemm_utilization(&r, 64, 128 * 108, 4096, 1), 1.0, 1e-12);
    /* not modelled without cores */
    r.cores = 0;
    CHECK_REL(rg_gemm_utilization(&r, 100, 100, 100, 1), 1.0, 1e-15);
    r.cores = 108;
    /* backward = data gradient (M x N by N x K) + weight gradient (K x M by M x N) */
    double fwd = rg_gemm_compute_s(&r, 1152, 4096, 1537, 1, RG_GEMM_FWD);
    CHECK_REL(fwd, 2.0 * 1152 * 4096 * 1537 / (312e12 * (1537.0 / 1664.0) * (117.0 / 216.0)), 1e-12);
    double bwd = rg_gemm_compute_s(&r, 1152, 4096, 1537, 1, RG_GEMM_BWD);
    double dgrad = 2.0 * 1152 * 4096 * 1537 / (312e12 * rg_gemm_utilization(&r, 1152, 4096, 1537, 1));
    double wgrad = 2.0 * 1152 * 4096 * 1537 / (312e12 * rg_gemm_utilization(&r, 4096, 1537, 1152, 1));
    CHECK_REL(bwd, dgrad + wgrad, 1e-12);
    /* a spec with matrix_cores slows (never speeds) its matmuls */
    rg_spec s = tp_spec();
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double ideal = res.breakdown.compute_s;
    s.hw.matrix_cores = 108;
    s.assumptions.v[RG_A_GEMM_TILE_M] = s.assumptions.v[RG_A_GEMM_TILE_N] = 128;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK(res.breakdown.compute_s >= ideal);
    CHECK(res.used[RG_A_GEMM_TILE_M]);
}

/* 32 layers on 4 stages: 7 first, 7 last, 9 on each middle stage. */
static void test_uneven_stages(void) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_TRAIN, 8, 2048);
    s.par.pp = 4;
    s.par.microbatch = 1;
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double even = res.time_s;
    s.stages = (rg_stages){7, 7};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    /* the 128k-entry LM head weighs about 2.4 layers: 8 layers + head on the
     * last stage outweigh 9 layers in the middle, so the split is faster */
    double uneven = res.time_s;
    CHECK(uneven < even);
    s.stages = (rg_stages){5, 11};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK(res.time_s > even); /* 11 layers + the head on the last stage */
    s.stages = (rg_stages){7, 0};
    CHECK(rg_evaluate(&s, &res, &e) < 0);
    CHECK_STR(e.field, "parallelism.first_stage_layers");
    s.par.pp = 2;
    s.stages = (rg_stages){15, 15};
    CHECK(rg_evaluate(&s, &res, &e) < 0);
    s.stages = (rg_stages){15, 17};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
}

/* Gradient accumulation without fusion (Megatron-LM's local DDP before
 * --gradient-accumulation-fusion: main_grad.add_(grad) after every
 * micro-batch): one memory op per micro-batch over all the stage's
 * parameters, reading the fresh gradient (weights format) and reading and
 * writing the buffer (grads format). Fused (the default): no such op. */
static void test_grad_accum(void) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_TRAIN, 4, 2048);
    s.par.microbatch = 1;
    s.assumptions.v[RG_A_GRAD_ACCUM_FUSION] = 1.0;
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double fused = res.time_s, params = res.params;
    for (int i = 0; i < res.n_ops; i++)
        CHECK(strcmp(res.ops[i].name, "grad_accum") != 0);
    CHECK(res.used[RG_A_GRAD_ACCUM_FUSION]);
    s.assumptions.v[RG_A_GRAD_ACCUM_FUSION] = 0.0;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    int found = 0;
    for (int i = 0; i < res.n_ops; i++) {
        const rg_op *op = &res.ops[i];
        if (strcmp(op->name, "grad_accum") != 0)
            continue;
        found++;
        CHECK_REL(op->count, 4.0, 1e-12); /* 4 micro-batches of 1 */
        double b = rg_format_bytes(s.numerics.weights) + 2.0 * rg_format_bytes(s.numerics.grads);
        CHECK_REL(op->bytes, params * b, 1e-9);
        CHECK_REL(res.time_s - fused, op->count * op->time_s, 1e-9);
    }
    CHECK_EQ_INT(found, 1);
}

int main(void) {
    test_sp_counts();
    test_pp_scatter_gather();
    test_bubble_short();
    test_kinds();
    test_step_latency();
    test_gemm_quantisation();
    test_uneven_stages();
    test_grad_accum();
    return tu_status("test_fidelity");
}
