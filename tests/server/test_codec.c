/* test_codec.c: the JSON boundary: spec parsing with presets, defaults and
 * overrides; every class of bad input refused with the field named;
 * canonical form and its hash; sweep paths and typed axes; result, error
 * and assumption output; parsing from many threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "codec_trace.h"
#include "evaluate.h"
#include "testutil.h"

static int parse(const char *text, rg_spec *s, rg_err *e) {
    memset(e, 0, sizeof *e);
    return codec_spec_parse_text(text, strlen(text), s, e);
}

/* Expect a parse failure with this code and field. */
#define BAD(text, code_, field_)                                                                             \
    do {                                                                                                     \
        rg_spec s_;                                                                                          \
        rg_err e_;                                                                                           \
        int rc_ = parse(text, &s_, &e_);                                                                     \
        CHECK_MSG(rc_ == (code_), "%s: rc %d (%s: %s), expected %d", text, rc_, e_.field, e_.msg, (code_));  \
        CHECK_STR(e_.field, field_);                                                                         \
    } while (0)

static char *canonical(const rg_spec *s) {
    jw w;
    jw_init(&w);
    codec_spec_write_canonical(&w, s);
    char *t = jw_take(&w, NULL);
    jw_free(&w);
    return t;
}

#define BASE                                                                                                 \
    "\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":8,\"seq_len\":1024"

static void test_good(void) {
    rg_spec s;
    rg_err e;
    CHECK_EQ_INT(parse("{" BASE "}", &s, &e), 0);
    /* Values from data/models/llama3-8b.json (HF config.json). */
    CHECK_EQ_INT(s.model.layers, 32);
    CHECK_EQ_INT(s.model.d_model, 4096);
    CHECK_EQ_INT(s.model.kv_heads, 8);
    CHECK_EQ_INT(s.model.vocab, 128256);
    CHECK(s.model.ffn_gated);
    CHECK_STR(s.model.name, "llama3-8b");
    CHECK_STR(s.hw.name, "h100-sxm");
    CHECK_REL(s.hw.matrix_flops[RG_MATH_BF16], 989.4e12, 1e-15);
    CHECK(s.hw.matrix_flops[RG_MATH_FP4] == 0); /* absent class */
    CHECK(!s.has_system);
    CHECK_EQ_INT(s.phase, RG_PHASE_DECODE);
    /* Defaults from data/defaults.json. */
    CHECK_EQ_INT(s.numerics.weights, rg_format_find("bf16"));
    CHECK_EQ_INT(s.numerics.master, rg_format_find("fp32"));
    CHECK_EQ_INT(s.numerics.optimizer, rg_format_find("fp32"));
    CHECK_EQ_INT(s.par.tp, 1);
    CHECK_EQ_INT(s.par.microbatch, 1);
    CHECK_EQ_INT(s.par.recompute, RG_RECOMPUTE_NONE);
    for (int i = 0; i < RG_A_COUNT; i++)
        CHECK(s.assumptions.set[i]);

    /* Preset with overrides, wrapped numbers, assumptions and numerics. */
    const char *t =
        "{\"model\":{\"preset\":\"llama3-70b\",\"layers\":40},"
        "\"hardware\":{\"mem_bw\":{\"value\":5e12,\"unit\":\"B/s\",\"source\":\"what-if\"},"
        "\"preset\":\"h100-sxm\",\"matrix_flops\":{\"fp4\":4e15}},"
        "\"system\":\"dgx-h100\",\"phase\":\"train\",\"batch\":{\"value\":64},\"seq_len\":4096,"
        "\"numerics\":{\"weights\":\"mxfp8_e4m3\",\"math\":\"fp8_e4m3\"},"
        "\"parallelism\":{\"tp\":8,\"recompute\":\"selective\",\"zero\":1,\"sequence_parallel\":true},"
        "\"assumptions\":{\"matmul_efficiency\":0.5},\"quality\":{\"anything\":[1,2]}}";
    CHECK_EQ_INT(parse(t, &s, &e), 0);
    CHECK_EQ_INT(s.model.layers, 40);
    CHECK_EQ_INT(s.model.d_model, 8192);
    CHECK_REL(s.hw.mem_bw, 5e12, 0);
    CHECK_REL(s.hw.mem_bytes, 80e9, 0);
    CHECK_REL(s.hw.matrix_flops[RG_MATH_FP4], 4e15, 0);
    CHECK(s.has_system);
    CHECK_EQ_INT(s.system.domain_chips, 8);
    CHECK_EQ_INT(s.batch, 64);
    CHECK_EQ_INT(s.numerics.weights, rg_format_find("mxfp8_e4m3"));
    CHECK_EQ_INT(s.numerics.activations, rg_format_find("bf16"));
    CHECK_EQ_INT(s.par.tp, 8);
    CHECK_EQ_INT(s.par.zero, 1);
    CHECK(s.par.sequence_parallel);
    CHECK_EQ_INT(s.par.recompute, RG_RECOMPUTE_SELECTIVE);
    CHECK_REL(s.assumptions.v[RG_A_MATMUL_EFF], 0.5, 0);

    /* A full model object (MoE, MLA) without a preset. */
    t = "{\"model\":{\"layers\":4,\"d_model\":256,\"heads\":4,\"ffn_dim\":512,\"vocab\":1000,"
        "\"moe\":{\"experts\":8,\"top_k\":2},\"mla\":{\"kv_lora_rank\":64,\"qk_nope_head_dim\":32,"
        "\"qk_rope_head_dim\":16,\"v_head_dim\":32}},\"hardware\":\"b200\",\"phase\":\"prefill\","
        "\"batch\":1,\"seq_len\":128}";
    CHECK_EQ_INT(parse(t, &s, &e), 0);
    CHECK(s.model.mla.enabled);
    CHECK_EQ_INT(s.model.moe.experts, 8);
    CHECK_EQ_INT(s.model.kv_heads, 0);       /* derived by the engine */
    CHECK_EQ_INT(s.model.norm, RG_NORM_RMS); /* default */
}

