/* test_matmul.c: rg_matmul through the unit models.
 * Known answers worked by hand below (the values are exactly representable,
 * so each sum can be done on paper); the dot product is OCP MX v1.0 section
 * 6.1's C = X_A X_B sum_i A_i B_i with the internal precision that unit.h
 * fixes; NVFP4's scales as quant.h states them. Also: operand values equal
 * rg_quant_qdq's, the exact accumulator's block equals rg_unit_dot for every
 * window width, and C has the same bits for 1, 2 and 3 threads. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "matmul.h"
#include "quant.h"
#include "rng.h"
#include "testutil.h"

static const rg_format *fmt(const char *name) { return rg_format_get(rg_format_find(name)); }

/* N(0,1) by Box-Muller, with a few blocks scaled far apart. */
static void fill_normal(float *x, int64_t n, uint64_t seed) {
    for (int64_t i = 0; i < n; i++) {
        double u1 = rg_rng_unit(seed, (uint64_t)(2 * i)), u2 = rg_rng_unit(seed, (uint64_t)(2 * i + 1));
        double g = sqrt(-2.0 * log(u1 > 0.0 ? u1 : 1e-300)) * cos(6.283185307179586 * u2);
        double scale = (i / 32) % 5 == 3 ? 1e-3 : ((i / 32) % 7 == 2 ? 300.0 : 1.0);
        x[i] = (float)(g * scale);
    }
}

static bool same_bits(float a, float b) { return rg_f32_bits(a) == rg_f32_bits(b) || (isnan(a) && isnan(b)); }

static int setup(rg_matmul_cfg *c, const char *f, const char *acc, int align) {
    rg_err err = {0};
    int rc = rg_matmul_init(c, fmt(f), fmt(f), acc ? fmt(acc) : NULL, align, &err);
    CHECK_MSG(rc == 0, "%s acc %s align %d: %s: %s", f, acc ? acc : "exact", align, err.field, err.msg);
    return rc;
}

/* One MX block, k = 32, exact alignment: the exact dot of the dequantized
 * values rounded once to fp32. By hand: A = [256, 2^-9 x 30, -256],
 * B = [256, 2^-9 x 30, 256]; block amax 256 gives scale 2^(8-8) = 1 and
 * every value is an E4M3 code (2^-9 the smallest subnormal), so
 * C = 65536 + 30 * 2^-18 - 65536 = 30 * 2^-18 exactly. A float32 running sum
 * gives 0 (2^-18 is below half an ulp of 65536). A 16-bit window aligned to
 * Pmax = 8 + 8 keeps weights down to 2^(16+2-16) = 4 and drops the 2^-18
 * products: C = 0; a 40-bit window (LSB 2^-22) keeps them. */
static void check_known_mx_block(void) {
    float a[32], b[32], c = -1.0f;
    a[0] = 256.0f;
    b[0] = 256.0f;
    for (int i = 1; i < 31; i++)
        a[i] = b[i] = 0x1p-9f;
    a[31] = -256.0f;
    b[31] = 256.0f;
    static const struct {
        const char *acc;
        int align;
        float want;
    } cases[] = {{NULL, 0, 30 * 0x1p-18f}, {"fp32", 0, 30 * 0x1p-18f}, {NULL, 16, 0.0f},
                 {"fp32", 16, 0.0f},       {NULL, 40, 30 * 0x1p-18f},  {"fp32", 40, 30 * 0x1p-18f}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        rg_matmul_cfg cfg;
        rg_err err = {0};
        if (setup(&cfg, "mxfp8_e4m3", cases[t].acc, cases[t].align) < 0)
            continue;
        CHECK_EQ_INT(rg_matmul(&cfg, a, b, 1, 32, 1, &c, 1, &err), 0);
        CHECK_MSG(c == cases[t].want, "acc %s align %d: %a, want %a", cases[t].acc ? cases[t].acc : "exact",
                  cases[t].align, c, cases[t].want);
    }
    float run = 0.0f; /* the float32 running sum the exact path avoids */
    for (int i = 0; i < 32; i++)
        run += a[i] * b[i];
    CHECK(run == 0.0f);
}

