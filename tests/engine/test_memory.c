/* test_memory.c: activation memory against Korthikanti et al. 2022,
 * "Reducing Activation Recomputation in Large Transformer Models", Table 2
 * (activation memory per layer, 16-bit, with dropout):
 *   no parallelism                     s b h (34 + 5 a s / h)
 *   tensor parallel t                  s b h (10 + 24/t + 5 a s / (h t))
 *   tensor + sequence parallel         s b h / t (34 + 5 a s / h)
 *   tensor + sequence + selective      s b h / t * 34
 *   full recompute                     2 s b h   (layer input only)
 * and sec. 4.2.3: the first pipeline stage holds p micro-batches of L/p
 * layers, i.e. L layers' worth; interleaved x (1 + (p-1)/(p m)).
 * Their Table 3 configs: GPT-3 175B (h 12288, a 96, L 96, t 8, p 8, s 2048,
 * b 1), 530B (h 20480, a 128, L 105, t 8, p 35, b 1), 1T (h 25600, a 160,
 * L 128, t 8, p 64, b 1). Also KV-cache bytes per token. */
#include <stdlib.h>

#include "../testutil.h"
#include "fixtures.h"
#include "memory.h"

static void korthikanti(int64_t h, int64_t a, int64_t L, int64_t t, int64_t p) {
    double s = 2048, b = 1, H = (double)h, A = (double)a, T = (double)t;
    rg_model m = fx_dense("k", L, h, a, a, 4 * h, 51200, false, true);
    m.bias = true;
    m.norm = RG_NORM_LAYER;
    rg_model_dims dm;
    rg_model_derive(&m, &dm);
    rg_act_in in = {b, s, s, 1, false, RG_RECOMPUTE_NONE, false, true, 2.0};
    CHECK_REL(rg_memory_layer_activations(&m, &dm, &in, false), s * b * H * (34 + 5 * A * s / H), 1e-12);
    in.tp = t;
    CHECK_REL(rg_memory_layer_activations(&m, &dm, &in, false),
              s * b * H * (10 + 24 / T + 5 * A * s / (H * T)), 1e-12);
    in.sp = true;
    CHECK_REL(rg_memory_layer_activations(&m, &dm, &in, false), s * b * H / T * (34 + 5 * A * s / H), 1e-12);
    in.recompute = RG_RECOMPUTE_SELECTIVE;
    double sel = s * b * H / T * 34;
    CHECK_REL(rg_memory_layer_activations(&m, &dm, &in, false), sel, 1e-12);
    in.sp = false;
    in.recompute = RG_RECOMPUTE_FULL;
    CHECK_REL(rg_memory_layer_activations(&m, &dm, &in, false), 2 * s * b * H, 1e-12);

    /* whole first stage through rg_memory_estimate: L x 34 s b h / t */
    rg_spec sp = fx_spec(m, RG_PHASE_TRAIN, 64 * b, 2048);
    sp.par.tp = t;
    sp.par.pp = p;
    sp.par.microbatch = 1;
    sp.par.sequence_parallel = true;
    sp.par.recompute = RG_RECOMPUTE_SELECTIVE;
    sp.assumptions.v[RG_A_DROPOUT] = 1;
    rg_result *res = calloc(1, sizeof *res);
    rg_err e = {0};
    CHECK(res != NULL);
    if (!res)
        return;
    CHECK_EQ_INT(rg_evaluate(&sp, res, &e), 0);
    int64_t per_stage = (L + p - 1) / p;
    CHECK_REL(res->memory.activations_bytes, sel * (double)(per_stage * p), 1e-12);
    printf("Korthikanti h=%lld: TP+SP+selective activations on stage 1: %.2f GB\n", (long long)h,
           res->memory.activations_bytes / 1e9);
    free(res);
}

int main(void) {
    korthikanti(12288, 96, 96, 8, 8);    /* 175B: 34*2048*12288/8*96 = 10.27 GB */
    korthikanti(20480, 128, 105, 8, 35); /* 530B */
    korthikanti(25600, 160, 128, 8, 64); /* 1T */
    CHECK_REL(rg_memory_inflight(8, 4, 1), 4, 0);
    CHECK_REL(rg_memory_inflight(8, 64, 1), 8, 0);
    CHECK_REL(rg_memory_inflight(8, 64, 2), 8 * (1 + 7.0 / 16), 1e-12);

    /* KV cache per token: Llama-2-70B bf16 80 layers x 2 x 8 heads x 128 x 2 B
     * = 327,680 B (GQA); DeepSeek-V3 caches only latent 512 + rope key 64:
     * 61 x 576 x 2 B = 70,272 B. */
    rg_result *res = calloc(1, sizeof *res);
    rg_err e = {0};
    if (!res)
        return 1;
    rg_spec s = fx_spec(fx_llama2_70b(), RG_PHASE_DECODE, 1, 1);
    CHECK_EQ_INT(rg_evaluate(&s, res, &e), 0);
    CHECK_REL(res->memory.kv_cache_bytes, 327680, 1e-12);
    s.seq_len = 4096;
    s.batch = 8;
    CHECK_EQ_INT(rg_evaluate(&s, res, &e), 0);
    CHECK_REL(res->memory.kv_cache_bytes, 327680.0 * 4096 * 8, 1e-12);
    /* 138 GB of weights do not fit one 80 GB chip: says by how much */
    CHECK(!res->memory.fits);
    CHECK_REL(res->memory.shortfall_bytes, res->memory.per_device_bytes - 80e9, 1e-12);
    s.par.tp = 8;
    CHECK_EQ_INT(rg_evaluate(&s, res, &e), 0);
    CHECK(res->memory.fits);
    CHECK_REL(res->memory.kv_cache_bytes, 327680.0 * 4096 * 8 / 8, 1e-12);
    s = fx_spec(fx_deepseek_v3(), RG_PHASE_DECODE, 1, 1);
    CHECK_EQ_INT(rg_evaluate(&s, res, &e), 0);
    CHECK_REL(res->memory.kv_cache_bytes, 70272, 1e-12);

    /* training state: bf16 weights, fp32 grads, fp32 master + 2 moments:
     * 2 + 4 + 12 = 18 B per parameter; ZeRO-1 shards the 12 over dp. */
    s = fx_spec(fx_llama3_8b(), RG_PHASE_TRAIN, 8, 2048);
    s.par.microbatch = 1;
    CHECK_EQ_INT(rg_evaluate(&s, res, &e), 0);
    CHECK_REL(res->memory.weights_bytes, 2 * res->params, 1e-12);
    CHECK_REL(res->memory.grads_bytes, 4 * res->params, 1e-12);
    CHECK_REL(res->memory.optimizer_bytes, 12 * res->params, 1e-12);
    s.par.dp = 8;
    s.par.zero = 1;
    s.par.microbatch = 1;
    CHECK_EQ_INT(rg_evaluate(&s, res, &e), 0);
    CHECK_REL(res->memory.optimizer_bytes, 12 * res->params / 8, 1e-12);
    CHECK_REL(res->memory.grads_bytes, 4 * res->params, 1e-12);
    free(res);
    return tu_status("test_memory");
}
