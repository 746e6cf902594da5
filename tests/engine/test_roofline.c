/* test_roofline.c: per-op roofline rows against hand calculation and
 * closed forms. */
#include "../testutil.h"
#include "fixtures.h"
#include "roofline.h"

static rg_result res;

static const rg_op *find_op(const rg_result *r, const char *name, rg_pass pass) {
    for (int i = 0; i < r->n_ops; i++)
        if (strcmp(r->ops[i].name, name) == 0 && r->ops[i].pass == pass)
            return &r->ops[i];
    return NULL;
}

static double matmul_flops(const rg_result *r) {
    double f = 0;
    for (int i = 0; i < r->n_ops; i++)
        if (r->ops[i].math >= 0)
            f += r->ops[i].count * r->ops[i].flops;
    return f;
}

/* Narayanan et al. 2021 ("Efficient Large-Scale Language Model Training on
 * GPU Clusters Using Megatron-LM", sec. 5.1 / appendix): model FLOPs per
 * iteration F = 72 B s l h^2 (1 + s/(6h) + V/(12 h l)); with full activation
 * recompute the hardware executes 96 B s l h^2 (1 + s/(6h) + V/(16 h l)). */
static void test_megatron_flops(void) {
    rg_model m = fx_gpt3_175b();
    m.vocab = 51200; /* the paper's padded vocabulary */
    m.bias = false;
    rg_spec s = fx_spec(m, RG_PHASE_TRAIN, 16, 2048);
    s.par.microbatch = 1;
    s.assumptions.v[RG_A_FLASH_ATTENTION] = 0;
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double B = 16, S = 2048, l = 96, h = 12288, V = 51200;
    double f72 = 72 * B * S * l * h * h * (1 + S / (6 * h) + V / (12 * h * l));
    double f96 = 96 * B * S * l * h * h * (1 + S / (6 * h) + V / (16 * h * l));
    CHECK_REL(res.flops, f72, 1e-9);
    CHECK_REL(matmul_flops(&res), f72, 1e-9);
    s.par.recompute = RG_RECOMPUTE_FULL;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK_REL(res.flops, f72, 1e-9);          /* model FLOPs unchanged */
    CHECK_REL(matmul_flops(&res), f96, 1e-9); /* executed matmul FLOPs */
    CHECK(res.hw_flops > f96);                /* + element-wise work */
}

/* Batch-1 decode of a dense model reads every weight once per token: time is
 * within a few % of weight bytes / bandwidth (ideal efficiencies). */
static void test_decode_memory_bound(void) {
    rg_model m = fx_llama3_8b();
    rg_spec s = fx_spec(m, RG_PHASE_DECODE, 1, 1024);
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    double params = 0;
    rg_model_params(&m, &params, NULL);
    /* the embedding table is gathered, not read whole */
    double read = (params - 128256.0 * 4096.0) * 2.0;
    double expect = read / s.hw.mem_bw;
    CHECK_REL(res.time_s, expect, 0.03);
    CHECK(res.time_s >= expect);
    for (int i = 0; i < res.n_ops; i++)
        if (res.ops[i].math >= 0)
            CHECK_MSG(res.ops[i].bound == RG_BOUND_MEMORY, "%s is not memory-bound", res.ops[i].name);
    CHECK_REL(res.latency_per_token_s, res.time_s, 0);
    CHECK_REL(res.tokens_per_s, 1.0 / res.time_s, 1e-12);
}

/* Intensity and bound of one GEMM by hand: Llama-3-8B FFN up+gate, one
 * sequence of 4096 tokens, bf16: M = 4096, K = 4096, N = 2 x 14336.
 * FLOPs 2MKN; bytes 2 (MK + MN + KN); A100 ridge point 312e12 / 2.039e12 =
 * 153 FLOP/B, so the GEMM (intensity ~ 2340) is compute-bound. */
static void test_gemm_by_hand(void) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_PREFILL, 1, 4096);
    rg_err e = {0};
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    const rg_op *op = find_op(&res, "ffn.up_gate", RG_PASS_FWD);
    CHECK(op != NULL);
    if (!op)
        return;
    double M = 4096, K = 4096, N = 2 * 14336.0;
    double fl = 2 * M * K * N, by = 2 * (M * K + M * N + K * N);
    CHECK_REL(op->flops, fl, 1e-12);
    CHECK_REL(op->bytes, by, 1e-12);
    CHECK_REL(op->intensity, fl / by, 1e-12);
    CHECK(op->bound == RG_BOUND_COMPUTE);
    CHECK_REL(op->time_s, fl / 312e12, 1e-12);
    CHECK_REL(op->count, 32, 0);
    /* decode LM head: M = 1, intensity ~ 1 FLOP/B, memory-bound */
    s = fx_spec(fx_llama3_8b(), RG_PHASE_DECODE, 1, 128);
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    op = find_op(&res, "lm_head", RG_PASS_FWD);
    CHECK(op && op->bound == RG_BOUND_MEMORY);
    if (op)
        CHECK_REL(op->intensity, 2.0 * 4096 * 128256 / (2.0 * (4096 + 128256 + 4096.0 * 128256)), 1e-12);
}

