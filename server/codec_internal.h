/* codec_internal.h: what the codec's files share (not part of the contract):
 * the field table and walker (codec_fields.h), the loaded data
 * (codec_data.h) and the writers' helpers below. The modules depend on each
 * other in one direction: codec_fields <- codec_data <- codec, codec_result,
 * codec_numerics, codec_eval. */
#ifndef RG_CODEC_INTERNAL_H
#define RG_CODEC_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "codec.h"
#include "codec_data.h"
#include "codec_fields.h"

/* Write any cJSON value through the lossless writer. */
void codec_json_write(jw *w, const cJSON *v);

/* The result object of codec_result_write, with the spec's SHA-256 when the
 * caller has it (NULL: computed here) and a quality JSON text (may be NULL). */
void codec_result_write_with(jw *w, const rg_spec *spec, const rg_result *res, const char *spec_sha,
                             const char *quality_json, const char *uncertainty_json);

/* The "uncertainty" object of a result: an interval for time, MFU and
 * tokens/s from each used assumption's range (codec_uncertainty.c);
 * `opts` (may be NULL) is the spec's {"ranges": {name: [low, high]}}, which
 * replace the confidence-level ranges (a calibration's intervals). Returns
 * 0 or a negative status naming "uncertainty.ranges.NAME". */
int codec_uncertainty_write(jw *w, const rg_spec *spec, const rg_result *res, const cJSON *opts, rg_err *err);

/* Apply the spec's "stack" (data/stacks.json) to `out` after the walk, for
 * every assumption and parallelism key `json` does not give itself. Returns
 * 0, or RG_EUNKNOWN "stack" for an unknown stack. */
int codec_stack_apply(const cJSON *json, rg_spec *out, rg_err *err);

#endif
