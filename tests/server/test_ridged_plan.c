/* test_ridged_plan.c: ridged's sweep plan (axes -> typed specs), its
 * request arena and text buffer. The plan must build the same spec for a
 * point as a client editing the JSON and parsing it (codec_spec_set_path +
 * codec_spec_parse), decode params in mixed radix with the last axis
 * fastest, hit range endpoints exactly, and name bad values precisely. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "codec.h"
#include "evaluate.h"
#include "model.h"
#include "plan_cache.h"
#include "sbuf.h"
#include "sweep_plan.h"
#include "testutil.h"

static const char *BASE =
    "{\"model\":\"llama3-8b\",\"hardware\":\"h100-sxm\",\"system\":\"dgx-h100\",\"phase\":"
    "\"train\",\"batch\":256,\"seq_len\":4096,\"parallelism\":{\"dp\":8}}";

static int build(const char *axes, sweep_plan **p, rg_err *err) {
    cJSON *b = cJSON_Parse(BASE), *a = cJSON_Parse(axes);
    int rc = plan_build(b, a, 100000000, true, p, err);
    cJSON_Delete(b);
    cJSON_Delete(a);
    return rc;
}

/* The plan's spec for point i equals the JSON route's, and evaluates to
 * the same bits. */
static void test_equivalence(void) {
    const char *axes = "[{\"path\":\"hardware.mem_bw\",\"range\":{\"start\":1e12,\"stop\":8e12,\"steps\":3}},"
                       "{\"path\":\"batch\",\"values\":[16,64]},"
                       "{\"path\":\"hardware\",\"values\":[\"h100-sxm\",\"b200\"]},"
                       "{\"path\":\"numerics.weights\",\"values\":[\"bf16\",\"fp8_e4m3\"]}]";
    sweep_plan *p = NULL;
    rg_err err = {0};
    CHECK_EQ_INT(build(axes, &p, &err), 0);
    if (!p)
        return;
    CHECK_EQ_INT(p->total, 24);
    rg_spec *fast = malloc(sizeof *fast), *slow = malloc(sizeof *slow);
    rg_result *r1 = malloc(sizeof *r1), *r2 = malloc(sizeof *r2);
    for (int64_t i = 0; i < p->total && fast && slow && r1 && r2; i++) {
        CHECK_EQ_INT(plan_point_spec(p, i, fast, &err), 0);
        /* the JSON route, shallow paths first as documented */
        cJSON *j = cJSON_Parse(BASE);
        int64_t d[4], rest = i;
        for (int k = 3; k >= 0; k--) {
            d[k] = rest % p->axes[k].n;
            rest /= p->axes[k].n;
        }
        const int order[4] = {2, 1, 3, 0};
        for (int o = 0; o < 4; o++) {
            int k = order[o];
            cJSON *v = NULL;
            if (p->axes[k].is_range) {
                v = cJSON_CreateNumber(plan_range_value(&p->axes[k], d[k]));
            } else { /* the typed value written back as JSON */
                jw vw;
                jw_init(&vw);
                plan_value_write(&p->axes[k].vals[d[k]], &vw);
                char *t = jw_take(&vw, NULL);
                v = t ? cJSON_Parse(t) : NULL;
                free(t);
            }
            CHECK_EQ_INT(codec_spec_set_path(j, p->axes[k].path, v, &err), 0);
            cJSON_Delete(v);
        }
        CHECK_EQ_INT(codec_spec_parse(j, slow, &err), 0);
        cJSON_Delete(j);
        CHECK_EQ_INT(rg_evaluate_ex(fast, r1, RG_EVAL_NO_OPS, &err), 0);
        CHECK_EQ_INT(rg_evaluate_ex(slow, r2, RG_EVAL_NO_OPS, &err), 0);
        CHECK_MSG(memcmp(&r1->time_s, &r2->time_s, sizeof r1->time_s) == 0 && r1->mfu == r2->mfu,
                  "point %lld: %.17g vs %.17g", (long long)i, r1->time_s, r2->time_s);
    }
    /* hardware preset applied before hardware.mem_bw: b200 points keep the swept bandwidth */
    CHECK_EQ_INT(plan_point_spec(p, 23, fast, &err), 0);
    CHECK(fast->hw.mem_bw == 8e12);
    free(fast);
    free(slow);
    free(r1);
    free(r2);
    plan_free(p);
}

