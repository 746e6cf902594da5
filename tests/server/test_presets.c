/* test_presets.c: every preset in data/ parses through the codec, carries a
 * source beside every number, and each model's parameter count (computed by
 * engine/model.h from the preset's shape) matches the published figure. */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "codec_internal.h"
#include "embedded.h"
#include "model.h"
#include "testutil.h"

/* Every number in a preset file must be the "value" of an object that also
 * has a non-empty "source" string; an "hf_config" (a config.json as it is
 * published) is sourced as a whole by the preset's notes.source. Returns the
 * count of bare numbers. */
static int bare_numbers(const cJSON *v, const char *path) {
    int bad = 0;
    const cJSON *it;
    if (cJSON_IsNumber(v)) {
        fprintf(stderr, "%s: number without a source\n", path);
        return 1;
    }
    if (cJSON_IsObject(v)) {
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(v, "value");
        if (val && !cJSON_IsObject(val)) {
            const cJSON *src = cJSON_GetObjectItemCaseSensitive(v, "source");
            if (cJSON_IsNumber(val) && !(cJSON_IsString(src) && strlen(src->valuestring) > 10)) {
                fprintf(stderr, "%s: value without a source\n", path);
                return 1;
            }
            return 0;
        }
    }
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        const cJSON *notes = cJSON_GetObjectItemCaseSensitive(v, "notes");
        const cJSON *nsrc = cJSON_GetObjectItemCaseSensitive(notes, "source");
        bool sourced = cJSON_IsString(nsrc) && strlen(nsrc->valuestring) > 10;
        cJSON_ArrayForEach(it, v) {
            if (sourced && it->string && strcmp(it->string, "hf_config") == 0)
                continue;
            char sub[256];
            snprintf(sub, sizeof sub, "%s.%s", path, it->string ? it->string : "[]");
            bad += bare_numbers(it, sub);
        }
    }
    return bad;
}

typedef struct published {
    const char *name;
    double total, active; /* parameters; active 0 = same as total */
    double rel;           /* tolerance */
} published;

/* Published parameter counts:
 *  gpt3-175b   175B: Brown et al. 2020, Table 2.1 ("175.0B")
 *  llama2-70b  68.98B: Hugging Face model card of meta-llama/Llama-2-70b-hf (safetensors total)
 *  llama3-8b   8.03B: Hugging Face meta-llama/Meta-Llama-3-8B (safetensors total 8,030,261,248)
 *  llama3-70b  70.55B: Hugging Face meta-llama/Meta-Llama-3-70B (safetensors total 70,553,706,496)
 *  llama3-405b 405.8B: Hugging Face meta-llama/Llama-3.1-405B (safetensors total)
 *  mixtral     46.7B total, 12.9B active: Jiang et al. 2024, "Mixtral of Experts", section 2
 *  deepseek-v3 671B total, 37B active: DeepSeek-V3 Technical Report 2024, abstract (without the
 *              14B multi-token-prediction module) */
static const published models[] = {
    {"gpt3-175b", 175.0e9, 0, 0.005},
    {"llama2-70b", 68.98e9, 0, 0.001},
    {"llama3-8b", 8.03e9, 0, 0.001},
    {"llama3-70b", 70.55e9, 0, 0.001},
    {"llama3-405b", 405.8e9, 0, 0.001},
    {"mixtral-8x7b", 46.7e9, 12.9e9, 0.002},
    {"deepseek-v3", 671e9, 37e9, 0.016},
    /* presets read from config.json (hf_config): Qwen2.5-72B model card 72.7B;
     * Qwen3-235B-A22B model card 235B total, 22B activated; Qwen3-30B-A3B model
     * card 30.5B total, 3.3B activated; Gemma 3 report
     * Table 1, 27B: 1,416M embedding + 25,600M non-embedding; Nemotron-H-8B
     * 8.1B (see tests/hf/sources.json) */
    {"qwen2.5-72b", 72.7e9, 0, 0.001},
    {"qwen3-235b-a22b", 235e9, 22e9, 0.01},
    {"qwen3-30b-a3b", 30.5e9, 3.3e9, 0.02}, /* Ridge: 3.353B active (router, norms, both embeddings) */
    {"gemma-3-27b", 27.016e9, 0, 0.001},
    {"nemotron-h-8b", 8.1e9, 0, 0.006},
};

