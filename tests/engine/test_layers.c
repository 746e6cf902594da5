/* test_layers.c: the layer variants of engine/model.c, roofline.c and
 * memory.c against hand calculations: sliding-window and local/global KV
 * caches past the window, attention FLOPs bounded by the window, Mamba-2
 * recurrent state and scan FLOPs, q/k norms, soft-capping rows, and the
 * multi-token-prediction module counted apart, shared blocks reused across
 * depth (Zamba2). Shapes are those of the
 * published configs in tests/hf/configs (Mistral-7B-v0.1, Gemma-2-9B,
 * Gemma-3-27B, Nemotron-H-8B, DeepSeek-V3); every expected number is worked
 * out in the comment beside it. */
#include <math.h>

#include "../testutil.h"
#include "collectives.h"
#include "evaluate.h"
#include "fixtures.h"
#include "model.h"

static rg_result res;

static const rg_op *find_op(const char *name, rg_pass pass) {
    for (int i = 0; i < res.n_ops; i++)
        if (strcmp(res.ops[i].name, name) == 0 && res.ops[i].pass == pass)
            return &res.ops[i];
    return NULL;
}

static int eval(const rg_spec *s) {
    rg_err e = {0};
    int rc = rg_evaluate(s, &res, &e);
    if (rc)
        fprintf(stderr, "evaluate: %s: %s\n", e.field, e.msg);
    return rc;
}

/* fx_spec with fused attention (fx_ideal leaves flash_attention at 0). */
static rg_spec spec(rg_model m, rg_phase phase, int64_t batch, int64_t seq) {
    rg_spec s = fx_spec(m, phase, batch, seq);
    s.assumptions.v[RG_A_FLASH_ATTENTION] = 1.0;
    return s;
}

/* Mistral-7B-v0.1: 32 layers, 8 KV heads of 128, window 4096 on every layer. */
static rg_model mistral(void) {
    rg_model m = fx_dense("mistral-7b", 32, 4096, 32, 8, 14336, 32000, true, false);
    m.sliding_window = 4096;
    return m;
}

/* Gemma-2-9B: 42 layers, 21 of them local (window 4096), 8 KV heads of 256. */
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

/* Nemotron-H-8B: 28 mixers (24 Mamba-2, 4 attention), 24 MLP blocks. */
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
                     .bias = false,
                     .conv_bias = true};
    return m;
}

static void kv_cache(void) {
    /* Mistral decode, batch 2 at 16,384 tokens: a windowed layer keeps 4,096
     * tokens x (K + V = 2 x 8 x 128 = 2,048 elements) x 2 B, so
     * 2 x 4096 x 2048 x 2 x 32 layers = 1,073,741,824 B; without the
     * window the cache holds all 16,384 tokens: 4x that. */
    rg_spec s = spec(mistral(), RG_PHASE_DECODE, 2, 16384);
    if (eval(&s) == 0)
        CHECK_REL(res.memory.kv_cache_bytes, 1073741824.0, 1e-12);
    s.model.sliding_window = 0;
    if (eval(&s) == 0)
        CHECK_REL(res.memory.kv_cache_bytes, 4294967296.0, 1e-12);
    /* a context shorter than the window is cached whole: 2 x 2048 x 2048 x 2 x 32 */
    s = spec(mistral(), RG_PHASE_DECODE, 2, 2048);
    if (eval(&s) == 0)
        CHECK_REL(res.memory.kv_cache_bytes, 536870912.0, 1e-12);

    /* Gemma-2-9B decode, batch 1 at 8,192 tokens: 2 x 8 x 256 x 2 B = 8,192 B
     * per token and layer; 21 global layers x 8,192 tokens + 21 local layers
     * x 4,096 tokens = 21 x 12,288 x 8,192 B = 2,113,929,216 B. */
    s = spec(gemma2(), RG_PHASE_DECODE, 1, 8192);
    if (eval(&s) == 0)
        CHECK_REL(res.memory.kv_cache_bytes, 2113929216.0, 1e-12);

    /* Gemma-3-27B (62 layers, 52 local with a 1,024 window, 16 KV heads of
     * 128) at 32,768 tokens: 8,192 B per token and layer;
     * 10 x 32,768 + 52 x 1,024 = 380,928 token-layers -> 3,120,562,176 B. */
    rg_model g3 = fx_dense("gemma-3-27b", 62, 5376, 32, 16, 21504, 262208, true, true);
    g3.head_dim = 128;
    g3.sliding_window = 1024;
    g3.local_layers = 52;
    g3.qk_norm = true;
    g3.post_norms = true;
    s = spec(g3, RG_PHASE_DECODE, 1, 32768);
    if (eval(&s) == 0)
        CHECK_REL(res.memory.kv_cache_bytes, 3120562176.0, 1e-12);
}

