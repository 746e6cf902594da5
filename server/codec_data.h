/* codec_data.h: the embedded data files (presets, defaults, assumption
 * metadata), parsed once on first use (pthread_once) through the field table
 * of codec_fields.h and read-only afterwards, so the codec is safe to call
 * from many threads. */
#ifndef RG_CODEC_DATA_H
#define RG_CODEC_DATA_H

#include "codec_fields.h"

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
int codec_preset_count(void);
const codec_preset *codec_preset_at(int i);
const codec_assumption_meta *codec_assumption_meta_get(int id);
const cJSON *codec_defaults_json(void);

#endif
