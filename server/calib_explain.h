/* calib_explain.h: gap attribution for a measured step (ridge calibrate
 * explain, POST /api/v1/explain).
 *
 * For a spec and its measured step time: the ops that make up the
 * prediction, each used assumption's elasticity and the value that alone
 * would close the gap (ranked by how many of its confidence ranges away that
 * value is), a sentence naming the likeliest invalid one, and an additive
 * attribution of the gap for a waterfall chart: the smallest joint change of
 * all assumptions, each in units of its own confidence range, that closes
 * the (log) gap under the linearised model. Minimising sum (d_i / w_i)^2
 * subject to sum e_i d_i = ln(measured / predicted), with e_i the
 * elasticity and w_i = ln(1 + range_i), gives d_i = g e_i w_i^2 / S with
 * S = sum e_j^2 w_j^2, so assumption i carries the share e_i^2 w_i^2 / S of
 * the gap: the assumptions that both move the step and are uncertain take it.
 *
 * The per-op view (op_attribution) evaluates the spec once more with every
 * assumption at its joint value and sets each part of the step (every op and
 * pass, each collective kind's exposed time, the bubble, the latency time)
 * before against after: which ops carry the gap. Its steps add up to
 * measured - predicted, the linearisation's miss listed as its own step. */
#ifndef RG_CALIB_EXPLAIN_H
#define RG_CALIB_EXPLAIN_H

#include "jsonw.h"
#include "spec.h"
#include "status.h"

/* Writes the explanation object into `w` (one JSON object: measured_s,
 * predicted_s, gap, ops, assumptions, attribution, op_attribution, summary). `spec` is
 * modified during the search and restored. Returns 0, or a negative status
 * with `err` set (the spec does not evaluate, measured_s not > 0, out of
 * memory). */
int calib_explain(rg_spec *spec, double measured_s, jw *w, rg_err *err);

#endif