/* Accumulating in bf16. (1) MXFP8 E4M3, k = 64: A = [16, 0 x 31 | 1, 0 x 31],
 * B the same; block 1 gives 256 (scale 2^(4-8), element 256), block 2 gives
 * 1; 256 + 1 = 257 lies halfway between the bf16 neighbours 256 and 258
 * (8-bit significand) and rounds to even: 256. fp32 and exact keep 257.
 * (2) plain bf16, k = 3, a chain of fused multiply-adds in bf16:
 * A = [256, 1, 1], B = [1, 1, 1]: 256, then 257 -> 256 (tie to even), then
 * 256 again: C = 256, where the exact sum is 258 (a bf16 value). */
static void check_known_bf16(void) {
    float a[64] = {0}, b[64] = {0}, c = 0.0f;
    a[0] = b[0] = 16.0f;
    a[32] = b[32] = 1.0f;
    const char *accs[] = {"bf16", "fp32", NULL};
    const float want[] = {256.0f, 257.0f, 257.0f};
    for (int t = 0; t < 3; t++) {
        rg_matmul_cfg cfg;
        rg_err err = {0};
        if (setup(&cfg, "mxfp8_e4m3", accs[t], 0) < 0)
            continue;
        CHECK_EQ_INT(rg_matmul(&cfg, a, b, 1, 64, 1, &c, 1, &err), 0);
        CHECK_MSG(c == want[t], "mxfp8 acc %s: %g, want %g", accs[t] ? accs[t] : "exact", c, want[t]);
    }
    float pa[3] = {256.0f, 1.0f, 1.0f}, pb[3] = {1.0f, 1.0f, 1.0f};
    const float pwant[] = {256.0f, 258.0f, 258.0f};
    for (int t = 0; t < 3; t++) {
        rg_matmul_cfg cfg;
        rg_err err = {0};
        if (setup(&cfg, "bf16", accs[t], 0) < 0)
            continue;
        CHECK_EQ_INT(rg_matmul(&cfg, pa, pb, 1, 3, 1, &c, 1, &err), 0);
        CHECK_MSG(c == pwant[t], "bf16 acc %s: %g, want %g", accs[t] ? accs[t] : "exact", c, pwant[t]);
    }
}

/* The operand values (codes x block scales x tensor scale) are what
 * rg_quant_qdq gives: exactly for MX and unscaled formats, and as
 * fp32(code * fp32(s_b * ts)) -- qdq's own arithmetic -- for NVFP4 and
 * per-tensor formats. B (k x n, blocks down the columns) quantizes like
 * its transpose. Data: N(0,1) blocks at three scales, one NaN block, one
 * zero block, small integers. */
