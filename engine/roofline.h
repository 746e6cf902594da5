/* roofline.h: per-op roofline rows of a transformer step on one device.
 *
 * rg_roof holds the device's effective rates and accumulates the step: each
 * op gets FLOPs and bytes per run, compute time = FLOPs / (peak x
 * efficiency), memory time = bytes / (bandwidth x efficiency), time =
 * max(compute, memory, per-kernel overhead), and the bound it hits (latency
 * when the overhead wins: the kernel finishes before the host has issued the
 * next one). Measured on Megatron-DeepSpeed this per-kernel maximum fits far
 * better than either adding the overhead or overlapping host and device over
 * a whole step (ridge validate). The
 * transformer emitter walks one layer of each kind (full and sliding-window
 * attention, Mamba-2, dense FFN, MoE FFN, a multi-token-prediction module)
 * plus embedding, LM head and loss once, with `count` = runs per step, so
 * the cost does not grow with depth. Op names say the layer kind:
 * attn.* (full attention), attn_local.* (sliding window), ssm.* (Mamba-2),
 * ffn.*, moe.*, mtp_*.* (the prediction module's own layer), shared_attn.*,
 * shared_ffn.* and shared.* (a use of a shared block, Zamba2). No allocation, no formatting: op names
 * are string constants. */
#ifndef RG_ROOFLINE_H
#define RG_ROOFLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "recipe_cost.h"
#include "result.h"
#include "spec.h"

/* Flop categories for global (all-device) model-FLOP totals. */
enum {
    RG_CAT_ATTN = 0,  /* full-attention mixer */
    RG_CAT_DENSE = 1, /* dense FFN */
    RG_CAT_MOE = 2,   /* MoE FFN */
    RG_CAT_HEAD = 3,  /* embedding, LM head, loss */
    RG_CAT_LOCAL = 4, /* sliding-window attention mixer */
    RG_CAT_SSM = 5,   /* Mamba-2 mixer */
    RG_CAT_MTP = 6,   /* one multi-token-prediction module (training) */
    RG_CAT_SHARE = 7, /* one use of a shared attention + MLP block (Zamba2) */
    RG_CAT_COUNT = 8
};

typedef struct rg_roof {
    rg_result *out; /* rows go to out->ops when `rows` */
    bool rows;
    double mm_peak;  /* matrix FLOP/s of the math class (raw peak) */
    double mm_eff;   /* matmul_efficiency */
    double mm_half;  /* matmul_half_efficiency_flops */
    double vec_rate; /* vector FLOP/s x vector_efficiency */
    double bw;       /* memory bytes/s x memory_bw_efficiency */
    double overhead; /* kernel_overhead, s per kernel */
    int math;        /* rg_math class of numerics.math */
    /* GEMM shape model (rg_gemm_utilization); cores 0 = not modelled */
    double cores;          /* hardware.matrix_cores: SMs / CUs / matrix units working in parallel */
    double tile_m, tile_n; /* gemm_tile_m, gemm_tile_n: output tile of one core */
    double split_k_min;    /* gemm_split_k_min: shortest reduction slice a split-K kernel takes */
    double mem_half;       /* memory_half_efficiency_bytes: time = (bytes + this) / bw */
    double head_s;         /* time of the LM head / loss (and embedding) ops, count-weighted */
    /* accumulated over the step, count-weighted, this device */
    double compute_s, memory_s, overhead_s; /* op time by bound (overhead_s: latency-bound ops) */
    double flops_model, flops_hw, bytes;
    double flops_matrix;    /* matmul FLOPs, recompute included */
    double recipe_elems[2]; /* forward GEMM operand elements recipes quantize: activations, weights (train) */
    /* per-run FLOPs of one unit (one layer / one head pass) per category */
    int cat;
    double unit_model_flops[RG_CAT_COUNT];
    double unit_hw_flops[RG_CAT_COUNT];
} rg_roof;

/* Roofline time of one op run. `gemms` > 1 says the op is that many
 * independent matmuls (grouped experts): efficiency follows the size of one. */
void rg_roofline_time(const rg_roof *r, bool matmul, double flops, double bytes, double gemms,
                      double *compute_s, double *memory_s, double *time_s, rg_bound *bound);

/* Account one op run `count` times in the step (and write its row). Returns
 * count x time. Model FLOPs are matmul FLOPs outside recompute passes;
 * hardware FLOPs are all FLOPs. */
double rg_roof_op(rg_roof *r, const char *name, rg_pass pass, int fmt, bool matmul, double count,
                  double flops, double bytes, double gemms);

/* One kind of sequence in a serving step's mixed batch (engine/serve.h),
 * summed over its sequences on one device (one tensor-parallel rank). */
typedef struct rg_mix_part {
    double seqs;   /* sequences */
    double q;      /* query tokens (new tokens) */
    double pairs;  /* query-key products a fused causal kernel computes */
    double full;   /* products of separate (unfused) ops: every query x every key */
    double cached; /* keys read back from the KV cache */
} rg_mix_part;

/* A serving step: prefill chunks (their new tokens attend to their own
 * tokens, read from activations, and to `cached` earlier tokens) and decode
 * sequences (their q tokens attend to `cached` keys in the KV cache) run as
 * one batch. Linear ops see prefill.q + decode.q tokens; the LM head
 * `logits` rows; the attention core is one op per kind with the summed work
 * of its sequences (a varlen / paged kernel). */
