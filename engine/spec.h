/* spec.h: the typed design point the engine evaluates.
 *
 * Everything here is plain data, already validated for types by the caller's
 * codec (JSON lives only at the boundary). rg_spec_validate() checks ranges
 * and cross-field consistency and names the offending field. Units are SI:
 * bytes, seconds, FLOP/s, bytes/s. Counts are int64_t. */
#ifndef RG_SPEC_H
#define RG_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "assumptions.h"
#include "formats.h"
#include "serve.h"
#include "recipe.h"
#include "silicon.h"
#include "status.h"

#define RG_NAME_MAX 64

/* One accelerator. A math class the chip lacks has matrix_flops == 0
 * ("absent", reported as such, never used as a zero rate). */
typedef struct rg_hardware {
    char name[RG_NAME_MAX];
    double matrix_flops[RG_MATH_COUNT]; /* peak dense FLOP/s per math class */
    double vector_flops;                /* peak non-matrix FLOP/s (fp32 SIMT/VPU) */
    double mem_bytes;                   /* device memory capacity, bytes */
    double mem_bw;                      /* device memory bandwidth, bytes/s */
    double sram_bytes;                  /* on-chip SRAM (L2 + shared/L1 or VMEM), bytes */
    double tdp_w;                       /* board power limit, W; 0 = not given */
    double matrix_cores; /* SMs / CUs / matrix units a GEMM's tiles spread over; 0 = not given */
    rg_silicon silicon;  /* a matrix unit built from synthesized lanes */
} rg_hardware;

typedef enum rg_norm { RG_NORM_RMS = 0, RG_NORM_LAYER = 1 } rg_norm;

typedef struct rg_moe {
    int64_t experts;        /* routed experts; 0 = dense model */
    int64_t top_k;          /* routed experts per token */
    int64_t shared_experts; /* always-on experts (DeepSeek) */
    int64_t expert_ffn_dim; /* FFN width of one expert (default: ffn_dim) */
    int64_t dense_layers;   /* leading layers with a dense FFN (DeepSeek: 3) */
    bool shared_gate;       /* sigmoid gate d x 1 over the shared experts' output (Qwen2-MoE) */
    int64_t latent;         /* routed experts read and write this width (0 = d_model): a d -> latent
                             * projection before them and latent -> d after, per token (Nemotron 3
                             * latent MoE); router and shared experts stay at d */
} rg_moe;

typedef struct rg_mla {
    bool enabled;
    int64_t q_lora_rank;  /* 0 = queries not compressed */
    int64_t kv_lora_rank; /* latent width cached per token */
    int64_t qk_nope_head_dim;
    int64_t qk_rope_head_dim; /* decoupled rope key, shared by heads, cached */
    int64_t v_head_dim;
} rg_mla;

/* Mamba-2 state-space mixer (Dao & Gu 2024, "Transformers are SSMs",
 * sec. 7 and the reference Mamba2 block): in_proj d -> 2 inner + 2 groups
 * state + heads, a depthwise causal conv of width `conv` over inner + 2
 * groups state channels, the SSD scan with `heads` heads of inner/heads
 * channels and a state of `state` per channel, a gated RMSNorm over inner
 * and out_proj inner -> d. */
typedef struct rg_ssm {
    int64_t layers; /* layers whose mixer is a Mamba-2 block instead of attention */
    int64_t state;  /* d_state (N) */
    int64_t conv;   /* conv1d kernel width */
    int64_t inner;  /* d_inner = expand x d_model */
    int64_t heads;  /* SSD heads (inner / head_dim) */
    int64_t groups; /* B/C groups (n_groups) */
    int64_t chunk;  /* SSD chunk length of the training / prefill scan */
    bool bias;      /* in_proj / out_proj biases */
    bool conv_bias; /* conv1d bias */
    /* Mamba-1 (selective scan, Gu & Dao 2023): version 1; 0 or 2 = Mamba-2 */
    int64_t version;
    int64_t dt_rank; /* Mamba-1: rank of the step-size projection (x_proj -> dt_proj) */
    bool dt_norms;   /* Mamba-1: RMSNorms over dt, B and C (Jamba) */
} rg_ssm;

