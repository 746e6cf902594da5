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
#define SOFTCAP_FLOPS  3.0 /* scale, tanh, scale per logit (Gemma 2 soft-capping) */
#define CONV_FLOPS     2.0 /* multiply-accumulate per tap of the depthwise causal conv */
#define SCAN_STEP_FLOPS                                                                                      \
    5.0 /* recurrent SSD step per state element: decay, outer product, add, readout (2)                      \
         */
#define SELECTIVE_SCAN_FLOPS                                                                                 \
    8.0 /* Mamba-1 scan per state element per token: discretize exp(dt A) (2), dt B x (2), A h + B x (2),    \
         * readout C h (2) (Gu & Dao 2023, sec. 3.3.2 and Algorithm 2: O(B L D N) work) */

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

/* Tokens of one micro-step on this device (a serving mix: all its tokens). */
static double step_tokens(const rg_shape *sh) {
    return sh->mix ? sh->mix->prefill.q + sh->mix->decode.q : sh->b * sh->s_q;
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
    const char *pfx;    /* layer kind replacing the op name's first part (NULL: keep) */
    bool no_residual;   /* a shared block: no residual add after its attention and MLP */
    char name[RG_OP_NAME_MAX];
    rg_recipe_passes rp; /* recipe passes of the step's forward GEMM operands */
    double rp_runs;      /* forward GEMM runs those passes belong to */
} em;

/* The op name for the layer kind being emitted: "attn.flash" becomes
 * "attn_local.flash" under the prefix "attn_local". Only formatted when rows
 * are written; the buffer lives until the next op. */
static const char *opname(em *e, const char *base) {
    if (!e->pfx || !e->r->rows)
        return base;
    const char *dot = strchr(base, '.');
    size_t np = strlen(e->pfx), nb = strlen(dot ? dot : base) + (dot ? 0 : 1);
    if (np + nb >= sizeof e->name)
        return base;
    memcpy(e->name, e->pfx, np);
    if (dot) {
        memcpy(e->name + np, dot, nb + 1);
    } else {
        e->name[np] = '.';
        memcpy(e->name + np + 1, base, nb);
    }
    return e->name;
}

/* One logical op in every pass the phase needs. `core` marks the attention
 * core (selectively recomputed). */