static void test_bad(void) {
    BAD("{" BASE ",\"batch\":8}", RG_EPARSE, "batch"); /* duplicate key */
    BAD("{" BASE "} x", RG_EPARSE, "");                /* trailing garbage */
    BAD("{" BASE, RG_EPARSE, "");
    BAD("[1,2]", RG_ETYPE, "");
    BAD("{\"model\":{\"preset\":\"llama3-8b\",\"dmodel\":5},\"hardware\":\"h100-sxm\",\"phase\":\"decode\","
        "\"batch\":8,\"seq_len\":1}",
        RG_EUNKNOWN, "model.dmodel");
    BAD("{\"model\":{\"preset\":\"llama3-8b\",\"d_model\":-5},\"hardware\":\"h100-sxm\",\"phase\":\"decode\","
        "\"batch\":8,\"seq_len\":1}",
        RG_ERANGE, "model.d_model");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":-1,\"seq_len\":1}",
        RG_ERANGE, "batch");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":\"8\",\"seq_len\":"
        "1}",
        RG_ETYPE, "batch");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":1.5,\"seq_len\":"
        "1}",
        RG_ETYPE, "batch");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":1e300,\"seq_len\":"
        "1}",
        RG_ERANGE, "batch");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":1e999,\"seq_len\":"
        "1}",
        RG_ERANGE, "batch"); /* parses as Inf */
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":3000000000,"
        "\"seq_len\":1}",
        RG_ERANGE, "batch"); /* would saturate cJSON's valueint */
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":NaN,\"seq_len\":"
        "1}",
        RG_EPARSE, "");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"infer\",\"batch\":1,\"seq_len\":1}",
        RG_EUNKNOWN, "phase");
    /* a serve spec needs an arrival rate (or a trace), not batch and seq_len */
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"serve\"}", RG_ERANGE,
        "serving.arrival.rate_per_s");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"serve\",\"serving\":{\"arrival\":"
        "{\"rate_per_s\":0},\"requests\":10}}",
        RG_ERANGE, "serving.arrival.rate_per_s");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"serve\",\"serving\":{\"arrival\":"
        "{\"rate_per_s\":1},\"requests\":10,\"slo\":{\"ttft\":1}}}",
        RG_EUNKNOWN, "serving.slo.ttft");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"serve\",\"serving\":{\"arrival\":"
        "{\"rate_per_s\":1},\"requests\":10,\"slo\":{\"tpot_s\":-0.05}}}",
        RG_ERANGE, "serving.slo.tpot_s");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"serve\",\"serving\":{\"arrival\":"
        "{\"rate_per_s\":1},\"requests\":10,\"slo\":{\"ttft_s\":{\"value\":1,\"unit\":\"ms\"}}}}",
        RG_EINVAL, "serving.slo.ttft_s.unit");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"serve\",\"serving\":{\"arrival\":"
        "{\"trace\":[[1,10,10],[0.5,10,10]]}}}",
        RG_ERANGE, "serving.arrival.trace");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"serve\",\"serving\":{\"arrival\":"
        "{\"rate_per_s\":1},\"requests\":10,\"prompt_tokens\":{\"dist\":\"lognormal\",\"mean\":100}}}",
        RG_EMISSING, "serving.prompt_tokens.sigma");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"seq_len\":1}", RG_EMISSING,
        "batch");
    BAD("{\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":1,\"seq_len\":1}", RG_EMISSING, "model");
    BAD("{\"model\":\"llama9\",\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":1,\"seq_len\":1}",
        RG_EUNKNOWN, "model.preset");
    BAD("{\"model\":{\"layers\":2,\"d_model\":64,\"heads\":4,\"ffn_dim\":128},\"hardware\":\"h100-sxm\","
        "\"phase\":\"decode\",\"batch\":1,\"seq_len\":1}",
        RG_EMISSING, "model.vocab");
    BAD("{\"model\":{\"preset\":\"llama3-8b\",\"kv_heads\":5},\"hardware\":\"h100-sxm\",\"phase\":\"decode\","
        "\"batch\":1,\"seq_len\":1}",
        RG_ERANGE, "model.kv_heads");
    BAD("{" BASE ",\"numerics\":{\"weights\":\"fp7\"}}", RG_EUNKNOWN, "numerics.weights");
    BAD("{" BASE ",\"numerics\":{\"weights\":8}}", RG_ETYPE, "numerics.weights");
    BAD("{" BASE ",\"parallelism\":{\"zero\":4}}", RG_ERANGE, "parallelism.zero");
    BAD("{" BASE ",\"parallelism\":{\"recompute\":true}}", RG_ETYPE, "parallelism.recompute");
    BAD("{" BASE ",\"parallelism\":{\"sequence_parallel\":1}}", RG_ETYPE, "parallelism.sequence_parallel");
    BAD("{" BASE ",\"parallelism\":5}", RG_ETYPE, "parallelism");
    BAD("{" BASE ",\"assumptions\":{\"matmul_eff\":0.5}}", RG_EUNKNOWN, "assumptions.matmul_eff");
    BAD("{" BASE ",\"assumptions\":{\"matmul_efficiency\":\"high\"}}", RG_ETYPE,
        "assumptions.matmul_efficiency");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":{\"preset\":\"h100-sxm\",\"mem_bw\":{\"value\":5,\"unit\":"
        "\"TB/s\"}},"
        "\"phase\":\"decode\",\"batch\":1,\"seq_len\":1}",
        RG_EINVAL, "hardware.mem_bw.unit");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":{\"preset\":\"h100-sxm\",\"mem_bw\":{\"unit\":\"B/s\"}},"
        "\"phase\":\"decode\",\"batch\":1,\"seq_len\":1}",
        RG_ETYPE, "hardware.mem_bw");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":{\"preset\":\"h100-sxm\",\"mem_bw\":{\"value\":1,\"colour\":"
        "\"red\"}},"
        "\"phase\":\"decode\",\"batch\":1,\"seq_len\":1}",
        RG_EUNKNOWN, "hardware.mem_bw.colour");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":{\"preset\":\"h100-sxm\",\"preset\":\"h200\"},"
        "\"phase\":\"decode\",\"batch\":1,\"seq_len\":1}",
        RG_EPARSE, "hardware.preset");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":{\"preset\":\"h100-sxm\",\"matrix_flops\":{\"fp5\":1}},"
        "\"phase\":\"decode\",\"batch\":1,\"seq_len\":1}",
        RG_EUNKNOWN, "hardware.matrix_flops.fp5");
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"system\":\"dgx-h100\",\"phase\":\"train\","
        "\"batch\":8,\"seq_len\":1024,\"parallelism\":{\"tp\":3}}",
        RG_EINVAL, "parallelism.tp");                      /* rg_spec_validate: heads % tp */
    BAD("{\"model\":{\"preset\":\"llama3-8b\",\"name\":\"" /* name too long */
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},"
        "\"hardware\":\"h100-sxm\",\"phase\":\"decode\",\"batch\":1,\"seq_len\":1}",
        RG_ERANGE, "model.name");
    /* NUL inside the text */
    rg_spec s;
    rg_err e;
    const char nul[] = "{\"batch\":1}\0{}";
    CHECK_EQ_INT(codec_spec_parse_text(nul, sizeof nul - 1, &s, &e), RG_EPARSE);
    /* Deep nesting is refused, not a crash. */
    char *deep = malloc(20001);
    if (deep) {
        for (int i = 0; i < 10000; i++) {
            deep[i] = '[';
            deep[10000 + i] = ']';
        }
        deep[20000] = 0;
        CHECK(parse(deep, &s, &e) != 0);
        free(deep);
    }
}