/* Shared transformer blocks reused across depth (Zamba2, Glorioso et al.
 * 2024, arXiv 2411.15242, and transformers' Zamba2Model): `blocks` distinct
 * attention + MLP blocks run at `uses` points of the depth, cycling through
 * the blocks. A block's input is [h; embedding] (2 d wide) when `concat`:
 * its attention projections read 2 d (head_dim = 2 d / heads), its MLP reads
 * d and gives d; its output goes through a per-use d x d linear layer into
 * the next layer's input. Each use has its own LoRA adapters: on the MLP's
 * up/gate projection (d -> rank -> 2 ffn) when `mlp_adapter`, on q/k/v
 * (in -> rank -> each projection's width) when `attn_adapter`. The
 * attention uses the model's heads / kv_heads / head_dim and the MLP the
 * model's ffn_dim and activation. Weights count once per block, adapters
 * and the linear once per use; compute, activations and the KV cache count
 * per use. */
typedef struct rg_shared {
    int64_t uses;         /* points of the depth that run a shared block (0 = none) */
    int64_t blocks;       /* distinct shared blocks (num_mem_blocks) */
    int64_t adapter_rank; /* LoRA rank of the per-use adapters */
    bool attn_adapter;    /* q/k/v adapters per use */
    bool mlp_adapter;     /* up/gate adapter per use */
    bool concat;          /* input [h; embedding]: attention projections read 2 d */
    bool out_linear;      /* a per-use d x d linear layer after the block */
} rg_shared;

typedef struct rg_model {
    char name[RG_NAME_MAX];
    int64_t layers;
    int64_t d_model;
    int64_t heads;
    int64_t kv_heads; /* = heads for MHA, 1 for MQA */
    int64_t head_dim; /* default d_model / heads */
    int64_t ffn_dim;  /* dense FFN width */
    bool ffn_gated;   /* SwiGLU-style: three matrices */
    int64_t vocab;
    bool tied_embeddings;
    bool bias;             /* linear layers carry biases (GPT-3) */
    rg_norm norm;          /* rmsnorm (weight only) or layernorm (weight + bias) */
    int64_t max_positions; /* learned position embedding rows; 0 = rotary */
    rg_moe moe;
    rg_mla mla;
    /* layer variants (zero = off); see engine/model.h for how they combine */
    int64_t sliding_window;  /* keys a sliding-window layer attends (0 = no window) */
    int64_t local_layers;    /* attention layers using the window (0 with a window = all) */
    double attn_softcap;     /* tanh soft-cap of attention logits (Gemma 2); 0 = none */
    double final_softcap;    /* tanh soft-cap of the LM head logits; 0 = none */
    bool qk_norm;            /* per-head RMSNorm of queries and keys (Qwen3, Gemma 3) */
    bool qkv_bias;           /* biases on the q/k/v projections only (Qwen2) */
    bool out_bias;           /* bias on the attention output projection */
    bool mlp_bias;           /* biases on the FFN matrices */
    bool post_norms;         /* a norm after the attention and the FFN as well (Gemma 2/3) */
    int64_t ffn_free_layers; /* layers with a mixer and no FFN (Nemotron-H, Mamba) */
    int64_t mtp_layers;      /* multi-token-prediction modules (DeepSeek-V3), counted apart */
    rg_ssm ssm;
    rg_shared shared;
} rg_model;

/* Two-level interconnect: a scale-up domain (NVLink/NVSwitch, ICI) of
 * `domain_chips` chips, and a scale-out network between domains. Bandwidths
 * are per chip, per direction. */
typedef struct rg_system {
    char name[RG_NAME_MAX];
    int64_t domain_chips;
    double scaleup_bw;       /* bytes/s per chip per direction */
    double scaleup_latency;  /* s per hop/message */
    double scaleout_bw;      /* bytes/s per chip per direction */
    double scaleout_latency; /* s per message */
} rg_system;