typedef struct rg_mix {
    rg_mix_part prefill, decode;
    /* the same sequences in sliding-window layers (model.sliding_window):
     * seqs and q as above, pairs and cached keys bounded by the window, full
     * as the plain prefill's (an unfused kernel masks, it does not skip);
     * needed when the model has such layers */
    rg_mix_part wprefill, wdecode;
    double logits;
    bool skip_core; /* leave the attention core out (the serving step cache prices it apart) */
} rg_mix;

/* Which products a GEMM row stands for: the forward product, or the
 * backward pass's data gradient (M x N by N x K) plus weight gradient
 * (K x M by M x N). */
typedef enum rg_gemm_pass { RG_GEMM_FWD = 0, RG_GEMM_BWD = 1 } rg_gemm_pass;

/* Fraction of the matrix unit that `batch` independent (M x K)(K x N)
 * products keep busy, from tile and wave quantisation over `r->cores`
 * cores (NVIDIA Deep Learning Performance Guide, "Matrix Multiplication
 * Background", sec. 6-7: output tiles padded to whole tiles, tiles run in
 * waves of one per core). A dimension shorter than the tile gets a tile
 * halved down to 16 (kernels ship smaller tiles for skinny shapes); fewer
 * tiles than cores split K into slices of at least split_k_min (split-K
 * kernels, CUTLASS). 1 when cores == 0 (not modelled). */
double rg_gemm_utilization(const rg_roof *r, double M, double N, double K, double batch);

/* Compute time of one GEMM row: each product at matmul_efficiency x its
 * size curve (F / (F + matmul_half_efficiency_flops)) x its utilization. */
double rg_gemm_compute_s(const rg_roof *r, double M, double K, double N, double batch, rg_gemm_pass which);

/* Account a GEMM row (as rg_roof_op, with the shaped compute time). */
double rg_roof_gemm(rg_roof *r, const char *name, rg_pass pass, int fmt, double count, double M, double K,
                    double N, double batch, rg_gemm_pass which, double bytes);

/* Shape of the per-device work of one micro-step. */
typedef struct rg_shape {
    double b;   /* sequences in one micro-batch (per replica) */
    double s_q; /* query tokens per sequence on this device (s / cp; decode: 1) */
    double s_k; /* keys attended per query (s / cp per ring step block x cp; decode: context / cp) */
    int64_t tp;
    bool sp; /* sequence parallel: norms/residuals sharded over tp */
    int64_t ep;
    bool train;
    bool decode;
    rg_recompute recompute;
    bool flash, dropout;
    double n_attn;           /* full-attention blocks run per step on this device (layers x micro-steps) */
    double n_local;          /* sliding-window attention blocks per step */
    double n_ssm;            /* Mamba-2 blocks per step */
    double n_mtp;            /* multi-token-prediction modules per step (training, last stage) */
    double n_shared;         /* uses of shared blocks per step (rg_shared) */
    double window;           /* keys of a sliding-window layer (0 = none) */
    double n_dense;          /* dense FFN blocks per step */
    double n_moe;            /* MoE FFN blocks per step */
    double n_head;           /* LM head + loss passes per step (0 if not on this device) */
    double n_embed;          /* embedding passes per step */
    double vocab;            /* padded vocabulary */
    double moe_group_tokens; /* tokens routed inside one EP group per micro-step (experts touched) */
    int fw, fa, fkv, fg;     /* format ids: weights, activations, kv cache, grads */
    const rg_mix *mix;       /* inference: a mixed serving batch instead of b x s_q (NULL = uniform) */
    /* bytes per element of weights, activations and kv cache (a recipe's,
     * rg_tensor_bytes; 0 = the format's) */
    double bw, ba, bkv;
    /* recipes whose extra passes (recipe_cost.h) each forward GEMM's
     * operands take (NULL = none), with the assumptions they read */
    const rg_recipe *rw, *ra;
    const double *av;
    uint8_t *used;
} rg_shape;

#define RG_CORE_OPS_MAX 4

/* One op of an attention core: matmul or vector work, FLOPs and bytes. */
typedef struct rg_core_op {
    const char *name;
    bool matmul;
    double flops, bytes;
} rg_core_op;

/* The attention-core ops of one layer for one kind of a mix (decode = the
 * decode part) into ops[0..RG_CORE_OPS_MAX); returns how many (unfused:
 * scores, the soft-cap when the model caps its scores, softmax, values).
 * Both the roofline emitter and the serving step cache (engine/serve.c)
 * price the core through this. */
int rg_roofline_mix_core(const rg_model *m, const rg_model_dims *dm, const rg_shape *sh,
                         const rg_mix_part *part, bool decode, rg_core_op ops[RG_CORE_OPS_MAX]);

/* Emit every op of the step for `sh` into `r`. */
void rg_roofline_transformer(rg_roof *r, const rg_model *m, const rg_model_dims *dm, const rg_shape *sh);

/* Time of the embedding ops of one step with `runs` passes, without
 * accounting them (the first pipeline stage's extra work). */
double rg_roofline_embed_s(const rg_roof *r, const rg_model *m, const rg_model_dims *dm, const rg_shape *sh,
                           double runs);

#endif