static void ssm_state(void) {
    /* Nemotron-H-8B decode, batch 1. A Mamba-2 layer keeps its SSD state,
     * inner x state = 8,192 x 128 = 1,048,576 elements, and the conv window,
     * (conv - 1) x (inner + 2 groups state) = 3 x 10,240 = 30,720: 1,079,296
     * elements x 2 B x 24 layers = 51,806,208 B whatever the context. The 4
     * attention layers add 4 x ctx x 2 x 8 x 128 x 2 B: 134,217,728 B at
     * 8,192 tokens, 268,435,456 B at 16,384. */
    rg_spec s = spec(nemotron_h(), RG_PHASE_DECODE, 1, 8192);
    if (eval(&s) == 0) {
        CHECK_REL(res.memory.kv_cache_bytes, 51806208.0 + 134217728.0, 1e-12);
        CHECK_REL(res.memory.ssm_state_bytes, 51806208.0, 1e-12);
    }
    s.seq_len = 16384;
    if (eval(&s) == 0)
        CHECK_REL(res.memory.kv_cache_bytes, 51806208.0 + 268435456.0, 1e-12);
    /* the decode scan: 5 FLOPs per state element per token (8,192 x 128 x 5
     * = 5,242,880) and the state read and written once (2 x 1,048,576 x 2 B)
     * plus x, B, C, dt in and y out (10,240 + 128 + 8,192 elements x 2 B) */
    const rg_op *scan = find_op("ssm.scan", RG_PASS_FWD);
    CHECK(scan != NULL);
    if (scan) {
        CHECK_REL(scan->flops, 5242880.0, 1e-12);
        CHECK_REL(scan->bytes, 2.0 * 1048576.0 * 2.0 + (10240.0 + 128.0 + 8192.0) * 2.0, 1e-12);
        CHECK_REL(scan->count, 24.0, 1e-12);
    }
    const rg_op *attn = find_op("attn.flash", RG_PASS_FWD);
    CHECK(attn != NULL && fabs(attn->count - 4.0) < 1e-12);
    CHECK(find_op("ffn.up_gate", RG_PASS_FWD) != NULL &&
          fabs(find_op("ffn.up_gate", RG_PASS_FWD)->count - 24.0) < 1e-12);

    /* prefill, one sequence of 4,096 tokens, chunk 128: per token
     * Q (N G + P H) + 4 N P H = 128 (128 x 8 + 64 x 128) + 4 x 128 x 64 x 128
     * = 1,179,648 + 4,194,304 = 5,373,952 FLOPs */
    s = spec(nemotron_h(), RG_PHASE_PREFILL, 1, 4096);
    if (eval(&s) == 0) {
        scan = find_op("ssm.scan", RG_PASS_FWD);
        CHECK(scan != NULL);
        if (scan)
            CHECK_REL(scan->flops, 4096.0 * 5373952.0, 1e-12);
    }
    /* training activations, one sequence of 4,096 tokens, bf16, fused
     * attention, no dropout, tp 1 (per token unless noted):
     *  an MLP block keeps its norm input and input (2 x 4096 x 2 B) and the
     *    up / activation outputs (2 x 21,504 x 2 B): 102,400 B, 24 blocks;
     *  an attention mixer its norm input and input (16,384 B), q, k, v and
     *    the out-projection input ((4096 + 1024 + 1024 + 4096) x 2 B) and the
     *    fp32 log-sum-exp of 32 heads (128 B): 36,992 B, 4 mixers;
     *  a Mamba-2 mixer its norm input and input (16,384 B), in_proj output
     *    (18,560), conv output (10,240), scan and gated-norm outputs (2 x
     *    8,192) x 2 B: 106,752 B, plus per sequence the fp32 states of 32
     *    chunks, 32 x 8,192 x 128 x 4 B = 134,217,728 B; 24 mixers;
     *  and the fp32 logits of the loss: 4,096 x 131,072 x 4 B.
     * 4096 x (24 x 102,400 + 4 x 36,992 + 24 x 106,752) + 24 x 134,217,728
     * + 2,147,483,648 = 26,535,264,256 B */
    s = spec(nemotron_h(), RG_PHASE_TRAIN, 1, 4096);
    s.hw.mem_bytes = 1e15;
    if (eval(&s) == 0)
        CHECK_REL(res.memory.activations_bytes, 26535264256.0, 1e-12);
    /* parameters: a Mamba-2 mixer holds in_proj 4096 x 18,560, conv 10,240 x 4
     * + 10,240 bias, dt_bias / A_log / D 3 x 128, norm 8,192, out_proj
     * 8,192 x 4,096: 109,635,968 */
    rg_model m = nemotron_h();
    rg_model_dims dm;
    rg_model_derive(&m, &dm);
    CHECK_REL(rg_model_ssm_params(&m, &dm), 109635968.0, 1e-12);
    CHECK_EQ_INT(dm.attn_layers, 4);
    CHECK_EQ_INT(dm.ffn_layers, 24);
}

