/* evaluate.h: evaluate one design point: roofline of every op on the
 * busiest device, communication of each parallel dimension on the two-level
 * network, pipeline bubble, memory per device, totals.
 *
 * Deterministic, allocation-free, microseconds per call: the strategy search
 * calls it in a loop. */
#ifndef RG_EVALUATE_H
#define RG_EVALUATE_H

#include "result.h"
#include "spec.h"
#include "status.h"

/* Flags for rg_evaluate_ex. */
#define RG_EVAL_NO_OPS 1u /* skip filling out->ops (n_ops = 0); totals unchanged */

/* Evaluate `spec` into caller-provided `out`. Returns 0, or a negative
 * status with `err` naming the field (validation errors; RG_EUNSUPPORTED
 * "numerics.math" when the chip has no matrix unit for the math format).
 * `out` is fully written on success, unspecified on failure. */
int rg_evaluate(const rg_spec *spec, rg_result *out, rg_err *err);
int rg_evaluate_ex(const rg_spec *spec, rg_result *out, unsigned flags, rg_err *err);

#endif
