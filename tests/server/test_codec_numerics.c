/* test_codec_numerics.c: the numerics JSON boundary shared by the CLI and
 * ridged: quantize requests (inline data, synthetic tensors, errors naming
 * the key) and the quality block written for a spec's formats.
 * Known answers: E2M1 grid (OCP MX v1.0); MXFP4 on N(0,1) ~18.8 dB SQNR
 * (docs/numerics.md's table). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "codec_numerics.h"
#include "testutil.h"

/* Run a request given as text; returns the parsed response or NULL. */
static cJSON *run(const char *text, rg_err *err) {
    cJSON *req = cJSON_Parse(text);
    CHECK(req != NULL);
    jw w;
    jw_init(&w);
    memset(err, 0, sizeof *err);
    int rc = codec_quantize_json(req, &w, err);
    cJSON_Delete(req);
    cJSON *out = NULL;
    if (rc == 0) {
        char *s = jw_take(&w, NULL);
        CHECK(s != NULL);
        out = cJSON_Parse(s);
        free(s);
    }
    jw_free(&w);
    return out;
}

static double num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void expect_error(const char *text, const char *field, int code) {
    rg_err err;
    cJSON *r = run(text, &err);
    CHECK_MSG(r == NULL, "%s: accepted", text);
    cJSON_Delete(r);
    CHECK_MSG(strcmp(err.field, field) == 0 && err.code == code,
              "%s: field '%s' code %d (%s), expected '%s' %d", text, err.field, err.code, err.msg, field,
              code);
}

/* The "layers" block of a spec's quality: every matmul type of the model at
 * its real k; recipes replace the formats; errors name quality.<key>. */
static cJSON *quality_of(const char *spec_text, const char *opts_text, rg_err *err) {
    cJSON *js = cJSON_Parse(spec_text), *opts = opts_text ? cJSON_Parse(opts_text) : NULL;
    rg_spec spec;
    cJSON *out = NULL;
    jw w;
    jw_init(&w);
    memset(err, 0, sizeof *err);
    CHECK(js != NULL);
    if (js && codec_spec_parse(js, &spec, err) == 0 && codec_quality_write_spec(&w, opts, &spec, err) == 0) {
        char *s = jw_take(&w, NULL);
        out = s ? cJSON_Parse(s) : NULL;
        free(s);
    }
    jw_free(&w);
    cJSON_Delete(js);
    cJSON_Delete(opts);
    return out;
}

