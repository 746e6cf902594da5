/* codec_fields.h: the spec's field table, the walker that reads JSON
 * through it, and the data types the walk reads presets from.
 *
 * The bottom of the codec: it depends on no other codec file. The data
 * loader (codec_data.h) fills a codec_data by walking the data files; the
 * spec API (codec.c) walks user specs with the loaded data. */
#ifndef RG_CODEC_FIELDS_H
#define RG_CODEC_FIELDS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "codec.h"

#define OFF(m) offsetof(rg_spec, m)
#define BIG    9007199254740992.0 /* 2^53: counts above this are not exact in JSON */

typedef enum codec_ftype {
    CF_OBJ = 0, /* nested object: children are the rows whose parent it is */
    CF_I64,     /* int64_t, integral JSON number */
    CF_INT,     /* int, integral JSON number */
    CF_F64,     /* double, finite JSON number */
    CF_BOOL,    /* bool */
    CF_FMT,     /* int format id from a format name (rg_format_find) */
    CF_ENUM,    /* int-sized enum from one of `names` */
    CF_NAME,    /* char[RG_NAME_MAX] */
    CF_META,    /* accepted and ignored (description, notes) */
    CF_ANY,     /* passed through to another module (quality) */
    CF_ASSUMPT, /* {name: value} assumption overrides */
    CF_LEN,     /* rg_len: a token count or {"dist": "lognormal"|"uniform", ...} */
    CF_TRACE,   /* rg_serving trace rows: [[arrival_s, prompt_tokens, output_tokens], ...] */
    CF_HF,      /* a Hugging Face config.json read into the model (hf_import.h) */
    CF_RECIPE,  /* rg_tensor_recipe from a recipe string (rg_recipe_parse); "none" = off */
    CF_FILE /* a file the CLI reads into the spec before the codec sees it (serving.trace_file): refused */
} codec_ftype;

#define CF_REQUIRED  1 /* must be given when its object is given without a preset */
#define CF_NOT_SERVE 2 /* CF_REQUIRED does not apply to "phase": "serve" specs */

typedef struct codec_field {
    const char *path; /* full dotted path: "model.moe.experts" */
    codec_ftype type;
    size_t off; /* offset in rg_spec (leaf rows and preset sections) */
    double min, max;
    const char *unit;         /* canonical unit for {"value","unit"} checks, or NULL */
    const char *const *names; /* CF_ENUM: value names, index = enum value */
    int flags;
    const char *preset_kind; /* CF_OBJ that may name a preset: "models", "hardware", "systems" */
    size_t size;             /* CF_OBJ with preset_kind: size of the section copied from a preset */
} codec_field;

/* hf_import (hf_import.h) plus the field table's ranges on every field it
 * set; a field out of range names the config key it came from under `path`. */
struct hf_trace;
int codec_hf_apply(const cJSON *cfg, const char *path, rg_model *m, struct hf_trace *tr, rg_err *err);

/* The rows of a serving.arrival.trace array (checked as the walk checks
 * them) into a new array *rows the caller frees (NULL for an empty array).
 * Returns 0, RG_ENOMEM, or the error naming the bad row. */
int codec_trace_rows(const cJSON *trace, rg_serve_req **rows, rg_err *err);

extern const codec_field codec_fields[];
extern const int codec_nfields;

/* Per-row data derived from the table by codec_fields_index (which the data
 * loader runs once, before any walk): parent row (-1 = root) and the last
 * path component. */
void codec_fields_index(void);
int codec_field_parent(int row);
const char *codec_field_key(int row);
/* Row of a full path, or -1. */
int codec_field_find(const char *path);

/* One preset: its file object (owned by the cache) and the typed spec it
 * resolves to (defaults + the preset's fields). */
typedef struct codec_preset {
    const char *kind; /* "hardware", "models", "systems" */
    const char *name;
    const char *description;
    const cJSON *json;
    rg_spec spec;
} codec_preset;

/* Assumption metadata from data/assumptions.json. */
typedef struct codec_assumption_meta {
    double value;
    const char *unit;
    const char *source;
    const char *confidence;
    const char *description;
} codec_assumption_meta;

#define CODEC_PRESETS_MAX 64

/* Everything loaded from the data files. The process-wide instance is
 * filled once by codec_data_init; tests load their own from fabricated
 * files. */
typedef struct codec_data {
    rg_spec default_spec; /* defaults.json + assumptions.json */
    const cJSON *defaults_json;
    codec_preset presets[CODEC_PRESETS_MAX];
    int npresets;
    codec_assumption_meta ameta[RG_A_COUNT];
    rg_ppa ppa;                          /* data/ppa/osu018.json; default_spec.ppa points here */
    char ppa_source[384];                /* its provenance in one line */
    cJSON *roots[CODEC_PRESETS_MAX + 2]; /* every parsed file, owned */
    int nroots;
} codec_data;

/* Walk `obj` as the object of row `parent` (-1 = root) into `s`, with presets
 * and defaults from `d`. `required` enables the missing-field checks. Used for
 * specs, presets and defaults. */
int codec_walk(const codec_data *d, const cJSON *obj, int parent, rg_spec *s, int required, rg_err *err);
/* Derived defaults and cross-field checks after a walk. */
int codec_spec_finish(rg_spec *s, rg_err *err);
/* The preset `name` of `kind` in `d`, or NULL. */
const codec_preset *codec_data_preset_find(const codec_data *d, const char *kind, const char *name);

/* "prefix.key" into out (cap bytes), or "key" when prefix is empty. */
void codec_join_path(char *out, size_t cap, const char *prefix, const char *key);
/* Sets the CF_ENUM slot of row `f` from the name `s`; RG_EUNKNOWN naming
 * f->path and the accepted names otherwise. */
int codec_set_enum(const codec_field *f, const char *s, void *slot, rg_err *err);
/* Sets the CF_RECIPE slot of row `f` from the recipe text `s` ("none"
 * turns it off); the rg_recipe_parse error naming f->path otherwise. */
int codec_set_recipe(const codec_field *f, const char *s, void *slot, rg_err *err);

#endif