/* serve: requests under load through a continuous-batching scheduler
 * (engine/serve.h); batch and seq_len are not used. */
typedef enum rg_phase {
    RG_PHASE_TRAIN = 0,
    RG_PHASE_PREFILL = 1,
    RG_PHASE_DECODE = 2,
    RG_PHASE_SERVE = 3
} rg_phase;

typedef enum rg_recompute {
    RG_RECOMPUTE_NONE = 0,
    RG_RECOMPUTE_SELECTIVE = 1, /* attention core only (Korthikanti et al. 2022) */
    RG_RECOMPUTE_FULL = 2       /* whole layer, keep layer inputs */
} rg_recompute;

typedef struct rg_parallel {
    int64_t tp, pp, dp, ep, cp;
    int64_t microbatch;     /* sequences per micro-batch (training) */
    int64_t interleave;     /* virtual pipeline stages per device (1 = plain 1F1B) */
    bool sequence_parallel; /* Megatron SP: norms/dropout sharded over TP */
    rg_recompute recompute;
    int zero; /* ZeRO stage 0..3 (3 = FSDP) */
} rg_parallel;

/* Layers on the first and last pipeline stages (spec keys
 * parallelism.first_stage_layers / last_stage_layers; 0 = an even split):
 * Llama 3 (Dubey et al. 2024, sec. 3.3.2) drops one layer from each to
 * balance the embedding and the LM head and loss. */
typedef struct rg_stages {
    int64_t first_layers, last_layers;
} rg_stages;

/* Tensor classes a recipe may be named for (spec keys numerics.recipes.weights,
 * .activations, .kv_cache). */
typedef enum rg_tclass { RG_TC_WEIGHTS = 0, RG_TC_ACTIVATIONS = 1, RG_TC_KV = 2, RG_TC_COUNT = 3 } rg_tclass;

#define RG_RECIPE_TEXT_MAX 96

/* A recipe (recipe.h) named for a tensor class: `text` as the spec gave it
 * (written back in the canonical spec), `r` parsed from it. */
typedef struct rg_tensor_recipe {
    bool on;
    char text[RG_RECIPE_TEXT_MAX];
    rg_recipe r;
} rg_tensor_recipe;

/* Format ids (rg_format_find) per tensor class. A recipe given for a class
 * replaces its format's storage bytes (engine/recipe_cost.h); recipes on both
 * weights and activations also pick the math class. */
typedef struct rg_numerics {
    int weights;
    int activations;
    int kv_cache;
    int math;      /* picks the matrix-unit peak */
    int grads;     /* gradient storage and reduction */
    int master;    /* master weights kept by the optimizer */
    int optimizer; /* optimizer moments (Adam m and v) */
    rg_tensor_recipe recipes[RG_TC_COUNT];
} rg_numerics;

typedef struct rg_spec {
    rg_model model;
    rg_hardware hw;
    rg_system system;
    bool has_system;
    rg_phase phase;
    int64_t batch;            /* sequences (training: global batch) */
    int64_t seq_len;          /* tokens per sequence; decode: context held in the KV cache */
    int64_t chips;            /* total chips; 0 = product of parallel degrees */
    int64_t mtp_draft_tokens; /* decode: tokens drafted per step by the model's MTP modules (0 = none) */
    rg_numerics numerics;
    rg_parallel par;
    rg_stages stages;
    char stack[RG_NAME_MAX]; /* software-stack preset the assumptions came from ("" = none) */
    rg_assumptions assumptions;
    const rg_ppa *ppa;  /* synthesized lane table (engine/silicon.h); read-only, owned by the caller */
    rg_serving serving; /* phase serve */
} rg_spec;

/* Check ranges and consistency. Returns 0 or a negative status with `err`
 * naming the field. Does not allocate. */
int rg_spec_validate(const rg_spec *spec, rg_err *err);

#endif
