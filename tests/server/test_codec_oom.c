/* test_codec_oom.c: allocation failure injected into the codec, as SQLite's
 * tests do it: every allocation of a request's parse (and of the JSON
 * library underneath, through cJSON's hooks) is made to fail in turn, the
 * 1st, the 2nd, ... until the request gets through with none failing. Each
 * failed run must end in a clean error (a negative status, RG_ENOMEM where
 * the codec reports it) and never a crash, a leak (the sanitizer build runs
 * this too) or a success with a partial result. The codec's own allocations
 * reach the wrappers through -Wl,--wrap (tests/CMakeLists.txt). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "codec_numerics.h"
#include "testutil.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

static long fail_at = -1; /* the allocation number that fails (-1: none) */
static long count;

static int should_fail(void) { return fail_at >= 0 && count++ == fail_at; }
void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return should_fail() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }
static void *hook_malloc(size_t n) { return __wrap_malloc(n); }

/* Runs `fn` with the k-th allocation failing for k = 0, 1, ... until it
 * succeeds; returns how many failure points were tried. */
static long sweep_failures(int (*fn)(void), const char *what) {
    long k = 0;
    for (;; k++) {
        fail_at = k;
        count = 0;
        int rc = fn();
        long used = count;
        fail_at = -1;
        if (used <= k) { /* no allocation failed: this run must succeed */
            CHECK_MSG(rc == 0, "%s: failed (%d) with no allocation failing", what, rc);
            break;
        }
        CHECK_MSG(rc < 0, "%s: allocation %ld failed but the call reported success", what, k);
        if (k > 200000) {
            CHECK_MSG(0, "%s: too many allocations", what);
            break;
        }
    }
    return k;
}

static const char spec_text[] =
    "{\"model\":\"deepseek-v3\",\"hardware\":{\"preset\":\"h200\",\"mem_bw\":{\"value\":5e12,\"unit\":\"B/"
    "s\"}},"
    "\"system\":\"dgx-h100\",\"phase\":\"prefill\",\"batch\":2,\"seq_len\":4096,\"parallelism\":{\"tp\":8},"
    "\"numerics\":{\"weights\":\"mxfp4\"},\"assumptions\":{\"matmul_efficiency\":0.6}}";

static int run_spec(void) {
    rg_spec s;
    rg_err e = {0};
    int rc = codec_spec_parse_text(spec_text, strlen(spec_text), &s, &e);
    if (rc)
        return rc;
    jw w;
    jw_init(&w);
    codec_spec_write_canonical(&w, &s);
    char *t = jw_take(&w, NULL);
    if (!t)
        return RG_ENOMEM;
    free(t);
    return 0;
}

static int run_boundary(void) {
    static const char text[] = "{\"a\":[1,{\"b\":\"caf\xc3\xa9\"},{\"c\":{\"d\":[true,null]}}],\"e\":\"x\"}";
    rg_err e = {0};
    cJSON *j = codec_json_parse(text, strlen(text), &e);
    if (!j)
        return e.code ? e.code : RG_ENOMEM;
    cJSON_Delete(j);
    return 0;
}

static int run_quantize(void) {
    static const char text[] =
        "{\"format\":\"mxfp4\",\"data\":[0.5,-1.25,3e-5,448,1,2,3,4],\"rounding\":\"rne\"}";
    rg_err e = {0};
    cJSON *j = codec_json_parse(text, strlen(text), &e);
    if (!j)
        return e.code ? e.code : RG_ENOMEM;
    jw w;
    jw_init(&w);
    int rc = codec_quantize_json(j, &w, &e);
    cJSON_Delete(j);
    char *t = jw_take(&w, NULL);
    if (rc == 0 && !t)
        rc = RG_ENOMEM;
    free(t);
    return rc;
}

int main(void) {
    rg_err e = {0};
    CHECK(codec_init(&e) == 0); /* the embedded presets, loaded once */
    cJSON_Hooks hooks = {hook_malloc, free};
    cJSON_InitHooks(&hooks);
    long n = sweep_failures(run_spec, "spec parse + canonical text");
    CHECK_MSG(n > 5, "only %ld allocations in a spec parse", n);
    printf("spec parse + canonical text: %ld allocations failed in turn, each cleanly\n", n);
    n = sweep_failures(run_boundary, "JSON boundary");
    CHECK_MSG(n > 5, "only %ld allocations at the boundary", n);
    printf("JSON boundary: %ld allocations failed in turn, each cleanly\n", n);
    n = sweep_failures(run_quantize, "quantize request");
    CHECK_MSG(n > 5, "only %ld allocations in a quantize request", n);
    printf("quantize request: %ld allocations failed in turn, each cleanly\n", n);
    return tu_status("test_codec_oom");
}
