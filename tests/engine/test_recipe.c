/* test_recipe.c: the recipes of recipe.h. Fast against the scalar reference
 * bit for bit (every preset and variants, random and edge-case inputs, 1, 2
 * and 3 threads); the presets that are existing formats against quant.c's
 * qdq; the published examples (Four Over Six, arXiv 2512.02010 section 3:
 * a value that scales to 4.62 in a block scaled to 6 rounds to 4, 13.4 %
 * off); the rotation's exactness (QuaRot, arXiv 2404.00456: (AQ)(Q^T B) =
 * AB) with an exact element format; bad shapes and names. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"
#include "recipe.h"
#include "rng.h"
#include "testutil.h"

enum { ROWS = 384, COLS = 256, N = ROWS * COLS };

/* Normal-ish values with a few outlier columns, plus (edge) specials,
 * subnormals, huge values, exact zeros and all-zero blocks. */
static void fill(float *x, uint64_t seed, int edge) {
    static const uint32_t specials[] = {0x7F800000u, 0xFF800000u, 0x7FC00000u, 0x00000001u,
                                        0x807FFFFFu, 0x7F7FFFFFu, 0x80000000u, 0x00000000u};
    for (int64_t i = 0; i < N; i++) {
        uint64_t r = rg_rng_u64(seed, (uint64_t)i);
        double u = rg_rng_unit(seed ^ 0x9Eu, (uint64_t)i) * 2.0 - 1.0;
        x[i] = (float)(u * ((i % COLS) % 61 == 7 ? 40.0 : 1.0));
        if (edge) {
            if ((r & 1023u) == 5)
                x[i] = rg_f32_from_bits(specials[(r >> 12) % 8]);
            else if ((r & 255u) == 9)
                x[i] = (float)ldexp(u, -140 + (int)((r >> 20) % 30));
            else if ((r & 511u) == 17)
                x[i] = (float)(u * 3e38);
        }
    }
    if (edge) {
        for (int64_t j = 0; j < 64; j++)
            x[5 * COLS + j] = 0.0f; /* all-zero 1xN blocks */
        x[7 * COLS] = 896.0f;       /* block amax exactly 448 * 2 and 6 * 2^7: power-of-two scale edges */
        x[9 * COLS + 130] = 768.0f;
    }
}

static int same_bits(const float *a, const float *b, int64_t n, int64_t *where) {
    for (int64_t i = 0; i < n; i++)
        if (rg_f32_bits(a[i]) != rg_f32_bits(b[i]) && !(isnan(a[i]) && isnan(b[i]))) {
            *where = i;
            return 0;
        }
    return 1;
}

static void fast_vs_ref(const char *spec, const float *x, float *ref, float *fast) {
    rg_recipe r;
    rg_err err = {0};
    int rc = rg_recipe_parse(spec, &r, "--recipe", &err);
    CHECK_MSG(rc == 0, "%s: %s", spec, err.msg);
    if (rc < 0)
        return;
    CHECK_EQ_INT(rg_recipe_qdq_ref(&r, x, ref, ROWS, COLS, &err), 0);
    for (int t = 1; t <= 3; t++) {
        CHECK_EQ_INT(rg_recipe_qdq(&r, x, fast, ROWS, COLS, t, &err), 0);
        int64_t w = -1;
        int ok = same_bits(ref, fast, N, &w);
        CHECK_MSG(ok, "%s, %d threads: element %lld: x %a ref %a fast %a", spec, t, (long long)w,
                  ok ? 0.0 : (double)x[w], ok ? 0.0 : (double)ref[w], ok ? 0.0 : (double)fast[w]);
    }
}