static void check_values_equal_qdq(void) {
    static const char *names[] = {"mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4", "mxint8",
                                  "nvfp4",      "fp8_e4m3",   "fp8_e5m2",   "fp6_e2m3",   "bf16",  "fp16"};
    enum { R = 6, K = 128 };
    float x[R * K], xt[K * R], q[R * K];
    double v[R * K];
    fill_normal(x, R * K, 11);
    for (int i = 0; i < 32; i++) {
        x[2 * K + 32 + i] = 0.0f;         /* an all-zero block */
        x[4 * K + 64 + i] = (float)i - 7; /* exact small integers */
    }
    x[3 * K + 5] = NAN;
    for (int r = 0; r < R; r++)
        for (int i = 0; i < K; i++)
            xt[i * R + r] = x[r * K + i];
    for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
        rg_matmul_cfg cfg;
        rg_matmul_operand op, opb;
        if (setup(&cfg, names[f], NULL, 0) < 0)
            continue;
        CHECK_EQ_INT(rg_matmul_quantize(&cfg, x, R, K, K, 1, 1, &op), 0);
        CHECK_EQ_INT(rg_matmul_quantize(&cfg, xt, R, K, 1, R, 1, &opb), 0);
        CHECK_EQ_INT(rg_quant_qdq(&cfg.q, x, q, R * K, 0, 1), 0);
        if (!op.code || !opb.code)
            goto next;
        rg_matmul_operand_values(&cfg, &op, v);
        CHECK(memcmp(op.code, opb.code, sizeof(uint32_t) * R * K) == 0);
        CHECK(!cfg.dot || memcmp(op.scale, opb.scale, sizeof(uint32_t) * (size_t)(R * op.nblk)) == 0);
        CHECK(op.ts == opb.ts);
        int bad = 0;
        for (int i = 0; i < R * K; i++) {
            float got = (float)v[i];
            if (op.ts != 1.0f) { /* qdq's fp32 arithmetic on the same codes */
                float s = cfg.dot ? rg_fpconv_decode(op.scale[i / cfg.block], &cfg.unit.scale_elem) : 1.0f;
                got = rg_fpconv_decode(op.code[i], &cfg.q.elem) * (s * op.ts);
                bad += !isnan(q[i]) && fabs(v[i] - q[i]) > 1e-6 * fabs((double)q[i]); /* ulps apart */
            }
            /* the integer code 0 has no sign (qdq may give -0); a format
             * without NaN codes (fp6, fp4) codes a NaN input as 0, where qdq
             * keeps the emulated NaN */
            bool ok = same_bits(got, q[i]) || (cfg.q.elem.is_int && got == q[i]) ||
                      (isnan(q[i]) && !cfg.dot && !cfg.q.elem.has_nan && got == 0.0f);
            if (!ok && bad++ < 3)
                fprintf(stderr, "%s [%d]: %a, qdq %a\n", names[f], i, got, q[i]);
        }
        CHECK_MSG(bad == 0, "%s: %d values differ from qdq", names[f], bad);
    next:
        rg_matmul_operand_free(&op);
        rg_matmul_operand_free(&opb);
    }
}

/* One block through the exact accumulator, rounded to fp32, is rg_unit_dot
 * with an fp32 accumulator, for every window width: the two
 * implementations of unit.h's alignment rule agree. */
static void check_exact_block_equals_unit(void) {
    static const char *names[] = {"mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3",
                                  "mxfp4",      "mxint8",     "nvfp4"};
    static const int aligns[] = {0, 1, 2, 3, 5, 8, 12, 16, 24, 32, 40, 64};
    enum { M = 12, N = 10 };
    for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
        int blk = fmt(names[f])->block;
        float *a = malloc(sizeof(float) * M * 32), *b = malloc(sizeof(float) * 32 * N);
        float ce[M * N], cf[M * N];
        fill_normal(a, M * blk, 100 + f);
        fill_normal(b, blk * N, 200 + f);
        for (int i = 0; i < blk; i++) /* a row of exact ties and sign changes */
            a[i] = (float)((i % 5) - 2) * 0.75f;
        for (size_t t = 0; t < sizeof aligns / sizeof aligns[0]; t++) {
            rg_matmul_cfg ex, f32;
            rg_err err = {0};
            if (setup(&ex, names[f], NULL, aligns[t]) < 0 || setup(&f32, names[f], "fp32", aligns[t]) < 0)
                continue;
            CHECK_EQ_INT(rg_matmul(&ex, a, b, M, blk, N, ce, 1, &err), 0);
            CHECK_EQ_INT(rg_matmul(&f32, a, b, M, blk, N, cf, 1, &err), 0);
            int bad = 0;
            for (int i = 0; i < M * N; i++)
                bad += !same_bits(ce[i], cf[i]);
            CHECK_MSG(bad == 0, "%s align %d: %d of %d differ", names[f], aligns[t], bad, M * N);
        }
        free(a);
        free(b);
    }
}