static void test_canonical(void) {
    rg_spec a, b;
    rg_err e;
    char ha[65], hb[65];
    /* The same design point written as preset names and as expanded objects
     * (with a different name and an explicit-vs-derived field) hashes alike. */
    CHECK_EQ_INT(parse("{" BASE "}", &a, &e), 0);
    CHECK_EQ_INT(parse("{\"seq_len\":1024,\"batch\":8,\"phase\":\"decode\",\"model\":{\"layers\":32,"
                       "\"d_model\":4096,\"heads\":32,\"kv_heads\":8,\"ffn_dim\":14336,\"vocab\":128256,"
                       "\"ffn_gated\":true,\"name\":\"mine\"},\"hardware\":{\"preset\":\"h100-sxm\","
                       "\"name\":\"x\"},\"numerics\":{\"master\":\"fp32\"}}",
                       &b, &e),
                 0);
    CHECK_EQ_INT(codec_spec_sha256(&a, ha), 0);
    CHECK_EQ_INT(codec_spec_sha256(&b, hb), 0);
    CHECK_STR(ha, hb);
    CHECK_EQ_INT(strlen(ha), 64);
    b.chips = 1; /* = the product of the degrees: same as 0 */
    codec_spec_sha256(&b, hb);
    CHECK_STR(ha, hb);
    b.batch = 9;
    codec_spec_sha256(&b, hb);
    CHECK(strcmp(ha, hb) != 0);
    /* Canonical text parses back to the same canonical text. */
    char *t1 = canonical(&a);
    CHECK(t1 != NULL);
    if (t1) {
        rg_spec c;
        int rc = parse(t1, &c, &e);
        CHECK_MSG(rc == 0, "canonical re-parse: %s: %s", e.field, e.msg);
        char *t2 = canonical(&c);
        CHECK(t2 && strcmp(t1, t2) == 0);
        CHECK(strstr(t1, "\"assumptions\":{") != NULL);
        CHECK(strstr(t1, "\"fp4\"") == NULL); /* absent classes stay absent */
        free(t2);
        free(t1);
    }
    /* An assumption override changes the hash. */
    CHECK_EQ_INT(parse("{" BASE ",\"assumptions\":{\"matmul_efficiency\":0.31}}", &b, &e), 0);
    codec_spec_sha256(&b, hb);
    CHECK(strcmp(ha, hb) != 0);
}

