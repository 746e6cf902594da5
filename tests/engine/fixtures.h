/* fixtures.h: published model configs, an A100-like chip, a DGX-like system
 * and a full assumption set for the engine tests. Values given here are test
 * inputs (the product reads presets and assumptions from data/). */
#ifndef RG_TEST_FIXTURES_H
#define RG_TEST_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static inline rg_model fx_dense(const char *name, int64_t layers, int64_t d, int64_t heads, int64_t kv,
                                int64_t ffn, int64_t vocab, bool gated, bool tied) {
    rg_model m;
    memset(&m, 0, sizeof m);
    strncpy(m.name, name, sizeof m.name - 1);
    m.layers = layers;
    m.d_model = d;
    m.heads = heads;
    m.kv_heads = kv;
    m.ffn_dim = ffn;
    m.vocab = vocab;
    m.ffn_gated = gated;
    m.tied_embeddings = tied;
    m.norm = RG_NORM_RMS;
    return m;
}

/* GPT-3 175B: Brown et al. 2020, Table 2.1 (96 layers, d 12288, 96 heads,
 * 4d FFN, 2048 context, GPT-2 BPE vocab 50257, learned positions, biases,
 * layernorm, tied embeddings). */
static inline rg_model fx_gpt3_175b(void) {
    rg_model m = fx_dense("gpt3-175b", 96, 12288, 96, 96, 4 * 12288, 50257, false, true);
    m.bias = true;
    m.norm = RG_NORM_LAYER;
    m.max_positions = 2048;
    return m;
}

/* Llama 2 70B: meta-llama/Llama-2-70b-hf config.json (80 layers, 8192, 64
 * heads, 8 kv heads, intermediate 28672, vocab 32000, untied). */
static inline rg_model fx_llama2_70b(void) {
    return fx_dense("llama2-70b", 80, 8192, 64, 8, 28672, 32000, true, false);
}
/* Llama 3 8B / 70B / 405B: meta-llama/Meta-Llama-3-8B, -70B, Llama-3.1-405B
 * config.json (vocab 128256, untied). */
static inline rg_model fx_llama3_8b(void) {
    return fx_dense("llama3-8b", 32, 4096, 32, 8, 14336, 128256, true, false);
}
static inline rg_model fx_llama3_70b(void) {
    return fx_dense("llama3-70b", 80, 8192, 64, 8, 28672, 128256, true, false);
}
static inline rg_model fx_llama3_405b(void) {
    return fx_dense("llama3-405b", 126, 16384, 128, 8, 53248, 128256, true, false);
}
/* Mixtral 8x7B: mistralai/Mixtral-8x7B-v0.1 config.json (32 layers, 4096,
 * 32 heads, 8 kv, intermediate 14336, 8 experts, top 2, vocab 32000). */
static inline rg_model fx_mixtral(void) {
    rg_model m = fx_dense("mixtral-8x7b", 32, 4096, 32, 8, 14336, 32000, true, false);
    m.moe.experts = 8;
    m.moe.top_k = 2;
    m.moe.expert_ffn_dim = 14336;
    return m;
}
/* DeepSeek-V3: deepseek-ai/DeepSeek-V3 config.json (61 layers, hidden 7168,
 * 128 heads, q_lora 1536, kv_lora 512, qk_nope 128, qk_rope 64, v 128,
 * dense intermediate 18432, moe intermediate 2048, 256 routed experts, top 8,
 * 1 shared, first 3 layers dense, vocab 129280, untied). MTP module
 * excluded. */
static inline rg_model fx_deepseek_v3(void) {
    rg_model m = fx_dense("deepseek-v3", 61, 7168, 128, 128, 18432, 129280, true, false);
    m.moe.experts = 256;
    m.moe.top_k = 8;
    m.moe.shared_experts = 1;
    m.moe.expert_ffn_dim = 2048;
    m.moe.dense_layers = 3;
    m.mla.enabled = true;
    m.mla.q_lora_rank = 1536;
    m.mla.kv_lora_rank = 512;
    m.mla.qk_nope_head_dim = 128;
    m.mla.qk_rope_head_dim = 64;
    m.mla.v_head_dim = 128;
    return m;
}