/* The narrowest window that keeps every block exact: the largest product
 * of normal elements is below 2^(2 emax + 2) and the smallest product
 * quantum is 2^(2 qmin), so N = 2 emax + 2 - 2 qmin bits (MXINT8 counts its
 * elements at exponent 0: N = 2 + 12). By hand: E2M1 8, E2M3 12, E3M2 18,
 * E4M3 36, E5M2 64, MXINT8 14, NVFP4 8. A = [max, min subnormal, -max, 0 ...]
 * and B = [max, min subnormal, max, 0 ...] need all of them: the max^2
 * terms cancel, leaving min^2 exactly, which N - 1 bits truncate to 0. */
static void check_exact_window_width(void) {
    static const struct {
        const char *f;
        int n;
    } cases[] = {{"mxfp4", 8},       {"mxfp6_e2m3", 12}, {"mxfp6_e3m2", 18}, {"mxfp8_e4m3", 36},
                 {"mxfp8_e5m2", 64}, {"mxint8", 14},     {"nvfp4", 8}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        const rg_format *f = fmt(cases[t].f);
        rg_elem e;
        rg_elem_init(&e, f);
        float a[32] = {0}, b[32] = {0}, c[3];
        a[0] = b[0] = b[2] = e.maxval;
        a[1] = b[1] = ldexpf(1.0f, e.qmin);
        a[2] = -e.maxval;
        const int aligns[3] = {0, cases[t].n, cases[t].n - 1};
        for (int i = 0; i < 3; i++) {
            rg_matmul_cfg cfg;
            rg_err err = {0};
            if (setup(&cfg, cases[t].f, NULL, aligns[i]) == 0)
                CHECK_EQ_INT(rg_matmul(&cfg, a, b, 1, f->block, 1, &c[i], 1, &err), 0);
        }
        CHECK_MSG(c[0] == c[1] && c[0] > 0.0f && c[2] == 0.0f, "%s: exact %a, %d bits %a, %d bits %a",
                  cases[t].f, c[0], cases[t].n, c[1], cases[t].n - 1, c[2]);
    }
}

/* Exact accumulation over many blocks equals the float64 dot product of the
 * dequantized operands rounded once (MXFP4 on N(0,1): every partial sum is
 * exact in double, the terms spanning far fewer than 53 bits). */
static void check_exact_vs_double(void) {
    enum { M = 5, K = 256, N = 7 };
    float a[M * K], b[K * N], c[M * N];
    double va[M * K], vb[N * K];
    fill_normal(a, M * K, 5);
    fill_normal(b, K * N, 6);
    rg_matmul_cfg cfg;
    rg_err err = {0};
    rg_matmul_operand qa, qb;
    if (setup(&cfg, "mxfp4", NULL, 0) < 0)
        return;
    CHECK_EQ_INT(rg_matmul(&cfg, a, b, M, K, N, c, 2, &err), 0);
    CHECK_EQ_INT(rg_matmul_quantize(&cfg, a, M, K, K, 1, 1, &qa), 0);
    CHECK_EQ_INT(rg_matmul_quantize(&cfg, b, N, K, 1, N, 1, &qb), 0);
    if (qa.code && qb.code) {
        rg_matmul_operand_values(&cfg, &qa, va);
        rg_matmul_operand_values(&cfg, &qb, vb);
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double s = 0.0;
                for (int t = 0; t < K; t++)
                    s += va[i * K + t] * vb[j * K + t];
                CHECK_MSG(c[i * N + j] == (float)s, "[%d,%d] %a vs %a", i, j, c[i * N + j], (float)s);
            }
    }
    rg_matmul_operand_free(&qa);
    rg_matmul_operand_free(&qb);
}

/* Same bits for 1, 2 and 3 threads, and accumulator quality in the order a
 * hand estimate gives: exact >= fp32 > bf16 against the dequantized
 * product. */
