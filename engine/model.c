/* model.c: derived dimensions and parameter counts (see model.h).
 *
 * Parameter conventions follow the published configs: Q/K/V/O projections,
 * a dense FFN of 2 (plain) or 3 (gated) matrices, biases on every linear
 * layer when `bias` is set (GPT-3), two norms per layer plus a final norm,
 * token embedding (+ learned positions), and an LM head unless tied. MoE
 * layers hold `experts` routed experts, `shared_experts` always-on experts of
 * width expert_ffn_dim and a d x experts router. MLA (DeepSeek-V2/V3) follows
 * the reference implementation's shapes: q_a (d x q_lora) + q_a norm + q_b
 * (q_lora x heads*(nope+rope)), kv_a (d x (kv_lora+rope)) + kv_a norm, kv_b
 * (kv_lora x heads*(nope+v)), o (heads*v x d).
 *
 * Layer variants: q/k norms are one weight of head_dim each (Qwen3,
 * Gemma 3: the norm is shared by the heads); post-norms add a norm after
 * the mixer and after the FFN (Gemma 2/3: four per layer); `bias` sets every
 * bias, qkv_bias / out_bias / mlp_bias set them one group at a time (Qwen2:
 * q/k/v only; Llama's attention_bias: q/k/v and o). A Mamba-2 mixer follows
 * the reference block (see rg_ssm in spec.h); a layer without an FFN has
 * one norm (or two with post-norms). */
#include "model.h"

void rg_model_derive(const rg_model *m, rg_model_dims *out) {
    rg_model_dims dm = {0};
    dm.d = m->d_model;
    dm.heads = m->heads;
    dm.kv_heads = m->kv_heads > 0 ? m->kv_heads : m->heads;
    int64_t hd = m->head_dim > 0 ? m->head_dim : (m->heads > 0 ? m->d_model / m->heads : 0);
    if (m->mla.enabled) {
        dm.kv_heads = m->heads; /* after up-projection every head has its own K/V */
        dm.qk_head_dim = m->mla.qk_nope_head_dim + m->mla.qk_rope_head_dim;
        dm.v_head_dim = m->mla.v_head_dim;
        dm.kv_cache_elems = m->mla.kv_lora_rank + m->mla.qk_rope_head_dim;
    } else {
        dm.qk_head_dim = hd;
        dm.v_head_dim = hd;
        dm.kv_cache_elems = 2 * dm.kv_heads * hd;
    }
    dm.q_dim = dm.heads * dm.qk_head_dim;
    dm.k_dim = dm.kv_heads * dm.qk_head_dim;
    dm.v_dim = dm.kv_heads * dm.v_head_dim;
    dm.attn_out_dim = dm.heads * dm.v_head_dim;
    dm.attn_in = m->d_model;
    dm.moe_in = m->moe.latent > 0 ? m->moe.latent : m->d_model;
    dm.ffn_dim = m->ffn_dim;
    dm.ffn_mats = m->ffn_gated ? 3 : 2;
    dm.expert_ffn_dim = m->moe.expert_ffn_dim > 0 ? m->moe.expert_ffn_dim : m->ffn_dim;
    dm.norm_params = m->norm == RG_NORM_LAYER ? 2 * m->d_model : m->d_model;

    dm.ssm_layers = m->ssm.layers < m->layers ? m->ssm.layers : m->layers;
    dm.attn_layers = m->layers - dm.ssm_layers;
    dm.window = m->sliding_window;
    if (dm.window > 0)
        dm.local_layers =
            m->local_layers > 0 && m->local_layers < dm.attn_layers ? m->local_layers : dm.attn_layers;
    dm.global_layers = dm.attn_layers - dm.local_layers;
    dm.ffn_layers = m->ffn_free_layers < m->layers ? m->layers - m->ffn_free_layers : 0;
    if (m->moe.experts > 0) {
        dm.dense_layers = m->moe.dense_layers < dm.ffn_layers ? m->moe.dense_layers : dm.ffn_layers;
        dm.moe_layers = dm.ffn_layers - dm.dense_layers;
    } else {
        dm.dense_layers = dm.ffn_layers;
        dm.moe_layers = 0;
    }
    dm.norms_per_block = m->post_norms ? 2 : 1;
    dm.qkv_bias = m->bias || m->qkv_bias;
    dm.out_bias = m->bias || m->out_bias;
    dm.mlp_bias = m->bias || m->mlp_bias;
    if (m->ssm.layers > 0 && m->ssm.version == 1) {
        /* Mamba-1: in_proj gives x and z; the conv runs over x only; the
         * state is inner x state per sequence (Gu & Dao 2023, Algorithm 2) */
        const rg_ssm *s = &m->ssm;
        dm.ssm_head_dim = 1;
        dm.ssm_conv_dim = s->inner;
        dm.ssm_in_dim = 2 * s->inner;
        dm.ssm_state_elems = s->inner * s->state + s->inner * (s->conv > 0 ? s->conv - 1 : 0);
    } else if (m->ssm.layers > 0) {
        const rg_ssm *s = &m->ssm;
        int64_t gn = s->groups * s->state;
        dm.ssm_head_dim = s->heads > 0 ? s->inner / s->heads : 0;
        dm.ssm_conv_dim = s->inner + 2 * gn;
        dm.ssm_in_dim = 2 * s->inner + 2 * gn + s->heads;
        dm.ssm_state_elems = s->inner * s->state + dm.ssm_conv_dim * (s->conv > 0 ? s->conv - 1 : 0);
    }
    *out = dm;
}

