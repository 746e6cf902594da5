/* codec.h: JSON <-> engine structs, at the boundary only.
 *
 * Every function here takes or returns cJSON and typed engine structs, and
 * frees the cJSON it creates itself. Errors name the offending field with a
 * JSON path ("model.d_model", "parallelism.tp", "numerics.weights").
 *
 * Presets (hardware, models, systems) and assumption defaults come from the
 * data files embedded from data/ (see embedded.h); in those files any number
 * may be written as {"value": X, "unit": "...", "source": "..."} so every
 * figure carries its source. User specs may use the same form or plain
 * numbers. */
#ifndef RG_CODEC_H
#define RG_CODEC_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "jsonw.h"
#include "result.h"
#include "spec.h"
#include "status.h"

/* Parse a spec (the CLI's / POST /evaluate's JSON object) into `out`,
 * resolving presets, applying defaults and assumption overrides, and
 * validating. Unknown keys are an error (RG_EUNKNOWN naming the key).
 * Returns 0 or a negative status with `err` filled. Does not take `json`. */
int codec_spec_parse(const cJSON *json, rg_spec *out, rg_err *err);

/* Parse from text (NUL-terminated, trailing garbage rejected). */
int codec_spec_parse_text(const char *text, size_t len, rg_spec *out, rg_err *err);

/* Write the result object (the contract keys: time_s, flops, hw_flops, bytes,
 * mfu, tokens_per_s, params, active_params, memory{...}, ops[...],
 * assumptions[...], breakdown{...}) as one JSON value into `w`. */
void codec_result_write(jw *w, const rg_spec *spec, const rg_result *res);

/* Write the canonical form of a parsed spec (every field resolved, presets
 * expanded, keys in a fixed order, numbers lossless) as one JSON value. Two
 * specs that evaluate identically have identical canonical text; its SHA-256
 * is the spec hash stored as provenance. */
void codec_spec_write_canonical(jw *w, const rg_spec *spec);

/* Write every assumption the result used: [{name, value, unit, source,
 * confidence, overridden}]. */
void codec_assumptions_write(jw *w, const rg_spec *spec, const uint8_t *used);

/* Set a dotted path ("batch", "model.d_model", "numerics.weights",
 * "parallelism.tp", "hardware" ...) in a JSON spec to a copy of `value`,
 * creating intermediate objects; a preset name at an object path is replaced
 * by its expanded object first when a sub-field is set. Returns 0 or
 * RG_EINVAL with `err` naming the path. Used by sweeps. */
int codec_spec_set_path(cJSON *spec, const char *path, const cJSON *value, rg_err *err);

/* Presets: kind is "hardware", "models" or "systems". The returned cJSON is
 * a new object the caller deletes; NULL with RG_ENOTFOUND if unknown. */
cJSON *codec_preset_get(const char *kind, const char *name, rg_err *err);
/* Write {"hardware":[{name, description, ...}], "models":[...], "systems":[...]}. */
void codec_presets_write(jw *w);

/* Write an error as a JSON object {code, status, field, message}. */
void codec_error_write(jw *w, const rg_err *err);

/* Engine version string and the git commit of this build. */
const char *codec_engine_version(void);
const char *codec_git_commit(void);

#endif
