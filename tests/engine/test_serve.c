/* test_serve.c: the serving simulation (engine/serve.c) and the mixed-step
 * hook of the roofline it prices steps with.
 *
 * - a mixed step of one kind is exactly the prefill / decode step Ridge
 *   already computes, and the cached decomposition equals the whole mix;
 * - queueing theory: with one sequence per step and a fixed step time D the
 *   scheduler is an M/D/1 queue, whose mean number in system is
 *   L = rho + rho^2 / (2 (1 - rho)) and mean wait Wq = rho D / (2 (1 - rho))
 *   (Pollaczek-Khinchine mean-value formula; Kleinrock, "Queueing Systems,
 *   Vol. 1: Theory", Wiley 1975, sec. 5.6); Little's law L = lambda W
 *   (Little, Operations Research 9(3), 1961) on roofline-driven runs;
 * - hand-computed three-request traces, with and without chunked prefill,
 *   speculative rounds and a disaggregated transfer;
 * - vanishing load: TTFT is one prefill step and TPOT the batch-1 decode
 *   steps of rg_evaluate; the same seed gives the same bits. */
#include <math.h>
#include <stdlib.h>

#include "../testutil.h"
#include "evaluate.h"
#include "fixtures.h"
#include "serve.h"
#include "serve_search.h"

static rg_result res, res2;
static rg_serving_result sr, sr2;

/* H100 SXM5 80GB: NVIDIA H100 Tensor Core GPU Architecture whitepaper (2022),
 * dense BF16 989.4 TFLOP/s, HBM3 3.35 TB/s, 80 GB. */
static rg_hardware h100(void) {
    rg_hardware h;
    memset(&h, 0, sizeof h);
    strncpy(h.name, "h100-sxm", sizeof h.name - 1);
    h.matrix_flops[RG_MATH_BF16] = 989.4e12;
    h.vector_flops = 66.9e12;
    h.mem_bytes = 80e9;
    h.mem_bw = 3.35e12;
    h.sram_bytes = 50e6;
    return h;
}

static rg_spec spec_for(rg_model m, rg_phase phase, int64_t batch, int64_t seq) {
    rg_spec s = fx_spec(m, phase, batch, seq);
    s.hw = h100();
    CHECK_EQ_INT(fx_data_defaults(&s.assumptions), 0);
    return s;
}

static double eval_time(rg_spec s) {
    rg_err e = {0};
    int rc = rg_evaluate_ex(&s, &res, RG_EVAL_NO_OPS, &e);
    CHECK_MSG(rc == 0, "%s: %s", e.field, e.msg);
    return res.time_s;
}

/* Dynamic energy of one step (all but the static power x time). */
static double eval_dyn_j(rg_spec s) {
    rg_err e = {0};
    int rc = rg_evaluate_ex(&s, &res2, RG_EVAL_NO_OPS, &e);
    CHECK_MSG(rc == 0, "%s: %s", e.field, e.msg);
    return res2.energy.energy_j - res2.energy.part_j[RG_EPART_STATIC];
}

static double mix_time(const rg_spec *s, const rg_mix *mx) {
    rg_err e = {0};
    int rc = rg_evaluate_mix(s, mx, &res2, RG_EVAL_NO_OPS, &e);
    CHECK_MSG(rc == 0, "%s: %s", e.field, e.msg);
    return res2.time_s;
}

/* A mix of one kind is the uniform step: prefill of b x s tokens (causal
 * pairs s (s + 1) / 2 per sequence) and decode of b sequences at context S. */
static void test_mix_is_uniform(void) {
    rg_model models[2] = {fx_llama3_8b(), fx_deepseek_v3()};
    for (int k = 0; k < 2; k++)
        for (int flash = 0; flash < 2; flash++) {
            rg_spec s = spec_for(models[k], RG_PHASE_PREFILL, 2, 512);
            s.assumptions.v[RG_A_FLASH_ATTENTION] = flash;
            rg_mix mx;
            memset(&mx, 0, sizeof mx);
            mx.prefill = (rg_mix_part){2, 1024, 2 * 512.0 * 513 / 2, 2 * 512.0 * 512, 0};
            mx.logits = 2;
            CHECK_REL(mix_time(&s, &mx), eval_time(s), 1e-12);
            s.phase = RG_PHASE_DECODE;
            s.batch = 8;
            s.seq_len = 1000;
            memset(&mx, 0, sizeof mx);
            mx.decode = (rg_mix_part){8, 8, 8000, 8000, 8000};
            mx.logits = 8;
            CHECK_REL(mix_time(&s, &mx), eval_time(s), 1e-12);
        }
}

/* The serving cache's decomposition: t(mix) = t(mix without core) +
 * pp x layers x core op times, for a mixed step on tp 2 x pp 2. */
