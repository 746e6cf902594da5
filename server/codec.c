/* codec.c: the spec API: parse a JSON spec into rg_spec (through the field
 * table and walker of codec_fields.c, with the presets and defaults of
 * codec_data.c), its canonical text and hash, dotted paths, and the typed
 * axis setters of sweeps. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "codec_json.h"
#include "sha256.h"

int codec_spec_check(rg_spec *spec, rg_err *err) {
    int rc = codec_spec_finish(spec, err);
    if (rc)
        return rc;
    return rg_spec_validate(spec, err);
}

/* Walk, stack, the rows of a long trace (into *rows when rows is given),
 * then finish (and validate when `validate`). */
static int parse_spec(const cJSON *json, rg_spec *out, int validate, rg_serve_req **rows, rg_err *err) {
    int rc = codec_data_init(err);
    if (rc)
        return rc;
    *out = *codec_default_spec();
    rc = codec_walk(codec_data_get(), json, -1, out, 1, err);
    if (rc == 0)
        rc = codec_stack_apply(json, out, err);
    if (rc)
        return rc;
    if (rows && out->serving.n_trace > RG_SERVE_TRACE_MAX) {
        const cJSON *sv = cJSON_GetObjectItemCaseSensitive(json, "serving");
        const cJSON *ar = cJSON_GetObjectItemCaseSensitive(sv, "arrival");
        rc = codec_trace_rows(cJSON_GetObjectItemCaseSensitive(ar, "trace"), rows, err);
        if (rc)
            return rc;
        out->serving.trace_rows = *rows;
    }
    return validate ? codec_spec_check(out, err) : codec_spec_finish(out, err);
}

int codec_spec_parse(const cJSON *json, rg_spec *out, rg_err *err) {
    return parse_spec(json, out, 1, NULL, err);
}

int codec_spec_parse_base(const cJSON *json, rg_spec *out, rg_err *err) {
    return parse_spec(json, out, 0, NULL, err);
}

int codec_spec_parse_rows(const cJSON *json, rg_spec *out, bool validate, rg_serve_req **rows, rg_err *err) {
    *rows = NULL;
    return parse_spec(json, out, validate, rows, err);
}

