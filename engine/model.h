/* model.h: derived transformer dimensions and parameter counts.
 *
 * Everything the roofline, memory model and parameter counts need about a
 * model's shape is derived here once (head dims, MLA widths, MoE layer split),
 * so the other modules never re-derive defaults differently. Pure functions
 * of rg_model; no allocation. */
#ifndef RG_MODEL_H
#define RG_MODEL_H

#include <stdint.h>

#include "spec.h"

typedef struct rg_model_dims {
    int64_t d;            /* d_model */
    int64_t heads;        /* query heads */
    int64_t kv_heads;     /* key/value heads (MHA: heads, MQA: 1) */
    int64_t qk_head_dim;  /* per-head query/key width (MLA: nope + rope) */
    int64_t v_head_dim;   /* per-head value width */
    int64_t q_dim;        /* heads * qk_head_dim */
    int64_t k_dim;        /* key width per token (kv_heads * qk_head_dim) */
    int64_t v_dim;        /* value width per token (kv_heads * v_head_dim) */
    int64_t attn_out_dim; /* heads * v_head_dim: input width of the out projection */
    int64_t ffn_dim;      /* dense FFN width */
    int ffn_mats;         /* 3 when gated (SwiGLU), else 2 */
    int64_t expert_ffn_dim;
    int64_t dense_layers;   /* layers with a dense FFN */
    int64_t moe_layers;     /* layers with a routed MoE FFN */
    int64_t norm_params;    /* parameters of one norm over d (rms: d, layer: 2d) */
    int64_t kv_cache_elems; /* elements cached per token per layer (K + V, or MLA latent + rope key) */
    /* heterogeneous layers: a layer is a mixer (attention or Mamba-2) plus an
     * optional FFN (dense or MoE); the counts below sum as
     * attn_layers + ssm_layers = layers and dense_layers + moe_layers =
     * ffn_layers <= layers */
    int64_t attn_layers;   /* layers with an attention mixer */
    int64_t local_layers;  /* of those, sliding-window layers */
    int64_t global_layers; /* of those, full-attention layers */
    int64_t ssm_layers;    /* layers with a Mamba-2 mixer */
    int64_t ffn_layers;    /* layers with an FFN */
    int64_t window;        /* keys a sliding-window layer attends (0 = none) */
    int norms_per_block;   /* norms around each mixer / FFN: 1, or 2 with post-norms */
    bool qkv_bias, out_bias, mlp_bias;
    /* Mamba-2 widths */
    int64_t ssm_head_dim;    /* inner / ssm heads (P) */
    int64_t ssm_in_dim;      /* in_proj output: 2 inner + 2 groups state + heads */
    int64_t ssm_conv_dim;    /* conv channels: inner + 2 groups state */
    int64_t ssm_state_elems; /* recurrent state per sequence per layer: inner x state + conv (width-1) */
    int64_t attn_in; /* input width of the attention projections: d (shared blocks: 2 d with concat) */
    int64_t moe_in;  /* input and output width of a routed expert: d, or the MoE latent */
} rg_model_dims;

/* Derive the dimensions of `m` into `out` (defaults applied: head_dim =
 * d_model / heads, kv_heads = heads, expert_ffn_dim = ffn_dim). Does not
 * validate: call on a model rg_spec_validate accepted. */
void rg_model_derive(const rg_model *m, rg_model_dims *out);

/* Parameters of one attention block (projections, biases, MLA norms; the
 * pre-norm is counted with the layer). */
double rg_model_attn_params(const rg_model *m, const rg_model_dims *dm);
/* Parameters of one dense FFN block (matrices and biases). */
double rg_model_ffn_params(const rg_model *m, const rg_model_dims *dm);
/* Parameters of one expert (matrices and biases). */
double rg_model_expert_params(const rg_model *m, const rg_model_dims *dm);
/* Parameters of one shared expert: an FFN of expert_ffn_dim over d. */
double rg_model_shared_expert_params(const rg_model *m, const rg_model_dims *dm);
/* Parameters of one MoE layer's latent projections (d -> latent -> d;
 * 0 without a latent). */
double rg_model_latent_params(const rg_model *m, const rg_model_dims *dm);
/* Parameters of one MoE router. */
double rg_model_router_params(const rg_model *m, const rg_model_dims *dm);
/* Token embedding + learned positions (+ untied LM head + final norm). */
double rg_model_embedding_params(const rg_model *m, const rg_model_dims *dm);

/* Parameters of one Mamba-2 mixer (in_proj, conv1d, dt bias, A, D, gated
 * norm, out_proj), or of one Mamba-1 mixer when ssm.version is 1 (in_proj,
 * conv1d, x_proj, dt_proj, A, D, out_proj, Jamba's dt/B/C norms). */
double rg_model_ssm_params(const rg_model *m, const rg_model_dims *dm);
/* Parameters of the norms of one layer with its mixer and, when `ffn`, its
 * FFN. */
double rg_model_layer_norm_params(const rg_model_dims *dm, bool ffn);

/* The dimensions of the model's shared blocks (rg_shared): `dm` with the
 * attention projections reading 2 d when the block's input is concatenated. */
void rg_model_shared_dims(const rg_model *m, const rg_model_dims *dm, rg_model_dims *out);
/* Parameters of one shared block: attention (from the block's input width),
 * the MLP, the input norm (over the input width) and the pre-MLP norm. */
double rg_model_shared_block_params(const rg_model *m, const rg_model_dims *dm);
/* Parameters each use of a shared block adds: its LoRA adapters and its
 * d x d output linear layer. */
double rg_model_shared_use_params(const rg_model *m, const rg_model_dims *dm);
/* All shared-block parameters: blocks x block + uses x use (0 without). */
double rg_model_shared_params(const rg_model *m, const rg_model_dims *dm);

/* Total and active (per token) parameters of the whole model. Either
 * pointer may be NULL. Counts use the true vocabulary (no padding).
 * Multi-token-prediction modules are not included (rg_model_mtp_params). */
void rg_model_params(const rg_model *m, double *total, double *active);
/* As rg_model_params, with the dimensions already derived (rg_model_derive). */
void rg_model_params_dims(const rg_model *m, const rg_model_dims *dm, double *total, double *active);

/* Parameters of the multi-token-prediction modules (DeepSeek-V3 sec. 2.2):
 * per module one layer of the model's last kind (MoE when the model has
 * MoE layers), the projection of [norm(h); norm(emb)] (2d x d), its two
 * norms and the module's output norm. The embedding and the output head are
 * shared with the main model and not counted again. 0 without modules. */
double rg_model_mtp_params(const rg_model *m);

#endif
