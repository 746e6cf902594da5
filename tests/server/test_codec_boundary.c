/* test_codec_boundary.c: what the JSON boundary refuses or must round-trip,
 * whatever the request: the canonical text of every model preset in every
 * phase parses back to itself (MLA included); duplicate keys anywhere;
 * invalid UTF-8 and \u0000 in strings and keys, named by their path;
 * units on unitless fields; seeds past 2^64; and the writer turning any
 * bytes into valid JSON. UTF-8 rules: RFC 3629 section 4 (no overlong
 * forms, no surrogates D800-DFFF, nothing above U+10FFFF). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "codec_json.h"
#include "codec_numerics.h"
#include "testutil.h"

static int parse_text(const char *text, rg_spec *s, rg_err *e) {
    memset(e, 0, sizeof *e);
    return codec_spec_parse_text(text, strlen(text), s, e);
}

static char *canonical(const rg_spec *s) {
    jw w;
    jw_init(&w);
    codec_spec_write_canonical(&w, s);
    return jw_take(&w, NULL);
}

/* Every model preset, in every phase: canonical text -> parse -> the same
 * canonical text (a canonical spec is a spec). */
static void test_canonical_every_model(void) {
    static const char *const phases[] = {"train", "prefill", "decode"};
    jw w;
    jw_init(&w);
    codec_presets_write(&w);
    char *cat = jw_take(&w, NULL);
    cJSON *j = cat ? cJSON_Parse(cat) : NULL;
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(j, "models"), *m = NULL;
    int n = 0;
    CHECK(cJSON_IsArray(models));
    cJSON_ArrayForEach(m, models) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "name"));
        for (int p = 0; name && p < 3; p++) {
            char spec[512];
            rg_spec a, b;
            rg_err e;
            snprintf(spec, sizeof spec,
                     "{\"model\":\"%s\",\"hardware\":\"h200\",\"system\":\"dgx-h100\",\"phase\":\"%s\","
                     "\"batch\":8,\"seq_len\":4096,\"parallelism\":{\"tp\":8}}",
                     name, phases[p]);
            int rc = parse_text(spec, &a, &e);
            if (rc) /* a preset that does not fit this layout is not the point here */
                continue;
            char *t1 = canonical(&a);
            rc = t1 ? parse_text(t1, &b, &e) : -1;
            CHECK_MSG(rc == 0, "%s %s: canonical text does not parse: %s: %s", name, phases[p], e.field,
                      e.msg);
            char *t2 = rc == 0 ? canonical(&b) : NULL;
            CHECK_MSG(t2 && strcmp(t1, t2) == 0, "%s %s: canonical text changes on re-parse", name,
                      phases[p]);
            free(t1);
            free(t2);
            n++;
        }
    }
    CHECK_MSG(n >= 7, "only %d model/phase pairs parsed", n);
    cJSON_Delete(j);
    free(cat);
}

static void expect_refused(const char *text, int code, const char *field) {
    rg_err e = {0};
    cJSON *j = codec_json_parse(text, strlen(text), &e);
    CHECK_MSG(j == NULL, "accepted: %s", text);
    cJSON_Delete(j);
    CHECK_MSG(e.code == code, "%s: code %d, expected %d (%s)", text, e.code, code, e.msg);
    CHECK_MSG(strcmp(e.field, field) == 0, "%s: field \"%s\", expected \"%s\"", text, e.field, field);
}

static void test_duplicate_keys(void) {
    /* the axis that would run is the second, which the first hid */
    expect_refused("{\"axes\":[{\"path\":\"batch\",\"values\":[8,16],\"values\":[-1,0]}]}", RG_EPARSE,
                   "axes[0].values");
    expect_refused("{\"a\":1,\"b\":2,\"a\":3}", RG_EPARSE, "a");
    expect_refused("{\"x\":{\"y\":[{},{\"z\":1,\"z\":1}]}}", RG_EPARSE, "x.y[1].z");
    expect_refused("{\"evidence\":{\"runs\":[],\"runs\":[\"1\"]}}", RG_EPARSE, "evidence.runs");
    /* equal names in different objects are fine */
    rg_err e = {0};
    const char *ok = "{\"a\":{\"v\":1},\"b\":{\"v\":1},\"c\":[{\"v\":1},{\"v\":2}]}";
    cJSON *j = codec_json_parse(ok, strlen(ok), &e);
    CHECK(j != NULL);
    cJSON_Delete(j);
    /* a spec with a duplicate model key is refused before the walker */
    rg_spec s;
    CHECK(parse_text("{\"model\":\"llama3-8b\",\"model\":\"llama3-70b\",\"hardware\":\"h100-sxm\","
                     "\"phase\":\"decode\",\"batch\":1,\"seq_len\":128}",
                     &s, &e) == RG_EPARSE);
    CHECK_STR(e.field, "model");
}

