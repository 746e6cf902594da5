/* roofline.c: per-op roofline of a transformer step (see roofline.h).
 *
 * Conventions:
 * - A matmul of an M x K input with a K x N weight costs 2 M K N FLOPs
 *   (2 per multiply-accumulate) and moves M K + M N activations plus K N
 *   weights. Its backward pass costs twice the FLOPs (data gradient + weight
 *   gradient) and moves dY twice, X and dX once each, the weight once and the
 *   weight gradient once (grads format).
 * - Attention runs as one fused flash-attention op or as scores / softmax /
 *   values depending on the `flash_attention` assumption. Separate ops
 *   compute the full s_q x s_k matrix and mask it (Megatron's FLOP
 *   convention, Narayanan et al. 2021); the fused causal kernel skips the
 *   masked blocks, so it computes (and Ridge counts) (s+1)/(2s) of them
 *   (Dao 2023, FlashAttention-2). Fused attention re-computes the scores in
 *   its backward pass; that work appears as a recompute row.
 * - Element-wise ops are memory-bound vector work; their FLOPs per element
 *   are the operation definitions below. Model FLOPs (for MFU) count matmul
 *   work of the forward and backward passes only (the PaLM / Megatron
 *   convention); hardware FLOPs add element-wise work and recompute.
 * - Selective recompute re-runs the attention core in the backward pass;
 *   full recompute re-runs every layer op (Korthikanti et al. 2022).
 * - Decode attends one query per sequence to `s_k` cached keys read in the KV
 *   cache format; MLA decode uses the absorbed form (DeepSeek-V2 paper,
 *   sec. 2.1.2): scores and values run against the cached latent, and the
 *   key/value up-projections fold into the query and output sides. */
#include "roofline.h"

#include <math.h>
#include <string.h>

#include "formats.h"

/* FLOPs per element of the element-wise ops (operation definitions). */
#define NORM_FLOPS     5.0 /* square/subtract, accumulate, scale, (shift), multiply by weight */
#define SOFTMAX_FLOPS  5.0 /* max, subtract, exp, sum, divide */
#define ROPE_FLOPS     3.0 /* two multiplies and one add per rotated element */
#define ACT_FLOPS      8.0 /* GELU / SiLU (+ gate multiply) per element */
#define LOSS_FLOPS     5.0 /* softmax cross-entropy per logit */
#define RESIDUAL_FLOPS 1.0

/* Memory time (bytes plus the per-kernel ramp memory_half_efficiency_bytes
 * at the sustained bandwidth), the roofline maximum and the launch floor. */
static void finish_time(const rg_roof *r, double c, double bytes, double *compute_s, double *memory_s,
                        double *time_s, rg_bound *bound) {
    double m = bytes > 0.0 ? (bytes + r->mem_half) / r->bw : 0.0;
    double busy = c > m ? c : m;
    *compute_s = c;
    *memory_s = m;
    /* kernels are dispatched asynchronously: a kernel shorter than the
     * per-kernel host/launch overhead waits for the next launch */
    *time_s = busy > r->overhead ? busy : r->overhead;
    *bound = r->overhead > busy ? RG_BOUND_LATENCY : (c >= m ? RG_BOUND_COMPUTE : RG_BOUND_MEMORY);
}

void rg_roofline_time(const rg_roof *r, bool matmul, double flops, double bytes, double gemms,
                      double *compute_s, double *memory_s, double *time_s, rg_bound *bound) {
    double c = 0.0;
    if (flops > 0.0) {
        if (matmul) {
            double per = flops / (gemms > 1.0 ? gemms : 1.0);
            double eff = r->mm_eff * per / (per + r->mm_half);
            c = flops / (r->mm_peak * eff);
        } else {
            c = flops / r->vec_rate;
        }
    }
    finish_time(r, c, bytes, compute_s, memory_s, time_s, bound);
}