static void test_paths(void) {
    rg_err e;
    rg_spec s, t;
    cJSON *j = cJSON_Parse("{" BASE "}");
    cJSON *v = cJSON_CreateNumber(2048);
    CHECK_EQ_INT(codec_spec_set_path(j, "model.d_model", v, &e), 0);
    CHECK_EQ_INT(codec_spec_set_path(j, "batch", v, &e), 0);
    CHECK_EQ_INT(codec_spec_set_path(j, "parallelism.microbatch", v, &e), 0);
    cJSON *h = cJSON_CreateString("h200");
    CHECK_EQ_INT(codec_spec_set_path(j, "hardware", h, &e), 0);
    cJSON *f = cJSON_CreateNumber(0.42);
    cJSON *bw = cJSON_CreateNumber(4.2e12);
    CHECK_EQ_INT(codec_spec_set_path(j, "assumptions.matmul_efficiency", f, &e), 0);
    CHECK_EQ_INT(codec_spec_set_path(j, "hardware.mem_bw", bw, &e), 0); /* preset name -> {"preset":...} */
    CHECK_EQ_INT(codec_spec_set_path(j, "model.dmodel", v, &e), RG_EINVAL);
    CHECK_STR(e.field, "model.dmodel");
    CHECK_EQ_INT(codec_spec_set_path(j, "batch.x", v, &e), RG_EINVAL);
    CHECK_EQ_INT(codec_spec_set_path(j, "assumptions.nope", v, &e), RG_EINVAL);
    CHECK_EQ_INT(codec_spec_parse(j, &s, &e), 0);
    CHECK_EQ_INT(s.model.d_model, 2048);
    CHECK_EQ_INT(s.model.layers, 32);
    CHECK_EQ_INT(s.batch, 2048);
    CHECK_REL(s.hw.mem_bw, 4.2e12, 0);
    CHECK_REL(s.hw.mem_bytes, 141e9, 0);
    CHECK_REL(s.assumptions.v[RG_A_MATMUL_EFF], 0.42, 0);

    /* The typed axes give the same spec as the JSON path. */
    CHECK_EQ_INT(parse("{" BASE "}", &t, &e), 0);
    codec_axis ax;
    const char *num_paths[] = {"model.d_model", "batch", "parallelism.microbatch",
                               "assumptions.matmul_efficiency"};
    const double num_vals[] = {2048, 2048, 2048, 0.42};
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(codec_axis_compile(num_paths[i], &ax, &e), 0);
        CHECK_EQ_INT(codec_axis_set(&ax, &t, num_vals[i], &e), 0);
    }
    CHECK_EQ_INT(codec_axis_compile("hardware", &ax, &e), 0);
    CHECK_EQ_INT(codec_axis_set_str(&ax, &t, "h200", &e), 0);
    CHECK_EQ_INT(codec_axis_compile("hardware.mem_bw", &ax, &e), 0);
    CHECK_EQ_INT(codec_axis_set(&ax, &t, 4.2e12, &e), 0);
    CHECK_EQ_INT(codec_spec_check(&t, &e), 0);
    char h1[65], h2[65];
    codec_spec_sha256(&s, h1);
    codec_spec_sha256(&t, h2);
    CHECK_STR(h1, h2);
    /* Axis errors. */
    CHECK_EQ_INT(codec_axis_compile("model.nope", &ax, &e), RG_EINVAL);
    CHECK_EQ_INT(codec_axis_compile("batch", &ax, &e), 0);
    CHECK_EQ_INT(codec_axis_set(&ax, &t, -1, &e), RG_ERANGE);
    CHECK_EQ_INT(codec_axis_set(&ax, &t, 1.5, &e), RG_ETYPE);
    CHECK_EQ_INT(codec_axis_compile("numerics.weights", &ax, &e), 0);
    CHECK_EQ_INT(codec_axis_set_str(&ax, &t, "mxfp4", &e), 0);
    CHECK_EQ_INT(t.numerics.weights, rg_format_find("mxfp4"));
    CHECK_EQ_INT(codec_axis_set_str(&ax, &t, "fp7", &e), RG_EUNKNOWN);
    CHECK_EQ_INT(codec_axis_set(&ax, &t, 1, &e), RG_ETYPE);
    cJSON_Delete(j);
    cJSON_Delete(v);
    cJSON_Delete(h);
    cJSON_Delete(f);
    cJSON_Delete(bw);
}

/* numerics.recipes: parsed per class, written back in the canonical text
 * (left out without one, so older specs keep their hash), refused naming
 * the field and key, sweepable as a string axis ("none" turns it off), and
 * listed with their bits in the result. */