static void check_layers(void) {
    static const char *spec = "{\"model\": \"llama3-8b\", \"hardware\": \"b200\", \"phase\": \"decode\", "
                              "\"batch\": 8, \"seq_len\": 1024, \"numerics\": {\"weights\": \"mxfp4\", "
                              "\"kv_cache\": \"fp8_e4m3\"}}";
    rg_err err;
    cJSON *q = quality_of(spec, NULL, &err);
    CHECK_MSG(q != NULL, "%s: %s", err.field, err.msg);
    const cJSON *l = q ? cJSON_GetObjectItemCaseSensitive(q, "layers") : NULL;
    const cJSON *down = l ? cJSON_GetObjectItemCaseSensitive(l, "ffn_down") : NULL;
    const cJSON *sc = l ? cJSON_GetObjectItemCaseSensitive(l, "attn_scores") : NULL;
    CHECK(down && num(down, "k") == 14336 && num(down, "n") == 4096); /* Llama-3-8B d_ff, d_model */
    CHECK(sc && num(sc, "k") == 128);
    /* bf16 activations x MXFP4 weights: about MXFP4's tensor SQNR (18.8 dB on N(0,1) per docs/numerics.md;
     * Student-t weights lose a little more) */
    CHECK(down && num(down, "sqnr_db") > 12.0 && num(down, "sqnr_db") < 22.0);
    CHECK(!l || !cJSON_GetObjectItemCaseSensitive(l, "expert_up")); /* dense model */
    /* attention P V: k = the context, n = v_head_dim (Llama-3-8B: 128); P's rows are convex weights, so
     * the output error is a weighted mean of the FP8 value errors: near E4M3's ~31 dB tensor SQNR (3
     * mantissa bits: 6.02 p + 7.44 dB at p = 4) */
    const cJSON *pv = l ? cJSON_GetObjectItemCaseSensitive(l, "attn_values") : NULL;
    CHECK(pv && num(pv, "k") == 1024 && num(pv, "n") == 128 && num(pv, "n_sampled") == 128);
    CHECK(pv && !cJSON_GetObjectItemCaseSensitive(pv, "k_sampled"));
    CHECK(pv && strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pv, "b")), "fp8_e4m3") == 0);
    CHECK(pv && num(pv, "sqnr_db") > 26.0 && num(pv, "sqnr_db") < 36.0);
    double pv_fp8 = pv ? num(pv, "sqnr_db") : NAN;
    cJSON_Delete(q);
    /* KIVI's 2-bit values lose far more than FP8; a rotating value recipe cannot cancel over tokens */
    q = quality_of(spec, "{\"recipes\": {\"kv_cache\": \"kivi2_value\"}}", &err);
    pv = q ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(q, "layers"), "attn_values")
           : NULL;
    CHECK(pv && num(pv, "sqnr_db") < pv_fp8 - 15.0);
    cJSON_Delete(q);
    q = quality_of(spec, "{\"recipes\": {\"kv_cache\": \"nvfp4_rht16\"}}", &err);
    pv = q ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(q, "layers"), "attn_values")
           : NULL;
    CHECK(pv && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(pv, "supported")));
    cJSON_Delete(q);
    /* recipes: DeepSeek FP8 beats NVFP4 16x16 on the same layer */
    q = quality_of(spec, "{\"recipes\": {\"weights\": \"fp8_128x128\", \"activations\": \"fp8_1x128\"}}",
                   &err);
    cJSON *q4 = quality_of(
        spec, "{\"recipes\": {\"weights\": \"nvfp4_16x16\", \"activations\": \"nvfp4_1x16\"}}", &err);
    CHECK(q && q4);
    if (q && q4) {
        const cJSON *a =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(q, "layers"), "ffn_up");
        const cJSON *b =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(q4, "layers"), "ffn_up");
        CHECK(a && b && num(a, "sqnr_db") > num(b, "sqnr_db") + 8.0);
        CHECK(a && strcmp(cJSON_GetObjectItemCaseSensitive(a, "b")->valuestring, "fp8_128x128") == 0);
    }
    cJSON_Delete(q);
    cJSON_Delete(q4);
    q = quality_of(spec, "{\"layers\": false}", &err);
    CHECK(q && !cJSON_GetObjectItemCaseSensitive(q, "layers"));
    cJSON_Delete(q);
    CHECK(quality_of(spec, "{\"recipes\": {\"weights\": \"nope\"}}", &err) == NULL);
    CHECK_STR(err.field, "quality.recipes.weights");
    CHECK(quality_of(spec, "{\"recipes\": {\"bias\": \"fp8_1x128\"}}", &err) == NULL);
    CHECK_STR(err.field, "quality.recipes.bias");
    /* a rotation on one operand only cannot cancel: those layers say so; a
     * layer whose operands rotate alike is measured */
    q = quality_of(spec, "{\"recipes\": {\"weights\": \"nvfp4_rht16\"}}", &err);
    CHECK_MSG(q != NULL, "%s: %s", err.field, err.msg);
    const cJSON *up =
        q ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(q, "layers"), "ffn_up") : NULL;
    CHECK(up && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(up, "supported")));
    CHECK(up &&
          strstr(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(up, "reason")), "rotate differently"));
    cJSON_Delete(q);
    q = quality_of(spec, "{\"recipes\": {\"weights\": \"nvfp4_rht16\", \"activations\": \"nvfp4_rht16\"}}",
                   &err);
    up = q ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(q, "layers"), "ffn_up") : NULL;
    CHECK(up && num(up, "sqnr_db") > 10.0);
    cJSON_Delete(q);
    /* the spec's own numerics.recipes are what the layers use */
    static const char *rspec = "{\"model\": \"llama3-8b\", \"hardware\": \"b200\", \"phase\": \"decode\", "
                               "\"batch\": 8, \"seq_len\": 1024, \"numerics\": {\"recipes\": {\"weights\": "
                               "\"fp8_128x128\", \"activations\": \"fp8_1x128\"}}}";
    q = quality_of(rspec, NULL, &err);
    CHECK_MSG(q != NULL, "%s: %s", err.field, err.msg);
    up = q ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(q, "layers"), "ffn_up") : NULL;
    CHECK(up && strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(up, "a")), "fp8_1x128") == 0 &&
          strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(up, "b")), "fp8_128x128") == 0);
    cJSON_Delete(q);
    /* a recipe whose blocks do not tile a layer: that layer says so */
    q = quality_of(spec, "{\"recipes\": {\"weights\": \"fp8_1x128:block=1x3072\"}}", &err);
    const cJSON *qkv =
        q ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(q, "layers"), "ffn_down")
          : NULL;
    CHECK(qkv && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(qkv, "supported")));
    cJSON_Delete(q);
}