static void check_fast_vs_ref(void) {
    float *x = malloc(N * sizeof *x), *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    CHECK(x && a && b);
    if (!x || !a || !b)
        goto out;
    static const char *const variants[] = {
        "elem=fp8_e5m2,block=1x128,scale=pow2",
        "elem=fp8_e4m3,block=32x32,scale=fp32,rounding=stochastic,seed=9",
        "elem=fp4_e2m1,block=1x64,scale=e8m0,scale_mode=rceil",
        "elem=fp4_e2m1,block=1x8,scale=e8m0,scale_mode=even",
        "elem=fp6_e2m3,block=1x16,scale=e4m3",
        "elem=fp4_e2m1,block=16x16,scale=ue5m3,tensor_scale=1",
        "elem=fp4_e2m1,block=1x16,scale=e4m3,tensor_scale=1,four_over_six=1,rounding=stochastic,seed=4",
        "elem=int8,block=1x128,scale=fp32",
        "elem=int4,block=16x8,scale=pow2,rounding=rna",
        "elem=int4,asym=1,block=1x64,scale=fp32,rounding=stochastic,seed=2",
        "elem=e3m4,block=2x64,scale=fp32,rotate=64,rotate_seed=3",
        "kivi2_key:residual=0",
        "mxfp4_1x32:rounding=rtz",
    };
    for (int edge = 0; edge < 2; edge++) {
        fill(x, 11 + (uint64_t)edge, edge);
        for (int i = 0; i < rg_recipe_count(); i++)
            fast_vs_ref(rg_recipe_preset_name(i), x, a, b);
        for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
            fast_vs_ref(variants[i], x, a, b);
    }
out:
    free(x);
    free(a);
    free(b);
}

/* The presets that restate a table format give that format's qdq bits. */
static void check_same_as_formats(void) {
    static const char *const pairs[][2] = {
        {"nvfp4_1x16", "nvfp4"}, {"mxfp4_1x32", "mxfp4"}, {"mxfp8_1x32", "mxfp8_e4m3"}};
    float *x = malloc(N * sizeof *x), *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    CHECK(x && a && b);
    for (int edge = 0; edge < 2 && x && a && b; edge++) {
        fill(x, 21 + (uint64_t)edge, edge);
        for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
            rg_recipe r;
            rg_format f;
            rg_quant q;
            CHECK_EQ_INT(rg_recipe_parse(pairs[i][0], &r, "r", NULL), 0);
            CHECK(rg_format_parse(pairs[i][1], &f, "f", NULL) >= 0);
            CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
            CHECK_EQ_INT(rg_recipe_qdq(&r, x, a, ROWS, COLS, 2, NULL), 0);
            CHECK_EQ_INT(rg_quant_qdq(&q, x, b, N, 0, 2), 0);
            int64_t w = -1;
            int ok = same_bits(a, b, N, &w);
            CHECK_MSG(ok, "%s vs %s at %lld: %a vs %a", pairs[i][0], pairs[i][1], (long long)w,
                      ok ? 0.0 : (double)a[w], ok ? 0.0 : (double)b[w]);
        }
    }
    free(x);
    free(a);
    free(b);
}