static void test_decomposition(void) {
    rg_model models[2] = {fx_llama3_70b(), fx_deepseek_v3()};
    for (int k = 0; k < 2; k++) {
        rg_spec s = spec_for(models[k], RG_PHASE_DECODE, 1, 1);
        s.system = fx_dgx();
        s.has_system = true;
        s.par.tp = 2;
        s.par.pp = 2;
        rg_mix mx;
        memset(&mx, 0, sizeof mx);
        mx.prefill = (rg_mix_part){2, 700, 300.0 * 100 + 300.0 * 301 / 2 + 400.0 * 401 / 2,
                                   300.0 * 400 + 400.0 * 400, 100};
        mx.decode = (rg_mix_part){30, 30, 30 * 2500.0, 30 * 2500.0, 30 * 2500.0};
        mx.logits = 31;
        double whole = mix_time(&s, &mx);
        mx.skip_core = true;
        double base = mix_time(&s, &mx);
        rg_core_ctx c;
        rg_err e = {0};
        CHECK_EQ_INT(rg_evaluate_core_ctx(&s, &c, &e), 0);
        double core = 0.0;
        rg_core_op ops[RG_CORE_OPS_MAX];
        for (int kind = 0; kind < 2; kind++) {
            int n =
                rg_roofline_mix_core(&s.model, &c.dims, &c.shape, kind ? &mx.decode : &mx.prefill, kind, ops);
            CHECK(n == 1);
            for (int i = 0; i < n; i++) {
                double cs, ms, ts;
                rg_bound b;
                rg_roofline_time(&c.roof, ops[i].matmul, ops[i].flops, ops[i].bytes, 1, &cs, &ms, &ts, &b);
                core += ts;
            }
        }
        CHECK(core > 0.0);
        CHECK_REL(base + c.pp * c.layers * core, whole, 1e-12);
    }
}

/* Gemma-2-9B (google/gemma-2-9b config.json): 42 layers, every other one
 * local with a 4,096-token window, 8 KV heads of 256, soft-capped scores
 * (50) and logits (30). */
static rg_model gemma2(void) {
    rg_model m = fx_dense("gemma-2-9b", 42, 3584, 16, 8, 14336, 256000, true, true);
    m.head_dim = 256;
    m.sliding_window = 4096;
    m.local_layers = 21;
    m.post_norms = true;
    m.attn_softcap = 50.0;
    m.final_softcap = 30.0;
    return m;
}

/* Nemotron-H-8B (nvidia/Nemotron-H-8B-Base-8K config.json): 28 mixers, 24
 * of them Mamba-2 (128 heads of 64, state 128, 8 groups, conv 4, chunk
 * 128), 4 attention; 24 MLP blocks. */
static rg_model nemotron_h(void) {
    rg_model m = fx_dense("nemotron-h-8b", 28, 4096, 32, 8, 21504, 131072, false, false);
    m.head_dim = 128;
    m.ffn_free_layers = 4;
    m.ssm = (rg_ssm){.layers = 24,
                     .state = 128,
                     .conv = 4,
                     .inner = 8192,
                     .heads = 128,
                     .groups = 8,
                     .chunk = 128,
                     .conv_bias = true};
    return m;
}

/* Query-key products of a causal sequence of s tokens whose queries see at
 * most w keys: w (w + 1) / 2 + (s - w) w when s > w. */
static double window_pairs(double s, double w) {
    return s <= w ? 0.5 * s * (s + 1.0) : 0.5 * w * (w + 1.0) + (s - w) * w;
}

/* The layer kinds in a mix: sliding-window layers (keys bounded by the
 * window, pairs by hand), unfused soft-capped scores, Mamba-2 layers (the
 * chunked scan of prefill, the recurrence and state traffic of decode) and
 * uneven pipeline stages: a mix of one kind is the uniform step. */
