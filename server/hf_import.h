/* hf_import.h: a Hugging Face transformers config.json as Ridge's model.
 *
 * The raw config.json of a supported family (its `model_type`) becomes an
 * rg_model the way transformers builds the model from it: the family's
 * config class defaults for absent or null keys, its structure (gated MLP,
 * norms per layer, which projections carry biases, q/k norms) and its layer
 * rules (sliding-window layers, local/global patterns, which layers are MoE,
 * Mamba-2 layers of a hybrid pattern). A trace records, for every Ridge field
 * set, the config key or family default it came from.
 *
 * Like codec_fields.c this is a leaf of the codec: it depends on cJSON and
 * the engine's types only. Errors name the config key under the caller's
 * path ("model.hf_config.num_key_value_heads"). */
#ifndef RG_HF_IMPORT_H
#define RG_HF_IMPORT_H

#include <cjson/cJSON.h>

#include "spec.h"
#include "status.h"

#define HF_TRACE_MAX  64
#define HF_SOURCE_MAX 128

typedef struct hf_source {
    const char *field;        /* Ridge path below "model": "layers", "moe.experts" */
    char from[HF_SOURCE_MAX]; /* "num_hidden_layers", "default of llama (LlamaConfig): 32" */
} hf_source;

typedef struct hf_trace {
    char model_type[RG_NAME_MAX]; /* the family the config was read as */
    int n;
    hf_source src[HF_TRACE_MAX];
} hf_trace;

/* Read `cfg` (a config.json object) into `out`, which the caller has set to
 * the default model. `path` prefixes error fields ("model.hf_config").
 * `trace` may be NULL. Returns 0 or a negative status with `err` naming the
 * key: RG_ETYPE (a string where a number belongs), RG_ERANGE (heads that do
 * not divide, a window longer than the context), RG_EUNKNOWN (unknown
 * model_type, naming the known ones; unknown activation), RG_EMISSING. No
 * allocation. */
int hf_import(const cJSON *cfg, const char *path, rg_model *out, hf_trace *trace, rg_err *err);

/* The supported model_type values, comma-separated (static storage). */
const char *hf_known_types(void);

#endif