static void test_params_and_ranges(void) {
    sweep_plan *p = NULL;
    rg_err err = {0};
    CHECK_EQ_INT(
        build("[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":1024,\"steps\":11,\"scale\":\"log\"}},"
              "{\"path\":\"assumptions.matmul_efficiency\",\"range\":{\"start\":0.1,\"stop\":0.7,\"steps\":4}"
              "}]",
              &p, &err),
        0);
    if (!p)
        return;
    CHECK_EQ_INT(p->total, 44);
    CHECK(p->axes[0].integral);
    CHECK(!p->axes[1].integral);
    /* log range over an integer field: powers of two, rounded exactly */
    for (int j = 0; j < 11; j++)
        CHECK(plan_range_value(&p->axes[0], j) == (double)(1 << j));
    /* endpoints are exact, not start + (stop-start)*1 */
    CHECK(plan_range_value(&p->axes[1], 3) == 0.7);
    CHECK(plan_range_value(&p->axes[1], 0) == 0.1);
    jw w;
    jw_init(&w);
    plan_write_params(p, 4 * 5 + 3, &w); /* batch digit 5 (32), efficiency digit 3 (last: fastest) */
    char *t = jw_take(&w, NULL);
    CHECK_STR(t, "{\"batch\":32,\"assumptions.matmul_efficiency\":0.7}");
    free(t);
    sbuf b;
    sbuf_init(&b);
    plan_write_params_csv(p, 0, &b);
    CHECK_STR(b.buf, ",1,0.1");
    sbuf_free(&b);
    plan_free(p);
}

/* A log range over an integer field with more steps than integers in its
 * span: steps that round alike are one value, each point is distinct, and
 * the plan says how many steps collapsed. 1..10 in 20 log steps rounds to
 * 1,1,1,1,2,2,2,2,3,3,3,4,4,5,5,6,7,8,9,10 (rint of 10^(j/19)): 10 distinct. */
static void test_integer_range_dedup(void) {
    sweep_plan *p = NULL;
    rg_err err = {0};
    CHECK_EQ_INT(build("[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":10,\"steps\":20,\"scale\":"
                       "\"log\"}},{\"path\":\"seq_len\",\"values\":[1024,2048]}]",
                       &p, &err),
                 0);
    if (!p)
        return;
    CHECK_EQ_INT(p->axes[0].steps, 20);
    CHECK_EQ_INT(p->axes[0].n, 10);
    CHECK_EQ_INT(plan_axis_collapsed(&p->axes[0]), 10);
    CHECK_EQ_INT(plan_axis_collapsed(&p->axes[1]), 0);
    CHECK_EQ_INT(p->total, 20);
    for (int j = 0; j < 10; j++)
        CHECK(plan_range_value(&p->axes[0], j) == (double)(j + 1));
    /* the last point: the last distinct batch, the last seq_len */
    jw w;
    jw_init(&w);
    plan_write_params(p, p->total - 1, &w);
    char *t = jw_take(&w, NULL);
    CHECK_STR(t, "{\"batch\":10,\"seq_len\":2048}");
    free(t);
    plan_free(p);
    /* a non-integer start rounds too */
    CHECK_EQ_INT(build("[{\"path\":\"batch\",\"range\":{\"start\":1.4,\"stop\":3.6,\"steps\":3}}]", &p, &err),
                 0);
    if (p) {
        CHECK(plan_range_value(&p->axes[0], 0) == 1 && plan_range_value(&p->axes[0], 2) == 4);
        plan_free(p);
    }
    /* too many steps for the table */
    CHECK(build("[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":1e9,\"steps\":2000000}}]", &p, &err) ==
          RG_ERANGE);
    CHECK_STR(err.field, "axes[0].range");
}

/* The plan cache shares one plan per sweep and frees an evicted plan only
 * after its last reader lets go (ASan checks the frees). */
static void test_plan_cache(void) {
    const char *axes = "[{\"path\":\"batch\",\"values\":[16,64]}]";
    sweep_plan *a = NULL, *b = NULL, *c = NULL;
    rg_err err = {0};
    CHECK(plan_cache_get(7, "k7") == NULL);
    CHECK_EQ_INT(build(axes, &a, &err), 0);
    CHECK_EQ_INT(build(axes, &b, &err), 0);
    CHECK_EQ_INT(build(axes, &c, &err), 0);
    if (!a || !b || !c)
        return;
    const sweep_plan *pa = plan_cache_put(7, "k7", a);
    CHECK(pa == a);
    const sweep_plan *pb = plan_cache_put(7, "k7", b); /* a second builder: b is freed, a shared */
    CHECK(pb == a);
    const sweep_plan *g = plan_cache_get(7, "k7");
    CHECK(g == a);
    /* the same id with another definition's hash is not that plan */
    CHECK(plan_cache_get(7, "other") == NULL);
    /* sweep 7 + 16 maps to the same slot: a is evicted but still held three times */
    const sweep_plan *pc = plan_cache_put(7 + 16, "k23", c);
    CHECK(pc == c);
    CHECK(plan_cache_get(7, "k7") == NULL);
    CHECK_EQ_INT(g->total, 2);
    plan_cache_release(g);
    plan_cache_release(pb);
    CHECK_EQ_INT(pa->total, 2);
    plan_cache_release(pa); /* the last reference: a is freed */
    plan_cache_release(pc);
    plan_cache_release(NULL);
    plan_cache_clear();
    CHECK(plan_cache_get(7 + 16, "k23") == NULL);
}