/* Accounting shared by every op kind. */
static double account(rg_roof *r, const char *name, rg_pass pass, int fmt, bool matmul, double count,
                      double flops, double bytes, double c, double m, double t, rg_bound bound) {
    if (r->cat >= 0) {
        r->unit_hw_flops[r->cat] += flops;
        if (matmul && pass != RG_PASS_RECOMPUTE)
            r->unit_model_flops[r->cat] += flops;
    }
    if (count <= 0.0)
        return 0.0;
    if (bound == RG_BOUND_LATENCY)
        r->overhead_s += count * t;
    else if (bound == RG_BOUND_COMPUTE)
        r->compute_s += count * c;
    else
        r->memory_s += count * m;
    if (r->cat == RG_CAT_HEAD)
        r->head_s += count * t;
    r->flops_hw += count * flops;
    if (matmul)
        r->flops_matrix += count * flops;
    if (matmul && pass != RG_PASS_RECOMPUTE)
        r->flops_model += count * flops;
    r->bytes += count * bytes;
    if (r->rows && r->out->n_ops < RG_MAX_OPS) {
        rg_op *op = &r->out->ops[r->out->n_ops++];
        size_t n = strlen(name);
        if (n >= RG_OP_NAME_MAX)
            n = RG_OP_NAME_MAX - 1;
        memcpy(op->name, name, n);
        op->name[n] = '\0';
        op->pass = pass;
        op->fmt = fmt;
        op->math = matmul ? r->math : -1;
        op->count = count;
        op->flops = flops;
        op->bytes = bytes;
        op->intensity = bytes > 0.0 ? flops / bytes : 0.0;
        op->compute_s = c;
        op->memory_s = m;
        op->time_s = t;
        op->bound = bound;
    }
    return count * t;
}

double rg_roof_op(rg_roof *r, const char *name, rg_pass pass, int fmt, bool matmul, double count,
                  double flops, double bytes, double gemms) {
    double c = 0.0, m = 0.0, t = 0.0;
    rg_bound bound = RG_BOUND_MEMORY;
    if (count > 0.0)
        rg_roofline_time(r, matmul, flops, bytes, gemms, &c, &m, &t, &bound);
    return account(r, name, pass, fmt, matmul, count, flops, bytes, c, m, t, bound);
}

/* The tile of one dimension: halved from `tile` while the dimension fits
 * in half of it, down to 16. */
static double tile_for(double tile, double dim) {
    while (tile > 16.0 && dim <= 0.5 * tile)
        tile *= 0.5;
    return tile;
}

double rg_gemm_utilization(const rg_roof *r, double M, double N, double K, double batch) {
    if (!(r->cores >= 1.0) || !(r->tile_m >= 1.0) || !(r->tile_n >= 1.0) || M <= 0.0 || N <= 0.0)
        return 1.0;
    double tm = tile_for(r->tile_m, M), tn = tile_for(r->tile_n, N);
    double rows = ceil(M / tm), cols = ceil(N / tn);
    double tiles = rows * cols * (batch > 1.0 ? batch : 1.0);
    double split = 1.0;
    if (tiles < r->cores && r->split_k_min >= 1.0) {
        split = floor(r->cores / tiles);
        double most = floor(K / r->split_k_min);
        if (split > most)
            split = most;
        if (split < 1.0)
            split = 1.0;
    }
    double units = tiles * split, waves = ceil(units / r->cores);
    double tile_fill = (M * N) / (rows * tm * cols * tn);
    return tile_fill * units / (waves * r->cores);
}

static double product_s(const rg_roof *r, double M, double N, double K, double batch) {
    double b = batch > 1.0 ? batch : 1.0, per = 2.0 * M * N * K;
    double eff = r->mm_eff * per / (per + r->mm_half) * rg_gemm_utilization(r, M, N, K, b);
    return b * per / (r->mm_peak * eff);
}

double rg_gemm_compute_s(const rg_roof *r, double M, double K, double N, double batch, rg_gemm_pass which) {
    if (which == RG_GEMM_FWD)
        return product_s(r, M, N, K, batch);
    /* dX = dY W^T: M x N by N x K; dW = X^T dY: K x M by M x N */
    return product_s(r, M, K, N, batch) + product_s(r, K, N, M, batch);
}

