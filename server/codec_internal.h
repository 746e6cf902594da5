/* codec_internal.h: what the codec's files share (not part of the contract).
 *
 * The field table maps JSON paths to offsets in rg_spec; the data cache holds
 * the embedded presets, defaults and assumption metadata, parsed once on first
 * use (pthread_once) and read-only afterwards, so the codec is safe to call
 * from many threads. */
#ifndef RG_CODEC_INTERNAL_H
#define RG_CODEC_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "codec.h"

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
    CF_ASSUMPT  /* {name: value} assumption overrides */
} codec_ftype;

#define CF_REQUIRED 1 /* must be given when its object is given without a preset */

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

extern const codec_field codec_fields[];
extern const int codec_nfields;

/* Per-row data derived from the table at init: parent row (-1 = root) and the
 * last path component. */
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

struct rg_embedded_file;
/* Load `n` data files (paths relative to data/) into `d`, which the caller
 * zeroes first. Returns 0, or RG_EINTERNAL with `err` naming the file and
 * field (a missing assumption names the assumption). `d` holds parsed JSON
 * either way: release it with codec_data_release. */
int codec_data_load(codec_data *d, const struct rg_embedded_file *files, int n, rg_err *err);
void codec_data_release(codec_data *d);

/* data/ppa/osu018.json from `files` into d->ppa (codec_silicon.c); a
 * missing file leaves an empty table. Returns 0 or RG_EINTERNAL. */
int codec_ppa_load(codec_data *d, const struct rg_embedded_file *files, int n, rg_err *err);
/* The result's "silicon" object (when the spec had one) and its energy. */
void codec_silicon_write(jw *w, const rg_result *res);

/* The process-wide data: loaded on first use. Returns 0 or the load error
 * (copied into err). */
int codec_data_init(rg_err *err);
/* Valid after a successful init. */
const codec_data *codec_data_get(void);
const rg_spec *codec_default_spec(void);
const codec_preset *codec_preset_find(const char *kind, const char *name);
const codec_preset *codec_data_preset_find(const codec_data *d, const char *kind, const char *name);
int codec_preset_count(void);
const codec_preset *codec_preset_at(int i);
const codec_assumption_meta *codec_assumption_meta_get(int id);
const cJSON *codec_defaults_json(void);

/* Walk `obj` as the object of row `parent` (-1 = root) into `s`, with presets
 * and defaults from `d`. `required` enables the missing-field checks. Used for
 * specs, presets and defaults. */
int codec_walk(const codec_data *d, const cJSON *obj, int parent, rg_spec *s, int required, rg_err *err);
/* Derived defaults and cross-field checks after a walk. */
int codec_spec_finish(rg_spec *s, rg_err *err);

/* Write any cJSON value through the lossless writer. */
void codec_json_write(jw *w, const cJSON *v);

/* The result object of codec_result_write, with the spec's SHA-256 when the
 * caller has it (NULL: computed here) and a quality JSON text (may be NULL). */
void codec_result_write_with(jw *w, const rg_spec *spec, const rg_result *res, const char *spec_sha,
                             const char *quality_json);

#endif