/* Efficiency saturation: eff(F) = eff * F / (F + F_half). */
static void test_saturation(void) {
    rg_roof r;
    memset(&r, 0, sizeof r);
    r.mm_peak = 100e12;
    r.mm_eff = 0.8;
    r.mm_half = 1e9;
    r.vec_rate = 1e12;
    r.bw = 1e12;
    double c, m, t;
    rg_bound b;
    rg_roofline_time(&r, true, 1e9, 1.0, 1, &c, &m, &t, &b);
    CHECK_REL(c, 1e9 / (100e12 * 0.4), 1e-12);
    rg_roofline_time(&r, true, 4e9, 1.0, 4, &c, &m, &t, &b); /* 4 GEMMs of 1e9 */
    CHECK_REL(c, 4e9 / (100e12 * 0.4), 1e-12);
    CHECK(b == RG_BOUND_COMPUTE);
    r.overhead = 1.0;
    rg_roofline_time(&r, false, 1.0, 1.0, 1, &c, &m, &t, &b);
    CHECK(b == RG_BOUND_LATENCY);
}

/* Flash attention is one fused op; without it, scores/softmax/values. */
static void test_attention_ops(void) {
    rg_spec s = fx_spec(fx_llama3_8b(), RG_PHASE_TRAIN, 1, 2048);
    rg_err e = {0};
    s.assumptions.v[RG_A_FLASH_ATTENTION] = 1;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK(find_op(&res, "attn.flash", RG_PASS_FWD) != NULL);
    CHECK(find_op(&res, "attn.flash", RG_PASS_RECOMPUTE) != NULL);
    /* causal fused attention: 4 b h s^2 d (s+1)/(2s) FLOPs (FlashAttention-2
     * skips blocks above the diagonal); Llama-3-8B: h 32, d 128, s 2048 */
    const rg_op *fl = find_op(&res, "attn.flash", RG_PASS_FWD);
    CHECK(fl != NULL);
    if (fl)
        CHECK_REL(fl->flops, 4.0 * 32 * 2048.0 * 2048 * 128 * (2049.0 / 4096), 1e-12);
    CHECK(find_op(&res, "attn.softmax", RG_PASS_FWD) == NULL);
    CHECK(res.used[RG_A_FLASH_ATTENTION]);
    s.assumptions.v[RG_A_FLASH_ATTENTION] = 0;
    s.par.recompute = RG_RECOMPUTE_SELECTIVE;
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK(find_op(&res, "attn.softmax", RG_PASS_FWD) != NULL);
    CHECK(find_op(&res, "attn.scores", RG_PASS_RECOMPUTE) != NULL);
    CHECK(find_op(&res, "ffn.down", RG_PASS_RECOMPUTE) == NULL);
    CHECK(find_op(&res, "optimizer", RG_PASS_OPTIMIZER) != NULL);
    /* MoE and MLA rows */
    s = fx_spec(fx_deepseek_v3(), RG_PHASE_DECODE, 8, 4096);
    CHECK_EQ_INT(rg_evaluate(&s, &res, &e), 0);
    CHECK(find_op(&res, "moe.experts_up_gate", RG_PASS_FWD) != NULL);
    CHECK(find_op(&res, "moe.shared_up_gate", RG_PASS_FWD) != NULL);
    CHECK(find_op(&res, "attn.q_absorb", RG_PASS_FWD) != NULL);
    CHECK(find_op(&res, "attn.kv_up", RG_PASS_FWD) == NULL);
    const rg_op *op = find_op(&res, "ffn.up_gate", RG_PASS_FWD);
    CHECK(op && op->count == 3); /* leading dense layers */
    op = find_op(&res, "moe.router", RG_PASS_FWD);
    CHECK(op && op->count == 58);
}

int main(void) {
    test_megatron_flops();
    test_decode_memory_bound();
    test_gemm_by_hand();
    test_saturation();
    test_attention_ops();
    return tu_status("test_roofline");
}
