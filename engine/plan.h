/* plan.h: how a design point is laid out on its chips, derived once per
 * evaluation from rg_spec (degrees, micro-steps, layers per pipeline stage).
 *
 * Rank order (innermost first): tensor, context, expert, data, pipeline.
 * Tensor-parallel groups therefore fill a scale-up domain first; pipeline
 * stages are the outermost and cross scale-out first. Expert parallelism is
 * its own dimension: its ranks process different sequences like data ranks
 * and exchange tokens for the experts, so the dense part of the model is
 * replicated over dp x ep. */
#ifndef RG_PLAN_H
#define RG_PLAN_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rg_plan {
    int64_t tp, cp, ep, dp, pp, v;
    int64_t chips;
    int64_t replicas;     /* dp x ep: sequence-parallel copies of the dense model */
    double b_rep;         /* sequences per replica per step */
    double micro;         /* sequences per micro-batch */
    double steps;         /* micro-steps per step (gradient accumulation) */
    double tokens_mb;     /* tokens of one micro-batch on one device: micro x seq / cp */
    int64_t layers_stage; /* layers on the stage holding the most */
    int64_t layers_first, layers_mid, layers_last; /* layers on the first, a middle and the last stage */
    int64_t dense_first, moe_first;                /* layers of each kind on the first stage */
    int64_t dense_last, moe_last;                  /* ... on the busiest stage (MoE first, + LM head) */
    /* mixers on a stage: the model's mix of global / sliding-window
     * attention and Mamba-2 layers scaled to layers_stage (exact at pp = 1) */
    double global_stage, local_stage, ssm_stage;
    double shared_stage; /* uses of shared blocks on a stage (rg_shared), scaled alike */
    double draft;        /* decode: MTP draft tokens per sequence and step */
    bool mtp;            /* the MTP modules run (training, or decode with drafts) */
    double vocab;        /* padded vocabulary */
    bool train, decode;
} rg_plan;

#endif