static void test_mix_layer_kinds(void) {
    for (int flash = 0; flash < 2; flash++) {
        rg_spec s = spec_for(gemma2(), RG_PHASE_PREFILL, 2, 5000);
        s.assumptions.v[RG_A_FLASH_ATTENTION] = flash;
        rg_mix mx;
        memset(&mx, 0, sizeof mx);
        mx.prefill = (rg_mix_part){2, 10000, 2 * 5000.0 * 5001 / 2, 2 * 5000.0 * 5000, 0};
        mx.wprefill = mx.prefill;
        mx.wprefill.pairs = 2 * window_pairs(5000, 4096); /* 2 x 16,821,232 */
        mx.logits = 2;
        CHECK_REL(mix_time(&s, &mx), eval_time(s), 1e-12);
        /* decode at 6,000 tokens: a local layer attends the last 4,096 */
        s.phase = RG_PHASE_DECODE;
        s.batch = 8;
        s.seq_len = 6000;
        memset(&mx, 0, sizeof mx);
        mx.decode = (rg_mix_part){8, 8, 8 * 6000.0, 8 * 6000.0, 8 * 6000.0};
        mx.wdecode = (rg_mix_part){8, 8, 8 * 4096.0, 8 * 4096.0, 8 * 4096.0};
        mx.logits = 8;
        CHECK_REL(mix_time(&s, &mx), eval_time(s), 1e-12);
        /* the windowed parts matter: unbounded keys in the local layers cost more */
        mx.wdecode = mx.decode;
        CHECK(mix_time(&s, &mx) > eval_time(s) * 1.001);
    }
    rg_spec s = spec_for(nemotron_h(), RG_PHASE_PREFILL, 2, 1000);
    rg_mix mx;
    memset(&mx, 0, sizeof mx);
    mx.prefill = (rg_mix_part){2, 2000, 2 * 1000.0 * 1001 / 2, 2 * 1000.0 * 1000, 0};
    mx.wprefill = mx.prefill;
    mx.logits = 2;
    CHECK_REL(mix_time(&s, &mx), eval_time(s), 1e-12);
    s.phase = RG_PHASE_DECODE;
    s.batch = 16;
    s.seq_len = 3000;
    memset(&mx, 0, sizeof mx);
    mx.decode = (rg_mix_part){16, 16, 16 * 3000.0, 16 * 3000.0, 16 * 3000.0};
    mx.wdecode = mx.decode;
    mx.logits = 16;
    CHECK_REL(mix_time(&s, &mx), eval_time(s), 1e-12);
    /* the state traffic is per sequence: more sequences, same tokens, more time */
    double t16 = mix_time(&s, &mx);
    mx.prefill = (rg_mix_part){0};
    mx.decode.seqs = 32;
    CHECK(mix_time(&s, &mx) > t16);

    /* uneven stages: 17 + 23 + 23 + 17 layers of Llama-3-70B on pp 4 */
    s = spec_for(fx_llama3_70b(), RG_PHASE_DECODE, 8, 2000);
    s.system = fx_dgx();
    s.has_system = true;
    s.par.pp = 4;
    s.stages.first_layers = 17;
    s.stages.last_layers = 17;
    memset(&mx, 0, sizeof mx);
    mx.decode = (rg_mix_part){8, 8, 8 * 2000.0, 8 * 2000.0, 8 * 2000.0};
    mx.wdecode = mx.decode;
    mx.logits = 8;
    CHECK_REL(mix_time(&s, &mx), eval_time(s), 1e-12);
}

/* The serving cache's decomposition with layer kinds: windowed layers take
 * the windowed parts, Mamba-2 layers stay in the token part, uneven stages
 * count the busiest stage's layers. */
static void test_decomposition_kinds(void) {
    rg_model models[3] = {gemma2(), nemotron_h(), fx_llama3_70b()};
    for (int k = 0; k < 3; k++)
        for (int flash = 0; flash < 2; flash++) {
            rg_spec s = spec_for(models[k], RG_PHASE_DECODE, 1, 1);
            s.system = fx_dgx();
            s.has_system = true;
            s.par.tp = 2;
            s.par.pp = k == 2 ? 4 : 2;
            s.assumptions.v[RG_A_FLASH_ATTENTION] = flash;
            if (k == 2) {
                s.stages.first_layers = 19;
                s.stages.last_layers = 17;
            }
            rg_mix mx;
            memset(&mx, 0, sizeof mx);
            mx.prefill = (rg_mix_part){2, 700, 300.0 * 5000 + 300.0 * 301 / 2 + 400.0 * 401 / 2,
                                       300.0 * 5300 + 400.0 * 400, 5000};
            mx.decode = (rg_mix_part){30, 30, 30 * 6500.0, 30 * 6500.0, 30 * 6500.0};
            mx.wprefill = mx.prefill;
            mx.wprefill.pairs = 300.0 * 4096 + 400.0 * 401 / 2;
            mx.wprefill.cached = 4096;
            mx.wdecode = mx.decode;
            mx.wdecode.pairs = mx.wdecode.full = mx.wdecode.cached = 30 * 4096.0;
            mx.logits = 31;
            double whole = mix_time(&s, &mx);
            mx.skip_core = true;
            double base = mix_time(&s, &mx);
            rg_core_ctx c;
            rg_err e = {0};
            CHECK_EQ_INT(rg_evaluate_core_ctx(&s, &c, &e), 0);
            double core = 0.0;
            const rg_mix_part *parts[4] = {&mx.prefill, &mx.decode, &mx.wprefill, &mx.wdecode};
            rg_core_op ops[RG_CORE_OPS_MAX];
            for (int j = 0; j < 4; j++) {
                int n = rg_roofline_mix_core(&s.model, &c.dims, &c.shape, parts[j], j % 2, ops);
                CHECK(n == (flash ? 1 : k == 0 ? 4 : 3));
                for (int i = 0; i < n; i++) {
                    double cs, ms, ts;
                    rg_bound b;
                    rg_roofline_time(&c.roof, ops[i].matmul, ops[i].flops, ops[i].bytes, 1, &cs, &ms, &ts,
                                     &b);
                    core += (j < 2 ? c.layers : c.local_layers) * ts;
                }
            }
            CHECK(core > 0.0);
            CHECK(k != 0 || c.local_layers > 0.0);
            CHECK(k != 2 || c.layers == 22.0); /* 19 + 22 + 22 + 17: the busiest stage */
            CHECK_REL(base + c.pp * core, whole, 1e-12);
        }
}