double rg_roof_gemm(rg_roof *r, const char *name, rg_pass pass, int fmt, double count, double M, double K,
                    double N, double batch, rg_gemm_pass which, double bytes) {
    double b = batch > 1.0 ? batch : 1.0;
    double flops = (which == RG_GEMM_BWD ? 4.0 : 2.0) * b * M * K * N;
    double c = 0.0, m = 0.0, t = 0.0;
    rg_bound bound = RG_BOUND_MEMORY;
    if (count > 0.0)
        finish_time(r, rg_gemm_compute_s(r, M, K, N, b, which), bytes, &c, &m, &t, &bound);
    return account(r, name, pass, fmt, true, count, flops, bytes, c, m, t, bound);
}

/* Per-step emission state. */
typedef struct em {
    rg_roof *r;
    const rg_shape *sh;
    double a, w, g, kv; /* bytes per element: activations, weights, grads, kv cache */
} em;

/* One logical op in every pass the phase needs. `core` marks the attention
 * core (selectively recomputed). */
static void emit(em *e, const char *name, int fmt, bool matmul, double count, double flops, double fbytes,
                 double bbytes, double gemms, bool core) {
    const rg_shape *sh = e->sh;
    rg_roof_op(e->r, name, RG_PASS_FWD, fmt, matmul, count, flops, fbytes, gemms);
    if (!sh->train)
        return;
    rg_roof_op(e->r, name, RG_PASS_BWD, fmt, matmul, count, 2.0 * flops, bbytes, gemms);
    if (e->r->cat == RG_CAT_HEAD) /* the LM head and loss are not recomputed */
        return;
    if (sh->recompute == RG_RECOMPUTE_FULL || (sh->recompute == RG_RECOMPUTE_SELECTIVE && core && !sh->flash))
        rg_roof_op(e->r, name, RG_PASS_RECOMPUTE, fmt, matmul, count, flops, fbytes, gemms);
}

/* `batch` independent matmuls of an M x K activation with a K x N weight
 * (batch > 1: per-head absorbed MLA projections). */
static void matmul(em *e, const char *name, double count, double M, double K, double N, double batch) {
    const rg_shape *sh = e->sh;
    double act = batch * (M * K + M * N) * e->a;
    double wts = batch * K * N;
    double fb = act + wts * e->w;
    double bb = 2.0 * act + wts * (e->w + e->g);
    rg_roof_gemm(e->r, name, RG_PASS_FWD, sh->fw, count, M, K, N, batch, RG_GEMM_FWD, fb);
    if (!sh->train)
        return;
    rg_roof_gemm(e->r, name, RG_PASS_BWD, sh->fw, count, M, K, N, batch, RG_GEMM_BWD, bb);
    if (e->r->cat != RG_CAT_HEAD && sh->recompute == RG_RECOMPUTE_FULL)
        rg_roof_gemm(e->r, name, RG_PASS_RECOMPUTE, sh->fw, count, M, K, N, batch, RG_GEMM_FWD, fb);
}

/* Element-wise op over `elems` elements reading `rd` and writing `wr` tensors
 * of that size (activation format), plus `extra` bytes. */
static void vec(em *e, const char *name, double count, double elems, double flops_per, double rd, double wr,
                double extra, bool core) {
    double fb = elems * (rd + wr) * e->a + extra;
    emit(e, name, e->sh->fa, false, count, elems * flops_per, fb, 2.0 * fb, 1.0, core);
}