double rg_model_attn_params(const rg_model *m, const rg_model_dims *dm) {
    double d = (double)dm->d, p = 0.0;
    double norm_w = m->norm == RG_NORM_LAYER ? 2.0 : 1.0;
    if (m->mla.enabled) {
        const rg_mla *a = &m->mla;
        double qh = (double)dm->heads * (double)dm->qk_head_dim;
        if (a->q_lora_rank > 0)
            p += d * (double)a->q_lora_rank + norm_w * (double)a->q_lora_rank + (double)a->q_lora_rank * qh;
        else
            p += d * qh;
        p += d * (double)(a->kv_lora_rank + a->qk_rope_head_dim) + norm_w * (double)a->kv_lora_rank;
        p += (double)a->kv_lora_rank * (double)dm->heads * (double)(a->qk_nope_head_dim + a->v_head_dim);
        p += (double)dm->attn_out_dim * d;
        if (dm->qkv_bias)
            p += qh + (double)(a->kv_lora_rank + a->qk_rope_head_dim);
        if (dm->out_bias)
            p += d;
        if (m->qk_norm)
            p += norm_w * 2.0 * (double)dm->qk_head_dim;
        return p;
    }
    p = (double)dm->attn_in * (double)(dm->q_dim + dm->k_dim + dm->v_dim) + (double)dm->attn_out_dim * d;
    if (dm->qkv_bias)
        p += (double)(dm->q_dim + dm->k_dim + dm->v_dim);
    if (dm->out_bias)
        p += d;
    if (m->qk_norm)
        p += norm_w * 2.0 * (double)dm->qk_head_dim;
    return p;
}

/* An FFN of width f reading and writing `in` wide tokens. */
static double ffn_params_width(const rg_model_dims *dm, int64_t in, int64_t f) {
    double p = (double)dm->ffn_mats * (double)in * (double)f;
    if (dm->mlp_bias)
        p += (double)(dm->ffn_mats - 1) * (double)f + (double)in;
    return p;
}

double rg_model_ffn_params(const rg_model *m, const rg_model_dims *dm) {
    (void)m;
    return ffn_params_width(dm, dm->d, dm->ffn_dim);
}

double rg_model_expert_params(const rg_model *m, const rg_model_dims *dm) {
    (void)m;
    return ffn_params_width(dm, dm->moe_in, dm->expert_ffn_dim);
}

double rg_model_shared_expert_params(const rg_model *m, const rg_model_dims *dm) {
    (void)m;
    return ffn_params_width(dm, dm->d, dm->expert_ffn_dim);
}

double rg_model_latent_params(const rg_model *m, const rg_model_dims *dm) {
    if (m->moe.latent <= 0)
        return 0.0;
    double d = (double)dm->d, l = (double)m->moe.latent;
    return 2.0 * d * l + (dm->mlp_bias ? l + d : 0.0); /* fc1_latent_proj, fc2_latent_proj */
}

double rg_model_router_params(const rg_model *m, const rg_model_dims *dm) {
    /* + the shared-expert gate, a d x 1 linear layer (Qwen2-MoE) */
    return (double)dm->d * (double)(m->moe.experts + (m->moe.shared_gate ? 1 : 0));
}

double rg_model_embedding_params(const rg_model *m, const rg_model_dims *dm) {
    double d = (double)dm->d, v = (double)m->vocab;
    double p = v * d + (double)m->max_positions * d + (double)dm->norm_params; /* + final norm */
    if (!m->tied_embeddings)
        p += v * d;
    return p;
}

double rg_model_ssm_params(const rg_model *m, const rg_model_dims *dm) {
    const rg_ssm *s = &m->ssm;
    double d = (double)dm->d, in = (double)dm->ssm_in_dim, conv = (double)dm->ssm_conv_dim;
    if (s->version == 1) { /* in_proj, conv1d, x_proj, dt_proj (+ bias), A_log, D, out_proj */
        double I = (double)s->inner, N = (double)s->state, R = (double)s->dt_rank;
        double p1 = d * 2.0 * I + I * (double)s->conv + I * (R + 2.0 * N) + R * I + I + I * N + I + I * d;
        if (s->conv_bias)
            p1 += I;
        if (s->bias)
            p1 += 2.0 * I + d;
        if (s->dt_norms)
            p1 += R + 2.0 * N;
        return p1;
    }
    double p = d * in + conv * (double)s->conv + 3.0 * (double)s->heads /* dt_bias, A_log, D */ +
               (double)s->inner /* gated norm */ + (double)s->inner * d;
    if (s->conv_bias)
        p += conv;
    if (s->bias)
        p += in + d;
    return p;
}