/* Known answers. */
static void check_examples(void) {
    enum { C = 16 };
    float x[C] = {0}, y[C];
    rg_recipe r;
    /* Four Over Six section 3: scaled to a block max of 6, 4.62 rounds to 4
     * (|4.62 - 4| / 4.62 = 13.4 %). Block max 6 and tensor amax 6: ts =
     * 6 / (6 * 256) = 2^-8, block scales 256 (to 6) and 384 (to 4), both
     * exact in E4M3, so d = 1 or 1.5. */
    x[0] = 6.0f;
    x[1] = 4.62f;
    CHECK_EQ_INT(rg_recipe_parse("nvfp4_1x16", &r, "r", NULL), 0);
    CHECK_EQ_INT(rg_recipe_qdq_ref(&r, x, y, 1, C, NULL), 0);
    CHECK(y[0] == 6.0f && y[1] == 4.0f);
    CHECK_REL(fabs(4.62 - 4.0) / 4.62, 0.134, 0.01);
    /* 4/6: scaled to 4 (d = 1.5), 6 -> 4 * 1.5 = 6 and 4.62 / 1.5 = 3.08 -> 3 -> 4.5: SSE 0.0144 < 0.3844 */
    CHECK_EQ_INT(rg_recipe_parse("nvfp4_4over6", &r, "r", NULL), 0);
    CHECK_EQ_INT(rg_recipe_qdq(&r, x, y, 1, C, 1, NULL), 0);
    CHECK(y[0] == 6.0f && y[1] == 4.5f);
    /* a block where 6 is better stays at 6: {6, 5.9} -> 6, 6 under M = 6 */
    x[1] = 5.9f;
    CHECK_EQ_INT(rg_recipe_qdq(&r, x, y, 1, C, 1, NULL), 0);
    CHECK(y[0] == 6.0f && y[1] == 6.0f);

    /* DeepSeek-V3 3.3: d = amax / 448. amax 896 -> d = 2; 3.3 / 2 = 1.65 ->
     * E4M3 1.625 (step 1/8 in [1, 2)) -> 3.25. */
    float t[128] = {0}, u[128];
    t[0] = 896.0f;
    t[1] = 3.3f;
    t[2] = -0.001f; /* 0.0005 / 2^-9 < 0.5: rounds to -0 (float elements keep the sign) */
    CHECK_EQ_INT(rg_recipe_parse("fp8_1x128", &r, "r", NULL), 0);
    CHECK_EQ_INT(rg_recipe_qdq(&r, t, u, 1, 128, 1, NULL), 0);
    CHECK(u[0] == 896.0f && u[1] == 3.25f && u[2] == 0.0f && signbit(u[2]));
    /* power-of-two scale: 900 / 448 = 2.009 -> d = 4; 3.3 / 4 = 0.825 -> 0.8125 -> 3.25, 900 -> 225 -> 224 *
     * 4 */
    t[0] = 900.0f;
    CHECK_EQ_INT(rg_recipe_parse("fp8_1x128_pow2", &r, "r", NULL), 0);
    CHECK_EQ_INT(rg_recipe_qdq(&r, t, u, 1, 128, 1, NULL), 0);
    CHECK(u[0] == 896.0f && u[1] == 3.25f);
    /* amax 896 = 448 * 2 exactly: d = 2, not 4, so 3 * 2^-10 -> 1.5 * 2^-10 -> the subnormal 2^-9 -> 2^-8
     * (with d = 4 it would round to 0) */
    t[0] = 896.0f;
    t[3] = 3.0f * 0x1p-10f;
    CHECK_EQ_INT(rg_recipe_qdq(&r, t, u, 1, 128, 1, NULL), 0);
    CHECK(u[0] == 896.0f && u[3] == 0x1p-8f);
    CHECK_EQ_INT(rg_recipe_qdq_ref(&r, t, u, 1, 128, NULL), 0);
    CHECK(u[0] == 896.0f && u[3] == 0x1p-8f);

    /* KIVI: int2 asym on {0, 1, 2, 3}: m = 0, s = 1, exact. */
    float k[4 * 2] = {0, 1, 2, 3, 0.5f, -0.25f, 0, 0}, kq[8];
    CHECK_EQ_INT(rg_recipe_parse("elem=int2,asym=1,block=1x4", &r, "r", NULL), 0);
    CHECK_EQ_INT(rg_recipe_qdq(&r, k, kq, 2, 4, 1, NULL), 0);
    CHECK(kq[0] == 0 && kq[1] == 1 && kq[2] == 2 && kq[3] == 3);
    /* residual: the last row passes in fp16 (0.1 -> 0x1.998p-4) */
    float kr[8] = {0, 1, 2, 3, 0.1f, 0, 0, 0};
    CHECK_EQ_INT(rg_recipe_parse("elem=int2,asym=1,block=1x4,residual=1", &r, "r", NULL), 0);
    CHECK_EQ_INT(rg_recipe_qdq(&r, kr, kq, 2, 4, 1, NULL), 0);
    CHECK(kq[4] == 0x1.998p-4f && !signbit(kq[0]));
}

/* QuaRot: (A Q)(B Q)^T = A B^T with Q orthogonal. With an exact element
 * (fp32 under power-of-two block scales) and b = 16 (1/sqrt(16) = 1/4,
 * exact), small integer operands give the same product exactly. */
