/* test_metrics.c: quality metrics (known answers on tiny inputs, thread-count
 * invariance) and the emulator's SQNR on N(0,1): bf16 and per-tensor
 * fp8_e4m3 by the p-bit rule SQNR ~ 6.02 p + 7.44 dB for unbounded
 * significands (p = 8: 55.6 dB, p = 4: 31.5 dB), the block formats at the
 * figures of docs/numerics.md's table (ridge quantize --format F --n 1048576
 * --seed 1: MXFP8 E4M3 30.6, MXFP6 E2M3 30.9, MXFP4 18.8, NVFP4 20.4 dB). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "metrics.h"
#include "quant.h"
#include "testutil.h"

static void check_known(void) {
    float x[4] = {1.0f, -2.0f, 0.0f, 4.0f};
    float q[4] = {1.0f, -1.0f, 0.5f, 4.0f};
    rg_metrics m;
    CHECK_EQ_INT(rg_metrics_compute(x, q, 4, 0, 1, &m), 0);
    /* errors 0, -1, -0.5, 0: sum e^2 = 1.25, sum x^2 = 21 */
    CHECK_REL(m.mse, 1.25 / 4, 1e-15);
    CHECK_REL(m.sqnr_db, 10 * log10(21 / 1.25), 1e-12);
    CHECK_REL(m.max_abs_error, 1.0, 0);
    CHECK_REL(m.mean_rel_error, (0 + 0.5 + 0) / 3, 1e-15);
    CHECK_REL(m.cosine, (1 + 2 + 0 + 16) / sqrt(21.0 * 18.25), 1e-15);
    CHECK(m.kl_div > 0);
    /* exact -> infinite SQNR, KL 0, cosine 1 */
    CHECK_EQ_INT(rg_metrics_compute(x, x, 4, 2, 1, &m), 0);
    CHECK(isinf(m.sqnr_db) && m.kl_div == 0.0 && fabs(m.cosine - 1) < 1e-15 && m.rows == 2);
    /* KL of a two-element row: p = softmax(0, 0) = (.5,.5), q = softmax(0, ln 3) = (.25,.75) */
    float a[2] = {0.0f, 0.0f}, b[2] = {0.0f, (float)log(3.0)};
    CHECK_EQ_INT(rg_metrics_compute(a, b, 2, 2, 1, &m), 0);
    CHECK_REL(m.kl_div, 0.5 * log(0.5 / 0.25) + 0.5 * log(0.5 / 0.75), 1e-6);
    /* non-finite pairs are counted and left out */
    float c[3] = {1.0f, NAN, 2.0f}, d[3] = {1.0f, 1.0f, INFINITY};
    CHECK_EQ_INT(rg_metrics_compute(c, d, 3, 0, 1, &m), 0);
    CHECK_EQ_INT(m.n_nonfinite, 2);
}

static double sqnr_of(const char *fmt, const float *x, float *y, int64_t n) {
    rg_format f;
    rg_quant q;
    rg_metrics m;
    if (rg_format_parse(fmt, &f, "format", NULL) < 0 || rg_quant_init(&q, &f, NULL) < 0)
        return NAN;
    if (rg_quant_qdq(&q, x, y, n, 0, 2) < 0 || rg_metrics_compute(x, y, n, 4096, 2, &m) < 0)
        return NAN;
    return m.sqnr_db;
}