/* NVIDIA A100 SXM4 80GB datasheet: 312 TFLOP/s dense bf16/fp16, 156 tf32,
 * 19.5 fp32 (also the vector rate), 624 int8, no fp8; 2.039 TB/s HBM2e. */
static inline rg_hardware fx_a100(void) {
    rg_hardware h;
    memset(&h, 0, sizeof h);
    strncpy(h.name, "a100-sxm-80gb", sizeof h.name - 1);
    h.matrix_flops[RG_MATH_FP32] = 19.5e12;
    h.matrix_flops[RG_MATH_TF32] = 156e12;
    h.matrix_flops[RG_MATH_BF16] = 312e12;
    h.matrix_flops[RG_MATH_FP16] = 312e12;
    h.matrix_flops[RG_MATH_INT8] = 624e12;
    h.vector_flops = 19.5e12;
    h.mem_bytes = 80e9;
    h.mem_bw = 2.039e12;
    h.sram_bytes = 40e6 + 108 * 192e3;
    return h;
}

/* DGX A100: 8 GPUs on NVSwitch, 300 GB/s per direction per GPU; 8 x 200
 * Gb/s HDR InfiniBand = 25 GB/s per GPU. */
static inline rg_system fx_dgx(void) {
    rg_system s;
    memset(&s, 0, sizeof s);
    strncpy(s.name, "dgx-a100", sizeof s.name - 1);
    s.domain_chips = 8;
    s.scaleup_bw = 300e9;
    s.scaleup_latency = 5e-6;
    s.scaleout_bw = 25e9;
    s.scaleout_latency = 10e-6;
    return s;
}

/* Idealised assumptions: full efficiency, no overheads, no overlap. Tests
 * that need other values set them. */
static inline rg_assumptions fx_ideal(void) {
    rg_assumptions a;
    memset(&a, 0, sizeof a);
    for (int i = 0; i < RG_A_COUNT; i++)
        a.set[i] = 1;
    a.v[RG_A_MATMUL_EFF] = 1.0;
    a.v[RG_A_MEMORY_EFF] = 1.0;
    a.v[RG_A_VECTOR_EFF] = 1.0;
    a.v[RG_A_SCALEUP_EFF] = 1.0;
    a.v[RG_A_SCALEOUT_EFF] = 1.0;
    a.v[RG_A_VOCAB_PAD] = 1.0;
    a.v[RG_A_OPTIMIZER_FLOPS] = 12.0;
    a.v[RG_A_GRAD_ACCUM_FUSION] = 1.0; /* accumulated inside the GEMM */
    return a;
}

/* The shipped defaults: each assumption's "value" from data/assumptions.json
 * (a plain text scan; the codec is the product's real reader). Returns 0 on
 * success, -1 if the file or a name is missing. */
static inline int fx_data_defaults(rg_assumptions *a) {
    char path[512];
    snprintf(path, sizeof path, "%s/data/assumptions.json", RIDGE_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    static char text[1 << 18];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    for (int i = 0; i < RG_A_COUNT; i++) {
        char key[128];
        snprintf(key, sizeof key, "\"name\": \"%s\"", rg_assumption_name(i));
        const char *p = strstr(text, key);
        p = p ? strstr(p, "\"value\":") : NULL;
        if (!p)
            return -1;
        a->v[i] = strtod(p + 8, NULL);
        a->set[i] = 1;
    }
    return 0;
}

static inline rg_spec fx_spec(rg_model m, rg_phase phase, int64_t batch, int64_t seq) {
    rg_spec s;
    memset(&s, 0, sizeof s);
    s.model = m;
    s.hw = fx_a100();
    s.system = fx_dgx();
    s.has_system = true;
    s.phase = phase;
    s.batch = batch;
    s.seq_len = seq;
    int bf16 = rg_format_find("bf16"), fp32 = rg_format_find("fp32");
    s.numerics = (rg_numerics){.weights = bf16,
                               .activations = bf16,
                               .kv_cache = bf16,
                               .math = bf16,
                               .grads = fp32,
                               .master = fp32,
                               .optimizer = fp32};
    s.par = (rg_parallel){1, 1, 1, 1, 1, 0, 1, false, RG_RECOMPUTE_NONE, 0};
    s.assumptions = fx_ideal();
    return s;
}

#endif