static void check_rotation(void) {
    enum { M = 8, K = 64, NN = 5 };
    float a[M * K], bt[NN * K], ar[M * K], br_[NN * K], back[M * K];
    for (int i = 0; i < M * K; i++)
        a[i] = (float)((int)(rg_rng_u64(1, (uint64_t)i) % 17) - 8);
    for (int i = 0; i < NN * K; i++)
        bt[i] = (float)((int)(rg_rng_u64(2, (uint64_t)i) % 13) - 6);
    rg_recipe r;
    for (int s = 0; s < 2; s++) {
        CHECK_EQ_INT(rg_recipe_parse(s ? "elem=fp32,block=1x16,scale=e8m0,rotate=16,rotate_seed=7"
                                       : "elem=fp32,block=1x16,scale=e8m0,rotate=16",
                                     &r, "r", NULL),
                     0);
        CHECK_EQ_INT(rg_recipe_qdq(&r, a, ar, M, K, 2, NULL), 0);
        CHECK_EQ_INT(rg_recipe_qdq_ref(&r, bt, br_, NN, K, NULL), 0);
        int exact = 1, moved = 0;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < NN; j++) {
                double p = 0, q = 0;
                for (int kk = 0; kk < K; kk++) {
                    p += (double)a[i * K + kk] * bt[j * K + kk];
                    q += (double)ar[i * K + kk] * br_[j * K + kk];
                }
                exact &= p == q;
            }
        for (int i = 0; i < M * K; i++)
            moved |= ar[i] != a[i];
        CHECK(exact);
        CHECK(moved); /* the operands really were rotated */
        CHECK_EQ_INT(rg_recipe_unrotate(&r, ar, back, M, K, 1), 0);
        int same = 1;
        for (int i = 0; i < M * K; i++)
            same &= back[i] == a[i]; /* == : a zero may come back as -0 */
        CHECK(same);
    }
    /* the transform is the Sylvester Hadamard matrix / sqrt(b) */
    float e[16], h[16];
    CHECK_EQ_INT(rg_recipe_parse("elem=fp32,block=1x16,scale=e8m0,rotate=16", &r, "r", NULL), 0);
    for (int j = 0; j < 16; j++) {
        memset(e, 0, sizeof e);
        e[j] = 1.0f;
        CHECK_EQ_INT(rg_recipe_rotate(&r, e, h, 1, 16, 1), 0);
        for (int i = 0; i < 16; i++)
            CHECK(h[i] == (__builtin_popcount((unsigned)(i & j)) & 1 ? -0.25f : 0.25f));
    }
    /* rotation spreads an outlier: int4 per 1x128 on a row with one outlier (16x the
     * others' amax) per block loses less when rotated */
    enum { KC = 1024 };
    static float s[KC], sq[KC], sr[KC];
    for (int i = 0; i < KC; i++)
        s[i] = i % 128 == 3 ? 8.0f : (float)(rg_rng_unit(5, (uint64_t)i) - 0.5);
    double e0 = 0, e1 = 0;
    CHECK_EQ_INT(rg_recipe_parse("elem=int4,block=1x128,scale=fp32", &r, "r", NULL), 0);
    CHECK_EQ_INT(rg_recipe_qdq(&r, s, sq, 1, KC, 1, NULL), 0);
    CHECK_EQ_INT(rg_recipe_parse("quarot_int4", &r, "r", NULL), 0);
    CHECK_EQ_INT(rg_recipe_qdq(&r, s, sr, 1, KC, 1, NULL), 0);
    CHECK_EQ_INT(rg_recipe_unrotate(&r, sr, sr, 1, KC, 1), 0);
    for (int i = 0; i < KC; i++) {
        e0 += (double)(s[i] - sq[i]) * (s[i] - sq[i]);
        e1 += (double)(s[i] - sr[i]) * (s[i] - sr[i]);
    }
    CHECK_MSG(e1 < e0, "rotated SSE %g, plain %g", e1, e0);
}