static void test_errors(void) {
    static const struct {
        const char *axes, *field;
        int code;
    } cases[] = {
        {"[{\"path\":\"batch\",\"values\":[1,2,0]}]", "axes[0].values[2]", RG_ERANGE},
        {"[{\"path\":\"batch\",\"values\":[1]},{\"path\":\"seq_len\",\"values\":[8,\"x\"]}]",
         "axes[1].values[1]", RG_ETYPE},
        {"[{\"path\":\"hardware\",\"values\":[\"nope\"]}]", "axes[0].values[0]", RG_EUNKNOWN},
        {"[{\"path\":\"model.nope\",\"values\":[1]}]", "axes[0].path", RG_EINVAL},
        {"[{\"path\":\"batch\",\"values\":[1]},{\"path\":\"batch\",\"values\":[2]}]", "axes[1].path",
         RG_ECONFLICT},
        {"[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":2,\"steps\":0}}]", "axes[0].range.steps",
         RG_ERANGE},
        {"[{\"path\":\"batch\",\"range\":{\"start\":0,\"stop\":2,\"steps\":3,\"scale\":\"log\"}}]",
         "axes[0].range.start", RG_ERANGE},
        {"[{\"path\":\"hardware\",\"range\":{\"start\":1,\"stop\":2,\"steps\":2}}]", "axes[0].range",
         RG_ETYPE},
        {"[{\"path\":\"batch\"}]", "axes[0]", RG_EINVAL},
        {"[{\"path\":\"batch\",\"values\":[1],\"x\":1}]", "axes[0].x", RG_EUNKNOWN},
        {"[]", "axes", RG_ERANGE},
        {"{}", "axes", RG_ETYPE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sweep_plan *p = NULL;
        rg_err err = {0};
        int rc = build(cases[i].axes, &p, &err);
        CHECK_MSG(rc == cases[i].code, "case %zu: rc %d (%s: %s)", i, rc, err.field, err.msg);
        CHECK_MSG(strcmp(err.field, cases[i].field) == 0, "case %zu: field %s, expected %s", i, err.field,
                  cases[i].field);
        CHECK(p == NULL);
        plan_free(p);
    }
    /* a too-large product is refused before anything is allocated per point */
    cJSON *b = cJSON_Parse(BASE);
    cJSON *a = cJSON_Parse("[{\"path\":\"hardware.mem_bw\",\"range\":{\"start\":1e12,\"stop\":9e12,\"steps\":"
                           "100000}},{\"path\":\"assumptions.matmul_efficiency\",\"range\":{\"start\":0.1,"
                           "\"stop\":0.9,\"steps\":100000}}]");
    sweep_plan *p = NULL;
    rg_err err = {0};
    CHECK_EQ_INT(plan_build(b, a, 1000000, true, &p, &err), RG_ERANGE);
    CHECK_STR(err.field, "axes");
    cJSON_Delete(b);
    cJSON_Delete(a);
}

static void test_arena_sbuf(void) {
    arena a;
    arena_init(&a);
    char *s = arena_printf(&a, "%s-%d", "x", 42);
    CHECK_STR(s, "x-42");
    void *big = arena_alloc(&a, 100000); /* its own block */
    void *small = arena_alloc(&a, 8);
    CHECK(big && small);
    CHECK(((uintptr_t)small & 15) == 0);
    CHECK(a.total >= 100000);
    arena_free(&a);
    arena_free(&a); /* idempotent */
    sbuf b;
    sbuf_init(&b);
    for (int i = 0; i < 1000; i++)
        sbuf_printf(&b, "%d,", i);
    size_t len = 0;
    char *t = sbuf_take(&b, &len);
    CHECK(t && len == strlen(t) && strncmp(t, "0,1,2,", 6) == 0);
    free(t);
    sbuf_free(&b);
}

/* A sweep axis may be a list of config.json objects: each point reads its
 * config as "model": {"hf_config": ...} would, over a preset base model.
 * GPT-2 small (openai-community/gpt2 config.json) has 124,439,808
 * parameters; the Llama-3-8B config (meta-llama/Meta-Llama-3-8B) 8,030,261,248
 * (the checkpoints' tensor totals, tests/hf/sources.json). */
/* The value texts a plan keeps (ranges up to PLAN_TEXT_STEPS values, list
 * numbers) are what formatting each double gives, in CSV and JSON alike;
 * a longer range formats per cell and agrees too. */
static void test_value_texts(void) {
    static const char *const axes[] = {
        "[{\"path\":\"assumptions.matmul_efficiency\",\"range\":{\"start\":0.01,\"stop\":0.97,\"steps\":5000,"
        "\"scale\":\"log\"}},{\"path\":\"hardware.mem_bw\",\"values\":[3.35e12,8.1e11,1234567890123456,1."
        "2345678901234567e12,5e9]"
        "}]",
        "[{\"path\":\"assumptions.matmul_efficiency\",\"range\":{\"start\":0.01,\"stop\":0.97,\"steps\":"
        "20000}}]",
    };
    for (int t = 0; t < 2; t++) {
        sweep_plan *p = NULL;
        rg_err err = {0};
        CHECK_EQ_INT(build(axes[t], &p, &err), 0);
        if (!p)
            continue;
        CHECK((p->axes[0].rtext != NULL) == (t == 0));
        for (int64_t i = 0; i < p->total; i += t ? 1 : 7) {
            int64_t j0 = p->naxes == 2 ? i / p->axes[1].n : i;
            char want[160], num[40];
            jw_format_double(num, sizeof num, plan_range_value(&p->axes[0], j0));
            int n = snprintf(want, sizeof want, ",%s", num);
            if (p->naxes == 2) {
                static const double v[] = {3.35e12, 8.1e11, 1234567890123456.0, 1.2345678901234567e12, 5e9};
                jw_format_double(num, sizeof num, v[i % 5]);
                snprintf(want + n, sizeof want - (size_t)n, ",%s", num);
            }
            sbuf b;
            sbuf_init(&b);
            plan_write_params_csv(p, i, &b);
            CHECK_MSG(strcmp(b.buf, want) == 0, "point %lld: %s vs %s", (long long)i, b.buf, want);
            sbuf_free(&b);
            jw w;
            jw_init(&w);
            plan_write_params(p, i, &w);
            char *js = jw_take(&w, NULL);
            cJSON *o = js ? cJSON_Parse(js) : NULL;
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "assumptions.matmul_efficiency");
            CHECK(cJSON_IsNumber(e) && e->valuedouble == plan_range_value(&p->axes[0], j0));
            cJSON_Delete(o);
            free(js);
        }
        plan_free(p);
    }
}