/* ---- synthetic step models ---------------------------------------------- */

static int fixed_step(void *ctx, const rg_serve_step *st, double *t, rg_err *err) {
    (void)st;
    (void)err;
    *t = *(const double *)ctx;
    return 0;
}

/* 1 s for a step with prefill work, 0.1 s for a decode-only step. */
static int two_speed_step(void *ctx, const rg_serve_step *st, double *t, rg_err *err) {
    (void)ctx;
    (void)err;
    *t = st->prefill_tokens > 0 ? 1.0 : 0.1;
    return 0;
}

static rg_serving base_cfg(void) {
    rg_serving c;
    memset(&c, 0, sizeof c);
    c.arrival_cv = 1.0;
    c.max_batch = 8;
    c.max_tokens_per_step = 1000000;
    c.prompt = (rg_len){RG_LEN_FIXED, 10, 0, 0, 0};
    c.output = (rg_len){RG_LEN_FIXED, 1, 0, 0, 0};
    return c;
}

static rg_serve_env base_env(rg_serve_step_fn fn, void *ctx) {
    rg_serve_env env;
    memset(&env, 0, sizeof env);
    env.step = fn;
    env.ctx = ctx;
    env.kv_blocks[0] = env.kv_blocks[1] = 1 << 20;
    env.block_tokens = 16;
    env.kv_bytes_per_token = 1.0;
    env.swap_bw = 1e9;
    env.transfer_bw = 1e30;
    env.chips = 1;
    env.instances[0] = env.instances[1] = 1;
    return env;
}

static void test_md1(void) {
    double D = 0.01;
    double rhos[2] = {0.5, 0.8};
    for (int k = 0; k < 2; k++) {
        double rho = rhos[k];
        rg_serving c = base_cfg();
        c.max_batch = 1;
        c.rate_per_s = rho / D;
        c.requests = 400000;
        c.seed = 7;
        rg_serve_env env = base_env(fixed_step, &D);
        rg_err e = {0};
        CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr, &e), 0);
        double L = rho + rho * rho / (2.0 * (1.0 - rho));
        double W = D + rho * D / (2.0 * (1.0 - rho));
        CHECK_REL(sr.mean_in_system, L, 0.02);
        CHECK_REL(sr.e2e_s.mean, W, 0.02);
        CHECK_REL(sr.ttft_s.mean, W, 0.02); /* one output token: done at the prefill */
        CHECK_REL(sr.throughput_requests_per_s, c.rate_per_s, 0.02);
        CHECK_REL(sr.mean_in_system, sr.throughput_requests_per_s * sr.e2e_s.mean, 1e-9);
        CHECK(sr.ttft_s.p50 >= D && sr.ttft_s.p99 > sr.ttft_s.p90 && sr.ttft_s.p90 > sr.ttft_s.p50);
    }
    /* burstier arrivals (gamma gaps, cv 2) queue longer at the same load */
    rg_serving c = base_cfg();
    c.max_batch = 1;
    c.rate_per_s = 0.5 / D;
    c.requests = 100000;
    rg_serve_env env = base_env(fixed_step, &D);
    rg_err e = {0};
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr, &e), 0);
    c.arrival_cv = 2.0;
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr2, &e), 0);
    CHECK(sr2.e2e_s.mean > 1.5 * sr.e2e_s.mean);
    CHECK_REL(sr2.throughput_requests_per_s, c.rate_per_s, 0.03);
}

static void check_req_times(const rg_serving_result *s, double ttft_mean, double e2e_mean, double duration) {
    CHECK_REL(s->ttft_s.mean, ttft_mean, 1e-12);
    CHECK_REL(s->e2e_s.mean, e2e_mean, 1e-12);
    CHECK_REL(s->duration_s, duration, 1e-12);
}

/* Hand-computed traces; step time 1 s with prefill work, 0.1 s without.
 * r0 at 0 s (4 prompt, 3 output tokens), r1 at 0.5 s (4, 2), r2 at 5 s (4, 1). */
