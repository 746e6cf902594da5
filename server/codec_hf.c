/* codec_hf.c: `ridge import-model`'s output: a config.json read through
 * hf_import.c, written as Ridge's model object in the preset form, every
 * field as {"value": X, "source": "<config key or family default>"}, so the
 * object can be pasted into a spec or data/models/ as it is. */
#include <string.h>

#include "codec_internal.h"
#include "hf_import.h"
#include "model.h"

static const hf_source *find_source(const hf_trace *tr, const char *field) {
    for (int i = 0; i < tr->n; i++)
        if (strcmp(tr->src[i].field, field) == 0)
            return &tr->src[i];
    return NULL;
}

/* Does any traced field lie under the object row `row`? */
static bool traced_below(const hf_trace *tr, const char *prefix) {
    size_t n = strlen(prefix);
    for (int i = 0; i < tr->n; i++)
        if (strncmp(tr->src[i].field, prefix, n) == 0 && tr->src[i].field[n] == '.')
            return true;
    return false;
}

static void write_value(jw *w, const codec_field *f, const rg_spec *s) {
    const void *slot = (const char *)s + f->off;
    switch (f->type) {
    case CF_I64:
        jw_int(w, *(const int64_t *)slot);
        break;
    case CF_F64:
        jw_num(w, *(const double *)slot);
        break;
    case CF_BOOL:
        jw_bool(w, *(const bool *)slot);
        break;
    case CF_ENUM:
        jw_str(w, f->names[*(const int *)slot]);
        break;
    default:
        jw_null(w);
    }
}

/* The children of row `parent` that the trace names, in table order. */
static void write_obj(jw *w, int parent, const rg_spec *s, const hf_trace *tr) {
    size_t np = strlen("model.");
    jw_obj_begin(w);
    if (strcmp(codec_fields[parent].path, "model") == 0)
        jw_kstr(w, "name", s->model.name);
    for (int i = 0; i < codec_nfields; i++) {
        if (codec_field_parent(i) != parent)
            continue;
        const codec_field *f = &codec_fields[i];
        const char *field = f->path + np; /* below "model." */
        if (f->type == CF_OBJ) {
            if (!traced_below(tr, field))
                continue;
            jw_key(w, codec_field_key(i));
            write_obj(w, i, s, tr);
            continue;
        }
        const hf_source *src = find_source(tr, field);
        if (!src)
            continue;
        jw_key(w, codec_field_key(i));
        jw_obj_begin(w);
        jw_key(w, "value");
        write_value(w, f, s);
        jw_kstr(w, "source", src->from);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

int codec_hf_import_write(jw *w, const cJSON *cfg, rg_err *err) {
    hf_trace tr;
    int rc = codec_data_init(err);
    if (rc)
        return rc;
    rg_spec s = *codec_default_spec();
    rc = codec_hf_apply(cfg, "hf_config", &s.model, &tr, err);
    if (rc)
        return rc;
    const rg_model *m = &s.model;
    double total = 0.0, active = 0.0;
    rg_model_params(m, &total, &active);
    rg_model_dims dm;
    rg_model_derive(m, &dm);
    int row = codec_field_find("model");
    jw_obj_begin(w);
    jw_kstr(w, "model_type", tr.model_type);
    jw_key(w, "model");
    write_obj(w, row, &s, &tr);
    jw_knum(w, "params", total);
    jw_knum(w, "active_params", active);
    jw_knum(w, "mtp_params", rg_model_mtp_params(m));
    jw_key(w, "layers");
    jw_obj_begin(w);
    jw_kint(w, "full_attention", dm.global_layers);
    jw_kint(w, "sliding_attention", dm.local_layers);
    jw_kint(w, "mamba2", m->ssm.version == 1 ? 0 : dm.ssm_layers);
    jw_kint(w, "mamba1", m->ssm.version == 1 ? dm.ssm_layers : 0);
    jw_kint(w, "shared_attention", m->shared.uses);
    jw_kint(w, "dense_ffn", dm.dense_layers);
    jw_kint(w, "moe_ffn", dm.moe_layers);
    jw_kint(w, "no_ffn", m->layers - dm.ffn_layers);
    jw_obj_end(w);
    jw_obj_end(w);
    return 0;
}
