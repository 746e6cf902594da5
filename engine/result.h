/* result.h: what one evaluation returns.
 *
 * The caller provides the storage (one rg_result, no heap). Ops are rows of
 * the per-device roofline: one row per distinct op and pass, with the number
 * of times it runs in the step (`count`) and per-run FLOPs/bytes/time, so
 * totals are sum(count * value). */
#ifndef RG_RESULT_H
#define RG_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "assumptions.h"
#include "serve.h"
#include "recipe_silicon.h"
#include "silicon.h"

#define RG_MAX_OPS     256
#define RG_OP_NAME_MAX 40

typedef enum rg_bound {
    RG_BOUND_COMPUTE = 0,
    RG_BOUND_MEMORY = 1,
    RG_BOUND_COMM = 2,
    RG_BOUND_LATENCY = 3
} rg_bound;

typedef enum rg_pass {
    RG_PASS_FWD = 0,
    RG_PASS_BWD = 1,
    RG_PASS_RECOMPUTE = 2,
    RG_PASS_OPTIMIZER = 3
} rg_pass;

/* Collective kinds in the time breakdown. */
#define RG_COMM_LIST(X)                                                                                      \
    X(RG_COMM_ALL_REDUCE, "all_reduce")                                                                      \
    X(RG_COMM_ALL_GATHER, "all_gather")                                                                      \
    X(RG_COMM_REDUCE_SCATTER, "reduce_scatter")                                                              \
    X(RG_COMM_ALL_TO_ALL, "all_to_all")                                                                      \
    X(RG_COMM_SEND_RECV, "send_recv")

typedef enum rg_comm_kind {
#define RG_X_(id, name) id,
    RG_COMM_LIST(RG_X_)
#undef RG_X_
        RG_COMM_COUNT
} rg_comm_kind;

typedef struct rg_op {
    char name[RG_OP_NAME_MAX]; /* "attn.qkv_proj", "ffn.up_gate", "lm_head" ... */
    rg_pass pass;
    int fmt;          /* format id of the operands that dominate its bytes */
    int math;         /* rg_math class; -1 for vector ops */
    double count;     /* runs per step on one device */
    double flops;     /* per run */
    double bytes;     /* per run, memory traffic */
    double intensity; /* flops / bytes */
    double compute_s; /* per run, at the assumed efficiency */
    double memory_s;  /* per run */
    double time_s;    /* per run: max(compute_s, memory_s, kernel_overhead) */
    rg_bound bound;
} rg_op;

typedef struct rg_memory {
    double weights_bytes;
    double grads_bytes;
    double optimizer_bytes;
    double activations_bytes;
    double kv_cache_bytes;   /* KV cache and recurrent (Mamba-2) state */
    double ssm_state_bytes;  /* of which recurrent state of Mamba-2 layers */
    double other_bytes;      /* workspace, fragmentation reserve */
    double per_device_bytes; /* sum of the above on the busiest device */
    double capacity_bytes;
    bool fits;
    double shortfall_bytes; /* > 0 when it does not fit */
} rg_memory;

typedef struct rg_breakdown {
    double compute_s;                     /* compute-bound op time */
    double memory_s;                      /* memory-bound op time */
    double comm_s[RG_COMM_COUNT];         /* total time of each collective kind */
    double comm_exposed_s[RG_COMM_COUNT]; /* the part not hidden under compute */
    double bubble_s;                      /* pipeline bubble */
    double other_s;                       /* latency-bound ops (kernel_overhead) + step_overhead */
} rg_breakdown;

/* Batch analysis of an inference step, filled only when asked for
 * (RG_EVAL_SATURATION; engine/saturation.h). Batches are sequences and are
 * multiples of dp x ep, like the spec's batch. */
typedef struct rg_saturation {
    bool computed;
    double fraction;                        /* saturation_fraction assumption */
    int64_t batch;                          /* smallest batch reaching fraction x asymptote; 0 = none
                                               up to RG_SAT_MAX_BATCH sequences per replica */
    double tokens_per_s_per_chip;           /* at `batch` */
    double asymptote_tokens_per_s_per_chip; /* limit of tokens/s per chip as the batch grows */
    double asymptote_compute_share;         /* compute-bound share of op time in that limit */
    int64_t max_batch_fits;                 /* largest batch whose memory fits; 0 = none */
} rg_saturation;

/* Parts of a step's energy (engine/energy.h), in summation order. */
#define RG_EPART_LIST(X)                                                                                     \
    X(RG_EPART_MATRIX, "matrix")                                                                             \
    X(RG_EPART_HBM, "hbm")                                                                                   \
    X(RG_EPART_SRAM, "sram")                                                                                 \
    X(RG_EPART_SCALEUP, "scaleup")                                                                           \
    X(RG_EPART_SCALEOUT, "scaleout")                                                                         \
    X(RG_EPART_STATIC, "static")

typedef enum rg_epart {
#define RG_X_(id, name) id,
    RG_EPART_LIST(RG_X_)
#undef RG_X_
        RG_EPART_COUNT
} rg_epart;

/* Energy of one step, all chips. */
typedef struct rg_energy {
    double part_j[RG_EPART_COUNT];
    double energy_j;           /* sum of the parts */
    double energy_per_token_j; /* energy_j / tokens of the step */
    double energy_per_mac_pj;  /* matrix energy per MAC used */
    double matrix_power_w;     /* one chip's matrix units at peak */
    double static_power_w;     /* one chip */
    double avg_power_w;        /* one chip: energy_j / time / chips */
} rg_energy;

typedef struct rg_result {
    double time_s;   /* one step (train: iteration; prefill: batch; decode: one token) */
    double flops;    /* model FLOPs of the step, all devices */
    double hw_flops; /* hardware FLOPs incl. recompute, all devices */
    double bytes;    /* memory traffic, all devices */
    double mfu;      /* flops / (time * chips * peak of the math class) */
    double tokens_per_s;
    double params;
    double active_params;
    double mtp_params; /* multi-token-prediction modules, not in params */
    int64_t chips;
    double latency_per_token_s; /* decode */
    double tokens_per_step;     /* decode: tokens each sequence gains per step (> 1 with MTP drafts) */
    double tokens_per_s_per_chip;
    rg_memory memory;
    rg_breakdown breakdown;
    rg_saturation saturation;         /* zero unless RG_EVAL_SATURATION */
    rg_silicon_result silicon;        /* zero unless hardware.silicon */
    rg_recipe_silicon recipe_silicon; /* zero unless hardware.silicon and on-chip numerics.recipes */
    rg_energy energy;
    rg_serving_result serving; /* phase serve */
    int n_ops;
    rg_op ops[RG_MAX_OPS];
    uint8_t used[RG_A_COUNT]; /* 1 for every assumption this result rests on */
} rg_result;

#endif