/* POST /numerics/quantize with a recipe: inline data as one row, or rows of cols. */
static void check_recipe_requests(void) {
    rg_err err;
    /* one NVFP4 block of E2M1 grid values with block max 6: ts = 6 / 2688, s_b = 448 exactly, exact */
    cJSON *r = run("{\"recipe\":\"nvfp4_1x16\",\"data\":[6,4,3,2,1.5,1,0.5,0,-6,-0.5,0,0,0,0,0,0]}", &err);
    CHECK_MSG(r != NULL, "%s: %s", err.field, err.msg);
    if (r) {
        CHECK(num(r, "mse") == 0.0 && num(r, "rows") == 1 && num(r, "cols") == 16);
        const cJSON *rc = cJSON_GetObjectItemCaseSensitive(r, "recipe");
        CHECK(rc && strcmp(cJSON_GetObjectItemCaseSensitive(rc, "block")->valuestring, "1x16") == 0);
    }
    cJSON_Delete(r);
    r = run("{\"recipe\":\"fp8_128x128\",\"dist\":\"student_t\",\"n\":65536,\"cols\":256}", &err);
    CHECK(r && num(r, "rows") == 256 && num(r, "sqnr_db") > 25.0);
    cJSON_Delete(r);
    expect_error("{\"recipe\":\"fp8_128x128\",\"data\":[1,2,3]}", "recipe: block", RG_EINVAL);
    expect_error("{\"recipe\":\"fp8_1x128:rotate=3\"}", "recipe: rotate", RG_ERANGE);
    expect_error("{\"recipe\":\"fp8_1x128\",\"format\":\"mxfp4\"}", "format", RG_EUNKNOWN);
    expect_error("{\"recipe\":\"fp8_1x128\",\"n\":1000,\"cols\":300}", "cols", RG_EINVAL);
}

/* Per-class quality and the sweep's quality_loss follow numerics.recipes:
 * a recipe on a class replaces its format's emulation; the loss a sweep
 * stores (codec_quality_loss) equals quality.matmul's; a spec without
 * recipes keeps its figures. */