static void check_bad(void) {
    rg_recipe r;
    rg_err err = {0};
    CHECK_EQ_INT(rg_recipe_parse("nosuch", &r, "--recipe", &err), RG_EUNKNOWN);
    CHECK_STR(err.field, "--recipe");
    CHECK(rg_recipe_parse("fp8_1x128:rotate=12", &r, "--recipe", &err) == RG_ERANGE);
    CHECK_STR(err.field, "--recipe: rotate");
    CHECK(rg_recipe_parse("block=0x4", &r, "--recipe", &err) == RG_ERANGE);
    CHECK_STR(err.field, "--recipe: block");
    CHECK(rg_recipe_parse("block=300x300", &r, "--recipe", &err) == RG_ERANGE);
    CHECK(rg_recipe_parse("scale=e9m9", &r, "--recipe", &err) == RG_EUNKNOWN);
    CHECK_STR(err.field, "--recipe: scale");
    CHECK(rg_recipe_parse("elem=mxfp4", &r, "--recipe", &err) == RG_EUNKNOWN);
    CHECK_STR(err.field, "--recipe: elem");
    CHECK(rg_recipe_parse("elem=int4,four_over_six=1,scale=e4m3", &r, "--recipe", &err) == RG_EINVAL);
    CHECK_STR(err.field, "--recipe: four_over_six");
    CHECK(rg_recipe_parse("elem=fp8_e4m3,asym=1", &r, "--recipe", &err) == RG_EINVAL);
    CHECK(rg_recipe_parse("fp8_1x128:colour=red", &r, "--recipe", &err) == RG_EUNKNOWN);
    CHECK(rg_recipe_parse("fp8_1x128:seed", &r, "--recipe", &err) == RG_EPARSE);
    CHECK(rg_recipe_parse("", &r, "--recipe", &err) == RG_EINVAL);
    CHECK_EQ_INT(rg_recipe_parse("fp8_128x128", &r, "--recipe", &err), 0);
    CHECK(rg_recipe_check(&r, 100, 256, "--a-recipe", &err) == RG_EINVAL);
    CHECK_STR(err.field, "--a-recipe: block");
    CHECK(rg_recipe_check(&r, 128, 200, "--a-recipe", &err) == RG_EINVAL);
    CHECK_EQ_INT(rg_recipe_parse("nvfp4_rht16", &r, "--recipe", &err), 0);
    CHECK(rg_recipe_check(&r, 4, 24, "--recipe", &err) == RG_EINVAL); /* 16 does not divide 24 */
    CHECK(rg_recipe_check(&r, 4, 40, "--recipe", &err) == RG_EINVAL);
    CHECK_EQ_INT(rg_recipe_parse("fp8_1x128:block=1x8,rotate=16", &r, "--recipe", &err), 0);
    CHECK(rg_recipe_check(&r, 4, 24, "--recipe", &err) == RG_EINVAL);
    CHECK_STR(err.field, "--recipe: rotate");
    CHECK_EQ_INT(rg_recipe_parse("kivi2_key", &r, "--recipe", &err), 0);
    CHECK(rg_recipe_check(&r, 100, 64, "--recipe", &err) == RG_ERANGE);
    CHECK_STR(err.field, "--recipe: residual");
    float x[16] = {0}, y[16];
    CHECK(rg_recipe_qdq(&r, x, y, 1, 16, 1, &err) < 0);
}

static void check_bits(void) {
    rg_recipe r;
    CHECK_EQ_INT(rg_recipe_parse("fp8_1x128", &r, "r", NULL), 0);
    CHECK_REL(rg_recipe_bits(&r, 128, 1024), 8.25, 1e-12);
    CHECK_EQ_INT(rg_recipe_parse("fp8_128x128", &r, "r", NULL), 0);
    CHECK_REL(rg_recipe_bits(&r, 128, 1024), 8.0 + 32.0 / 16384.0, 1e-12);
    CHECK_EQ_INT(rg_recipe_parse("nvfp4_16x16", &r, "r", NULL), 0);
    CHECK_REL(rg_recipe_bits(&r, 1024, 1024), 4.0 + 8.0 / 256.0 + 32.0 / 1048576.0, 1e-12);
    CHECK_EQ_INT(rg_recipe_parse("kivi2_value", &r, "r", NULL), 0);
    /* 2 + 32/32 bits on 896 rows, 16 on 128 */
    CHECK_REL(rg_recipe_bits(&r, 1024, 128), (896.0 * 3.0 + 128.0 * 16.0) / 1024.0, 1e-12);
}

