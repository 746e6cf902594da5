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

/* One evaluation of a spec without op rows, as the search probes it: the
 * caller passes it in (evaluate.c passes rg_evaluate_ex with
 * RG_EVAL_NO_OPS), so this module depends on no evaluator and evaluate.c,
 * which calls this module, is not called back through a header cycle. */
typedef int (*rg_probe_fn)(const rg_spec *spec, rg_result *out, rg_err *err);

/* Fill `sat` for `spec` (already validated). Training specs leave it zero
 * (computed = false) and return 0. `scratch` is evaluation storage whose
 * contents are overwritten (it may be the caller's result, written again
 * afterwards). Returns 0, or a negative status with `err` naming the field:
 * RG_ERANGE "assumptions.saturation_fraction" unless it lies in (0, 1), or
 * any error of `probe`. */
int rg_saturation_find(const rg_spec *spec, rg_probe_fn probe, rg_result *scratch, rg_saturation *sat,
                       rg_err *err);

#endif