static void test_recipes(void) {
    rg_spec a, b, c;
    rg_err e;
    char h0[65], h1[65], h2[65];
    CHECK_EQ_INT(parse("{" BASE "}", &a, &e), 0);
    CHECK(!a.numerics.recipes[RG_TC_WEIGHTS].on && !a.numerics.recipes[RG_TC_ACTIVATIONS].on);
    codec_spec_sha256(&a, h0);
    char *t0 = canonical(&a);
    CHECK(t0 && strstr(t0, "recipes") == NULL);
    free(t0);
    int rc = parse("{" BASE ",\"numerics\":{\"recipes\":{\"weights\":\"fp8_128x128\","
                   "\"activations\":\"nvfp4_1x16:rotate=16\"}}}",
                   &b, &e);
    CHECK_MSG(rc == 0, "%s: %s", e.field, e.msg);
    CHECK(b.numerics.recipes[RG_TC_WEIGHTS].on && b.numerics.recipes[RG_TC_ACTIVATIONS].on &&
          !b.numerics.recipes[RG_TC_KV].on);
    CHECK_EQ_INT(b.numerics.recipes[RG_TC_ACTIVATIONS].r.rotate, 16);
    codec_spec_sha256(&b, h1);
    CHECK(strcmp(h0, h1) != 0);
    char *t1 = canonical(&b);
    CHECK(t1 && strstr(t1, "\"activations\":\"nvfp4_1x16:rotate=16\"") != NULL);
    if (t1) {
        rc = parse(t1, &c, &e);
        CHECK_MSG(rc == 0, "canonical re-parse: %s: %s", e.field, e.msg);
        char *t2 = canonical(&c);
        CHECK(t2 && strcmp(t1, t2) == 0);
        free(t2);
    }
    free(t1);
    BAD("{" BASE ",\"numerics\":{\"recipes\":{\"weights\":\"nvfp4_1x16:rotate=12\"}}}", RG_ERANGE,
        "numerics.recipes.weights: rotate");
    BAD("{" BASE ",\"numerics\":{\"recipes\":{\"weights\":7}}}", RG_ETYPE, "numerics.recipes.weights");
    BAD("{" BASE ",\"numerics\":{\"recipes\":{\"grads\":\"fp8_1x128\"}}}", RG_EUNKNOWN,
        "numerics.recipes.grads");
    /* the axis */
    codec_axis ax;
    CHECK_EQ_INT(codec_axis_compile("numerics.recipes.activations", &ax, &e), 0);
    CHECK(!ax.numeric);
    CHECK_EQ_INT(codec_axis_set_str(&ax, &a, "nvfp4_1x16:rotate=16", &e), 0);
    CHECK_EQ_INT(codec_axis_compile("numerics.recipes.weights", &ax, &e), 0);
    CHECK_EQ_INT(codec_axis_set_str(&ax, &a, "fp8_128x128", &e), 0);
    CHECK_EQ_INT(codec_spec_check(&a, &e), 0);
    codec_spec_sha256(&a, h2);
    CHECK_STR(h1, h2);
    CHECK(codec_axis_set_str(&ax, &a, "fp8_1x128:block=3x", &e) < 0);
    CHECK(strncmp(e.field, "numerics.recipes.weights", 24) == 0);
    CHECK_EQ_INT(codec_axis_set_str(&ax, &a, "none", &e), 0);
    CHECK(!a.numerics.recipes[RG_TC_WEIGHTS].on);
    CHECK_EQ_INT(codec_axis_set(&ax, &a, 1, &e), RG_ETYPE);
    /* the result lists the recipes with the bits the roofline charged */
    static rg_result res;
    CHECK_EQ_INT(rg_evaluate(&b, &res, &e), 0);
    jw w;
    jw_init(&w);
    codec_result_write(&w, &b, &res);
    char *out = jw_take(&w, NULL);
    jw_free(&w);
    cJSON *j = out ? cJSON_Parse(out) : NULL;
    const cJSON *rw =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "recipes"), "weights");
    const cJSON *bits = cJSON_GetObjectItemCaseSensitive(rw, "bits_per_element");
    CHECK(cJSON_IsNumber(bits));
    if (cJSON_IsNumber(bits)) /* DeepSeek-V3 sec. 3.3: one fp32 scale per 128 x 128 block */
        CHECK_REL(bits->valuedouble, 8.0 + 32.0 / 16384.0, 1e-12);
    CHECK(strstr(out ? out : "", "\"recipe.amax\"") != NULL); /* NVFP4's tensor amax pass */
    cJSON_Delete(j);
    free(out);
}

