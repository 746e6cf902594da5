/* test_codec_schema.c: the Spec schema generated from the codec's field
 * table (server/codec_schema.h). Every row of the table must appear at its
 * dotted path with the type the walker reads, the row's range and unit, and
 * its names; nothing else may appear (besides each preset section's
 * "preset"). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "codec_fields.h"
#include "codec_schema.h"
#include "testutil.h"

/* The schema node of a dotted path, or NULL. */
static const cJSON *node_of(const cJSON *props, const char *path) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *node = NULL;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
        if (!props)
            return NULL;
        node = cJSON_GetObjectItemCaseSensitive(props, k);
        props = node ? cJSON_GetObjectItemCaseSensitive(node, "properties") : NULL;
    }
    return node;
}

/* The number schema of a numeric node: itself, or the first of its anyOf. */
static const cJSON *number_of(const cJSON *node) {
    const cJSON *any = cJSON_GetObjectItemCaseSensitive(node, "anyOf");
    return any ? cJSON_GetArrayItem(any, 0) : node;
}

static int count_members(const cJSON *props) {
    int n = 0;
    const cJSON *m;
    cJSON_ArrayForEach(m, props) {
        n++;
        n += count_members(cJSON_GetObjectItemCaseSensitive(m, "properties"));
    }
    return n;
}

int main(void) {
    rg_err e = {0};
    CHECK_EQ_INT(codec_init(&e), 0);
    jw w;
    jw_init(&w);
    codec_spec_schema_write(&w);
    char *text = jw_take(&w, NULL);
    cJSON *props = text ? cJSON_Parse(text) : NULL;
    CHECK(props != NULL);
    int presets = 0;
    for (int i = 0; props && i < codec_nfields; i++) {
        const codec_field *f = &codec_fields[i];
        const cJSON *node = node_of(props, f->path);
        CHECK_MSG(node != NULL, "%s is missing from the Spec schema", f->path);
        if (!node)
            continue;
        const cJSON *num = number_of(node);
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(num, "type"));
        switch (f->type) {
        case CF_I64:
        case CF_INT:
        case CF_F64:
            CHECK_MSG(type && strcmp(type, f->type == CF_F64 ? "number" : "integer") == 0, "%s: type %s",
                      f->path, type ? type : "(none)");
            if (f->min < f->max) {
                const cJSON *lo = cJSON_GetObjectItemCaseSensitive(num, "minimum");
                const cJSON *hi = cJSON_GetObjectItemCaseSensitive(num, "maximum");
                CHECK_MSG(lo && hi && lo->valuedouble == f->min && hi->valuedouble == f->max, "%s: range",
                          f->path);
            }
            if (f->unit && f->unit[0]) {
                const cJSON *u = cJSON_GetObjectItemCaseSensitive(num, "x-unit");
                CHECK_MSG(u && strcmp(cJSON_GetStringValue(u), f->unit) == 0, "%s: unit", f->path);
            }
            break;
        case CF_BOOL:
            CHECK_MSG(type && strcmp(type, "boolean") == 0, "%s: not boolean", f->path);
            break;
        case CF_ENUM: {
            const cJSON *en = cJSON_GetObjectItemCaseSensitive(node, "enum");
            int k = 0;
            for (; f->names && f->names[k]; k++) {
                const cJSON *v = cJSON_GetArrayItem(en, k);
                CHECK_MSG(v && strcmp(cJSON_GetStringValue(v), f->names[k]) == 0, "%s: name %d", f->path, k);
            }
            CHECK_MSG(cJSON_GetArraySize(en) == k, "%s: %d names", f->path, k);
            break;
        }
        case CF_OBJ:
            CHECK_MSG(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(node, "properties")),
                      "%s: no properties", f->path);
            if (f->preset_kind) {
                char p[160];
                snprintf(p, sizeof p, "%s.preset", f->path);
                CHECK_MSG(node_of(props, p) != NULL, "%s: no preset member", f->path);
                presets++;
            }
            break;
        default:
            break;
        }
    }
    /* nothing but the table's rows and the preset members */
    CHECK_EQ_INT(count_members(props), codec_nfields + presets);
    CHECK(presets == 3);
    cJSON_Delete(props);
    free(text);
    return tu_status("test_codec_schema");
}
