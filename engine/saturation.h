/* saturation.h: the batch that saturates the chip, and the largest batch
 * that fits, for an inference (prefill or decode) design point.
 *
 * A few dozen cheap evaluations of the same spec at other batches (no op
 * rows, no allocation): asked for once per single evaluation through
 * rg_evaluate_ex(..., RG_EVAL_SATURATION, ...), never inside search loops. */
#ifndef RG_SATURATION_H
#define RG_SATURATION_H

#include "result.h"
#include "spec.h"
#include "status.h"

/* Batches are searched up to this many sequences per replica (dp x ep). */
#define RG_SAT_MAX_BATCH ((int64_t)1 << 30)

/* Fill `sat` for `spec` (already validated). Training specs leave it zero
 * (computed = false) and return 0. `scratch` is evaluation storage whose
 * contents are overwritten (it may be the caller's result, written again
 * afterwards). Returns 0, or a negative status with `err` naming the field:
 * RG_ERANGE "assumptions.saturation_fraction" unless it lies in (0, 1), or
 * any error of rg_evaluate_ex. */
int rg_saturation_find(const rg_spec *spec, rg_result *scratch, rg_saturation *sat, rg_err *err);

#endif