int main(void) {
    check_known();
    const int64_t n = 1 << 20;
    float *x = malloc((size_t)n * 4), *y = malloc((size_t)n * 4);
    CHECK(x && y);
    if (!x || !y)
        goto out;
    rg_dist d;
    rg_dist_init(&d, RG_DIST_NORMAL, 1);
    CHECK_EQ_INT(rg_dist_fill(&d, x, n, 0, 2), 0);
    /* N(0,1) moments */
    double s1 = 0, s2 = 0;
    for (int64_t i = 0; i < n; i++) {
        s1 += x[i];
        s2 += (double)x[i] * x[i];
    }
    CHECK(fabs(s1 / n) < 0.01 && fabs(s2 / n - 1.0) < 0.01);
    static const struct {
        const char *fmt;
        double db, tol;
    } known[] = {{"bf16", 55.6, 0.5},       {"fp8_e4m3", 31.5, 0.6}, {"mxfp8_e4m3", 30.6, 0.6},
                 {"mxfp6_e2m3", 30.9, 0.6}, {"mxfp4", 18.8, 0.6},    {"nvfp4", 20.4, 0.6}};
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        double db = sqnr_of(known[k].fmt, x, y, n);
        CHECK_MSG(fabs(db - known[k].db) <= known[k].tol, "%s SQNR %.2f dB, expected ~%.1f", known[k].fmt, db,
                  known[k].db);
        printf("%-12s SQNR %.2f dB (expected %.1f)\n", known[k].fmt, db, known[k].db);
    }
    /* fp16: p = 11 -> ~73.7 dB */
    CHECK(fabs(sqnr_of("fp16", x, y, n) - (6.02 * 11 + 7.44)) < 1.0);
    /* Metrics are identical for 1, 2 and 3 threads. */
    rg_format f;
    rg_quant q;
    CHECK(rg_format_parse("mxfp4", &f, "f", NULL) >= 0 && rg_quant_init(&q, &f, NULL) == 0);
    CHECK_EQ_INT(rg_quant_qdq(&q, x, y, n, 0, 2), 0);
    rg_metrics m1, m2, m3;
    CHECK_EQ_INT(rg_metrics_compute(x, y, n, 1000, 1, &m1), 0);
    CHECK_EQ_INT(rg_metrics_compute(x, y, n, 1000, 2, &m2), 0);
    CHECK_EQ_INT(rg_metrics_compute(x, y, n, 1000, 3, &m3), 0);
    CHECK(memcmp(&m1, &m2, sizeof m1) == 0 && memcmp(&m1, &m3, sizeof m1) == 0);
    /* Distributions are identical for any thread count and offset. */
    for (int k = 0; k < 5; k++) {
        rg_dist_init(&d, (rg_dist_kind)k, 42);
        CHECK_EQ_INT(rg_dist_fill(&d, x, 100000, 0, 1), 0);
        CHECK_EQ_INT(rg_dist_fill(&d, y, 100000, 0, 3), 0);
        CHECK(memcmp(x, y, 100000 * 4) == 0);
        CHECK_EQ_INT(rg_dist_fill(&d, y, 1000, 5000, 2), 0);
        CHECK(memcmp(x + 5000, y, 1000 * 4) == 0);
    }
    /* Laplace and Student-t have unit-ish scale and heavier tails than normal. */
    rg_dist_init(&d, RG_DIST_LAPLACE, 3);
    CHECK_EQ_INT(rg_dist_fill(&d, x, n, 0, 2), 0);
    s2 = 0;
    for (int64_t i = 0; i < n; i++)
        s2 += (double)x[i] * x[i];
    CHECK(fabs(s2 / n - 1.0) < 0.02);
    /* Student-t with 8 dof: variance dof / (dof - 2) = 4/3 */
    rg_dist_init(&d, RG_DIST_STUDENT_T, 4);
    d.dof = 8;
    CHECK_EQ_INT(rg_dist_fill(&d, x, n, 0, 2), 0);
    s2 = 0;
    for (int64_t i = 0; i < n; i++)
        s2 += (double)x[i] * x[i];
    CHECK_MSG(fabs(s2 / n - 4.0 / 3.0) < 0.03, "student_t(8) variance %g", s2 / n);
    d.dof = 5; /* odd: 5/3 */
    CHECK_EQ_INT(rg_dist_fill(&d, x, n, 0, 2), 0);
    s2 = 0;
    for (int64_t i = 0; i < n; i++)
        s2 += (double)x[i] * x[i];
    CHECK_MSG(fabs(s2 / n - 5.0 / 3.0) < 0.08, "student_t(5) variance %g", s2 / n);
    rg_err err;
    d.dof = 0;
    CHECK(rg_dist_check(&d, &err) < 0);
    CHECK_STR(err.field, "dof");
    CHECK_EQ_INT(rg_dist_find("student_t"), RG_DIST_STUDENT_T);
    CHECK_EQ_INT(rg_dist_find("cauchy"), RG_EUNKNOWN);
out:
    free(x);
    free(y);
    return tu_status("test_metrics");
}