static void test_utf8(void) {
    expect_refused("{\"name\":\"a\xff\"}", RG_EINVAL, "name");
    expect_refused("{\"tags\":[\"ok\",\"\xc0\xaf\"]}", RG_EINVAL, "tags[1]");   /* overlong '/' */
    expect_refused("{\"n\":{\"s\":\"\xed\xa0\x80\"}}", RG_EINVAL, "n.s");       /* surrogate */
    expect_refused("{\"k\":\"\xf4\x90\x80\x80\"}", RG_EINVAL, "k");             /* > U+10FFFF */
    expect_refused("{\"model\":\"llama3-8b\\u0000junk\"}", RG_EINVAL, "model"); /* truncation */
    expect_refused("{\"a\":[1,{\"b\\u0000\":2}]}", RG_EINVAL, "a[1]");
    /* an escaped backslash before u0000 is the text \u0000, which is fine */
    rg_err e = {0};
    const char *ok = "{\"a\":\"x\\\\u0000\",\"b\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}";
    cJSON *j = codec_json_parse(ok, strlen(ok), &e);
    CHECK_MSG(j != NULL, "%s", e.msg);
    cJSON_Delete(j);
    CHECK(codec_utf8_valid("caf\xc3\xa9"));
    CHECK(!codec_utf8_valid("\xe2\x82"));
    /* the writer turns bytes that are not UTF-8 into U+FFFD: valid JSON */
    jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_kstr(&w, "detail\xfe", "bad \xff\xc3 tail \xe2\x82\xac");
    jw_obj_end(&w);
    char *t = jw_take(&w, NULL);
    CHECK_STR(t, "{\"detail\\ufffd\":\"bad \\ufffd\\ufffd tail \xe2\x82\xac\"}");
    j = t ? codec_json_parse(t, strlen(t), &e) : NULL;
    CHECK(j != NULL);
    cJSON_Delete(j);
    free(t);
}

static void test_units_and_ranges(void) {
    rg_spec s;
    rg_err e;
    /* batch has no unit: a unit string there is a mistake, not decoration */
    CHECK(parse_text("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\","
                     "\"batch\":{\"value\":8,\"unit\":\"GB\"},\"seq_len\":128}",
                     &s, &e) == RG_EINVAL);
    CHECK_STR(e.field, "batch.unit");
    CHECK(parse_text("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\","
                     "\"batch\":{\"value\":8,\"source\":\"me\"},\"seq_len\":128}",
                     &s, &e) == 0);
    /* integers far out of range are range errors, not casts */
    CHECK(parse_text("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\","
                     "\"batch\":1e300,\"seq_len\":128}",
                     &s, &e) == RG_ERANGE);
    CHECK_STR(e.field, "batch");
    /* a seed past 2^64 - 1 is refused, not saturated */
    cJSON *req =
        cJSON_Parse("{\"format\":\"mxfp4\",\"dist\":\"normal\",\"n\":64,\"seed\":\"99999999999999999999\"}");
    jw w;
    jw_init(&w);
    memset(&e, 0, sizeof e);
    CHECK(codec_quantize_json(req, &w, &e) == RG_ERANGE);
    CHECK_STR(e.field, "seed");
    jw_free(&w);
    cJSON_Delete(req);
    req =
        cJSON_Parse("{\"format\":\"mxfp4\",\"dist\":\"normal\",\"n\":64,\"seed\":\"18446744073709551615\"}");
    jw_init(&w);
    CHECK(codec_quantize_json(req, &w, &e) == 0);
    jw_free(&w);
    cJSON_Delete(req);
}

int main(void) {
    test_canonical_every_model();
    test_duplicate_keys();
    test_utf8();
    test_units_and_ranges();
    return tu_status("test_codec_boundary");
}
