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

/* Load and check the embedded data (presets, defaults, assumptions) once;
 * every other function does this on first use. Returns 0, or RG_EINTERNAL
 * with `err` naming the data file and field. Thread-safe; a daemon calls it
 * at start-up to fail fast. */
int codec_init(rg_err *err);

/* Parse a spec (the CLI's / POST /evaluate's JSON object) into `out`,
 * resolving presets, applying defaults and assumption overrides, and
 * validating. Unknown keys are an error (RG_EUNKNOWN naming the key).
 * Returns 0 or a negative status with `err` filled. Does not take `json`. */
int codec_spec_parse(const cJSON *json, rg_spec *out, rg_err *err);

/* As codec_spec_parse, but without rg_spec_validate: for a strategy search,
 * whose parallel degrees are chosen later (each candidate is validated when
 * it is evaluated). Field types, ranges and model consistency are checked. */
int codec_spec_parse_base(const cJSON *json, rg_spec *out, rg_err *err);

/* As codec_spec_parse (validate true) or codec_spec_parse_base (false), for
 * specs whose serving.arrival.trace may hold more than RG_SERVE_TRACE_MAX
 * rows: those rows go into a new array *rows that out->serving.trace_rows
 * borrows; the caller frees *rows (NULL when the trace fits inline) after
 * the last use of `out` and of its copies, on success and failure. */
int codec_spec_parse_rows(const cJSON *json, rg_spec *out, bool validate, rg_serve_req **rows, rg_err *err);

/* Parse JSON text of `len` bytes (text[len] must be NUL): trailing garbage
 * and embedded NULs are refused; a syntax error names line and column. The
 * caller deletes the result; NULL with `err` set (RG_EPARSE) on failure. */
cJSON *codec_json_parse(const char *text, size_t len, rg_err *err);

/* As codec_json_parse for a Hugging Face config.json, which Python's json
 * module writes with the bare tokens Infinity, -Infinity and NaN (e.g.
 * Nemotron-H's time_step_limit): outside strings they read as null. */
cJSON *codec_json_parse_hf(const char *text, size_t len, rg_err *err);

/* Parse from text (NUL-terminated, trailing garbage rejected). */
int codec_spec_parse_text(const char *text, size_t len, rg_spec *out, rg_err *err);

/* Write the result object (the contract keys: time_s, flops, hw_flops, bytes,
 * mfu, tokens_per_s, params, active_params, memory{...}, ops[...],
 * assumptions[...], breakdown{...}) as one JSON value into `w`. */
void codec_result_write(jw *w, const rg_spec *spec, const rg_result *res);

/* Read a Hugging Face config.json (hf_import.h) and write {"model_type",
 * "model": Ridge's model object with every field as {"value", "source"},
 * "params", "active_params", "mtp_params", "layers": {kind: count}}.
 * Returns 0 or a negative status with `err` naming the config key
 * ("hf_config.num_key_value_heads"). */
int codec_hf_import_write(jw *w, const cJSON *cfg, rg_err *err);

/* Write the canonical form of a parsed spec (every field resolved, presets
 * expanded, keys in a fixed order, numbers lossless) as one JSON value.
 * Specs that differ only in how they were written (preset names or expanded
 * objects, defaults left out or spelled out, derived fields omitted or given,
 * key order, number spelling) share one canonical text; its SHA-256 is the
 * spec hash stored as provenance. Preset names, descriptions and the
 * "quality" request are not part of it; derived fields (kv_heads, head_dim,
 * expert_ffn_dim, chips = 0) are written resolved; every assumption value is included.
 * The canonical text is itself a valid spec that parses back to the same
 * canonical text. */
void codec_spec_write_canonical(jw *w, const rg_spec *spec);

/* Write every assumption the result used: [{name, value, unit, source,
 * confidence, overridden}]. */
void codec_assumptions_write(jw *w, const rg_spec *spec, const uint8_t *used);