static void test_output(void) {
    rg_spec s;
    rg_err e;
    rg_result *r = malloc(sizeof *r);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_EQ_INT(
        parse("{\"model\":\"llama3-70b\",\"hardware\":\"h200\",\"system\":\"dgx-h100\",\"phase\":\"decode\","
              "\"batch\":64,\"seq_len\":8192,\"parallelism\":{\"tp\":8},"
              "\"assumptions\":{\"matmul_efficiency\":0.6}}",
              &s, &e),
        0);
    CHECK_EQ_INT(rg_evaluate(&s, r, &e), 0);
    jw w;
    jw_init(&w);
    codec_result_write(&w, &s, r);
    char *text = jw_take(&w, NULL);
    jw_free(&w);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    CHECK(j != NULL);
    static const char *const keys[] = {"time_s",      "flops",
                                       "hw_flops",    "bytes",
                                       "mfu",         "tokens_per_s",
                                       "params",      "active_params",
                                       "memory",      "ops",
                                       "breakdown",   "assumptions",
                                       "spec_sha256", "engine_version",
                                       "ridge_point", "latency_per_token_s"};
    for (size_t i = 0; j && i < sizeof keys / sizeof keys[0]; i++)
        CHECK_MSG(cJSON_GetObjectItemCaseSensitive(j, keys[i]) != NULL, "missing %s", keys[i]);
    static const char *const mem_keys[] = {"per_device_bytes",  "weights_bytes", "kv_cache_bytes",
                                           "activations_bytes", "grads_bytes",   "optimizer_bytes",
                                           "capacity_bytes",    "fits",          "shortfall_bytes"};
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(j, "memory");
    for (size_t i = 0; mem && i < sizeof mem_keys / sizeof mem_keys[0]; i++)
        CHECK_MSG(cJSON_GetObjectItemCaseSensitive(mem, mem_keys[i]) != NULL, "missing memory.%s",
                  mem_keys[i]);
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(j, "ops");
    CHECK(cJSON_GetArraySize(ops) == r->n_ops && r->n_ops > 0);
    const cJSON *op0 = cJSON_GetArrayItem(ops, 0);
    static const char *const op_keys[] = {"name",  "pass",      "format",    "math",     "count",  "flops",
                                          "bytes", "intensity", "compute_s", "memory_s", "time_s", "bound"};
    for (size_t i = 0; op0 && i < sizeof op_keys / sizeof op_keys[0]; i++)
        CHECK_MSG(cJSON_GetObjectItemCaseSensitive(op0, op_keys[i]) != NULL, "missing ops[0].%s", op_keys[i]);
    const cJSON *bd = cJSON_GetObjectItemCaseSensitive(j, "breakdown");
    const cJSON *ar =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(bd, "comm"), "all_reduce");
    CHECK(cJSON_GetObjectItemCaseSensitive(ar, "exposed_s") != NULL);
    /* Lossless numbers: time_s reads back bit-exact. */
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(j, "time_s");
    CHECK(ts && ts->valuedouble == r->time_s);
    /* The overridden assumption is listed and flagged (if the result used it). */
    const cJSON *as = cJSON_GetObjectItemCaseSensitive(j, "assumptions"), *it;
    int listed = 0;
    cJSON_ArrayForEach(it, as) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
        CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "source")));
        CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "confidence")));
        if (n && strcmp(n->valuestring, "matmul_efficiency") == 0) {
            listed = 1;
            CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "overridden")));
            CHECK(cJSON_GetObjectItemCaseSensitive(it, "value")->valuedouble == 0.6);
        } else {
            CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "overridden")));
        }
    }
    CHECK(listed == r->used[RG_A_MATMUL_EFF]);
    cJSON_Delete(j);
    free(text);

    /* Error object. */
    rg_err bad;
    rg_err_set(&bad, RG_ERANGE, "model.d_model", "must be >= 1 (got -5)");
    jw_init(&w);
    codec_error_write(&w, &bad);
    text = jw_take(&w, NULL);
    jw_free(&w);
    CHECK(text && strstr(text, "\"field\":\"model.d_model\"") && strstr(text, "\"status\":400") &&
          strstr(text, "\"code\":\"RG_ERANGE\""));
    free(text);
    free(r);
}

/* Many threads parse (and so initialise the cache) at once. */
static void *parse_thread(void *arg) {
    char *hex = arg;
    rg_spec s;
    rg_err e;
    for (int i = 0; i < 200; i++) {
        if (parse("{" BASE ",\"system\":\"dgx-h100\"}", &s, &e) != 0) {
            hex[0] = '!';
            return NULL;
        }
    }
    codec_spec_sha256(&s, hex);
    return NULL;
}

static void test_threads(void) {
    pthread_t th[4];
    char hex[4][65];
    memset(hex, 0, sizeof hex);
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&th[i], NULL, parse_thread, hex[i]) == 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 1; i < 4; i++)
        CHECK_STR(hex[i], hex[0]);
    CHECK(hex[0][0] != '!');
}

/* Parse cost per spec: reported, not asserted (speed is measured by
 * benchmarks, never by a timed test); every parse must succeed. */
static void test_speed(void) {
    const char *t = "{\"model\":\"llama3-70b\",\"hardware\":{\"preset\":\"h100-sxm\",\"mem_bw\":4e12},"
                    "\"system\":\"dgx-h100\",\"phase\":\"train\",\"batch\":512,\"seq_len\":4096,"
                    "\"parallelism\":{\"tp\":8,\"pp\":4,\"dp\":16,\"microbatch\":1}}";
    rg_spec s;
    rg_err e;
    struct timespec a, b;
    int n = 20000, ok = 1;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++)
        ok &= parse(t, &s, &e) == 0;
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / n;
    printf("codec_spec_parse_text: %.2f us per spec\n", us);
    CHECK(ok);
}

/* Random byte mutations of a valid spec: every outcome is 0 or a clean error
 * with a message, never a crash (the ASan build runs this too). */