static const char *const hardware[] = {"a100-sxm-80gb", "h100-sxm", "h200", "b200", "mi300x", "tpu-v5p"};
static const char *const systems[] = {"dgx-a100",    "dgx-h100",        "dgx-b200",
                                      "gb200-nvl72", "mi300x-platform", "tpu-v5p"};

static void check_preset(const char *kind, const char *name, const char *key, rg_spec *out) {
    rg_err e = {0};
    cJSON *p = codec_preset_get(kind, name, &e);
    CHECK_MSG(p != NULL, "%s/%s: %s", kind, name, e.msg);
    if (!p)
        return;
    CHECK_MSG(bare_numbers(p, name) == 0, "%s/%s has numbers without a source", kind, name);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(p, "description");
    CHECK(cJSON_IsString(d) && strlen(d->valuestring) > 10);
    cJSON_Delete(p);
    /* And it resolves in a spec. */
    char text[512];
    snprintf(text, sizeof text,
             "{\"model\":\"%s\",\"hardware\":\"%s\",\"phase\":\"decode\",\"batch\":1,"
             "\"seq_len\":16%s%s%s}",
             strcmp(key, "model") == 0 ? name : "llama3-8b", strcmp(key, "hardware") == 0 ? name : "h100-sxm",
             strcmp(key, "system") == 0 ? ",\"system\":\"" : "", strcmp(key, "system") == 0 ? name : "",
             strcmp(key, "system") == 0 ? "\"" : "");
    int rc = codec_spec_parse_text(text, strlen(text), out, &e);
    CHECK_MSG(rc == 0, "%s: %s: %s", name, e.field, e.msg);
}

/* Broken data files are refused at load with the file and field named. */
static const rg_embedded_file *real_file(const char *path) {
    for (int i = 0; i < rg_embedded_count; i++)
        if (strcmp(rg_embedded_files[i].path, path) == 0)
            return &rg_embedded_files[i];
    return NULL;
}

static int load(rg_embedded_file *files, int n, rg_err *e) {
    codec_data *d = calloc(1, sizeof *d);
    if (!d)
        return RG_ENOMEM;
    memset(e, 0, sizeof *e);
    int rc = codec_data_load(d, files, n, e);
    codec_data_release(d);
    free(d);
    return rc;
}