static void check_threads(void) {
    enum { M = 33, K = 96, N = 17 };
    float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * K * N);
    float c1[M * N], c2[M * N], c3[M * N];
    fill_normal(a, M * K, 1);
    fill_normal(b, K * N, 2);
    static const struct {
        const char *f, *acc;
        int align;
    } cases[] = {{"mxfp4", "fp32", 0},
                 {"mxfp4", NULL, 12},
                 {"nvfp4", "bf16", 0},
                 {"fp8_e4m3", "fp16", 0},
                 {"mxfp8_e5m2", NULL, 0}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        rg_matmul_cfg cfg;
        rg_err err = {0};
        if (setup(&cfg, cases[t].f, cases[t].acc, cases[t].align) < 0)
            continue;
        CHECK_EQ_INT(rg_matmul(&cfg, a, b, M, K, N, c1, 1, &err), 0);
        CHECK_EQ_INT(rg_matmul(&cfg, a, b, M, K, N, c2, 2, &err), 0);
        CHECK_EQ_INT(rg_matmul(&cfg, a, b, M, K, N, c3, 3, &err), 0);
        CHECK_MSG(memcmp(c1, c2, sizeof c1) == 0 && memcmp(c1, c3, sizeof c1) == 0,
                  "%s: thread counts differ", cases[t].f);
    }
    free(a);
    free(b);
}

static void expect_err(const char *fa, const char *fb, const char *acc, int align, int64_t m, int64_t k,
                       int64_t kb, int64_t n, const char *field) {
    rg_matmul_cfg cfg;
    rg_err err = {0};
    int rc = rg_matmul_init(&cfg, fmt(fa), fmt(fb), acc ? fmt(acc) : NULL, align, &err);
    if (rc == 0)
        rc = rg_matmul_check(&cfg, m, k, kb, n, &err);
    CHECK_MSG(rc < 0 && strcmp(err.field, field) == 0, "%s x %s acc %s align %d: rc %d field '%s' (want %s)",
              fa, fb, acc ? acc : "exact", align, rc, err.field, field);
}

static void check_errors(void) {
    expect_err("mxfp4", "mxfp8_e4m3", NULL, 0, 4, 64, 64, 4, "--b-format");
    expect_err("fp8_e4m3", "fp8_e4m3", "fp32", 8, 4, 64, 64, 4, "--align-bits");
    expect_err("mxfp4", "mxfp4", "fp32", 65, 4, 64, 64, 4, "--align-bits");
    expect_err("int8", "int8", NULL, 0, 4, 64, 64, 4, "--a-format");
    expect_err("int4_g128", "int4_g128", NULL, 0, 4, 128, 128, 4, "--a-format");
    expect_err("mxfp8_e4m3", "mxfp8_e4m3", "fp4_e2m1", 0, 4, 64, 64, 4, "--acc");
    expect_err("fp32", "fp32", "fp32", 0, 4, 64, 64, 4, "--a-format");
    expect_err("mxfp4", "mxfp4", NULL, 0, 4, 48, 48, 4, "--a");
    expect_err("nvfp4", "nvfp4", NULL, 0, 4, 40, 40, 4, "--a");
    expect_err("mxfp4", "mxfp4", NULL, 0, 4, 64, 96, 4, "--b");
    rg_matmul_cfg cfg;
    if (setup(&cfg, "nvfp4", NULL, 0) == 0) {
        rg_err err = {0};
        CHECK(rg_matmul_check(&cfg, 4, 48, 48, 4, &err) == 0); /* 48 = 3 NVFP4 blocks of 16 */
    }
}

int main(void) {
    check_known_mx_block();
    check_known_bf16();
    check_values_equal_qdq();
    check_exact_block_equals_unit();
    check_exact_window_width();
    check_exact_vs_double();
    check_threads();
    check_errors();
    return tu_status("test_matmul");
}