/* Set a dotted path ("batch", "model.d_model", "numerics.weights",
 * "parallelism.tp", "hardware", "assumptions.matmul_efficiency" ...) in a JSON
 * spec to a copy of `value`, creating intermediate objects; a preset name at
 * an object path becomes {"preset": name} first when a sub-field is set (it
 * resolves to the same expanded section). Returns 0 or RG_EINVAL with `err`
 * naming the path (also for paths that name no field). Used by sweeps. */
int codec_spec_set_path(cJSON *spec, const char *path, const cJSON *value, rg_err *err);

/* codec_result_write plus, when `quality` is given (a spec's "quality" value:
 * true or an options object; NULL, null or false = none), a "quality" member
 * with the emulated quality of the spec's weight, activation and KV formats
 * (codec_quality_write in codec_numerics.h): the codesign link between a
 * design point's cost and its accuracy. Nothing is written on failure.
 * Returns 0 or a negative status with `err` naming "quality.<key>". */
int codec_result_write_quality(jw *w, const rg_spec *spec, const rg_result *res, const cJSON *quality,
                               rg_err *err);

/* Derived checks + rg_spec_validate on a typed spec (what codec_spec_parse
 * runs last). Call after changing a spec with the axis setters below. */
int codec_spec_check(rg_spec *spec, rg_err *err);

/* SHA-256 of the canonical text, 64 lowercase hex digits + NUL. Returns 0 or
 * RG_ENOMEM. */
int codec_spec_sha256(const rg_spec *spec, char hex[65]);

/* Typed fast path for sweeps: compile a path once, then set values directly
 * on a parsed rg_spec (no JSON per point). Numeric axes: every integer/number/
 * boolean field and "assumptions.<name>"; string axes: formats
 * ("numerics.weights"), enums ("phase", "parallelism.recompute") and preset
 * sections ("hardware", "model", "system": the value is a preset name).
 * Setters range-check the one field; run codec_spec_check afterwards for the
 * cross-field rules. Unlike codec_spec_set_path + parse, a derived field
 * (head_dim, kv_heads, expert_ffn_dim left to default) is derived by the
 * engine at evaluation time, so both paths evaluate the same. */
typedef struct codec_axis {
    char path[128];
    int row;        /* field-table row, or -1 */
    int assumption; /* assumption id, or -1 */
    bool numeric;
} codec_axis;
int codec_axis_compile(const char *path, codec_axis *ax, rg_err *err);
int codec_axis_set(const codec_axis *ax, rg_spec *spec, double value, rg_err *err);
int codec_axis_set_str(const codec_axis *ax, rg_spec *spec, const char *value, rg_err *err);

/* Presets: kind is "hardware", "models" or "systems". The returned cJSON is
 * a new object the caller deletes; NULL with RG_ENOTFOUND if unknown. */
cJSON *codec_preset_get(const char *kind, const char *name, rg_err *err);
/* Write {"hardware":[{name, description, ...}], "models":[...], "systems":[...],
 * "defaults": {... with reasons}, "assumptions": [{name, value, unit, source,
 * confidence, overridden: false}]}: every preset file as written, sources
 * included. */
void codec_presets_write(jw *w);

/* Write the spec's fields from the codec's field table: {"fields": [{path,
 * type, unit, min, max (numbers), values (enums)}]}, one per settable leaf
 * (what sweep axes and the dashboard's forms may name, with their units). */
void codec_fields_write(jw *w);

/* Write any cJSON value through the lossless writer (numbers via jw_num). */
void codec_json_write(jw *w, const cJSON *v);

/* The memory and breakdown objects of a result, alone (search output). */
void codec_memory_write(jw *w, const rg_memory *m);
void codec_breakdown_write(jw *w, const rg_breakdown *b);

/* Write an error as a JSON object {code, status, field, message, title}:
 * code is the symbolic status ("RG_ERANGE"), status the HTTP status. */
void codec_error_write(jw *w, const rg_err *err);

/* Engine version string and the git commit of this build. */
const char *codec_engine_version(void);
const char *codec_git_commit(void);

#endif