static void window_flops(void) {
    /* Mistral prefill of 16,384 tokens, fused attention: query i attends
     * min(i + 1, 4096) keys, on average (4096 x 4097 / 2 + 12,288 x 4096) /
     * 16,384 = 3,584.125 instead of (16,384 + 1) / 2 = 8,192.5 without the
     * window. FLOPs = 2 x 32 heads x 16,384 x keys x (128 + 128). */
    rg_spec s = spec(mistral(), RG_PHASE_PREFILL, 1, 16384);
    if (eval(&s) == 0) {
        const rg_op *f = find_op("attn_local.flash", RG_PASS_FWD);
        CHECK(f != NULL);
        CHECK(find_op("attn.flash", RG_PASS_FWD) == NULL); /* every layer is windowed */
        if (f)
            CHECK_REL(f->flops, 2.0 * 32.0 * 16384.0 * 3584.125 * 256.0, 1e-12);
    }
    s.model.sliding_window = 0;
    if (eval(&s) == 0) {
        const rg_op *f = find_op("attn.flash", RG_PASS_FWD);
        CHECK(f != NULL);
        if (f)
            CHECK_REL(f->flops, 2.0 * 32.0 * 16384.0 * 8192.5 * 256.0, 1e-12);
    }
    /* decode at 16,384: a windowed layer reads and scores 4,096 keys */
    s = spec(mistral(), RG_PHASE_DECODE, 1, 16384);
    if (eval(&s) == 0) {
        const rg_op *f = find_op("attn_local.flash", RG_PASS_FWD);
        CHECK(f != NULL);
        if (f)
            CHECK_REL(f->flops, 2.0 * 32.0 * 4096.0 * 256.0, 1e-12);
    }
}