cJSON *codec_json_parse(const char *text, size_t len, rg_err *err) {
    const char *end = NULL;
    if (!text) {
        rg_err_set(err, RG_EINVAL, "", "no input");
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        rg_err_set(err, RG_EPARSE, "", "NUL byte inside the JSON text");
        return NULL;
    }
    /* The length includes the terminating NUL so require_null_terminated
     * refuses trailing garbage (see FIELD-NOTES on cJSON). */
    cJSON *json = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    if (!json) {
        size_t at = end && end >= text ? (size_t)(end - text) : 0;
        int line = 1, col = 1;
        for (size_t i = 0; i < at && i < len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        rg_err_set(err, RG_EPARSE, "", "malformed JSON at line %d column %d", line, col);
        return NULL;
    }
    if (codec_json_check(text, len, json, err)) {
        cJSON_Delete(json);
        return NULL;
    }
    return json;
}

cJSON *codec_json_parse_hf(const char *text, size_t len, rg_err *err) {
    static const char *const tokens[] = {"-Infinity", "Infinity", "NaN"};
    if (!text)
        return codec_json_parse(text, len, err);
    char *t = malloc(2 * len + 1); /* "null" is at most one byte longer than a token (NaN) */
    if (!t) {
        rg_err_set(err, RG_ENOMEM, "", "out of memory");
        return NULL;
    }
    size_t o = 0;
    bool in_str = false;
    for (size_t i = 0; i < len;) {
        char c = text[i];
        if (in_str) {
            t[o++] = c;
            i++;
            if (c == '\\' && i < len)
                t[o++] = text[i++];
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"')
            in_str = true;
        size_t n = 0;
        for (int k = 0; k < 3 && !n; k++) {
            size_t l = strlen(tokens[k]);
            if (len - i >= l && memcmp(text + i, tokens[k], l) == 0)
                n = l;
        }
        if (n) {
            memcpy(t + o, "null", 4);
            o += 4;
            for (size_t pad = 4; pad < n; pad++) /* keep columns of later errors close */
                t[o++] = ' ';
            i += n;
        } else {
            t[o++] = c;
            i++;
        }
    }
    t[o] = '\0';
    cJSON *json = codec_json_parse(t, o, err);
    free(t);
    return json;
}

int codec_spec_parse_text(const char *text, size_t len, rg_spec *out, rg_err *err) {
    cJSON *json = codec_json_parse(text, len, err);
    if (!json)
        return err ? err->code : RG_EPARSE;
    int rc = codec_spec_parse(json, out, err);
    cJSON_Delete(json);
    return rc;
}

/* ---- canonical form ---------------------------------------------------- */

/* Integers print as jw_int would ("%" PRId64), without snprintf: the
 * canonical text is hashed for every sweep point, and its ~80 values are
 * mostly integers. */
static void put_i64(jw *w, int64_t v) {
    char buf[24];
    char *p = buf + sizeof buf - 1;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    *p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    jw_raw(w, p);
}

/* Doubles: integral values below 2^53 take the integer path, as
 * jw_format_double does; the rest go through the lossless writer. */
static void put_f64(jw *w, double v) {
    if (v != 0.0 && fabs(v) < BIG && v == (double)(int64_t)v)
        put_i64(w, (int64_t)v);
    else
        jw_num(w, v);
}

static void write_row_value(jw *w, const codec_field *f, const rg_spec *s) {
    const void *slot = (const char *)s + f->off;
    switch (f->type) {
    case CF_I64:
        put_i64(w, *(const int64_t *)slot);
        break;
    case CF_INT:
        put_i64(w, *(const int *)slot);
        break;
    case CF_F64:
        put_f64(w, *(const double *)slot);
        break;
    case CF_BOOL:
        jw_bool(w, *(const bool *)slot);
        break;
    case CF_FMT: {
        const rg_format *fm = rg_format_get(*(const int *)slot);
        jw_str(w, fm ? fm->name : "?");
        break;
    }
    case CF_RECIPE:
        jw_str(w, ((const rg_tensor_recipe *)slot)->text);
        break;
    case CF_ENUM: {
        int v = *(const int *)slot;
        int n = 0;
        while (f->names[n])
            n++;
        jw_str(w, v >= 0 && v < n ? f->names[v] : "?");
        break;
    }
    case CF_LEN: {
        const rg_len *l = slot;
        if (l->kind == RG_LEN_FIXED) {
            put_f64(w, l->mean);
            break;
        }
        jw_obj_begin(w);
        jw_key(w, "dist");
        jw_str(w, l->kind == RG_LEN_LOGNORMAL ? "lognormal" : "uniform");
        jw_key(w, l->kind == RG_LEN_LOGNORMAL ? "mean" : "min");
        put_f64(w, l->kind == RG_LEN_LOGNORMAL ? l->mean : l->min);
        jw_key(w, l->kind == RG_LEN_LOGNORMAL ? "sigma" : "max");
        put_f64(w, l->kind == RG_LEN_LOGNORMAL ? l->sigma : l->max);
        jw_obj_end(w);
        break;
    }
    case CF_TRACE: {
        const rg_serving *sv = slot;
        jw_arr_begin(w);
        /* a long trace parsed without its rows (codec_spec_parse_base) is
         * refused by validation; its text holds the inline rows only */
        int64_t n = sv->trace_rows || sv->n_trace <= RG_SERVE_TRACE_MAX ? sv->n_trace : RG_SERVE_TRACE_MAX;
        for (int64_t i = 0; i < n; i++) {
            const rg_serve_req *r = rg_serve_trace_row(sv, i);
            jw_arr_begin(w);
            put_f64(w, r->arrival_s);
            put_i64(w, r->prompt_tokens);
            put_i64(w, r->output_tokens);
            jw_arr_end(w);
        }
        jw_arr_end(w);
        break;
    }
    default:
        jw_null(w);
    }
}

/* Serving objects that are off are left out, so the canonical text of every
 * other spec is what it was and the text parses back. */
static bool serving_row_off(const codec_field *f, const rg_spec *s) {
    if (strncmp(f->path, "serving", 7) != 0)
        return false;
    if (s->phase != RG_PHASE_SERVE)
        return true;
    const rg_serving *sv = &s->serving;
    if (strncmp(f->path, "serving.speculative", 19) == 0)
        return !sv->speculative;
    if (strncmp(f->path, "serving.disaggregated", 21) == 0)
        return !sv->disaggregated;
    if (strcmp(f->path, "serving.arrival.trace") == 0)
        return sv->n_trace == 0;
    /* a trace gives every length: the unused distributions are left out (a
     * zero count would not parse back) */
    if (strcmp(f->path, "serving.prompt_tokens") == 0 || strcmp(f->path, "serving.output_tokens") == 0)
        return sv->n_trace > 0;
    return false;
}

/* Derived values the engine would use for zero ("derive") fields, so that a
 * spec with and without the explicit value share one canonical text. */
static int64_t canonical_i64(int row, const rg_spec *s) {
    const codec_field *f = &codec_fields[row];
    const rg_model *m = &s->model;
    int64_t v = *(const int64_t *)((const char *)s + f->off);
    if (v != 0)
        return v;
    if (f->off == OFF(model.kv_heads))
        return m->heads;
    if (f->off == OFF(model.head_dim) && !m->mla.enabled && m->heads > 0)
        return m->d_model / m->heads;
    if (f->off == OFF(model.moe.expert_ffn_dim) && m->moe.experts > 0)
        return m->ffn_dim;
    if (f->off == OFF(chips))
        return s->par.tp * s->par.pp * s->par.dp * s->par.ep * s->par.cp;
    return v;
}

static void write_canonical_obj(jw *w, int parent, const rg_spec *s) {
    jw_obj_begin(w);
    for (int i = 0; i < codec_nfields; i++) {
        if (codec_field_parent(i) != parent)
            continue;
        const codec_field *f = &codec_fields[i];
        if (serving_row_off(f, s))
            continue;
        switch (f->type) {
        case CF_NAME: /* names and notes do not change an evaluation */
        case CF_META:
        case CF_ANY:
        case CF_HF:   /* the imported fields are written instead */
        case CF_FILE: /* never set: the CLI reads the file into the spec */
            continue;
        case CF_OBJ:
            /* No system: the key is left out, so canonical text parses back. */
            if (parent < 0 && f->preset_kind && strcmp(f->preset_kind, "systems") == 0 && !s->has_system)
                continue;
            if (f->off == 0 && strcmp(f->path, "hardware.silicon") == 0 && !s->hw.silicon.enabled)
                continue;
            /* No recipe: the key is left out (specs without one keep their hash). */
            if (strcmp(f->path, "numerics.recipes") == 0 && !s->numerics.recipes[RG_TC_WEIGHTS].on &&
                !s->numerics.recipes[RG_TC_ACTIVATIONS].on && !s->numerics.recipes[RG_TC_KV].on)
                continue;
            jw_key(w, codec_field_key(i));
            write_canonical_obj(w, i, s);
            continue;
        case CF_ASSUMPT:
            jw_key(w, "assumptions");
            jw_obj_begin(w);
            for (int a = 0; a < RG_A_COUNT; a++) {
                jw_key(w, rg_assumption_name(a));
                put_f64(w, s->assumptions.v[a]);
            }
            jw_obj_end(w);
            continue;
        case CF_F64:
            /* An absent math class stays absent. */
            if (*(const double *)((const char *)s + f->off) == 0 && parent >= 0 &&
                strcmp(codec_fields[parent].path, "hardware.matrix_flops") == 0)
                continue;
            break;
        case CF_I64:
            jw_key(w, codec_field_key(i));
            put_i64(w, canonical_i64(i, s));
            continue;
        case CF_RECIPE:
            if (!((const rg_tensor_recipe *)((const char *)s + f->off))->on)
                continue;
            break;
        case CF_INT:
            /* Pipeline stages left to the clock stay absent. */
            if (*(const int *)((const char *)s + f->off) == 0 &&
                strcmp(f->path, "hardware.silicon.pipeline_stages") == 0)
                continue;
            break;
        default:
            break;
        }
        jw_key(w, codec_field_key(i));
        write_row_value(w, f, s);
    }
    jw_obj_end(w);
}

void codec_spec_write_canonical(jw *w, const rg_spec *spec) {
    codec_data_init(NULL); /* the field index */
    write_canonical_obj(w, -1, spec);
}

int codec_spec_sha256(const rg_spec *spec, char hex[65]) {
    jw w;
    size_t len = 0;
    jw_init(&w);
    codec_spec_write_canonical(&w, spec);
    char *text = jw_take(&w, &len);
    jw_free(&w);
    if (!text) {
        hex[0] = '\0';
        return RG_ENOMEM;
    }
    sha256_hex(text, len, hex);
    free(text);
    return 0;
}

/* ---- paths (sweeps) ---------------------------------------------------- */

int codec_spec_set_path(cJSON *spec, const char *path, const cJSON *value, rg_err *err) {
    char buf[160];
    char *save = NULL;
    cJSON *obj = spec;
    int rc = 0;
    cJSON *copy = NULL;
    if (!spec || !path || !value || !cJSON_IsObject(spec))
        return rg_err_set(err, RG_EINVAL, path ? path : "", "bad arguments");
    if (strlen(path) >= sizeof buf || !*path)
        return rg_err_set(err, RG_EINVAL, path, "path too long or empty");
    /* The path must name a field, an object, or an assumption / quality key. */
    int row = codec_field_find(path);
    if (row < 0) {
        int ok = 0;
        if (strncmp(path, "assumptions.", 12) == 0)
            ok = rg_assumption_find(path + 12) >= 0;
        else if (strncmp(path, "quality.", 8) == 0)
            ok = 1;
        if (!ok)
            return rg_err_set(err, RG_EINVAL, path, "unknown field");
    }
    if (codec_data_init(err))
        return RG_EINTERNAL;
    if (row >= 0 && codec_fields[row].type == CF_HF) {
        /* a config defines the whole model: it replaces a preset name or
         * object instead of joining it */
        cJSON *o = cJSON_CreateObject();
        copy = cJSON_Duplicate(value, 1);
        if (!o || !copy || !cJSON_AddItemToObject(o, "hf_config", copy)) {
            cJSON_Delete(o);
            rc = rg_err_set(err, RG_ENOMEM, path, "out of memory");
            goto out;
        }
        copy = NULL;
        if (cJSON_GetObjectItemCaseSensitive(spec, "model")
                ? !cJSON_ReplaceItemInObjectCaseSensitive(spec, "model", o)
                : !cJSON_AddItemToObject(spec, "model", o)) {
            cJSON_Delete(o);
            rc = rg_err_set(err, RG_ENOMEM, path, "out of memory");
        }
        goto out;
    }
    snprintf(buf, sizeof buf, "%s", path);
    char *tok = strtok_r(buf, ".", &save);
    char prefix[160] = "";
    while (tok) {
        char *next = strtok_r(NULL, ".", &save);
        char here[160];
        codec_join_path(here, sizeof here, prefix, tok);
        if (!next) {
            copy = cJSON_Duplicate(value, 1);
            if (!copy) {
                rc = rg_err_set(err, RG_ENOMEM, path, "out of memory");
                goto out;
            }
            if (cJSON_GetObjectItemCaseSensitive(obj, tok)) {
                if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, tok, copy)) {
                    rc = rg_err_set(err, RG_ENOMEM, path, "out of memory");
                    goto out;
                }
            } else if (!cJSON_AddItemToObject(obj, tok, copy)) {
                rc = rg_err_set(err, RG_ENOMEM, path, "out of memory");
                goto out;
            }
            copy = NULL;
            break;
        }
        cJSON *child = cJSON_GetObjectItemCaseSensitive(obj, tok);
        if (child && cJSON_IsString(child)) {
            /* A preset name becomes {"preset": name} so a sub-field can be
             * overridden; it resolves to the same expanded section. */
            int r = codec_field_find(here);
            if (r < 0 || !codec_fields[r].preset_kind) {
                rc = rg_err_set(err, RG_EINVAL, here, "is not an object");
                goto out;
            }
            cJSON *o = cJSON_CreateObject();
            if (!o || !cJSON_AddStringToObject(o, "preset", child->valuestring)) {
                cJSON_Delete(o);
                rc = rg_err_set(err, RG_ENOMEM, path, "out of memory");
                goto out;
            }
            if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, tok, o)) {
                cJSON_Delete(o);
                rc = rg_err_set(err, RG_ENOMEM, path, "out of memory");
                goto out;
            }
            child = o;
        } else if (!child) {
            child = cJSON_AddObjectToObject(obj, tok);
            if (!child) {
                rc = rg_err_set(err, RG_ENOMEM, path, "out of memory");
                goto out;
            }
        } else if (!cJSON_IsObject(child)) {
            rc = rg_err_set(err, RG_EINVAL, here, "is not an object");
            goto out;
        }
        obj = child;
        snprintf(prefix, sizeof prefix, "%s", here);
        tok = next;
    }