static void test_broken_data(void) {
    const rg_embedded_file *a = real_file("assumptions.json"), *df = real_file("defaults.json");
    const rg_embedded_file *h = real_file("hardware/h100-sxm.json");
    CHECK(a && df && h);
    if (!a || !df || !h)
        return;
    rg_err e;
    rg_embedded_file files[3] = {*a, *df, *h};
    CHECK_EQ_INT(load(files, 3, &e), 0);
    /* One assumption missing: named. */
    cJSON *aj = cJSON_Parse(a->data);
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(aj, "assumptions");
    cJSON *first = cJSON_DetachItemFromArray(arr, 0);
    const char *gone = cJSON_GetObjectItemCaseSensitive(first, "name")->valuestring;
    char *text = cJSON_PrintUnformatted(aj);
    files[0] = (rg_embedded_file){"assumptions.json", text, strlen(text)};
    CHECK_EQ_INT(load(files, 3, &e), RG_EINTERNAL);
    CHECK_STR(e.field, gone);
    free(text);
    /* An unknown assumption in the file. */
    cJSON_AddItemToArray(arr, first);
    cJSON *extra = cJSON_CreateObject();
    cJSON_AddStringToObject(extra, "name", "warp_factor");
    cJSON_AddNumberToObject(extra, "value", 9);
    cJSON_AddItemToArray(arr, extra);
    text = cJSON_PrintUnformatted(aj);
    files[0] = (rg_embedded_file){"assumptions.json", text, strlen(text)};
    CHECK_EQ_INT(load(files, 3, &e), RG_EINTERNAL);
    CHECK(strstr(e.msg, "warp_factor") != NULL);
    free(text);
    cJSON_Delete(aj);
    files[0] = *a;
    /* A preset with a negative bandwidth, an unknown key, a wrong name, a
     * missing field: file and field named. */
    static const struct {
        const char *path, *json, *field;
    } bad[] = {
        {"hardware/x.json",
         "{\"name\":\"x\",\"description\":\"d\",\"matrix_flops\":{\"bf16\":1e15},\"vector_flops\":1e13,"
         "\"mem_bytes\":1e10,\"mem_bw\":-1}",
         "hardware/x.json: hardware.mem_bw"},
        {"hardware/x.json",
         "{\"name\":\"x\",\"description\":\"d\",\"matrix_flops\":{\"bf16\":1e15},\"vector_flops\":1e13,"
         "\"mem_bytes\":1e10,\"mem_bw\":1e12,\"hbm\":1}",
         "hardware/x.json: hardware.hbm"},
        {"hardware/x.json", "{\"name\":\"y\",\"description\":\"d\"}", "hardware/x.json"},
        {"models/m.json", "{\"name\":\"m\",\"description\":\"d\",\"layers\":2,\"d_model\":8,\"heads\":2}",
         "models/m.json: model.ffn_dim"},
        {"systems/s.json", "{\"name\":\"s\",\"description\":\"d\",\"domain_chips\":8} x", "systems/s.json"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        files[2] = (rg_embedded_file){bad[i].path, bad[i].json, strlen(bad[i].json)};
        CHECK_EQ_INT(load(files, 3, &e), RG_EINTERNAL);
        CHECK_STR(e.field, bad[i].field);
    }
}

int main(void) {
    test_broken_data();
    rg_spec s;
    rg_err e = {0};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        check_preset("models", models[i].name, "model", &s);
        CHECK_STR(s.model.name, models[i].name);
        double total = 0, active = 0;
        rg_model_params(&s.model, &total, &active);
        CHECK_REL(total, models[i].total, models[i].rel);
        CHECK_REL(active, models[i].active > 0 ? models[i].active : models[i].total, models[i].rel);
        printf("%-12s total %.4gB active %.4gB\n", models[i].name, total / 1e9, active / 1e9);
    }
    for (size_t i = 0; i < sizeof hardware / sizeof hardware[0]; i++) {
        check_preset("hardware", hardware[i], "hardware", &s);
        CHECK_STR(s.hw.name, hardware[i]);
        CHECK(s.hw.matrix_flops[RG_MATH_BF16] > 1e14); /* every chip has bf16 */
        CHECK(s.hw.mem_bw > 1e12 && s.hw.mem_bytes > 1e10 && s.hw.vector_flops > 1e12);
        /* dense bf16 is at most the fp8 rate where the chip has fp8 */
        if (s.hw.matrix_flops[RG_MATH_FP8] > 0)
            CHECK(s.hw.matrix_flops[RG_MATH_FP8] >= s.hw.matrix_flops[RG_MATH_BF16]);
    }
    /* Known datasheet figures (dense), spot-checked. */
    check_preset("hardware", "h100-sxm", "hardware", &s);
    CHECK_REL(s.hw.matrix_flops[RG_MATH_BF16], 989.4e12, 1e-12); /* H100 whitepaper, dense BF16 */
    CHECK_REL(s.hw.mem_bw, 3.35e12, 1e-12);                      /* H100 SXM datasheet */
    CHECK(s.hw.matrix_flops[RG_MATH_FP4] == 0);                  /* Hopper has no fp4: absent */
    check_preset("hardware", "a100-sxm-80gb", "hardware", &s);
    CHECK_REL(s.hw.matrix_flops[RG_MATH_BF16], 312e12, 1e-12); /* A100 datasheet */
    CHECK(s.hw.matrix_flops[RG_MATH_FP8] == 0);
    for (size_t i = 0; i < sizeof systems / sizeof systems[0]; i++) {
        check_preset("systems", systems[i], "system", &s);
        CHECK_STR(s.system.name, systems[i]);
        CHECK(s.has_system);
        CHECK(s.system.domain_chips >= 8 && s.system.scaleup_bw > s.system.scaleout_bw);
    }
    /* Unknown presets. */
    CHECK(codec_preset_get("models", "llama9", &e) == NULL);
    CHECK_EQ_INT(e.code, RG_ENOTFOUND);
    CHECK(codec_preset_get("shoes", "h100-sxm", &e) == NULL);
    /* The listing holds every preset and the defaults with their reasons. */
    jw w;
    jw_init(&w);
    codec_presets_write(&w);
    char *text = jw_take(&w, NULL);
    jw_free(&w);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    CHECK(j != NULL);
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "models")),
                 sizeof models / sizeof models[0]);
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "hardware")),
                 sizeof hardware / sizeof hardware[0]);
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "systems")),
                 sizeof systems / sizeof systems[0]);
    const cJSON *dn = cJSON_GetObjectItemCaseSensitive(j, "defaults");
    const cJSON *wts =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(dn, "numerics"), "weights");
    CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(wts, "reason")));
    cJSON_Delete(j);
    free(text);
    return tu_status("test_presets");
}