static void test_mutations(void) {
    const char *base = "{\"model\":{\"preset\":\"mixtral-8x7b\",\"layers\":{\"value\":16,\"source\":\"x\"}},"
                       "\"hardware\":\"h100-sxm\",\"system\":\"dgx-h100\",\"phase\":\"train\",\"batch\":64,"
                       "\"seq_len\":2048,\"numerics\":{\"weights\":\"mxfp8_e4m3\"},\"parallelism\":{\"tp\":2,"
                       "\"ep\":4,\"recompute\":\"full\"},\"assumptions\":{\"dp_overlap\":0.5}}";
    static const char alphabet[] = "{}[]\":,.-+eE0123456789 abtnulfrsx\\\x01\xff";
    size_t n = strlen(base);
    char buf[1024];
    uint32_t x = 12345;
    int ok = 0, errors = 0;
    for (int iter = 0; iter < 5000; iter++) {
        memcpy(buf, base, n + 1);
        int edits = 1 + iter % 4;
        size_t len = n;
        for (int k = 0; k < edits; k++) {
            x = x * 1664525u + 1013904223u;
            size_t at = (x >> 8) % len;
            x = x * 1664525u + 1013904223u;
            char c = alphabet[(x >> 8) % (sizeof alphabet - 1)];
            if ((x >> 4) % 3 == 0 && len + 1 < sizeof buf) { /* insert */
                memmove(buf + at + 1, buf + at, len - at + 1);
                buf[at] = c;
                len++;
            } else if ((x >> 4) % 3 == 1 && len > 1) { /* delete */
                memmove(buf + at, buf + at + 1, len - at);
                len--;
            } else {
                buf[at] = c;
            }
        }
        rg_spec s;
        rg_err e;
        memset(&e, 0, sizeof e);
        int rc = codec_spec_parse_text(buf, len, &s, &e);
        if (rc == 0) {
            ok++;
        } else {
            errors++;
            CHECK_MSG(rc < 0 && e.code == rc && (e.msg[0] || e.field[0]), "%s -> rc %d", buf, rc);
        }
    }
    printf("mutations: %d parsed, %d refused\n", ok, errors);
    CHECK(errors > 1000);
}

/* Allocation failure inside cJSON (duplicates, parsing, set_path) is an
 * error, not a crash. */
static int fail_after = -1;
static void *failing_malloc(size_t n) {
    if (fail_after == 0)
        return NULL;
    if (fail_after > 0)
        fail_after--;
    return malloc(n);
}

static void test_oom(void) {
    cJSON_Hooks hooks = {failing_malloc, free};
    cJSON_InitHooks(&hooks);
    const char *t = "{" BASE ",\"system\":\"dgx-h100\",\"parallelism\":{\"tp\":2}}";
    int saw_fail = 0, saw_ok = 0;
    for (int k = 0; k < 400; k++) {
        rg_spec s;
        rg_err e;
        fail_after = k;
        int rc = codec_spec_parse_text(t, strlen(t), &s, &e);
        if (rc == 0) {
            saw_ok = 1;
        } else {
            saw_fail = 1;
            CHECK(rc == RG_EPARSE || rc == RG_ENOMEM);
        }
        /* set_path on a spec, with failures at every allocation */
        fail_after = -1;
        cJSON *j = cJSON_Parse(t);
        cJSON *v = cJSON_CreateNumber(3);
        fail_after = k % 6;
        if (j && v) {
            int r2 = codec_spec_set_path(j, "model.d_model", v, &e);
            CHECK(r2 == 0 || r2 == RG_ENOMEM);
        }
        fail_after = -1;
        cJSON_Delete(j);
        cJSON_Delete(v);
        /* preset copies */
        fail_after = k % 50;
        cJSON *p = codec_preset_get("models", "deepseek-v3", &e);
        CHECK(p != NULL || e.code == RG_ENOMEM);
        fail_after = -1;
        cJSON_Delete(p);
    }
    CHECK(saw_fail && saw_ok);
    fail_after = -1;
    cJSON_InitHooks(NULL);
}

/* A trace as text: the rows, or the error's field and message. */
static int trace_text(const char *text, cJSON **rows, rg_err *e) {
    memset(e, 0, sizeof *e);
    return codec_trace_parse(text, strlen(text), "serving.trace_file", rows, e);
}

#define TRACE_BAD(text, code_, msg_)                                                                         \
    do {                                                                                                     \
        cJSON *r_ = NULL;                                                                                    \
        rg_err e_;                                                                                           \
        int rc_ = trace_text(text, &r_, &e_);                                                                \
        CHECK_MSG(rc_ == (code_) && !r_, "%s: rc %d (%s)", text, rc_, e_.msg);                               \
        CHECK_STR(e_.field, "serving.trace_file");                                                           \
        CHECK_MSG(strstr(e_.msg, msg_) != NULL, "%s: message \"%s\" lacks \"%s\"", text, e_.msg, msg_);      \
    } while (0)

/* serving.trace_file's text (CSV with or without a header, JSON lines) and
 * traces longer than the inline rows: parsed with owned rows, refused where
 * the spec is copied without them; the service refuses the file key. */