static void variants(void) {
    /* Gemma 2 with separate attention ops: a soft-cap row over the 16 x s x s
     * scores of each layer kind, 3 FLOPs each, and one over the logits. */
    rg_spec s = spec(gemma2(), RG_PHASE_PREFILL, 1, 2048);
    s.assumptions.v[RG_A_FLASH_ATTENTION] = 0.0;
    if (eval(&s) == 0) {
        const rg_op *c = find_op("attn.softcap", RG_PASS_FWD),
                    *l = find_op("attn_local.softcap", RG_PASS_FWD);
        CHECK(c != NULL && l != NULL);
        if (c)
            CHECK_REL(c->flops, 3.0 * 16.0 * 2048.0 * 2048.0, 1e-12);
        if (c && l)
            CHECK_REL(c->count + l->count, 42.0, 1e-12);
        CHECK(find_op("logit_softcap", RG_PASS_FWD) != NULL);
    }
    /* q/k norms: one weight of head_dim each per layer (Qwen3-8B: 36 x 2 x 128) */
    rg_model q = fx_dense("qwen3-8b", 36, 4096, 32, 8, 12288, 151936, true, false);
    q.head_dim = 128;
    double a = 0, b = 0;
    rg_model_params(&q, &a, NULL);
    q.qk_norm = true;
    rg_model_params(&q, &b, NULL);
    CHECK_REL(b - a, 36.0 * 2.0 * 128.0, 1e-12);
    /* Qwen2 biases: q/k/v only (Qwen2.5-72B: 80 x (8192 + 1024 + 1024)) */
    rg_model w = fx_dense("qwen2.5-72b", 80, 8192, 64, 8, 29568, 152064, true, false);
    rg_model_params(&w, &a, NULL);
    w.qkv_bias = true;
    rg_model_params(&w, &b, NULL);
    CHECK_REL(b - a, 80.0 * 10240.0, 1e-12);
    /* post-norms: two more norms of d per layer (Gemma 2: 42 x 2 x 3584) */
    rg_model g = gemma2();
    rg_model_params(&g, &b, NULL);
    g.post_norms = false;
    rg_model_params(&g, &a, NULL);
    CHECK_REL(b - a, 42.0 * 2.0 * 3584.0, 1e-12);
}

static void mtp(void) {
    /* DeepSeek-V3's prediction module: one MoE layer (MLA 187,107,328, two
     * norms 14,336, router 1,835,008, 257 experts of 3 x 7168 x 2048 =
     * 11,318,329,344), eh_proj 2 x 7168 x 7168 = 102,760,448 and three norms
     * 21,504: 11,610,067,968, not in params. */
    rg_model m = fx_deepseek_v3();
    double t0 = 0, t1 = 0;
    rg_model_params(&m, &t0, NULL);
    m.mtp_layers = 1;
    rg_model_params(&m, &t1, NULL);
    CHECK_REL(t1, t0, 1e-15);
    CHECK_REL(rg_model_mtp_params(&m), 11610067968.0, 1e-12);
    /* training runs it: eh_proj is 2 T (2d) d FLOPs forward */
    rg_spec s = spec(m, RG_PHASE_TRAIN, 1, 4096);
    s.hw.mem_bytes = 1e15;
    if (eval(&s) == 0) {
        const rg_op *e = find_op("mtp.eh_proj", RG_PASS_FWD);
        CHECK(e != NULL);
        if (e)
            CHECK_REL(e->flops, 2.0 * 4096.0 * 14336.0 * 7168.0, 1e-12);
        CHECK(find_op("mtp_moe.experts_up_gate", RG_PASS_BWD) != NULL);
        CHECK(find_op("mtp.lm_head", RG_PASS_FWD) != NULL);
        CHECK_REL(res.mtp_params, 11610067968.0, 1e-12);
    }
    double f1 = res.flops;
    s.model.mtp_layers = 0;
    if (eval(&s) == 0)
        CHECK(f1 > res.flops);
}

/* Speculative decoding with one MTP module (DeepSeek-V3 sec. 5.4.3) on a
 * Llama-3-8B shape: each step verifies 2 tokens per sequence in the main
 * model and drafts 1 with the module; with acceptance a = 0.85 a step yields
 * 1 + a = 1.85 tokens. */