static void emit(em *e, const char *name, int fmt, bool matmul, double count, double flops, double fbytes,
                 double bbytes, double gemms, bool core) {
    const rg_shape *sh = e->sh;
    name = opname(e, name);
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
/* The recipe passes of one forward GEMM's operands: the M x K activation,
 * and in training the K x N weight (re-quantized every step). */
static void quant_passes(em *e, double count, double act_elems, double wt_elems) {
    const rg_shape *sh = e->sh;
    if (!sh->av || count <= 0.0 || (!sh->ra && !(sh->rw && sh->train)))
        return;
    if (sh->ra) {
        rg_recipe_passes_add(sh->ra, count * act_elems, sh->av, sh->used, &e->rp);
        e->r->recipe_elems[0] += count * act_elems;
    }
    if (sh->rw && sh->train) {
        rg_recipe_passes_add(sh->rw, count * wt_elems, sh->av, sh->used, &e->rp);
        e->r->recipe_elems[1] += count * wt_elems;
    }
    e->rp_runs += count;
}

/* The accumulated recipe passes as rows of their own, each run once per
 * forward GEMM run. */
static void emit_passes(em *e) {
    const rg_recipe_passes *p = &e->rp;
    double n = e->rp_runs;
    if (n <= 0.0)
        return;
    int fa = e->sh->fa;
    if (p->amax_bytes > 0.0)
        rg_roof_op(e->r, "recipe.amax", RG_PASS_FWD, fa, false, n, p->amax_flops / n, p->amax_bytes / n, 1);
    if (p->fos_flops > 0.0)
        rg_roof_op(e->r, "recipe.four_over_six", RG_PASS_FWD, fa, false, n, p->fos_flops / n, 0.0, 1);
    if (p->rotate_flops > 0.0)
        rg_roof_op(e->r, "recipe.rotate", RG_PASS_FWD, fa, false, n, p->rotate_flops / n, p->rotate_bytes / n,
                   1);
}

static void matmul(em *e, const char *name, double count, double M, double K, double N, double batch) {
    const rg_shape *sh = e->sh;
    quant_passes(e, count, batch * M * K, batch * K * N);
    double act = batch * (M * K + M * N) * e->a;
    double wts = batch * K * N;
    double fb = act + wts * e->w;
    double bb = 2.0 * act + wts * (e->w + e->g);
    name = opname(e, name);
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

/* A serving mix's attention core (one op set per kind, rg_roofline_mix_core),
 * the absorbed output projection of its decode tokens, out-projection and
 * residual. Inference only: forward ops. */
static void mix_attention_tail(em *e, const rg_model *m, const rg_model_dims *dm, double n, bool windowed) {
    const rg_shape *sh = e->sh;
    const rg_mix *mx = sh->mix;
    double t = (double)sh->tp, T = step_tokens(sh), Tn = sh->sp ? T / t : T;
    double hl = (double)dm->heads / t, o_loc = hl * (double)dm->v_head_dim, d = (double)dm->d;
    rg_core_op ops[RG_CORE_OPS_MAX];
    const rg_mix_part *pf = windowed ? &mx->wprefill : &mx->prefill,
                      *dec = windowed ? &mx->wdecode : &mx->decode;
    for (int kind = 0; kind < 2 && !mx->skip_core; kind++) {
        int k = rg_roofline_mix_core(m, dm, sh, kind ? dec : pf, kind == 1, ops);
        for (int i = 0; i < k; i++)
            rg_roof_op(e->r, opname(e, ops[i].name), RG_PASS_FWD, sh->fa, ops[i].matmul, n, ops[i].flops,
                       ops[i].bytes, 1);
    }
    if (m->mla.enabled && mx->decode.q > 0.0)
        matmul(e, "attn.out_absorb", n, mx->decode.q, (double)m->mla.kv_lora_rank, (double)m->mla.v_head_dim,
               hl);
    matmul(e, "attn.out_proj", n, T, o_loc, d, 1);
    vec(e, "attn.residual", n, Tn * d, RESIDUAL_FLOPS, 2, 1, 0, false);
}

int rg_roofline_mix_core(const rg_model *m, const rg_model_dims *dm, const rg_shape *sh,
                         const rg_mix_part *part, bool decode, rg_core_op ops[RG_CORE_OPS_MAX]) {
    if (!(part->q > 0.0))
        return 0;
    double t = (double)sh->tp, a = rg_format_bytes(sh->fa), kv = rg_format_bytes(sh->fkv);
    double hl = (double)dm->heads / t, kvl = ceil((double)dm->kv_heads / t);
    double q_loc = hl * (double)dm->qk_head_dim, k_loc = kvl * (double)dm->qk_head_dim;
    double v_loc = kvl * (double)dm->v_head_dim, o_loc = hl * (double)dm->v_head_dim;
    bool absorbed = m->mla.enabled && decode;
    double hd_s, hd_v, kv_bytes, q_bytes, o_bytes, write, k_share;
    if (absorbed) { /* scores and values against the cached latent (DeepSeek-V2, sec. 2.1.2) */
        double kvr = (double)m->mla.kv_lora_rank, rope = (double)m->mla.qk_rope_head_dim;
        hd_s = kvr + rope;
        hd_v = kvr;
        kv_bytes = part->cached * (kvr + rope) * kv;
        q_bytes = part->q * hl * (kvr + rope) * a;
        o_bytes = part->q * hl * kvr * a;
        write = part->q * (kvr + rope) * kv;
        k_share = 1.0;
    } else {
        /* prefill reads its own keys/values from activations and earlier
         * chunks' from the cache (MLA: as if up-projected) */
        double fresh = decode ? 0.0 : part->q;
        double cached_elems = m->mla.enabled ? (double)dm->kv_cache_elems : k_loc + v_loc;
        hd_s = (double)dm->qk_head_dim;
        hd_v = (double)dm->v_head_dim;
        kv_bytes = (fresh * a + part->cached * kv) * (k_loc + v_loc);
        q_bytes = part->q * q_loc * a;
        o_bytes = part->q * o_loc * a;
        write = part->q * cached_elems * kv;
        k_share = k_loc / (k_loc + v_loc);
    }
    if (sh->flash) {
        ops[0] = (rg_core_op){"attn.flash", true, 2.0 * hl * part->pairs * (hd_s + hd_v),
                              q_bytes + kv_bytes + o_bytes + write};
        return 1;
    }
    double S = hl * part->full, kb = kv_bytes * k_share, vb = kv_bytes - kb;
    int k = 0;
    ops[k++] = (rg_core_op){"attn.scores", true, 2.0 * hl * part->full * hd_s, q_bytes + kb + S * a + write};
    if (m->attn_softcap > 0.0) /* as the uniform step's: its own op when unfused */
        ops[k++] = (rg_core_op){"attn.softcap", false, S * SOFTCAP_FLOPS, 2.0 * S * a};
    ops[k++] = (rg_core_op){"attn.softmax", false, S * SOFTMAX_FLOPS, 2.0 * S * a};
    ops[k++] = (rg_core_op){"attn.values", true, 2.0 * hl * part->full * hd_v, S * a + vb + o_bytes};
    return k;
}

/* Keys a query attends on average in a causal sequence of `s` tokens with a
 * window of `w` keys (w = 0: no window): query i sees min(i + 1, w) keys. */
static double causal_keys(double s, double w) {
    if (w <= 0.0 || w >= s)
        return 0.5 * (s + 1.0);
    return (0.5 * w * (w + 1.0) + (s - w) * w) / s;
}

/* One attention mixer run `n` times; `window` > 0 bounds the keys of each
 * query (sliding-window layers: the KV cache holds the last `window` tokens,
 * a fused kernel skips the blocks outside the band). */
static void attention(em *e, const rg_model *m, const rg_model_dims *dm, double n, double window) {
    const rg_shape *sh = e->sh;
    double t = (double)sh->tp, b = sh->b;
    double T = step_tokens(sh), Tn = sh->sp ? T / t : T, d = (double)dm->d;
    double hl = (double)dm->heads / t;
    double kvl = ceil((double)dm->kv_heads / t);
    double q_loc = hl * (double)dm->qk_head_dim, k_loc = kvl * (double)dm->qk_head_dim;
    double v_loc = kvl * (double)dm->v_head_dim, o_loc = hl * (double)dm->v_head_dim;
    double drop = sh->train && sh->dropout ? 1.0 : 0.0;
    bool absorbed = m->mla.enabled && sh->decode;

    double din = (double)dm->attn_in; /* d, or 2 d for a shared block's concatenated input */
    vec(e, "attn.norm", n, Tn * din, NORM_FLOPS, 1, 1, (double)dm->norm_params * din / d * e->w, false);
    if (!m->mla.enabled) {
        matmul(e, "attn.qkv_proj", n, T, din, q_loc + k_loc + v_loc, 1);
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
        if (sh->mix) { /* prefill tokens up-project, decode tokens absorb */
            if (sh->mix->prefill.q > 0.0)
                matmul(e, "attn.kv_up", n, sh->mix->prefill.q, kvr,
                       hl * (double)(a->qk_nope_head_dim + a->v_head_dim), 1);
            if (sh->mix->decode.q > 0.0)
                matmul(e, "attn.q_absorb", n, sh->mix->decode.q, (double)a->qk_nope_head_dim, kvr, hl);
        } else if (absorbed) {
            /* q_nope x W_UK per head, and W_UV after attention (batched over heads) */
            matmul(e, "attn.q_absorb", n, T, (double)a->qk_nope_head_dim, kvr, hl);
        } else {
            matmul(e, "attn.kv_up", n, T, kvr, hl * (double)(a->qk_nope_head_dim + a->v_head_dim), 1);
        }
    }
    if (m->qk_norm) /* per-head RMSNorm of queries and keys before rotary */
        vec(e, "attn.qk_norm", n, T * (q_loc + k_loc), NORM_FLOPS, 1, 1, 2.0 * (double)dm->qk_head_dim * e->w,
            false);
    if (m->max_positions == 0) {
        double rot = m->mla.enabled ? (hl + 1.0) * (double)m->mla.qk_rope_head_dim : q_loc + k_loc;
        vec(e, "attn.rope", n, T * rot, ROPE_FLOPS, 1, 1, 0, false);
    }

    if (sh->mix) {
        mix_attention_tail(e, m, dm, n, window > 0.0);
        return;
    }

    /* attention core */
    double kvb = sh->decode ? e->kv : e->a;
    double sq = sh->s_q, sk = sh->s_k;
    if (sh->decode && window > 0.0 && window < sk) /* the cache holds the window only */
        sk = window;
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
        double causal = sh->decode ? 1.0 : causal_keys(sk, window) / sk;
        double fb = q_bytes + kv_bytes + o_bytes + kv_write;
        sc_flops *= causal;
        val_flops *= causal;
        emit(e, "attn.flash", sh->fa, true, n, sc_flops + val_flops, fb, 2.0 * fb + o_bytes, 1, true);
        if (sh->train) /* the fused backward re-computes the scores */
            rg_roof_op(e->r, opname(e, "attn.flash"), RG_PASS_RECOMPUTE, sh->fa, true, n, sc_flops, 0.0, 1);
    } else {
        double S = b * hl * sq * sk; /* score elements */
        double kb = kv_bytes * (absorbed ? 1.0 : k_loc / (k_loc + v_loc));
        double vb = kv_bytes - kb;
        double sfb = q_bytes + kb + S * e->a + kv_write;
        emit(e, "attn.scores", sh->fa, true, n, sc_flops, sfb, 2.0 * sfb, 1, true);
        if (m->attn_softcap > 0.0) /* a fused kernel caps in registers: no op of its own there */
            vec(e, "attn.softcap", n, S, SOFTCAP_FLOPS, 1, 1, 0, true);
        vec(e, "attn.softmax", n, S, SOFTMAX_FLOPS, 1, 1 + drop, S * drop, true);
        double vfb = S * e->a + vb + o_bytes;
        emit(e, "attn.values", sh->fa, true, n, val_flops, vfb, 2.0 * vfb, 1, true);
    }
    if (absorbed)
        matmul(e, "attn.out_absorb", n, T, (double)m->mla.kv_lora_rank, (double)m->mla.v_head_dim, hl);
    matmul(e, "attn.out_proj", n, T, o_loc, d, 1);
    if (!e->no_residual)
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

static void dense_block(em *e, const rg_model_dims *dm, double n) {
    const rg_shape *sh = e->sh;
    double t = (double)sh->tp, T = step_tokens(sh), Tn = sh->sp ? T / t : T;
    double d = (double)dm->d, drop = sh->train && sh->dropout ? 1.0 : 0.0;
    vec(e, "ffn.norm", n, Tn * d, NORM_FLOPS, 1, 1, (double)dm->norm_params * e->w, false);
    ffn(e, dm, n, T, (double)dm->ffn_dim, "ffn.up_gate", "ffn.act", "ffn.down");
    if (!e->no_residual)
        vec(e, "ffn.residual", n, Tn * d, RESIDUAL_FLOPS, 2, 1, Tn * d * drop, false);
}

/* One use of a shared block run `n` times (rg_shared; transformers'
 * Zamba2HybridLayer): the concatenation [h; embedding], the attention of
 * the block over its input width (q/k/v adapters: in -> rank for the
 * three, then rank -> each projection's width, added to it), the MLP (its
 * up/gate adapter d -> rank -> 2 f/tp), the per-use d x d linear layer and
 * the add of the block's output into the next layer's input. The block has
 * no residual adds of its own. Sharded over tp as attention and MLP are
 * (one all-reduce after each); the adapters' down projections and the d x d
 * linear run whole on every rank. */
static void shared_block(em *e, const rg_model *m, const rg_model_dims *dm, double n) {
    const rg_shape *sh = e->sh;
    const rg_shared *s = &m->shared;
    rg_model_dims sd;
    rg_model_shared_dims(m, dm, &sd);
    double t = (double)sh->tp, T = step_tokens(sh), Tn = sh->sp ? T / t : T, d = (double)dm->d;
    double r = (double)s->adapter_rank, din = (double)sd.attn_in;
    double hl = (double)dm->heads / t, kvl = ceil((double)dm->kv_heads / t);
    double qkv = hl * (double)dm->qk_head_dim + kvl * (double)(dm->qk_head_dim + dm->v_head_dim);
    e->no_residual = true;
    e->pfx = "shared_attn";
    if (s->concat) /* read h and the embedding output, write [h; emb] */
        vec(e, "attn.concat", n, Tn * d, 0.0, 2, 2, 0, false);
    if (s->attn_adapter) {
        matmul(e, "attn.qkv_adapter_down", n, T, din, 3.0 * r, 1);
        matmul(e, "attn.qkv_adapter_up", n, T, r, qkv / 3.0, 3);
        vec(e, "attn.qkv_adapter_add", n, T * qkv, RESIDUAL_FLOPS, 2, 1, 0, false);
    }
    attention(e, m, &sd, n, 0.0);
    e->pfx = "shared_ffn";
    dense_block(e, &sd, n);
    if (s->mlp_adapter) {
        double up = (double)(dm->ffn_mats - 1) * (double)dm->ffn_dim / t;
        matmul(e, "ffn.up_gate_adapter_down", n, T, d, r, 1);
        matmul(e, "ffn.up_gate_adapter_up", n, T, r, up, 1);
        vec(e, "ffn.up_gate_adapter_add", n, T * up, RESIDUAL_FLOPS, 2, 1, 0, false);
    }
    e->pfx = NULL;
    e->no_residual = false;
    if (s->out_linear)
        matmul(e, "shared.out_linear", n, T, d, d, 1);
    vec(e, "shared.add", n, Tn * d, RESIDUAL_FLOPS, 2, 1, 0, false);
}

/* Routed experts on this device: `Tk` token-expert pairs arrive (balanced
 * routing) for E/ep local experts; an expert is read only if a token of the
 * EP group picked it: touched = 1 - (1 - k/E)^tokens. */
static void moe_block(em *e, const rg_model *m, const rg_model_dims *dm, double n) {
    const rg_shape *sh = e->sh;
    double t = (double)sh->tp, T = step_tokens(sh), Tn = sh->sp ? T / t : T;
    double d = (double)dm->d, drop = sh->train && sh->dropout ? 1.0 : 0.0;
    double E = (double)m->moe.experts, k = (double)m->moe.top_k;
    double e_loc = E / (double)sh->ep;
    double touched = 1.0 - pow(1.0 - k / E, sh->moe_group_tokens);
    double Tk = T * k, fl = (double)dm->expert_ffn_dim / t, gated = dm->ffn_mats == 3 ? 1.0 : 0.0;
    double din = (double)dm->moe_in; /* the experts' width: d, or the latent */

    vec(e, "moe.norm", n, Tn * d, NORM_FLOPS, 1, 1, (double)dm->norm_params * e->w, false);
    matmul(e, "moe.router", n, T, d, E, 1);
    if (m->moe.shared_gate) /* sigmoid(x W_g) scales the shared experts' output */
        matmul(e, "moe.shared_gate", n, T, d, 1, 1);
    vec(e, "moe.topk", n, T * E, SOFTMAX_FLOPS, 1, 1, 0, false);
    if (m->moe.latent > 0) /* fc1_latent_proj, whole on every rank */
        matmul(e, "moe.latent_down", n, T, d, din, 1);

    double wts = e_loc * touched * din * fl;
    double up_n = (1.0 + gated) * fl;
    quant_passes(e, n, Tk * din, e_loc * touched * din * up_n);
    quant_passes(e, n, Tk * fl, wts);
    double act = (Tk * din + Tk * up_n) * e->a;
    emit(e, "moe.experts_up_gate", sh->fw, true, n, 2.0 * Tk * din * up_n, act + (1.0 + gated) * wts * e->w,
         2.0 * act + (1.0 + gated) * wts * (e->w + e->g), e_loc, false);
    vec(e, "moe.experts_act", n, Tk * fl, ACT_FLOPS, 1 + gated, 1, 0, false);
    act = (Tk * fl + Tk * din) * e->a;
    emit(e, "moe.experts_down", sh->fw, true, n, 2.0 * Tk * fl * din, act + wts * e->w,
         2.0 * act + wts * (e->w + e->g), e_loc, false);
    if (m->moe.latent > 0) /* fc2_latent_proj of the combined expert outputs */
        matmul(e, "moe.latent_up", n, T, din, d, 1);
    if (m->moe.shared_experts > 0)
        ffn(e, dm, n, T, (double)(m->moe.shared_experts * dm->expert_ffn_dim), "moe.shared_up_gate",
            "moe.shared_act", "moe.shared_down");
    vec(e, "moe.residual", n, Tn * d, RESIDUAL_FLOPS, 2, 1, Tn * d * drop, false);
}

/* Sequences of a step whose recurrent SSM state goes through memory: the
 * decode sequences (a serving mix's decode part); prefill builds the state
 * on chip. */
static double ssm_state_seqs(const rg_shape *sh) {
    if (sh->mix)
        return sh->mix->decode.seqs;
    return sh->decode ? sh->b : 0.0;
}

/* One Mamba-2 mixer run `n` times (Dao & Gu 2024, sec. 6-7), sharded over
 * tp by heads (groups rounded up as KV heads are). Training and prefill run
 * the chunked SSD algorithm: per chunk of Q tokens the causal Q x Q
 * products C B^T (per group) and their application to X (per head) — half
 * of each Q x Q block under the causal mask — plus the chunk states B^T X
 * and their readout C h, 2 Q N P FLOPs each per head; these are matrix-unit
 * products. The states between chunks go through memory in fp32. Decode
 * runs the recurrence: read and write the state (KV-cache format) and
 * SCAN_STEP_FLOPS per state element on the vector units, plus the conv
 * window. */
/* One Mamba-1 mixer run `n` times (Gu & Dao 2023, Algorithm 2), sharded over
 * tp by channels: in_proj (x, z), the causal conv over x, x_proj to (dt, B,
 * C), dt_proj, the selective scan, the gate y * silu(z) and out_proj. The
 * scan is the hardware-aware one of sec. 3.3.2: it reads x, dt, B, C and A
 * and writes y, keeping the state on chip (recomputed in the backward pass),
 * so in training and prefill no state goes through memory; decode reads and
 * writes the recurrent state (KV-cache format). All of it runs on the vector
 * units. */
static void mamba1_block(em *e, const rg_model *m, const rg_model_dims *dm, double n) {
    const rg_shape *sh = e->sh;
    const rg_ssm *s = &m->ssm;
    double t = (double)sh->tp, T = step_tokens(sh), Tn = sh->sp ? T / t : T, d = (double)dm->d;
    double b = ssm_state_seqs(sh); /* sequences whose recurrent state is read and written */
    double drop = sh->train && sh->dropout ? 1.0 : 0.0;
    double il = (double)s->inner / t, N = (double)s->state, K = (double)s->conv, R = (double)s->dt_rank;
    double state = il * N; /* per sequence */

    vec(e, "ssm.norm", n, Tn * d, NORM_FLOPS, 1, 1, (double)dm->norm_params * e->w, false);
    matmul(e, "ssm.in_proj", n, T, d, 2.0 * il, 1);
    double conv_state = 2.0 * b * il * (K - 1.0) * e->kv;
    vec(e, "ssm.conv", n, T * il, CONV_FLOPS * K, 1, 1, il * K * e->w + conv_state, false);
    matmul(e, "ssm.x_proj", n, T, il, R + 2.0 * N, 1);
    if (s->dt_norms)
        vec(e, "ssm.dt_norms", n, T * (R + 2.0 * N), NORM_FLOPS, 1, 1, (R + 2.0 * N) * e->w, false);
    matmul(e, "ssm.dt_proj", n, T, R, il, 1);
    double fb = T * (3.0 * il + 2.0 * N) * e->a + state * e->w; /* x, dt, B, C in; y out; A */
    fb += 2.0 * b * state * e->kv;
    emit(e, "ssm.scan", sh->fa, false, n, T * state * SELECTIVE_SCAN_FLOPS, fb, 2.0 * fb, 1, false);
    vec(e, "ssm.gate", n, T * il, ACT_FLOPS, 2, 1, 0, false);
    matmul(e, "ssm.out_proj", n, T, il, d, 1);
    vec(e, "ssm.residual", n, Tn * d, RESIDUAL_FLOPS, 2, 1, Tn * d * drop, false);
}

static void ssm_block(em *e, const rg_model *m, const rg_model_dims *dm, double n) {
    const rg_shape *sh = e->sh;
    const rg_ssm *s = &m->ssm;
    if (s->version == 1) {
        mamba1_block(e, m, dm, n);
        return;
    }
    double t = (double)sh->tp, T = step_tokens(sh), Tn = sh->sp ? T / t : T, d = (double)dm->d;
    double drop = sh->train && sh->dropout ? 1.0 : 0.0;
    double hl = (double)s->heads / t, gl = ceil((double)s->groups / t);
    double P = (double)dm->ssm_head_dim, N = (double)s->state, K = (double)s->conv;
    double inner = hl * P, conv = inner + 2.0 * gl * N, in = 2.0 * inner + 2.0 * gl * N + hl;
    double state = inner * N; /* per sequence */

    vec(e, "ssm.norm", n, Tn * d, NORM_FLOPS, 1, 1, (double)dm->norm_params * e->w, false);
    matmul(e, "ssm.in_proj", n, T, d, in, 1);
    double conv_state = 2.0 * ssm_state_seqs(sh) * conv * (K - 1.0) * e->kv;
    vec(e, "ssm.conv", n, T * conv, CONV_FLOPS * K, 1, 1, conv * K * e->w + conv_state, false);
    /* a serving mix runs both kinds: the recurrence for its decode tokens,
     * the chunked algorithm for its prefill chunks (each as long as their
     * mean); a uniform step is one of them */
    const rg_mix *mx = sh->mix;
    double dec_T = mx ? mx->decode.q : sh->decode ? T : 0.0, dec_b = mx ? mx->decode.seqs : sh->b;
    double pf_T = mx ? mx->prefill.q : sh->decode ? 0.0 : T, pf_b = mx ? mx->prefill.seqs : sh->b;
    if (dec_T > 0.0) {
        double fb =
            dec_T * (conv + hl + inner) * e->a + 2.0 * dec_b * state * e->kv; /* x, B, C, dt in; y out */
        emit(e, "ssm.scan", sh->fa, false, n, dec_T * state * SCAN_STEP_FLOPS, fb, 2.0 * fb, 1, false);
    }
    if (pf_T > 0.0) {
        double len = mx ? pf_T / pf_b : sh->s_q;
        double Q = (double)(s->chunk > 0 ? s->chunk : 256);
        if (Q > len)
            Q = len;
        double flops = pf_T * (Q * (N * gl + P * hl) + 4.0 * N * P * hl);
        double chunks = ceil(len / Q) * pf_b;
        double fb = pf_T * (conv + hl + inner) * e->a + 2.0 * chunks * state * 4.0;
        emit(e, mx && dec_T > 0.0 ? "ssm.scan_chunked" : "ssm.scan", sh->fa, true, n, flops, fb, 2.0 * fb, hl,
             true);
    }
    vec(e, "ssm.gate_norm", n, T * inner, NORM_FLOPS + 1.0, 2, 1, inner * e->w, false);
    matmul(e, "ssm.out_proj", n, T, inner, d, 1);
    vec(e, "ssm.residual", n, Tn * d, RESIDUAL_FLOPS, 2, 1, Tn * d * drop, false);
}

static void head(em *e, const rg_model *m, const rg_model_dims *dm, double n) {
    const rg_shape *sh = e->sh;
    double t = (double)sh->tp, d = (double)dm->d;
    /* prefill needs logits of the last position only; decode those of every
     * position it verifies */
    double T = sh->train || (sh->decode && !sh->mix) ? sh->b * sh->s_q : sh->mix ? sh->mix->logits : sh->b;
    double Tn = sh->sp && sh->train ? T / t : T;
    double vl = sh->vocab / t;
    vec(e, "final_norm", n, Tn * d, NORM_FLOPS, 1, 1, (double)dm->norm_params * e->w, false);
    matmul(e, "lm_head", n, T, d, vl, 1);
    if (m->final_softcap > 0.0)
        vec(e, "logit_softcap", n, T * vl, SOFTCAP_FLOPS, 1, 1, 0, false);
    if (sh->train)
        vec(e, "loss", n, T * vl, LOSS_FLOPS, 1, 1, 0, false);
}

static void embed(em *e, const rg_model *m, const rg_model_dims *dm) {
    const rg_shape *sh = e->sh;
    double T = step_tokens(sh), d = (double)dm->d;
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
    double a = sh->ba > 0.0 ? sh->ba : rg_format_bytes(sh->fa);
    double w = sh->bw > 0.0 ? sh->bw : rg_format_bytes(sh->fw), g = rg_format_bytes(sh->fg);
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
    em e;
    memset(&e, 0, sizeof e);
    e.r = r;
    e.sh = sh;
    e.a = sh->ba > 0.0 ? sh->ba : rg_format_bytes(sh->fa);
    e.w = sh->bw > 0.0 ? sh->bw : rg_format_bytes(sh->fw);
    e.g = rg_format_bytes(sh->fg);
    e.kv = sh->bkv > 0.0 ? sh->bkv : rg_format_bytes(sh->fkv);
    r->cat = RG_CAT_HEAD;
    embed(&e, m, dm);
    r->cat = RG_CAT_ATTN;
    if (dm->global_layers > 0)
        attention(&e, m, dm, sh->n_attn, 0.0);
    if (dm->local_layers > 0) {
        r->cat = RG_CAT_LOCAL;
        e.pfx = "attn_local";
        attention(&e, m, dm, sh->n_local, sh->window);
        e.pfx = NULL;
    }
    if (dm->ssm_layers > 0) {
        r->cat = RG_CAT_SSM;
        ssm_block(&e, m, dm, sh->n_ssm);
    }
    if (m->shared.uses > 0 && sh->n_shared > 0.0) {
        r->cat = RG_CAT_SHARE;
        shared_block(&e, m, dm, sh->n_shared);
    }
    r->cat = RG_CAT_DENSE;
    if (dm->dense_layers > 0)
        dense_block(&e, dm, sh->n_dense);
    r->cat = RG_CAT_MOE;
    if (dm->moe_layers > 0)
        moe_block(&e, m, dm, sh->n_moe);
    r->cat = RG_CAT_HEAD;
    head(&e, m, dm, sh->n_head);
    if (m->mtp_layers > 0 && sh->n_mtp > 0.0) {
        /* DeepSeek-V3 sec. 2.2: each module projects [norm(h); norm(emb)]
         * (2d -> d), runs one layer of the model's last kind and the shared
         * output head (training: with its own loss). A decode draft runs a
         * module on one token per sequence, once per draft token. */
        rg_shape one = *sh;
        if (sh->decode)
            one.s_q = 1.0;
        e.sh = &one;
        double n = sh->n_mtp, T = one.b * one.s_q, d = (double)dm->d;
        r->cat = RG_CAT_MTP;
        e.pfx = "mtp";
        vec(&e, "mtp.norms", n, 2.0 * T * d, NORM_FLOPS, 1, 1, 2.0 * (double)dm->norm_params * e.w, false);
        matmul(&e, "mtp.eh_proj", n, T, 2.0 * d, d, 1);
        e.pfx = dm->ssm_layers == m->layers ? "mtp_ssm" : "mtp_attn";
        if (dm->ssm_layers == m->layers)
            ssm_block(&e, m, dm, n);
        else
            attention(&e, m, dm, n, dm->global_layers > 0 ? 0.0 : sh->window);
        e.pfx = dm->moe_layers > 0 ? "mtp_moe" : "mtp_ffn";
        if (dm->moe_layers > 0)
            moe_block(&e, m, dm, n);
        else
            dense_block(&e, dm, n);
        e.pfx = "mtp";
        head(&e, m, dm, n);
        e.pfx = NULL;
        e.sh = sh;
    }
    r->cat = -1;
    emit_passes(&e);
}
