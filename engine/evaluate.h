/* evaluate.h: evaluate one design point: roofline of every op on the
 * busiest device, communication of each parallel dimension on the two-level
 * network, pipeline bubble, memory per device, totals.
 *
 * Deterministic, allocation-free, microseconds per call: the strategy search
 * calls it in a loop. */
#ifndef RG_EVALUATE_H
#define RG_EVALUATE_H

#include "collectives.h"
#include "result.h"
#include "roofline.h"
#include "spec.h"
#include "status.h"

/* Flags for rg_evaluate_ex. */
#define RG_EVAL_NO_OPS 1u /* skip filling out->ops (n_ops = 0); totals unchanged */
/* Inference only: also fill out->saturation (saturation batch, asymptotic
 * throughput, largest batch that fits; engine/saturation.h). About a hundred
 * extra evaluations without op rows: for single evaluations, not searches. */
#define RG_EVAL_SATURATION 2u

/* Evaluate `spec` into caller-provided `out`. Returns 0, or a negative
 * status with `err` naming the field (validation errors; RG_EUNSUPPORTED
 * "numerics.math" when the chip has no matrix unit for the math format).
 * `out` is fully written on success, unspecified on failure. With
 * RG_EVAL_SATURATION, also RG_ERANGE "assumptions.saturation_fraction"
 * unless it lies in (0, 1). */
int rg_evaluate(const rg_spec *spec, rg_result *out, rg_err *err);
int rg_evaluate_ex(const rg_spec *spec, rg_result *out, unsigned flags, rg_err *err);

/* One serving step of `spec` (an inference spec; batch and seq_len are not
 * used for the step's shape) with the mixed batch `mix` per device
 * (roofline.h): the same step model as prefill and decode, with the tokens,
 * LM-head rows and attention work of the mix. Only RG_EVAL_NO_OPS is
 * honoured. Returns 0 or a negative status as rg_evaluate. */
int rg_evaluate_mix(const rg_spec *spec, const rg_mix *mix, rg_result *out, unsigned flags, rg_err *err);

/* What the attention core of a mixed step is priced with: the roofline's
 * rates, the shape fields rg_roofline_mix_core reads, the model dimensions,
 * the full-attention and sliding-window layers on the busiest stage (as the
 * evaluation counts them; uneven stages included) and pipeline depth. A
 * step's time is
 *   t(mix) = t(mix without core work)
 *            + pp x (layers x core op times of prefill, decode
 *                    + local_layers x those of wprefill, wdecode),
 * exactly (the core ops add to every stage's time; inference runs the stages
 * one after another). Returns 0 or a validation error. */
typedef struct rg_core_ctx {
    rg_roof roof;
    rg_shape shape;
    rg_model_dims dims;
    double layers, local_layers, pp;
} rg_core_ctx;
int rg_evaluate_core_ctx(const rg_spec *spec, rg_core_ctx *ctx, rg_err *err);

/* The network an evaluation prices collectives on: `s`'s links at
 * scaleup/scaleout_bw_efficiency, with each collective kind's bandwidth
 * efficiency and fixed latency from `as`. No allocation. */
void rg_evaluate_net(const rg_system *s, const rg_assumptions *as, rg_net *net);

#endif