static void test_hf_config_axis(void) {
    const char *axes =
        "[{\"path\":\"model.hf_config\",\"values\":["
        "{\"model_type\":\"gpt2\",\"n_embd\":768,\"n_head\":12,\"n_layer\":12,\"n_positions\":1024,"
        "\"vocab_size\":50257,\"activation_function\":\"gelu_new\"},"
        "{\"model_type\":\"llama\",\"hidden_size\":4096,\"intermediate_size\":14336,"
        "\"num_attention_heads\":32,\"num_hidden_layers\":32,\"num_key_value_heads\":8,"
        "\"vocab_size\":128256,\"max_position_embeddings\":8192,\"tie_word_embeddings\":false}]}]";
    const double want[2] = {124439808.0, 8030261248.0};
    sweep_plan *p = NULL;
    rg_err err = {0};
    CHECK_EQ_INT(build(axes, &p, &err), 0);
    if (!p)
        return;
    CHECK_EQ_INT(p->total, 2);
    rg_spec *s = malloc(sizeof *s);
    for (int64_t i = 0; i < p->total && s; i++) {
        CHECK_EQ_INT(plan_point_spec(p, i, s, &err), 0);
        double total = 0;
        rg_model_params(&s->model, &total, NULL);
        CHECK_REL(total, want[i], 1e-12);
    }
    free(s);
    plan_free(p);
    /* strings are not configs */
    p = NULL;
    CHECK(build("[{\"path\":\"model.hf_config\",\"values\":[\"llama3-8b\"]}]", &p, &err) != 0);
    CHECK(strstr(err.msg, "config.json objects") != NULL);
    plan_free(p);
}

int main(void) {
    test_hf_config_axis();
    test_value_texts();
    test_equivalence();
    test_params_and_ranges();
    test_integer_range_dedup();
    test_plan_cache();
    test_errors();
    test_arena_sbuf();
    return tu_status("ridged_plan");
}