static void attention(em *e, const rg_model *m, const rg_model_dims *dm) {
    const rg_shape *sh = e->sh;
    double n = sh->n_attn, t = (double)sh->tp, b = sh->b;
    double T = b * sh->s_q, Tn = sh->sp ? T / t : T, d = (double)dm->d;
    double hl = (double)dm->heads / t;
    double kvl = ceil((double)dm->kv_heads / t);
    double q_loc = hl * (double)dm->qk_head_dim, k_loc = kvl * (double)dm->qk_head_dim;
    double v_loc = kvl * (double)dm->v_head_dim, o_loc = hl * (double)dm->v_head_dim;
    double drop = sh->train && sh->dropout ? 1.0 : 0.0;
    bool absorbed = m->mla.enabled && sh->decode;

    vec(e, "attn.norm", n, Tn * d, NORM_FLOPS, 1, 1, (double)dm->norm_params * e->w, false);
    if (!m->mla.enabled) {
        matmul(e, "attn.qkv_proj", n, T, d, q_loc + k_loc + v_loc, 1);
    } else {
        const rg_mla *a = &m->mla;
        double qr = (double)a->q_lora_rank, kvr = (double)a->kv_lora_rank, rope = (double)a->qk_rope_head_dim;
        if (a->q_lora_rank > 0) {
            matmul(e, "attn.q_down", n, T, d, qr, 1);
            vec(e, "attn.q_norm", n, T * qr, NORM_FLOPS, 1, 1, 0, false);
            matmul(e, "attn.q_up", n, T, qr, q_loc, 1);
        } else {
            matmul(e, "attn.q_proj", n, T, d, q_loc, 1);
        }
        matmul(e, "attn.kv_down", n, T, d, kvr + rope, 1);
        vec(e, "attn.kv_norm", n, T * kvr, NORM_FLOPS, 1, 1, 0, false);
        if (absorbed) {
            /* q_nope x W_UK per head, and W_UV after attention (batched over heads) */
            matmul(e, "attn.q_absorb", n, T, (double)a->qk_nope_head_dim, kvr, hl);
        } else {
            matmul(e, "attn.kv_up", n, T, kvr, hl * (double)(a->qk_nope_head_dim + a->v_head_dim), 1);
        }
    }
    if (m->max_positions == 0) {
        double rot = m->mla.enabled ? (hl + 1.0) * (double)m->mla.qk_rope_head_dim : q_loc + k_loc;
        vec(e, "attn.rope", n, T * rot, ROPE_FLOPS, 1, 1, 0, false);
    }

    /* attention core */
    double kvb = sh->decode ? e->kv : e->a;
    double sq = sh->s_q, sk = sh->s_k;
    double sc_flops, val_flops, kv_bytes, q_bytes, o_bytes, kv_write = 0.0;
    if (absorbed) {
        double kvr = (double)m->mla.kv_lora_rank, rope = (double)m->mla.qk_rope_head_dim;
        sc_flops = 2.0 * b * hl * sq * sk * (kvr + rope);
        val_flops = 2.0 * b * hl * sq * sk * kvr;
        kv_bytes = b * sk * (kvr + rope) * kvb;
        q_bytes = b * sq * hl * (kvr + rope) * e->a;
        o_bytes = b * sq * hl * kvr * e->a;
        kv_write = b * sq * (kvr + rope) * kvb;
    } else {
        sc_flops = 2.0 * b * hl * sq * sk * (double)dm->qk_head_dim;
        val_flops = 2.0 * b * hl * sq * sk * (double)dm->v_head_dim;
        kv_bytes = b * sk * (k_loc + v_loc) * kvb;
        q_bytes = b * sq * q_loc * e->a;
        o_bytes = b * sq * o_loc * e->a;
        if (!sh->train) { /* inference appends its keys/values to the KV cache */
            double cached = m->mla.enabled ? (double)dm->kv_cache_elems : k_loc + v_loc;
            kv_write = b * sq * cached * e->kv;
        }
    }
    if (sh->flash) {
        /* A fused causal kernel skips the blocks above the diagonal: of the
         * s x s products (s+1)/(2s) are computed (decode: all of the row). */
        double causal = sh->decode ? 1.0 : 0.5 * (1.0 + 1.0 / sk);
        double fb = q_bytes + kv_bytes + o_bytes + kv_write;
        sc_flops *= causal;
        val_flops *= causal;
        emit(e, "attn.flash", sh->fa, true, n, sc_flops + val_flops, fb, 2.0 * fb + o_bytes, 1, true);
        if (sh->train) /* the fused backward re-computes the scores */
            rg_roof_op(e->r, "attn.flash", RG_PASS_RECOMPUTE, sh->fa, true, n, sc_flops, 0.0, 1);
    } else {
        double S = b * hl * sq * sk; /* score elements */
        double kb = kv_bytes * (absorbed ? 1.0 : k_loc / (k_loc + v_loc));
        double vb = kv_bytes - kb;
        double sfb = q_bytes + kb + S * e->a + kv_write;
        emit(e, "attn.scores", sh->fa, true, n, sc_flops, sfb, 2.0 * sfb, 1, true);
        vec(e, "attn.softmax", n, S, SOFTMAX_FLOPS, 1, 1 + drop, S * drop, true);
        double vfb = S * e->a + vb + o_bytes;
        emit(e, "attn.values", sh->fa, true, n, val_flops, vfb, 2.0 * vfb, 1, true);
    }
    if (absorbed)
        matmul(e, "attn.out_absorb", n, T, (double)m->mla.kv_lora_rank, (double)m->mla.v_head_dim, hl);
    matmul(e, "attn.out_proj", n, T, o_loc, d, 1);
    vec(e, "attn.residual", n, Tn * d, RESIDUAL_FLOPS, 2, 1, Tn * d * drop, false);
}