double rg_model_layer_norm_params(const rg_model_dims *dm, bool ffn) {
    return (double)dm->norms_per_block * (double)dm->norm_params * (ffn ? 2.0 : 1.0);
}

void rg_model_shared_dims(const rg_model *m, const rg_model_dims *dm, rg_model_dims *out) {
    *out = *dm;
    out->attn_in = m->shared.concat ? 2 * dm->d : dm->d;
}

double rg_model_shared_block_params(const rg_model *m, const rg_model_dims *dm) {
    rg_model_dims sd;
    rg_model_shared_dims(m, dm, &sd);
    double norm_w = m->norm == RG_NORM_LAYER ? 2.0 : 1.0;
    return rg_model_attn_params(m, &sd) + rg_model_ffn_params(m, &sd) + norm_w * (double)sd.attn_in +
           (double)dm->norm_params;
}

double rg_model_shared_use_params(const rg_model *m, const rg_model_dims *dm) {
    const rg_shared *s = &m->shared;
    double d = (double)dm->d, r = (double)s->adapter_rank, p = 0.0;
    double in = s->concat ? 2.0 * d : d;
    if (s->mlp_adapter) /* d -> rank -> the up/gate projection's width */
        p += d * r + r * (double)(dm->ffn_mats - 1) * (double)dm->ffn_dim;
    if (s->attn_adapter) /* in -> rank -> q, k and v, one adapter each */
        p += 3.0 * in * r + r * (double)(dm->q_dim + dm->k_dim + dm->v_dim);
    if (s->out_linear)
        p += d * d;
    return p;
}

double rg_model_shared_params(const rg_model *m, const rg_model_dims *dm) {
    if (m->shared.uses <= 0)
        return 0.0;
    return (double)m->shared.blocks * rg_model_shared_block_params(m, dm) +
           (double)m->shared.uses * rg_model_shared_use_params(m, dm);
}

/* Parameters of the layers: `total` counts every expert, `active` the
 * routed top-k and shared ones; shared blocks count once, their adapters
 * once per use. */
static void layer_params(const rg_model *m, const rg_model_dims *dm, double *total, double *active) {
    double attn = rg_model_attn_params(m, dm), ssm = dm->ssm_layers > 0 ? rg_model_ssm_params(m, dm) : 0.0;
    double expert = rg_model_expert_params(m, dm), router = rg_model_router_params(m, dm);
    double mixers = (double)dm->attn_layers * attn + (double)dm->ssm_layers * ssm;
    double norms = (double)dm->ffn_layers * rg_model_layer_norm_params(dm, true) +
                   (double)(m->layers - dm->ffn_layers) * rg_model_layer_norm_params(dm, false);
    double dense = (double)dm->dense_layers * rg_model_ffn_params(m, dm);
    double fixed = router + rg_model_latent_params(m, dm) +
                   rg_model_shared_expert_params(m, dm) * (double)m->moe.shared_experts;
    double moe_t = fixed + expert * (double)m->moe.experts;
    double moe_a = fixed + expert * (double)m->moe.top_k;
    double shared = rg_model_shared_params(m, dm);
    *total = mixers + norms + dense + shared + (double)dm->moe_layers * moe_t;
    *active = mixers + norms + dense + shared + (double)dm->moe_layers * moe_a;
}

void rg_model_params_dims(const rg_model *m, const rg_model_dims *dm, double *total, double *active) {
    double t = 0.0, a = 0.0;
    layer_params(m, dm, &t, &a);
    double emb = rg_model_embedding_params(m, dm);
    if (total)
        *total = emb + t;
    if (active)
        *active = emb + a;
}

void rg_model_params(const rg_model *m, double *total, double *active) {
    rg_model_dims dm;
    rg_model_derive(m, &dm);
    rg_model_params_dims(m, &dm, total, active);
}

double rg_model_mtp_params(const rg_model *m) {
    if (m->mtp_layers <= 0)
        return 0.0;
    rg_model_dims dm;
    rg_model_derive(m, &dm);
    double d = (double)dm.d, layer = rg_model_layer_norm_params(&dm, true);
    layer += dm.ssm_layers == m->layers ? rg_model_ssm_params(m, &dm) : rg_model_attn_params(m, &dm);
    if (dm.moe_layers > 0)
        layer += rg_model_router_params(m, &dm) + rg_model_latent_params(m, &dm) +
                 rg_model_expert_params(m, &dm) * (double)m->moe.experts +
                 rg_model_shared_expert_params(m, &dm) * (double)m->moe.shared_experts;
    else
        layer += rg_model_ffn_params(m, &dm);
    double module = layer + 2.0 * d * d + 3.0 * (double)dm.norm_params;
    return (double)m->mtp_layers * module;
}
