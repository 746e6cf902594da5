/* codec_schema.c: the Spec schema from the field table (see
 * codec_schema.h). Types follow the walker's rules in codec_fields.c: an
 * integral number for CF_I64/CF_INT, a finite number for CF_F64, the names
 * of CF_ENUM, and so on. */
#include "codec_schema.h"

#include <stdio.h>

#include "codec_fields.h"

static void write_row(jw *w, int row);

/* {"<key>": schema, ...} of the rows whose parent is `parent`; the "preset"
 * member first for a section that may name one. */
static void write_members(jw *w, int parent) {
    jw_obj_begin(w);
    if (parent >= 0 && codec_fields[parent].preset_kind) {
        char d[96];
        snprintf(d, sizeof d, "a %s preset to start from (GET /api/v1/presets)",
                 codec_fields[parent].preset_kind);
        jw_key(w, "preset");
        jw_obj_begin(w);
        jw_kstr(w, "type", "string");
        jw_kstr(w, "description", d);
        jw_obj_end(w);
    }
    for (int i = 0; i < codec_nfields; i++) {
        if (codec_field_parent(i) != parent)
            continue;
        jw_key(w, codec_field_key(i));
        write_row(w, i);
    }
    jw_obj_end(w);
}

/* A number of row `f`: its type, range and unit. */
static void write_number(jw *w, const codec_field *f) {
    bool integral = f->type != CF_F64;
    jw_obj_begin(w);
    jw_kstr(w, "type", integral ? "integer" : "number");
    if (f->min < f->max) {
        jw_knum(w, "minimum", f->min);
        jw_knum(w, "maximum", f->max);
    }
    if (f->unit && f->unit[0])
        jw_kstr(w, "x-unit", f->unit);
    jw_obj_end(w);
}

static void write_row(jw *w, int row) {
    const codec_field *f = &codec_fields[row];
    switch (f->type) {
    case CF_OBJ:
        jw_obj_begin(w);
        if (f->preset_kind) {
            char d[96];
            snprintf(d, sizeof d, "a %s preset name, or an object", f->preset_kind);
            jw_kstr(w, "description", d);
            jw_key(w, "type");
            jw_arr_begin(w);
            jw_str(w, "string");
            jw_str(w, "object");
            jw_arr_end(w);
        } else {
            jw_kstr(w, "type", "object");
        }
        jw_key(w, "properties");
        write_members(w, row);
        jw_obj_end(w);
        return;
    case CF_I64:
    case CF_INT:
    case CF_F64:
        if (!f->unit || !f->unit[0]) {
            write_number(w, f);
            return;
        }
        /* the number, or {"value": n, "unit": "<unit>", "source": ...} */
        jw_obj_begin(w);
        jw_key(w, "anyOf");
        jw_arr_begin(w);
        write_number(w, f);
        jw_obj_begin(w);
        jw_kstr(w, "type", "object");
        jw_key(w, "required");
        jw_arr_begin(w);
        jw_str(w, "value");
        jw_arr_end(w);
        jw_key(w, "properties");
        jw_obj_begin(w);
        jw_key(w, "value");
        write_number(w, f);
        jw_key(w, "unit");
        jw_obj_begin(w);
        jw_kstr(w, "const", f->unit);
        jw_obj_end(w);
        jw_obj_end(w);
        jw_obj_end(w);
        jw_arr_end(w);
        jw_obj_end(w);
        return;
    case CF_BOOL:
        jw_obj_begin(w);
        jw_kstr(w, "type", "boolean");
        jw_obj_end(w);
        return;
    case CF_ENUM:
        jw_obj_begin(w);
        jw_key(w, "enum");
        jw_arr_begin(w);
        for (int k = 0; f->names && f->names[k]; k++)
            jw_str(w, f->names[k]);
        jw_arr_end(w);
        jw_obj_end(w);
        return;
    case CF_FMT:
    case CF_NAME:
    case CF_RECIPE:
        jw_obj_begin(w);
        jw_kstr(w, "type", "string");
        if (f->type == CF_NAME)
            jw_kint(w, "maxLength", RG_NAME_MAX - 1);
        jw_kstr(w, "description",
                f->type == CF_FMT      ? "a format name (GET /api/v1/numerics/formats)"
                : f->type == CF_RECIPE ? "a recipe name (`ridge recipes`), or none"
                                       : "a name");
        jw_obj_end(w);
        return;
    case CF_ASSUMPT:
        jw_obj_begin(w);
        jw_kstr(w, "type", "object");
        jw_kstr(w, "description", "assumption overrides by name (GET /api/v1/presets lists them)");
        jw_key(w, "additionalProperties");
        jw_obj_begin(w);
        jw_kstr(w, "type", "number");
        jw_obj_end(w);
        jw_obj_end(w);
        return;
    case CF_LEN:
        jw_obj_begin(w);
        jw_kstr(w, "description",
                "a token count, or {\"dist\": fixed|lognormal|uniform, mean, sigma, min, max}");
        jw_key(w, "type");
        jw_arr_begin(w);
        jw_str(w, "integer");
        jw_str(w, "object");
        jw_arr_end(w);
        jw_obj_end(w);
        return;
    case CF_TRACE:
        jw_obj_begin(w);
        jw_kstr(w, "type", "array");
        jw_kstr(w, "description", "rows [arrival_s, prompt_tokens, output_tokens]");
        jw_key(w, "items");
        jw_obj_begin(w);
        jw_kstr(w, "type", "array");
        jw_kint(w, "minItems", 3);
        jw_kint(w, "maxItems", 3);
        jw_obj_end(w);
        jw_obj_end(w);
        return;
    case CF_HF:
        jw_obj_begin(w);
        jw_kstr(w, "type", "object");
        jw_kstr(w, "description", "a Hugging Face config.json (docs/models.md)");
        jw_obj_end(w);
        return;
    case CF_META:
    case CF_ANY:
    default:
        jw_obj_begin(w);
        jw_kstr(w, "description", f->type == CF_META ? "accepted and ignored" : "read by its own module");
        jw_obj_end(w);
        return;
    }
}

void codec_spec_schema_write(jw *w) { write_members(w, -1); }