/* Dense FFN of width `f` (sharded over tp), `prefix` names its ops. */
static void ffn(em *e, const rg_model_dims *dm, double n, double T, double f, const char *up, const char *act,
                const char *down) {
    double t = (double)e->sh->tp, d = (double)dm->d, fl = f / t;
    double gated = dm->ffn_mats == 3 ? 1.0 : 0.0;
    matmul(e, up, n, T, d, (1.0 + gated) * fl, 1);
    vec(e, act, n, T * fl, ACT_FLOPS, 1 + gated, 1, 0, false);
    matmul(e, down, n, T, fl, d, 1);
}

static void dense_block(em *e, const rg_model_dims *dm) {
    const rg_shape *sh = e->sh;
    double n = sh->n_dense, t = (double)sh->tp, T = sh->b * sh->s_q, Tn = sh->sp ? T / t : T;
    double d = (double)dm->d, drop = sh->train && sh->dropout ? 1.0 : 0.0;
    vec(e, "ffn.norm", n, Tn * d, NORM_FLOPS, 1, 1, (double)dm->norm_params * e->w, false);
    ffn(e, dm, n, T, (double)dm->ffn_dim, "ffn.up_gate", "ffn.act", "ffn.down");
    vec(e, "ffn.residual", n, Tn * d, RESIDUAL_FLOPS, 2, 1, Tn * d * drop, false);
}

/* Routed experts on this device: `Tk` token-expert pairs arrive (balanced
 * routing) for E/ep local experts; an expert is read only if a token of the
 * EP group picked it: touched = 1 - (1 - k/E)^tokens. */
static void moe_block(em *e, const rg_model *m, const rg_model_dims *dm) {
    const rg_shape *sh = e->sh;
    double n = sh->n_moe, t = (double)sh->tp, T = sh->b * sh->s_q, Tn = sh->sp ? T / t : T;
    double d = (double)dm->d, drop = sh->train && sh->dropout ? 1.0 : 0.0;
    double E = (double)m->moe.experts, k = (double)m->moe.top_k;
    double e_loc = E / (double)sh->ep;
    double touched = 1.0 - pow(1.0 - k / E, sh->moe_group_tokens);
    double Tk = T * k, fl = (double)dm->expert_ffn_dim / t, gated = dm->ffn_mats == 3 ? 1.0 : 0.0;

    vec(e, "moe.norm", n, Tn * d, NORM_FLOPS, 1, 1, (double)dm->norm_params * e->w, false);
    matmul(e, "moe.router", n, T, d, E, 1);
    vec(e, "moe.topk", n, T * E, SOFTMAX_FLOPS, 1, 1, 0, false);

    double wts = e_loc * touched * d * fl;
    double up_n = (1.0 + gated) * fl;
    double act = (Tk * d + Tk * up_n) * e->a;
    emit(e, "moe.experts_up_gate", sh->fw, true, n, 2.0 * Tk * d * up_n, act + (1.0 + gated) * wts * e->w,
         2.0 * act + (1.0 + gated) * wts * (e->w + e->g), e_loc, false);
    vec(e, "moe.experts_act", n, Tk * fl, ACT_FLOPS, 1 + gated, 1, 0, false);
    act = (Tk * fl + Tk * d) * e->a;
    emit(e, "moe.experts_down", sh->fw, true, n, 2.0 * Tk * fl * d, act + wts * e->w,
         2.0 * act + wts * (e->w + e->g), e_loc, false);
    if (m->moe.shared_experts > 0)
        ffn(e, dm, n, T, (double)(m->moe.shared_experts * dm->expert_ffn_dim), "moe.shared_up_gate",
            "moe.shared_act", "moe.shared_down");
    vec(e, "moe.residual", n, Tn * d, RESIDUAL_FLOPS, 2, 1, Tn * d * drop, false);
}