static void check_class_recipes(void) {
    static const char *base = "{\"model\": \"llama3-8b\", \"hardware\": \"b200\", \"phase\": \"prefill\", "
                              "\"batch\": 1, \"seq_len\": 1024, \"numerics\": {\"weights\": \"fp8_e4m3\", "
                              "\"activations\": \"fp8_e4m3\", \"kv_cache\": \"fp8_e4m3\"%s}}";
    char text[1024];
    double sqnr[3][3]; /* [spec][class] */
    double loss[3];
    static const char all3[] =
        ", \"recipes\": {\"weights\": \"nvfp4_16x16\", \"activations\": \"nvfp4_1x16\", "
        "\"kv_cache\": \"kivi2_key\"}";
    const char *recipes[3] = {"", all3, ", \"recipes\": {\"activations\": \"nvfp4_rht16\"}"};
    static const char *const cls[3] = {"weights", "activations", "kv_cache"};
    for (int k = 0; k < 3; k++) {
        snprintf(text, sizeof text, base, recipes[k]);
        rg_err err;
        cJSON *q = quality_of(text, "{\"layers\": false}", &err);
        CHECK_MSG(q != NULL, "%s: %s", err.field, err.msg);
        cJSON *js = cJSON_Parse(text);
        rg_spec spec;
        double nsr = NAN;
        CHECK(js && codec_spec_parse(js, &spec, &err) == 0);
        CHECK(codec_quality_loss(&spec.numerics, spec.phase, &nsr) == 0);
        cJSON_Delete(js);
        for (int c = 0; c < 3; c++) {
            const cJSON *o = q ? cJSON_GetObjectItemCaseSensitive(q, cls[c]) : NULL;
            sqnr[k][c] = o ? num(o, "sqnr_db") : NAN;
            const cJSON *rk = o ? cJSON_GetObjectItemCaseSensitive(o, "recipe") : NULL;
            bool want_recipe = (k == 1) || (k == 2 && c == 1);
            CHECK_MSG(want_recipe == (rk != NULL), "spec %d %s: recipe key %s", k, cls[c],
                      rk ? "present" : "absent");
        }
        const cJSON *mm = q ? cJSON_GetObjectItemCaseSensitive(q, "matmul") : NULL;
        loss[k] = mm ? num(mm, "quality_loss") : NAN;
        CHECK_MSG(loss[k] == nsr, "spec %d: quality.matmul.quality_loss %.17g, sweep column %.17g", k,
                  loss[k], nsr);
        cJSON_Delete(q);
    }
    /* no recipes: FP8 E4M3 per tensor, ~31 dB (FIELD-NOTES); NVFP4 1x16 ~20 dB; KIVI 2-bit far below */
    CHECK(sqnr[0][1] > 27.0 && sqnr[0][1] < 35.0);
    CHECK(sqnr[1][1] > 15.0 && sqnr[1][1] < 24.0 && sqnr[1][0] < sqnr[0][0] - 6.0);
    CHECK(sqnr[1][2] < 15.0);
    CHECK(loss[1] > 3.0 * loss[0]);
    /* the rotated recipe is measured in the original basis; only activations change */
    CHECK(sqnr[2][0] == sqnr[0][0] && sqnr[2][2] == sqnr[0][2] && sqnr[2][1] < sqnr[0][1]);
    CHECK(sqnr[2][1] > 15.0);
}