static void test_three_requests(void) {
    rg_serving c = base_cfg();
    c.n_trace = 3;
    c.trace[0] = (rg_serve_req){0.0, 4, 3};
    c.trace[1] = (rg_serve_req){0.5, 4, 2};
    c.trace[2] = (rg_serve_req){5.0, 4, 1};
    rg_serve_env env = base_env(two_speed_step, NULL);
    rg_err e = {0};
    /* No chunking: [0,1] prefill r0; [1,2] prefill r1 (r0 waits); [2,2.1]
     * decode r0+r1 (r1 done); [2.1,2.2] decode r0 (done); [5,6] prefill r2.
     * TTFT 1, 1.5, 1; e2e 2.2, 1.6, 1; TPOT r0 (2.2-1)/2 = 0.6, r1 0.1. */
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr, &e), 0);
    check_req_times(&sr, 3.5 / 3, 4.8 / 3, 6.0);
    CHECK_REL(sr.tpot_s.mean, 0.35, 1e-12);
    CHECK_EQ_INT(sr.steps, 5);
    CHECK_REL(sr.mean_in_system, 4.8 / 6.0, 1e-12);
    CHECK_REL(sr.mean_batch, 6.0 / 5.0, 1e-12);
    /* SLO TTFT <= 1.2 s and TPOT <= 0.5 s: r0 misses TPOT, r1 TTFT; r2 meets both */
    c.slo_ttft_s = 1.2;
    c.slo_tpot_s = 0.5;
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr, &e), 0);
    CHECK_REL(sr.slo_attainment, 1.0 / 3.0, 1e-12);
    CHECK_REL(sr.goodput_requests_per_s, 1.0 / 6.0, 1e-12);

    /* Chunks of 2 tokens: [0,1] r0 chunk; [1,2] r0 chunk + r1 chunk (r0
     * first token at 2); [2,3] decode r0 + r1's last chunk (r1 first token at
     * 3); [3,3.1] decode r0 (done) + r1 (done); [5,6],[6,7] r2 in two chunks.
     * TTFT 2, 2.5, 2; e2e 3.1, 2.6, 2. */
    c = base_cfg();
    c.n_trace = 3;
    c.trace[0] = (rg_serve_req){0.0, 4, 3};
    c.trace[1] = (rg_serve_req){0.5, 4, 2};
    c.trace[2] = (rg_serve_req){5.0, 4, 1};
    c.chunked_prefill_tokens = 2;
    c.max_tokens_per_step = 4;
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr, &e), 0);
    check_req_times(&sr, 6.5 / 3, 7.7 / 3, 7.0);
    CHECK_EQ_INT(sr.steps, 6);

    /* Speculation that always accepts 3 drafts: 9 output tokens take the
     * prefill (token 1) and two rounds of 4 tokens: TPOT 0.2 / 8. */
    c = base_cfg();
    c.n_trace = 1;
    c.trace[0] = (rg_serve_req){0.0, 4, 9};
    c.speculative = true;
    c.spec_tokens = 3;
    c.spec_acceptance = 1.0;
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr, &e), 0);
    CHECK_REL(sr.tpot_s.mean, 0.2 / 8, 1e-12);
    c.spec_acceptance = 0.0; /* nothing accepted: one token per round */
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr, &e), 0);
    CHECK_REL(sr.tpot_s.mean, 0.1, 1e-12);

    /* Disaggregated: prefill [0,1], KV ready at 1.5 on the decode pool,
     * decodes [1.5,1.6] and [1.6,1.7]. */
    c = base_cfg();
    c.n_trace = 1;
    c.trace[0] = (rg_serve_req){0.0, 4, 3};
    c.disaggregated = true;
    c.prefill_pool = (rg_serve_pool){1, 1};
    c.decode_pool = (rg_serve_pool){1, 1};
    env.transfer_latency = 0.5;
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr, &e), 0);
    check_req_times(&sr, 1.0, 1.7, 1.7);
}

/* Preemption: a cache of 4 blocks of 16 tokens, two requests of 30 + 20
 * tokens each. Both are admitted (2 blocks each), the first decode that
 * needs a third block preempts the newest; recompute and swap both finish
 * every request, and swap costs its transfers. */
static void test_preemption(void) {
    double D = 0.01;
    rg_serving c = base_cfg();
    c.n_trace = 2;
    c.trace[0] = (rg_serve_req){0.0, 30, 20};
    c.trace[1] = (rg_serve_req){0.0, 30, 20};
    rg_serve_env env = base_env(fixed_step, &D);
    env.kv_blocks[0] = 4;
    rg_err e = {0};
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr, &e), 0);
    CHECK(sr.preemptions >= 1);
    CHECK_EQ_INT(sr.requests, 2);
    CHECK(sr.kv_utilization_peak == 1.0);
    c.preemption = RG_PREEMPT_SWAP;
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr2, &e), 0);
    CHECK(sr2.preemptions >= 1);
    /* the same on a disaggregated decode pool of 4 blocks: swapped requests
     * resume there, recomputed ones go back through the prefill pool */
    rg_serving d = c;
    d.disaggregated = true;
    d.prefill_pool = (rg_serve_pool){1, 1};
    d.decode_pool = (rg_serve_pool){1, 1};
    rg_serve_env denv = env;
    denv.kv_blocks[1] = 4;
    for (int mode = 0; mode < 2; mode++) {
        d.preemption = mode;
        CHECK_EQ_INT(rg_serve_simulate(&d, &denv, &sr2, &e), 0);
        CHECK(sr2.preemptions >= 1 && sr2.requests == 2);
    }
    /* reserve admission takes each request's 4 blocks (51 tokens) at once:
     * one at a time, nothing preempted, the second starts when the first ends */
    c.preemption = RG_PREEMPT_RECOMPUTE;
    c.admission = RG_ADMIT_RESERVE;
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr2, &e), 0);
    CHECK_EQ_INT(sr2.preemptions, 0);
    CHECK_REL(sr2.mean_batch, 1.0, 1e-12);
    CHECK_EQ_INT(sr2.steps, 2 * 20); /* a prefill step and 19 decode steps each */
    c.admission = RG_ADMIT_GREEDY;
    /* a request that cannot fit even alone is refused, not left waiting */
    c.trace[1].prompt_tokens = 100;
    CHECK_EQ_INT(rg_serve_simulate(&c, &env, &sr, &e), RG_ERANGE);
    CHECK_STR(e.field, "serving");
}

