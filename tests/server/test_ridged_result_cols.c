/* test_ridged_result_cols.c: the result column list (result_cols.h) is the
 * one source of the stored columns: data/openapi.json's Result schema and
 * the order_by documentation must name every column with its type, the
 * catalogue must list them in table order, and rc_values must read each
 * column from the engine result it names. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "evaluate.h"
#include "result_cols.h"
#include "testutil.h"

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n = 0;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
            buf[n] = '\0';
        else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static const char *json_type(rc_type t) {
    return t == RC_BOOL ? "boolean" : t == RC_I64 ? "integer" : "number";
}

static void test_openapi(void) {
    char *text = slurp(RIDGE_SOURCE_DIR "/data/openapi.json");
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    CHECK(doc != NULL);
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "components"), "schemas"),
            "Result"),
        "properties");
    CHECK(props != NULL);
    /* the results parameters of GET /sweeps/{id}/results */
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "paths"),
                                             "/sweeps/{id}/results"),
            "get"),
        "parameters");
    const char *order_doc = NULL;
    const cJSON *p;
    cJSON_ArrayForEach(p, params) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
        if (cJSON_IsString(name) && strcmp(name->valuestring, "order_by") == 0)
            order_doc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "description"));
    }
    CHECK(order_doc != NULL);
    for (int k = 0; k < RC_COUNT; k++) {
        const rc_column *c = &rc_columns[k];
        const cJSON *prop = cJSON_GetObjectItemCaseSensitive(props, c->name);
        CHECK_MSG(prop != NULL, "openapi Result lacks %s", c->name);
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(prop, "type");
        bool typed = false;
        const cJSON *t;
        cJSON_ArrayForEach(t, type) {
            if (cJSON_IsString(t) && strcmp(t->valuestring, json_type(c->type)) == 0)
                typed = true;
        }
        CHECK_MSG(typed, "openapi Result.%s is not [%s, null]", c->name, json_type(c->type));
        CHECK_MSG(order_doc && strstr(order_doc, c->name), "order_by documentation lacks %s", c->name);
    }
    cJSON_Delete(doc);
    free(text);
}

static void test_catalogue(void) {
    jw w;
    jw_init(&w);
    rc_catalogue_write(&w);
    char *text = jw_take(&w, NULL);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(doc, "columns");
    CHECK_EQ_INT(cJSON_GetArraySize(cols), RC_COUNT);
    int k = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cols) {
        if (k < RC_COUNT)
            CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name")), rc_columns[k].name);
        k++;
    }
    CHECK_STR(
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cols, RC_mfu), "sense")),
        "max");
    cJSON_Delete(doc);
    free(text);
    jw_free(&w);
}

static void test_values(void) {
    rg_spec spec;
    rg_result *res = malloc(sizeof *res);
    rg_err e = {0};
    double v[RC_COUNT];
    const char *s = "{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":8,"
                    "\"seq_len\":2048}";
    CHECK(res != NULL);
    if (!res)
        return;
    CHECK_EQ_INT(codec_spec_parse_text(s, strlen(s), &spec, &e), 0);
    CHECK_EQ_INT(rg_evaluate(&spec, res, &e), 0);
    rc_extra ex = {.quality_loss = 1e-3};
    rc_values(res, &ex, v);
    CHECK(v[RC_time_s] == res->time_s);
    CHECK(v[RC_quality_loss] == 1e-3);
    CHECK_REL(v[RC_quality_sqnr_db], 30.0, 1e-12);
    ex.quality_loss = 0; /* lossless: infinite SQNR, stored as NULL */
    rc_values(res, &ex, v);
    CHECK(isinf(v[RC_quality_sqnr_db]));
    CHECK(v[RC_memory_per_device] == res->memory.per_device_bytes);
    CHECK(v[RC_fits] == (res->memory.fits ? 1.0 : 0.0));
    CHECK(v[RC_chips] == (double)res->chips);
    CHECK(v[RC_latency_per_token_s] == res->latency_per_token_s);
    CHECK(v[RC_comm_exposed_s] == rc_comm_exposed(res));
    free(res);
}

int main(void) {
    test_openapi();
    test_catalogue();
    test_values();
    return tu_status("test_ridged_result_cols");
}
