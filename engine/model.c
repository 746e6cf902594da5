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
 * (kv_lora x heads*(nope+v)), o (heads*v x d). */
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
    dm.ffn_dim = m->ffn_dim;
    dm.ffn_mats = m->ffn_gated ? 3 : 2;
    dm.expert_ffn_dim = m->moe.expert_ffn_dim > 0 ? m->moe.expert_ffn_dim : m->ffn_dim;
    if (m->moe.experts > 0) {
        dm.dense_layers = m->moe.dense_layers < m->layers ? m->moe.dense_layers : m->layers;
        dm.moe_layers = m->layers - dm.dense_layers;
    } else {
        dm.dense_layers = m->layers;
        dm.moe_layers = 0;
    }
    dm.norm_params = m->norm == RG_NORM_LAYER ? 2 * m->d_model : m->d_model;
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
        if (m->bias)
            p += qh + (double)(a->kv_lora_rank + a->qk_rope_head_dim) + d;
        return p;
    }
    p = d * (double)(dm->q_dim + dm->k_dim + dm->v_dim) + (double)dm->attn_out_dim * d;
    if (m->bias)
        p += (double)(dm->q_dim + dm->k_dim + dm->v_dim) + d;
    return p;
}

static double ffn_params_width(const rg_model *m, const rg_model_dims *dm, int64_t f) {
    double p = (double)dm->ffn_mats * (double)dm->d * (double)f;
    if (m->bias)
        p += (double)(dm->ffn_mats - 1) * (double)f + (double)dm->d;
    return p;
}

double rg_model_ffn_params(const rg_model *m, const rg_model_dims *dm) {
    return ffn_params_width(m, dm, dm->ffn_dim);
}

double rg_model_expert_params(const rg_model *m, const rg_model_dims *dm) {
    return ffn_params_width(m, dm, dm->expert_ffn_dim);
}

double rg_model_router_params(const rg_model *m, const rg_model_dims *dm) {
    return (double)dm->d * (double)m->moe.experts;
}

double rg_model_embedding_params(const rg_model *m, const rg_model_dims *dm) {
    double d = (double)dm->d, v = (double)m->vocab;
    double p = v * d + (double)m->max_positions * d + (double)dm->norm_params; /* + final norm */
    if (!m->tied_embeddings)
        p += v * d;
    return p;
}

void rg_model_params(const rg_model *m, double *total, double *active) {
    rg_model_dims dm;
    rg_model_derive(m, &dm);
    double attn = rg_model_attn_params(m, &dm) + 2.0 * (double)dm.norm_params;
    double dense = attn + rg_model_ffn_params(m, &dm);
    double expert = rg_model_expert_params(m, &dm);
    double router = rg_model_router_params(m, &dm);
    double moe_total = attn + router + expert * (double)(m->moe.experts + m->moe.shared_experts);
    double moe_active = attn + router + expert * (double)(m->moe.top_k + m->moe.shared_experts);
    double emb = rg_model_embedding_params(m, &dm);
    double t = emb + (double)dm.dense_layers * dense + (double)dm.moe_layers * moe_total;
    double a = emb + (double)dm.dense_layers * dense + (double)dm.moe_layers * moe_active;
    if (total)
        *total = t;
    if (active)
        *active = a;
}