out:
    cJSON_Delete(copy);
    return rc;
}

/* ---- typed fast path for sweeps ---------------------------------------- */

int codec_axis_compile(const char *path, codec_axis *ax, rg_err *err) {
    memset(ax, 0, sizeof *ax);
    ax->row = -1;
    ax->assumption = -1;
    if (!path)
        return rg_err_set(err, RG_EINVAL, "", "no path");
    snprintf(ax->path, sizeof ax->path, "%s", path);
    int rc = codec_data_init(err);
    if (rc)
        return rc;
    if (strncmp(path, "assumptions.", 12) == 0) {
        int id = rg_assumption_find(path + 12);
        if (id < 0)
            return rg_err_set(err, RG_EINVAL, path, "unknown assumption");
        ax->assumption = id;
        ax->numeric = true;
        return 0;
    }
    int row = codec_field_find(path);
    if (row < 0)
        return rg_err_set(err, RG_EINVAL, path, "unknown field");
    const codec_field *f = &codec_fields[row];
    switch (f->type) {
    case CF_I64:
    case CF_INT:
    case CF_F64:
    case CF_BOOL:
    case CF_LEN: /* a fixed token count */
        ax->numeric = true;
        break;
    case CF_FMT:
    case CF_ENUM:
    case CF_RECIPE:
    case CF_HF: /* a list of config.json objects (JSON values: the plan's slow path) */
        break;
    case CF_OBJ:
        if (!f->preset_kind)
            return rg_err_set(err, RG_EINVAL, path, "an object without presets cannot be an axis");
        break;
    default:
        return rg_err_set(err, RG_EINVAL, path, "cannot be an axis");
    }
    ax->row = row;
    return 0;
}