static rg_spec serve_spec(void) {
    rg_spec s = spec_for(fx_llama3_8b(), RG_PHASE_SERVE, 1, 1);
    s.serving = base_cfg();
    s.serving.max_batch = 256;
    s.serving.max_tokens_per_step = 8192;
    return s;
}

/* At vanishing load a request's TTFT is one prefill step and its TPOT the
 * batch-1 decode steps at contexts P+1 .. P+O-1 (the token being decoded is
 * written to the cache, then attended). */
static void test_vanishing_load(void) {
    rg_spec s = serve_spec();
    s.serving.n_trace = 1;
    s.serving.trace[0] = (rg_serve_req){0.0, 512, 4};
    rg_err e = {0};
    int rc = rg_evaluate(&s, &res, &e);
    CHECK_MSG(rc == 0, "%s: %s", e.field, e.msg);
    rg_serving_result got = res.serving;
    rg_energy got_e = res.energy;
    int64_t chips = res.chips;
    CHECK(res.used[RG_A_KV_BLOCK_TOKENS] && res.used[RG_A_MATMUL_EFF] && res.used[RG_A_SERVE_STEP_OVERHEAD]);
    double prefill = eval_time(spec_for(fx_llama3_8b(), RG_PHASE_PREFILL, 1, 512));
    double dec = 0.0;
    for (int k = 1; k <= 3; k++)
        dec += eval_time(spec_for(fx_llama3_8b(), RG_PHASE_DECODE, 1, 512 + k));
    CHECK_REL(got.ttft_s.mean, prefill, 1e-9);
    CHECK_REL(got.tpot_s.mean, dec / 3.0, 1e-9);
    CHECK_REL(got.e2e_s.mean, prefill + dec, 1e-9);
    CHECK(got.kv_blocks > 1000 && got.kv_block_tokens == 16);

    /* energy: the prefill step's and the decode steps' dynamic energy plus
     * the chips' static power over the run (engine/energy.h) */
    double dyn = eval_dyn_j(spec_for(fx_llama3_8b(), RG_PHASE_PREFILL, 1, 512));
    for (int k = 1; k <= 3; k++)
        dyn += eval_dyn_j(spec_for(fx_llama3_8b(), RG_PHASE_DECODE, 1, 512 + k));
    double want = dyn + (double)chips * got_e.static_power_w * got.duration_s;
    CHECK(dyn > 0.0);
    CHECK_REL(got_e.energy_j, want, 1e-9);
    CHECK_REL(got.energy_j, want, 1e-9);
    CHECK_REL(got.energy_per_output_token_j, want / 4.0, 1e-9);
    CHECK_REL(got.energy_per_request_j, want, 1e-9);
    CHECK_REL(got_e.energy_per_token_j, want / 4.0, 1e-9);
}

/* Vanishing load with layer kinds, end to end: a sliding-window model whose
 * prompt outgrows its window (Gemma-2-9B with a 256-token window, unfused
 * soft-capped scores) and a Mamba-2 hybrid (Nemotron-H-8B) on pipeline
 * stages of uneven depth: TTFT is the prefill step and TPOT the decode
 * steps of rg_evaluate. */
static void test_vanishing_load_kinds(void) {
    rg_model models[2] = {gemma2(), nemotron_h()};
    models[0].sliding_window = 256;
    for (int k = 0; k < 2; k++) {
        rg_spec s = serve_spec();
        s.model = models[k];
        s.assumptions.v[RG_A_FLASH_ATTENTION] = k;
        if (k == 1) {
            s.system = fx_dgx();
            s.has_system = true;
            s.par.pp = 2;
            s.stages.first_layers = 16;
            s.stages.last_layers = 12;
        }
        s.serving.n_trace = 1;
        s.serving.trace[0] = (rg_serve_req){0.0, 512, 4};
        rg_err e = {0};
        int rc = rg_evaluate(&s, &res, &e);
        CHECK_MSG(rc == 0, "%s: %s", e.field, e.msg);
        rg_serving_result got = res.serving;
        rg_spec one = s;
        one.phase = RG_PHASE_PREFILL;
        one.batch = 1;
        one.seq_len = 512;
        double prefill = eval_time(one), dec = 0.0;
        one.phase = RG_PHASE_DECODE;
        for (int j = 1; j <= 3; j++) {
            one.seq_len = 512 + j;
            dec += eval_time(one);
        }
        CHECK_REL(got.ttft_s.mean, prefill, 1e-9);
        CHECK_REL(got.tpot_s.mean, dec / 3.0, 1e-9);
        CHECK(got.kv_blocks > 1000);
    }
}