static void test_traces(void) {
    cJSON *rows = NULL;
    rg_err e;
    CHECK(trace_text("0,10,2\n0.5,20,3\n", &rows, &e) == 0);
    CHECK(cJSON_GetArraySize(rows) == 2);
    CHECK(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 1), 1)->valuedouble == 20);
    cJSON_Delete(rows);
    /* a header in any order, CRLF, comments and blank lines */
    CHECK(trace_text("output_tokens, arrival_s ,prompt_tokens\r\n# x\n\n3,0.25,7\r\n", &rows, &e) == 0);
    CHECK(cJSON_GetArraySize(rows) == 1);
    CHECK(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 0), 0)->valuedouble == 0.25);
    CHECK(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 0), 1)->valuedouble == 7);
    CHECK(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 0), 2)->valuedouble == 3);
    cJSON_Delete(rows);
    CHECK(trace_text("{\"prompt_tokens\":5,\"arrival_s\":0,\"output_tokens\":1}\n[1,2,3]\n", &rows, &e) == 0);
    CHECK(cJSON_GetArraySize(rows) == 2);
    cJSON_Delete(rows);
    TRACE_BAD("0,1,1\n2,1,1\n1,1,1\n", RG_ERANGE, "line 3: arrival_s 1 is before the previous row's 2");
    TRACE_BAD("\n-0.5,1,1\n", RG_ERANGE, "line 2: arrival_s must be a time >= 0");
    TRACE_BAD("0,0,1\n", RG_ERANGE, "line 1: prompt_tokens must be an integer in 1..1e8");
    TRACE_BAD("0,1,-4\n", RG_ERANGE, "line 1: output_tokens must be an integer");
    TRACE_BAD("0,1,1.5\n", RG_ERANGE, "line 1: output_tokens must be an integer");
    TRACE_BAD("0,1,1,1\n", RG_EPARSE, "line 1: 4 columns");
    TRACE_BAD("0,nan,1\n", RG_ERANGE, "line 1: prompt_tokens");
    TRACE_BAD("0,1,1\n0,1,x\n", RG_EPARSE, "line 2: output_tokens: not a number");
    TRACE_BAD("{\"arrival_s\":0,\"prompt_tokens\":1}\n", RG_EMISSING, "line 1: output_tokens: missing");
    TRACE_BAD("{\"arrival_s\":0,\"prompt_tokens\":1,\"output_tokens\":1,\"id\":1}\n", RG_EPARSE,
              "unknown key \"id\"");
    TRACE_BAD("{\"arrival_s\":0,\n", RG_EPARSE, "line 1: not JSON");
    TRACE_BAD("# only a comment\n", RG_EINVAL, "no rows");

    /* random texts of trace characters: rows and 0, or an error naming the
     * field and no rows; never a crash (ASan) */
    static const char alphabet[] = "0123456789.,-e #\n\r{}[]\":arivl_s";
    uint64_t x = 88172645463325252ull;
    char buf[200];
    for (int k = 0; k < 3000; k++) {
        size_t n = 0;
        for (; n < sizeof buf - 1 && (n < 4 || (x >> 60) != 0); n++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[n] = alphabet[x % (sizeof alphabet - 1)];
        }
        buf[n] = '\0';
        cJSON *r = NULL;
        int rc = trace_text(buf, &r, &e);
        CHECK(rc == 0 ? r != NULL && cJSON_GetArraySize(r) > 0
                      : r == NULL && strcmp(e.field, "serving.trace_file") == 0);
        cJSON_Delete(r);
    }

    /* 200 rows inline: owned rows for evaluate; refused without them (sweeps) */
    char *text = malloc(200 * 32 + 256);
    CHECK(text != NULL);
    if (!text)
        return;
    int n = sprintf(text, "{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"serve\","
                          "\"serving\":{\"arrival\":{\"trace\":[");
    for (int i = 0; i < 200; i++)
        n += sprintf(text + n, "%s[%g,%d,%d]", i ? "," : "", 0.125 * i, 10 + i, 1 + i % 7);
    sprintf(text + n, "]}}}");
    rg_spec s;
    rg_serve_req *owned = NULL;
    cJSON *j = codec_json_parse(text, strlen(text), &e);
    CHECK(j != NULL);
    memset(&e, 0, sizeof e);
    CHECK(codec_spec_parse(j, &s, &e) == RG_ERANGE);
    CHECK_STR(e.field, "serving.arrival.trace");
    memset(&e, 0, sizeof e);
    CHECK_MSG(codec_spec_parse_rows(j, &s, true, &owned, &e) == 0, "%s: %s", e.field, e.msg);
    CHECK(owned != NULL && s.serving.n_trace == 200 && s.serving.trace_rows == owned);
    CHECK(rg_serve_trace_row(&s.serving, 199)->prompt_tokens == 209);
    CHECK(rg_serve_trace_row(&s.serving, 199)->arrival_s == 0.125 * 199);
    /* the canonical text holds every row and parses back to itself */
    char *c1 = canonical(&s), *c2 = NULL;
    cJSON *j2 = c1 ? codec_json_parse(c1, strlen(c1), &e) : NULL;
    rg_spec s2;
    rg_serve_req *owned2 = NULL;
    CHECK(j2 && codec_spec_parse_rows(j2, &s2, true, &owned2, &e) == 0);
    c2 = j2 ? canonical(&s2) : NULL;
    CHECK(c1 && c2 && strcmp(c1, c2) == 0);
    free(c1);
    free(c2);
    free(owned2);
    cJSON_Delete(j2);
    free(owned);
    /* a decreasing row past the inline ones is found too */
    char *at = strstr(text, "[24.875,209,");
    CHECK(at != NULL);
    if (at)
        memcpy(at, "[0.0001", 7);
    cJSON_Delete(j);
    j = codec_json_parse(text, strlen(text), &e);
    owned = NULL;
    memset(&e, 0, sizeof e);
    CHECK(j && codec_spec_parse_rows(j, &s, true, &owned, &e) == RG_ERANGE);
    CHECK_STR(e.field, "serving.arrival.trace");
    CHECK(strstr(e.msg, "row 199") != NULL);
    free(owned);
    cJSON_Delete(j);
    free(text);
    /* the codec (the service) reads no files */
    BAD("{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"phase\":\"serve\",\"serving\":"
        "{\"trace_file\":\"/etc/passwd\"}}",
        RG_EINVAL, "serving.trace_file");
}

int main(void) {
    test_good();
    test_traces();
    test_bad();
    test_canonical();
    test_paths();
    test_recipes();
    test_output();
    test_threads();
    test_speed();
    test_mutations();
    test_oom();
    return tu_status("test_codec");
}