static void head(em *e, const rg_model_dims *dm) {
    const rg_shape *sh = e->sh;
    double n = sh->n_head, t = (double)sh->tp, d = (double)dm->d;
    /* inference needs logits of the last position only */
    double T = sh->train ? sh->b * sh->s_q : sh->b;
    double Tn = sh->sp && sh->train ? T / t : T;
    double vl = sh->vocab / t;
    vec(e, "final_norm", n, Tn * d, NORM_FLOPS, 1, 1, (double)dm->norm_params * e->w, false);
    matmul(e, "lm_head", n, T, d, vl, 1);
    if (sh->train)
        vec(e, "loss", n, T * vl, LOSS_FLOPS, 1, 1, 0, false);
}

static void embed(em *e, const rg_model *m, const rg_model_dims *dm) {
    const rg_shape *sh = e->sh;
    double T = sh->b * sh->s_q, d = (double)dm->d;
    double rows = m->max_positions > 0 ? 2.0 : 1.0; /* token (+ position) rows gathered */
    double fb = T * d * (rows * e->w + e->a);
    rg_roof_op(e->r, "embedding", RG_PASS_FWD, sh->fw, false, sh->n_embed, T * d * (rows - 1.0), fb, 1);
    if (sh->train) /* scatter-add of the gradient rows */
        rg_roof_op(e->r, "embedding", RG_PASS_BWD, sh->fg, false, sh->n_embed, T * d * rows,
                   T * d * (e->a + 2.0 * rows * e->g), 1);
}

double rg_roofline_embed_s(const rg_roof *r, const rg_model *m, const rg_model_dims *dm, const rg_shape *sh,
                           double runs) {
    double T = sh->b * sh->s_q, d = (double)dm->d, c, mem, t, total = 0.0;
    double a = rg_format_bytes(sh->fa), w = rg_format_bytes(sh->fw), g = rg_format_bytes(sh->fg);
    double rows = m->max_positions > 0 ? 2.0 : 1.0;
    rg_bound bound;
    rg_roofline_time(r, false, T * d * (rows - 1.0), T * d * (rows * w + a), 1, &c, &mem, &t, &bound);
    total += t;
    if (sh->train) {
        rg_roofline_time(r, false, T * d * rows, T * d * (a + 2.0 * rows * g), 1, &c, &mem, &t, &bound);
        total += t;
    }
    return runs * total;
}

void rg_roofline_transformer(rg_roof *r, const rg_model *m, const rg_model_dims *dm, const rg_shape *sh) {
    em e = {r,
            sh,
            rg_format_bytes(sh->fa),
            rg_format_bytes(sh->fw),
            rg_format_bytes(sh->fg),
            rg_format_bytes(sh->fkv)};
    r->cat = RG_CAT_HEAD;
    embed(&e, m, dm);
    r->cat = RG_CAT_ATTN;
    attention(&e, m, dm);
    r->cat = RG_CAT_DENSE;
    if (dm->dense_layers > 0)
        dense_block(&e, dm);
    r->cat = RG_CAT_MOE;
    if (dm->moe_layers > 0)
        moe_block(&e, m, dm);
    r->cat = RG_CAT_HEAD;
    head(&e, dm);
    r->cat = -1;
}