/* Blocks of a request with layer kinds (serve.h): half the bytes of a token
 * in full-attention layers, half in layers with a 256-token window, and a
 * recurrent state of 2.5 blocks: 1,000 tokens hold
 * ceil(0.5 x 63 + 0.5 x 16 + 2.5) = 42 blocks, so a 42-block cache takes the
 * request and a 41-block one can never hold it. */
static void test_kv_kinds(void) {
    double dt = 0.01;
    for (int64_t blocks = 41; blocks <= 42; blocks++) {
        rg_serving c = base_cfg();
        c.n_trace = 1;
        c.trace[0] = (rg_serve_req){0.0, 999, 1};
        rg_serve_env env = base_env(fixed_step, &dt);
        env.kv_blocks[0] = blocks;
        env.window = 256;
        env.full_share = env.window_share = 0.5;
        env.state_blocks = 2.5;
        env.block_bytes = 1.0;
        rg_err e = {0};
        int rc = rg_serve_simulate(&c, &env, &sr, &e);
        CHECK_EQ_INT(rc, blocks == 42 ? 0 : RG_ERANGE);
        if (rc == 0)
            CHECK_REL(sr.kv_utilization_peak, 1.0, 1e-12);
    }
}

/* Roofline-driven load: Little's law within 2 %, the same seed gives the
 * same bits, another seed other bits, and the output rate under overload
 * tends to the decode rate of full batches. */
static void test_roofline_runs(void) {
    rg_spec s = serve_spec();
    rg_serving *c = &s.serving;
    c->rate_per_s = 20;
    c->requests = 3000;
    c->seed = 3;
    c->prompt = (rg_len){RG_LEN_LOGNORMAL, 1024, 0.6, 0, 0};
    c->output = (rg_len){RG_LEN_UNIFORM, 0, 0, 64, 256};
    c->chunked_prefill_tokens = 1024;
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    sr = res.serving;
    CHECK_EQ_INT(sr.requests, 3000);
    CHECK_REL(sr.mean_in_system, sr.throughput_requests_per_s * sr.e2e_s.mean, 0.02);
    CHECK_REL(sr.throughput_requests_per_s, 20.0, 0.1);
    CHECK(sr.step_model_evals > 0 && sr.step_model_evals < sr.steps);
    CHECK(sr.n_samples > 10 && sr.n_samples <= RG_SERVE_SAMPLES);
    CHECK_EQ_INT(rg_evaluate(&s, &res2, &e), 0);
    CHECK(memcmp(&res.serving, &res2.serving, sizeof res.serving) == 0);
    c->seed = 4;
    CHECK_EQ_INT(rg_evaluate(&s, &res2, &e), 0);
    CHECK(res2.serving.e2e_s.mean != sr.e2e_s.mean);

    /* overload: 512 requests at once, batches of 64 */
    s = serve_spec();
    c = &s.serving;
    c->rate_per_s = 1e6;
    c->requests = 512;
    c->max_batch = 64;
    c->prompt.mean = 128;
    c->output.mean = 256;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    sr = res.serving;
    double t64 = eval_time(spec_for(fx_llama3_8b(), RG_PHASE_DECODE, 64, 128 + 128));
    double asym = 64.0 / t64;
    CHECK(sr.output_tokens_per_s < asym * 1.02);
    CHECK(sr.output_tokens_per_s > asym * 0.85);
    CHECK_REL(sr.mean_batch, 64.0, 0.02);
}

/* Pipeline parallelism runs pp virtual engines per instance: two stages of
 * one chip each serve about as many tokens/s as two one-chip replicas (the
 * stages overlap), each request waits for both stages per token, and each
 * engine holds half of the two stages' KV blocks. */
static void test_pipeline(void) {
    rg_spec s = serve_spec();
    s.system = fx_dgx();
    s.has_system = true;
    s.serving.rate_per_s = 1e6;
    s.serving.requests = 600;
    s.serving.prompt.mean = 512;
    s.serving.output.mean = 128;
    s.par.pp = 2;
    rg_err e = {0};
    int rc = rg_evaluate(&s, &res, &e);
    CHECK_MSG(rc == 0, "%s: %s", e.field, e.msg);
    rg_serving_result pp = res.serving;
    s.par.pp = 1;
    s.par.dp = 2;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    rg_serving_result dp = res.serving;
    CHECK_REL(pp.output_tokens_per_s, dp.output_tokens_per_s, 0.2);
    CHECK(pp.tpot_s.mean > dp.tpot_s.mean);
    CHECK(pp.kv_blocks > dp.kv_blocks); /* a stage holds half the weights: more room for the cache */
    CHECK_EQ_INT(pp.chips, 2);
}