int main(void) {
    check_layers();
    check_class_recipes();
    check_recipe_requests();
    rg_err err;
    /* inline data, one MX block: values on the E2M1 grid are exact */
    cJSON *r = run("{\"format\":\"mxfp4\",\"data\":[6,4,3,2,1.5,1,0.5,0,-6,-0.5]}", &err);
    CHECK(r != NULL);
    if (r) {
        CHECK(num(r, "mse") == 0.0 && num(r, "n") == 10 && num(r, "bits_per_element") == 4.25);
        CHECK(isinf(num(r, "sqnr_db")) || cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "sqnr_db")));
    }
    cJSON_Delete(r);
    /* synthetic: N(0,1), MXFP4 */
    r = run("{\"format\":\"mxfp4\",\"dist\":\"normal\",\"n\":131072,\"seed\":\"3\"}", &err);
    CHECK(r != NULL);
    if (r) {
        CHECK(fabs(num(r, "sqnr_db") - 18.8) < 0.5);
        CHECK_STR(cJSON_GetObjectItemCaseSensitive(r, "seed")->valuestring, "3");
        CHECK(num(r, "cosine") > 0.99 && num(r, "kl_div") > 0);
    }
    cJSON_Delete(r);
    /* errors name the key */
    expect_error("{\"format\":\"mxfp4\",\"bogus\":1}", "bogus", RG_EUNKNOWN);
    expect_error("{\"format\":\"fp7\"}", "format", RG_EUNKNOWN);
    expect_error("{}", "format", RG_EMISSING);
    expect_error("{\"format\":\"mxfp4\",\"rounding\":\"up\"}", "rounding", RG_EUNKNOWN);
    expect_error("{\"format\":\"mxfp4\",\"n\":0}", "n", RG_ERANGE);
    expect_error("{\"format\":\"mxfp4\",\"n\":1.5}", "n", RG_ETYPE);
    expect_error("{\"format\":\"mxfp4\",\"n\":16777217}", "n", RG_ERANGE); /* ridged's cap */
    expect_error("{\"format\":\"mxfp4\",\"data\":[1,\"x\"]}", "data", RG_ETYPE);
    expect_error("{\"format\":\"mxfp4\",\"data\":[1],\"dist\":\"normal\"}", "dist", RG_EINVAL);
    expect_error("{\"format\":\"mxfp4\",\"saturate\":1}", "saturate", RG_ETYPE);
    expect_error("{\"format\":\"mxfp4\",\"scaling\":\"tensor\"}", "scaling", RG_EINVAL);
    expect_error("{\"ebits\":9,\"mbits\":2}", "ebits", RG_ERANGE);
    expect_error("{\"format\":\"e8m0\"}", "format", RG_EUNSUPPORTED);
    expect_error("[1,2]", "", RG_ETYPE);
    expect_error("{\"format\":\"mxfp4\",\"bias\":3}", "bias", RG_EINVAL);
    expect_error("{\"format\":\"mxfp4\",\"nan\":\"fn\"}", "nan", RG_EINVAL);
    expect_error("{\"format\":\"mxfp4\",\"subnormals\":false}", "subnormals", RG_EINVAL);
    expect_error("{\"format\":\"int9_g32\"}", "format", RG_ERANGE);
    expect_error("{\"ebits\":3}", "mbits", RG_EMISSING);
    expect_error("{\"format\":\"bf16\",\"ebits\":3,\"mbits\":2}", "ebits", RG_EINVAL);

    /* quality of a spec's formats: deterministic, cached, bits per element */
    rg_numerics num_ids = {0};
    num_ids.weights = rg_format_find("mxfp4");
    num_ids.activations = rg_format_find("mxfp8_e4m3");
    num_ids.kv_cache = rg_format_find("fp8_e4m3");
    num_ids.math = rg_format_find("fp8_e4m3");
    char *first = NULL;
    for (int k = 0; k < 2; k++) {
        jw w;
        jw_init(&w);
        CHECK_EQ_INT(codec_quality_write(&w, NULL, &num_ids, &err), 0);
        char *s = jw_take(&w, NULL);
        CHECK(s != NULL);
        if (k == 0) {
            first = s;
            cJSON *q = cJSON_Parse(s);
            CHECK(q != NULL);
            const cJSON *wt = cJSON_GetObjectItemCaseSensitive(q, "weights");
            CHECK(cJSON_IsObject(wt));
            CHECK_STR(cJSON_GetObjectItemCaseSensitive(wt, "format")->valuestring, "mxfp4");
            CHECK(num(wt, "bits_per_element") == 4.25 && num(wt, "sqnr_db") > 14 && num(wt, "sqnr_db") < 20);
            const cJSON *kv = cJSON_GetObjectItemCaseSensitive(q, "kv_cache");
            CHECK(num(kv, "sqnr_db") > 25);
            cJSON_Delete(q);
        } else {
            CHECK_STR(s, first);
            free(s);
        }
    }
    free(first);
    cJSON *opts = cJSON_Parse("{\"n\":4096,\"seed\":5,\"dist\":\"normal\"}");
    jw w;
    jw_init(&w);
    CHECK_EQ_INT(codec_quality_write(&w, opts, &num_ids, &err), 0);
    jw_free(&w);
    cJSON_Delete(opts);
    opts = cJSON_Parse("{\"n\":-1}");
    jw_init(&w);
    CHECK(codec_quality_write(&w, opts, &num_ids, &err) < 0);
    CHECK_STR(err.field, "quality.n");
    jw_free(&w);
    cJSON_Delete(opts);
    opts = cJSON_Parse("{\"sample\":1}");
    jw_init(&w);
    CHECK(codec_quality_write(&w, opts, &num_ids, &err) < 0);
    CHECK_STR(err.field, "quality.sample");
    jw_free(&w);
    cJSON_Delete(opts);

    /* the format list is valid JSON with every table format */
    jw_init(&w);
    codec_formats_write(&w);
    char *s = jw_take(&w, NULL);
    cJSON *f = s ? cJSON_Parse(s) : NULL;
    CHECK(f != NULL &&
          cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "formats")) == rg_format_count());
    cJSON_Delete(f);
    free(s);
    return tu_status("test_codec_numerics");
}