static void mtp_decode(void) {
    rg_model m = fx_llama3_8b();
    m.mtp_layers = 1;
    rg_spec s = spec(m, RG_PHASE_DECODE, 4, 2048);
    s.assumptions.v[RG_A_MTP_ACCEPTANCE] = 0.85;
    s.mtp_draft_tokens = 1;
    if (eval(&s) != 0)
        return;
    CHECK_REL(res.tokens_per_step, 1.85, 1e-15);
    CHECK_REL(res.tokens_per_s * res.time_s, 4.0 * 1.85, 1e-12);
    CHECK_REL(res.latency_per_token_s, res.time_s / 1.85, 1e-12);
    /* the main model scores 2 queries per sequence against 2,048 keys:
     * 2 x 4 x 32 heads x 2 x 2048 x (128 + 128); the head computes both
     * positions' logits, 2 x (4 x 2) x 4096 x 128,256 */
    const rg_op *f = find_op("attn.flash", RG_PASS_FWD), *h = find_op("lm_head", RG_PASS_FWD);
    CHECK(f && h);
    if (f && h) {
        CHECK_REL(f->flops, 2.0 * 4.0 * 32.0 * 2.0 * 2048.0 * 256.0, 1e-12);
        CHECK_REL(h->flops, 2.0 * 8.0 * 4096.0 * 128256.0, 1e-12);
    }
    /* the draft: eh_proj 2 x 4 x 8192 x 4096 and the shared head on one token */
    const rg_op *e = find_op("mtp.eh_proj", RG_PASS_FWD), *mh = find_op("mtp.lm_head", RG_PASS_FWD);
    CHECK(e && mh);
    if (e && mh) {
        CHECK_REL(e->flops, 2.0 * 4.0 * 8192.0 * 4096.0, 1e-12);
        CHECK_REL(mh->flops, 2.0 * 4.0 * 4096.0 * 128256.0, 1e-12);
    }
    /* the module's own layer caches its keys too: 33 layers x 4 x 2048 x
     * 2048 elements x 2 B */
    CHECK_REL(res.memory.kv_cache_bytes, 33.0 * 4.0 * 2048.0 * 2048.0 * 2.0, 1e-12);
    /* without drafts the module is not run, not loaded, and a step is one token */
    s.mtp_draft_tokens = 0;
    if (eval(&s) == 0) {
        CHECK(find_op("mtp.eh_proj", RG_PASS_FWD) == NULL);
        CHECK_REL(res.tokens_per_step, 1.0, 1e-15);
        CHECK_REL(res.memory.kv_cache_bytes, 32.0 * 4.0 * 2048.0 * 2048.0 * 2.0, 1e-12);
    }
    /* more drafts than modules, or drafts outside decode, are refused */
    rg_err err = {0};
    s.mtp_draft_tokens = 2;
    CHECK(rg_evaluate(&s, &res, &err) != 0 && strcmp(err.field, "mtp_draft_tokens") == 0);
    s.mtp_draft_tokens = 1;
    s.phase = RG_PHASE_PREFILL;
    CHECK(rg_evaluate(&s, &res, &err) != 0 && strcmp(err.field, "mtp_draft_tokens") == 0);
}

/* Zamba2-1.2B (config.json of Zyphra/Zamba2-1.2B): 38 Mamba-2 layers (d
 * 2048, inner 4096, state 128, 64 heads, 1 group, conv 4), no FFN of their
 * own; one shared attention + MLP block (32 heads of 2d / 32 = 128, ffn
 * 8192) run at 6 points, each with q/k/v and up/gate LoRAs of rank 128 and
 * a d x d linear. */
static rg_model zamba2(void) {
    rg_model m = fx_dense("zamba2-1.2b", 38, 2048, 32, 32, 8192, 32000, true, true);
    m.head_dim = 128;
    m.ffn_free_layers = 38;
    m.ssm = (rg_ssm){.layers = 38,
                     .state = 128,
                     .conv = 4,
                     .inner = 4096,
                     .heads = 64,
                     .groups = 1,
                     .chunk = 256,
                     .conv_bias = true};
    m.shared = (rg_shared){.uses = 6,
                           .blocks = 1,
                           .adapter_rank = 128,
                           .attn_adapter = true,
                           .mlp_adapter = true,
                           .concat = true,
                           .out_linear = true};
    return m;
}