static void test_bad_input(void) {
    rg_serving c = base_cfg();
    rg_err e = {0};
    c.requests = 10;
    CHECK_EQ_INT(rg_serve_check(&c, &e), RG_ERANGE);
    CHECK_STR(e.field, "serving.arrival.rate_per_s");
    c.rate_per_s = -1;
    CHECK_EQ_INT(rg_serve_check(&c, &e), RG_ERANGE);
    c.rate_per_s = 1;
    CHECK_EQ_INT(rg_serve_check(&c, &e), 0);
    c.slo_ttft_s = -1;
    CHECK_EQ_INT(rg_serve_check(&c, &e), RG_ERANGE);
    CHECK_STR(e.field, "serving.slo.ttft_s");
    c = base_cfg();
    c.n_trace = 2;
    c.trace[0] = (rg_serve_req){1.0, 4, 4};
    c.trace[1] = (rg_serve_req){0.5, 4, 4};
    CHECK_EQ_INT(rg_serve_check(&c, &e), RG_ERANGE);
    CHECK_STR(e.field, "serving.arrival.trace");
    c.trace[1].arrival_s = -1;
    c.trace[0].arrival_s = -2;
    CHECK_EQ_INT(rg_serve_check(&c, &e), RG_ERANGE);
    /* disaggregated pools that need more chips than the spec gives */
    rg_spec s = serve_spec();
    s.system = fx_dgx();
    s.has_system = true;
    s.serving.rate_per_s = 1;
    s.serving.requests = 4;
    s.serving.disaggregated = true;
    s.serving.prefill_pool = (rg_serve_pool){2, 4};
    s.serving.decode_pool = (rg_serve_pool){1, 4};
    s.chips = 8;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), RG_ERANGE);
    CHECK_STR(e.field, "serving.disaggregated");
    s.chips = 12;
    int rc = rg_evaluate(&s, &res, &e);
    CHECK_MSG(rc == 0, "%s: %s", e.field, e.msg);
    CHECK_EQ_INT(res.serving.chips, 12);
}

/* The serving search: the fewest-chips goal ranks deployments that reach the
 * attainment first, by chips; the goodput goal by goodput per chip; one
 * thread and two give the same answer. */
static void test_search(void) {
    static rg_serve_search_result a, b;
    rg_spec s = serve_spec();
    s.system = fx_dgx();
    s.has_system = true;
    s.chips = 2;
    s.serving.rate_per_s = 8;
    s.serving.requests = 60;
    s.serving.prompt = (rg_len){RG_LEN_FIXED, 512, 0, 0, 0};
    s.serving.output = (rg_len){RG_LEN_FIXED, 32, 0, 0, 0};
    s.serving.slo_ttft_s = 0.5;
    s.serving.slo_tpot_s = 0.05;
    rg_serve_search_opts o;
    rg_serve_search_opts_init(&o);
    o.top_n = 20;
    o.goal = RG_SERVE_GOAL_MIN_CHIPS;
    o.threads = 1;
    rg_err e = {0};
    int rc = rg_serve_search(&s, &o, &a, &e);
    CHECK_MSG(rc == 0, "%s: %s", e.field, e.msg);
    o.threads = 2;
    CHECK_EQ_INT(rg_serve_search(&s, &o, &b, &e), 0);
    CHECK(a.n_best == 20 && memcmp(a.best, b.best, sizeof a.best) == 0);
    CHECK(a.evaluated > 100 && a.meet > 0);
    for (int i = 1; i < a.n_best; i++) {
        const rg_serve_search_entry *p = &a.best[i - 1], *q = &a.best[i];
        bool mp = p->slo_attainment >= o.min_attainment, mq = q->slo_attainment >= o.min_attainment;
        CHECK(mp >= mq);
        if (mp && mq)
            CHECK(p->chips <= q->chips);
    }
    CHECK(a.best[0].chips == 1); /* 8 requests/s of 512 + 32 tokens fit one H100 */
    o.goal = RG_SERVE_GOAL_GOODPUT;
    CHECK_EQ_INT(rg_serve_search(&s, &o, &a, &e), 0);
    for (int i = 1; i < a.n_best; i++)
        CHECK(a.best[i - 1].goodput_per_chip >= a.best[i].goodput_per_chip);
    s.phase = RG_PHASE_DECODE;
    CHECK_EQ_INT(rg_serve_search(&s, &o, &a, &e), RG_EINVAL);
    CHECK_STR(e.field, "phase");
}

int main(void) {
    test_mix_is_uniform();
    test_decomposition();
    test_mix_layer_kinds();
    test_decomposition_kinds();
    test_md1();
    test_three_requests();
    test_preemption();
    test_vanishing_load();
    test_vanishing_load_kinds();
    test_kv_kinds();
    test_roofline_runs();
    test_pipeline();
    test_bad_input();
    test_search();
    return tu_status("test_serve");
}
