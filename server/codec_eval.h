/* codec_eval.h: one design point evaluated the way every entry point does it.
 *
 * `ridge evaluate` and POST /api/v1/evaluate both go through codec_eval_run:
 * the spec is parsed and validated once, evaluated with the batch analysis
 * (saturation_batch, max_batch_fits, ...), its canonical text and SHA-256
 * are computed once, and the emulated quality of its formats (the spec's
 * "quality" member) is computed when asked for. codec_eval_write then writes
 * the one result object both print, quality included, so the CLI's output
 * and the service's `result` are the same JSON. */
#ifndef RG_CODEC_EVAL_H
#define RG_CODEC_EVAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "jsonw.h"
#include "result.h"
#include "spec.h"
#include "status.h"

typedef struct codec_eval {
    rg_spec spec;
    rg_result res;
    char *canonical; /* canonical spec text (malloc), NUL-terminated */
    size_t canonical_len;
    char sha[65];             /* SHA-256 of `canonical` */
    char *quality;            /* quality JSON (malloc), NULL when not asked for */
    char *uncertainty;        /* uncertainty JSON (malloc), NULL when not asked for ("uncertainty": true) */
    rg_serve_req *trace_rows; /* a long serving trace's rows (malloc) that spec borrows, or NULL */
} codec_eval;

/* Evaluates the spec object `json` (not taken) into `ev`, which the caller
 * allocates (rg_result is large: put it on the heap) and zeroes. Returns 0,
 * or a negative status with `err` naming the field; on failure `ev` may hold
 * partial allocations: codec_eval_free it either way. */
int codec_eval_run(const cJSON *json, codec_eval *ev, rg_err *err);

/* Writes the result object (codec_result_write's keys, spec_sha256 from
 * `ev`, and "quality" when computed). */
void codec_eval_write(jw *w, const codec_eval *ev);

/* Frees what codec_eval_run allocated inside `ev` (not `ev`); NULL-safe. */
void codec_eval_free(codec_eval *ev);

#endif