int codec_axis_set(const codec_axis *ax, rg_spec *spec, double v, rg_err *err) {
    if (ax->assumption >= 0) {
        if (!isfinite(v) || v < 0)
            return rg_err_set(err, RG_ERANGE, ax->path, "must be finite and >= 0 (got %.17g)", v);
        spec->assumptions.v[ax->assumption] = v;
        spec->assumptions.set[ax->assumption] = 1;
        return 0;
    }
    if (ax->row < 0 || !ax->numeric)
        return rg_err_set(err, RG_ETYPE, ax->path, "expected a string value for this axis");
    const codec_field *f = &codec_fields[ax->row];
    void *slot = (char *)spec + f->off;
    if (strncmp(f->path, "hardware.silicon.", 17) == 0) /* an axis there builds a chip */
        spec->hw.silicon.enabled = true;
    if (f->type == CF_BOOL) {
        if (v != 0 && v != 1)
            return rg_err_set(err, RG_ETYPE, f->path, "expected 0 or 1 (got %.17g)", v);
        *(bool *)slot = v != 0;
        return 0;
    }
    if (f->type == CF_LEN) {
        if (!isfinite(v) || v != floor(v) || v < 1 || v > 1e8)
            return rg_err_set(err, RG_ERANGE, f->path, "must be an integer token count in 1..1e8 (got %.17g)",
                              v);
        *(rg_len *)slot = (rg_len){RG_LEN_FIXED, v, 0, 0, 0};
        return 0;
    }
    if (!isfinite(v))
        return rg_err_set(err, RG_ERANGE, f->path, "must be finite");
    if (f->type != CF_F64 && v != floor(v))
        return rg_err_set(err, RG_ETYPE, f->path, "must be an integer (got %.17g)", v);
    if (v < f->min)
        return rg_err_set(err, RG_ERANGE, f->path, "must be >= %.17g (got %.17g)", f->min, v);
    if (v > f->max)
        return rg_err_set(err, RG_ERANGE, f->path, "must be <= %.17g (got %.17g)", f->max, v);
    if (f->type == CF_I64)
        *(int64_t *)slot = (int64_t)v;
    else if (f->type == CF_INT)
        *(int *)slot = (int)v;
    else
        *(double *)slot = v;
    return 0;
}