static void shared_blocks(void) {
    /* params: one block = norms 2d + d, q/k/v 3 x 2d x 2d, o 2d x d, MLP
     * 3 x d x 8192 = 109,058,048; each use adds the MLP adapter d x 128 +
     * 128 x 2 x 8192, the q/k/v adapters 3 x (2d x 128 + 128 x 2d) and the
     * d x d linear = 9,699,328; a second block adds one block, a 7th use one
     * use's parameters */
    rg_model m = zamba2();
    double p1 = 0.0, p2 = 0.0;
    rg_model_params(&m, &p1, NULL);
    CHECK_REL(p1, 1215064704.0, 1e-15);
    m.shared.blocks = 2;
    rg_model_params(&m, &p2, NULL);
    CHECK_REL(p2 - p1, 109058048.0, 1e-15);
    m.shared.blocks = 1;
    m.shared.uses = 7;
    rg_model_params(&m, &p2, NULL);
    CHECK_REL(p2 - p1, 9699328.0, 1e-15);
    /* decode batch 4 at 8,192 tokens: each of the 6 uses keeps its own KV
     * cache, 8,192 x 2 x 32 x 128 x 2 B = 134,217,728 B per sequence; each
     * Mamba-2 layer its state 4,096 x 128 + 3 x (4,096 + 256) = 537,344
     * elements x 2 B; the uses' ops run 6 times, the blocks' weights are read
     * by every use */
    rg_spec s = spec(zamba2(), RG_PHASE_DECODE, 4, 8192);
    if (eval(&s) == 0) {
        CHECK_REL(res.memory.ssm_state_bytes, 4.0 * 38.0 * 537344.0 * 2.0, 1e-12);
        CHECK_REL(res.memory.kv_cache_bytes, res.memory.ssm_state_bytes + 4.0 * 6.0 * 134217728.0, 1e-12);
        const rg_op *q = find_op("shared_attn.qkv_proj", RG_PASS_FWD);
        CHECK(q != NULL);
        if (q) { /* 4 tokens x 2d in x 3 x 2d out, weights 2d x 6d */
            CHECK_REL(q->count, 6.0, 1e-12);
            CHECK_REL(q->flops, 2.0 * 4.0 * 4096.0 * 12288.0, 1e-12);
        }
        const rg_op *f = find_op("shared_attn.flash", RG_PASS_FWD);
        CHECK(f != NULL && fabs(f->count - 6.0) < 1e-12);
        CHECK(find_op("shared.out_linear", RG_PASS_FWD) != NULL);
        CHECK(find_op("attn.flash", RG_PASS_FWD) == NULL);
        CHECK(find_op("shared_attn.residual", RG_PASS_FWD) == NULL);
    }
    /* training with tp 2 and two pipeline stages evaluates (each stage holds the block) */
    s = spec(zamba2(), RG_PHASE_TRAIN, 8, 2048);
    s.par.tp = 2;
    s.par.pp = 2;
    s.chips = 4;
    CHECK(eval(&s) == 0 && res.memory.activations_bytes > 0.0);
    /* two pipeline stages, no tp or dp: the only all-reduce is the one of
     * the block's fp32 gradients (109,058,048 x 4 B) over the 2 stages, once
     * per step; on one stage there is none */
    s.par.tp = 1;
    s.chips = 2;
    rg_net net;
    rg_evaluate_net(&s.system, &s.assumptions, &net);
    rg_group g = rg_coll_place(2, 1, net.domain);
    double one = rg_coll_time(&net, RG_COMM_ALL_REDUCE, &g, 109058048.0 * 4.0);
    double floor = s.assumptions.v[RG_A_KERNEL_OVERHEAD];
    if (eval(&s) == 0)
        CHECK_REL(res.breakdown.comm_s[RG_COMM_ALL_REDUCE], one > floor ? one : floor, 1e-12);
    s.par.pp = 1;
    s.chips = 1;
    if (eval(&s) == 0)
        CHECK(res.breakdown.comm_s[RG_COMM_ALL_REDUCE] == 0.0);
}

int main(void) {
    shared_blocks();
    mtp_decode();
    kv_cache();
    ssm_state();
    window_flops();
    variants();
    mtp();
    return tu_status("test_layers");
}