/* Matmul-level error: exact formats with a rotation give the exact
 * product; any thread count gives the same figures; rotations that differ
 * between the operands are refused. */
static void check_matmul(void) {
    enum { M = 32, K = 256, NN = 48 };
    static float a[M * K], bt[NN * K], c1[M * NN], c3[M * NN];
    for (int i = 0; i < M * K; i++)
        a[i] = (float)((int)(rg_rng_u64(3, (uint64_t)i) % 9) - 4);
    for (int i = 0; i < NN * K; i++)
        bt[i] = (float)((int)(rg_rng_u64(4, (uint64_t)i) % 7) - 3);
    rg_recipe ra, rb;
    rg_recipe_mm r1, r3;
    rg_err err = {0};
    CHECK_EQ_INT(rg_recipe_parse("elem=fp32,block=1x16,scale=e8m0,rotate=16,rotate_seed=5", &ra, "a", NULL),
                 0);
    rb = ra;
    CHECK_EQ_INT(rg_recipe_matmul(&ra, &rb, a, bt, M, K, NN, c1, 2, &r1, &err), 0);
    CHECK(isinf(r1.sqnr_db) && r1.rel_error == 0.0 && r1.max_abs_error == 0.0);
    /* real recipes: figures independent of threads */
    for (int i = 0; i < M * K; i++)
        a[i] = (float)(rg_rng_unit(6, (uint64_t)i) - 0.5) * (i % K == 17 ? 30.0f : 1.0f);
    for (int i = 0; i < NN * K; i++)
        bt[i] = (float)(rg_rng_unit(7, (uint64_t)i) - 0.5);
    CHECK_EQ_INT(rg_recipe_parse("nvfp4_4over6", &ra, "a", NULL), 0);
    CHECK_EQ_INT(rg_recipe_parse("nvfp4_16x16", &rb, "b", NULL), 0);
    CHECK_EQ_INT(rg_recipe_matmul(&ra, &rb, a, bt, M, K, NN, c1, 1, &r1, &err), 0);
    CHECK_EQ_INT(rg_recipe_matmul(&ra, &rb, a, bt, M, K, NN, c3, 3, &r3, &err), 0);
    CHECK(memcmp(&r1, &r3, sizeof r1) == 0 && memcmp(c1, c3, sizeof c1) == 0);
    CHECK(r1.sqnr_db > 5.0 && r1.sqnr_db < 40.0 && isfinite(r1.a_sqnr_db) && r1.a_bits > 4.0);
    /* FP8 loses less than NVFP4 on the same operands */
    CHECK_EQ_INT(rg_recipe_parse("fp8_1x128", &ra, "a", NULL), 0);
    CHECK_EQ_INT(rg_recipe_parse("fp8_1x128", &rb, "b", NULL), 0);
    CHECK_EQ_INT(rg_recipe_matmul(&ra, &rb, a, bt, M, K, NN, NULL, 2, &r3, &err), 0);
    CHECK_MSG(r3.sqnr_db > r1.sqnr_db + 10.0, "fp8 %g dB, nvfp4 %g dB", r3.sqnr_db, r1.sqnr_db);
    /* rotations must cancel */
    CHECK_EQ_INT(rg_recipe_parse("nvfp4_rht16", &ra, "a", NULL), 0);
    CHECK_EQ_INT(rg_recipe_parse("nvfp4_1x16", &rb, "b", NULL), 0);
    CHECK(rg_recipe_matmul(&ra, &rb, a, bt, M, K, NN, NULL, 1, &r1, &err) == RG_EINVAL);
    CHECK_STR(err.field, "b_recipe: rotate");
    CHECK_EQ_INT(rg_recipe_parse("fp8_128x128", &ra, "a", NULL), 0);
    CHECK(rg_recipe_matmul(&ra, &ra, a, bt, M, K, NN, NULL, 1, &r1, &err) == RG_EINVAL);
    CHECK_STR(err.field, "a_recipe: block");
}

int main(void) {
    check_matmul();
    check_bad();
    check_bits();
    check_examples();
    check_rotation();
    check_same_as_formats();
    check_fast_vs_ref();
    return tu_status("test_recipe");
}
