/* memory.h: memory per device: weights, gradients, optimizer state,
 * activations (Korthikanti et al. 2022 closed forms, generalised), KV cache
 * and a reserve; whether it fits and by how much not. */
#ifndef RG_MEMORY_H
#define RG_MEMORY_H

#include <stdbool.h>

#include "model.h"
#include "plan.h"
#include "result.h"
#include "spec.h"

/* Inputs of the per-layer activation formula. */
typedef struct rg_act_in {
    double b;   /* sequences in the micro-batch */
    double s;   /* tokens per sequence on this device (s / cp) */
    double s_k; /* keys per query held by the score matrix (s) */
    int64_t tp;
    bool sp;
    rg_recompute recompute;
    bool flash;
    bool dropout;
    double a_bytes; /* bytes per activation element */
} rg_act_in;

/* Activation bytes one layer keeps for its backward pass, one micro-batch.
 * With 16-bit activations, dropout, MHA, a 4h GELU FFN and no flash
 * attention this is Korthikanti's s b h (34 + 5 a s / h) and its TP, SP,
 * selective and full-recompute variants. `moe` selects the MoE FFN. */
double rg_memory_layer_activations(const rg_model *m, const rg_model_dims *dm, const rg_act_in *in, bool moe);

/* Activation bytes one Mamba-2 mixer keeps for its backward pass, one
 * micro-batch: its norm and in_proj inputs (whole), in_proj, conv, scan and
 * gated-norm outputs (split over tp) and the fp32 state of every chunk. */
double rg_memory_ssm_activations(const rg_model *m, const rg_model_dims *dm, const rg_act_in *in);

/* Activation bytes one use of a shared block (rg_shared) keeps, one
 * micro-batch: an attention + dense MLP layer over the block's dimensions,
 * plus its wider concatenated norm and QKV inputs and its linear's input. */
double rg_memory_shared_activations(const rg_model *m, const rg_model_dims *dm, const rg_act_in *in);

/* Micro-batches whose activations the first pipeline stage holds at peak
 * (1F1B: min(pp, steps); interleaved: x (1 + (pp-1)/(pp v))). */
/* Elements of the recurrent state one sequence keeps per Mamba-2 layer on a
 * device of a tp group: the SSD state (inner/tp x state) and the conv
 * window ((conv - 1) x conv channels). */
double rg_memory_ssm_state(const rg_model *m, const rg_model_dims *dm, int64_t tp);

double rg_memory_inflight(int64_t pp, double steps, int64_t v);

/* Parameters held by one device of the first (first = true) or last stage,
 * before ZeRO sharding. */
double rg_memory_stage_params(const rg_model *m, const rg_model_dims *dm, const rg_plan *p, bool first);

/* Fill `mem` for the design point. Marks the assumptions it reads. */
void rg_memory_estimate(const rg_spec *spec, const rg_model_dims *dm, const rg_plan *p, rg_memory *mem,
                        uint8_t *used);

#endif