int codec_axis_set_str(const codec_axis *ax, rg_spec *spec, const char *s, rg_err *err) {
    if (ax->row < 0 || ax->numeric || !s)
        return rg_err_set(err, RG_ETYPE, ax->path, "expected a number for this axis");
    const codec_field *f = &codec_fields[ax->row];
    void *slot = (char *)spec + f->off;
    if (f->type == CF_HF)
        return rg_err_set(err, RG_ETYPE, ax->path, "takes config.json objects, not strings");
    if (f->type == CF_ENUM)
        return codec_set_enum(f, s, slot, err);
    if (f->type == CF_RECIPE)
        return codec_set_recipe(f, s, slot, err);
    if (f->type == CF_FMT) {
        int id = rg_format_find(s);
        if (id < 0)
            return rg_err_set(err, RG_EUNKNOWN, f->path, "unknown format \"%.80s\"", s);
        *(int *)slot = id;
        if (strncmp(f->path, "hardware.silicon.", 17) == 0)
            spec->hw.silicon.enabled = true;
        return 0;
    }
    const codec_preset *p = codec_preset_find(f->preset_kind, s);
    if (!p)
        return rg_err_set(err, RG_EUNKNOWN, f->path, "unknown %s preset \"%.60s\"", f->preset_kind, s);
    memcpy(slot, (const char *)&p->spec + f->off, f->size);
    if (strcmp(f->preset_kind, "systems") == 0)
        spec->has_system = true;
    return 0;
}
