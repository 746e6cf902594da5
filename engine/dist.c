/* dist.c: synthetic tensors (see dist.h). Each draw uses its own stream
 * (rg_rng_stream(seed, tag)) indexed by the element, never a shared state. */
#include "dist.h"

#include "rng.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

static const char *const dist_names[] = {"normal", "laplace", "student_t", "activations", "kv"};
#define DIST_COUNT ((int)(sizeof dist_names / sizeof dist_names[0]))

int rg_dist_find(const char *name) {
    if (!name)
        return RG_EINVAL;
    for (int i = 0; i < DIST_COUNT; i++)
        if (strcmp(name, dist_names[i]) == 0)
            return i;
    return RG_EUNKNOWN;
}

const char *rg_dist_name(int kind) { return kind >= 0 && kind < DIST_COUNT ? dist_names[kind] : "?"; }

void rg_dist_init(rg_dist *d, rg_dist_kind kind, uint64_t seed) {
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->seed = seed;
    d->dof = 4;
    d->cols = 4096;
    d->outlier_frac = 0.005;
    d->outlier_scale = 20.0;
}

int rg_dist_check(const rg_dist *d, rg_err *err) {
    if ((unsigned)d->kind >= (unsigned)DIST_COUNT)
        return rg_err_set(err, RG_EINVAL, "dist", "unknown distribution %d", (int)d->kind);
    if (d->dof < 1 || d->dof > 64)
        return rg_err_set(err, RG_ERANGE, "dof", "must be 1..64, got %d", d->dof);
    if (d->cols < 1)
        return rg_err_set(err, RG_ERANGE, "cols", "must be >= 1, got %lld", (long long)d->cols);
    if (!(d->outlier_frac >= 0.0 && d->outlier_frac <= 1.0))
        return rg_err_set(err, RG_ERANGE, "outlier_frac", "must be in [0, 1]");
    if (!(d->outlier_scale > 0.0 && d->outlier_scale < 1e30))
        return rg_err_set(err, RG_ERANGE, "outlier_scale", "must be > 0");
    return 0;
}

/* Standard normal number `k` of element i (Box-Muller on two streams). */
static double normal(uint64_t seed, uint64_t k, uint64_t i) {
    double u1 = rg_rng_unit(rg_rng_stream(seed, 2 * k), i);
    double u2 = rg_rng_unit(rg_rng_stream(seed, 2 * k + 1), i);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* The per-column factor of activations (outlier scale or 1) and kv
 * (channel magnitude). */
static double col_factor(const rg_dist *d, uint64_t col) {
    if (d->kind == RG_DIST_ACTIVATIONS)
        return rg_rng_unit(rg_rng_stream(d->seed, 1000), col) < d->outlier_frac ? d->outlier_scale : 1.0;
    return exp(0.75 * normal(rg_rng_stream(d->seed, 1001), 0, col));
}

/* Element i; `colf` (may be NULL) caches col_factor for every column. */
static float draw(const rg_dist *d, uint64_t i, const double *colf) {
    switch (d->kind) {
    case RG_DIST_NORMAL:
        return (float)normal(d->seed, 0, i);
    case RG_DIST_LAPLACE: {
        double u = rg_rng_unit(d->seed, i) - 0.5;
        double b = 0.7071067811865476;
        return (float)(u < 0 ? b * log(1.0 + 2.0 * u) : -b * log(1.0 - 2.0 * u));
    }
    case RG_DIST_STUDENT_T: {
        /* chi2_dof = 2 Gamma(dof/2): -2 sum log U over dof/2 uniforms, plus one
         * squared normal when dof is odd */
        double chi2 = 0.0;
        for (int k = 0; k < d->dof / 2; k++)
            chi2 -= 2.0 * log(rg_rng_unit(rg_rng_stream(d->seed, 100 + (uint64_t)k), i));
        if (d->dof % 2) {
            double z = normal(d->seed, 1, i);
            chi2 += z * z;
        }
        return (float)(normal(d->seed, 0, i) / sqrt(chi2 / d->dof));
    }
    case RG_DIST_ACTIVATIONS:
    case RG_DIST_KV: {
        uint64_t col = i % (uint64_t)d->cols;
        double f = colf ? colf[col] : col_factor(d, col);
        return (float)(f * normal(d->seed, 0, i));
    }
    }
    return 0.0f;
}

int rg_dist_fill(const rg_dist *d, float *out, int64_t n, int64_t offset, int nthreads) {
    double *colf = NULL;
    if (!d || n < 0 || (n > 0 && !out) || offset < 0 || rg_dist_check(d, NULL) < 0)
        return RG_EINVAL;
    int nth = nthreads > 0 ? nthreads : omp_get_max_threads();
    if (n < 16384)
        nth = 1;
    /* column factors once per call when the call spans whole rows */
    if ((d->kind == RG_DIST_ACTIVATIONS || d->kind == RG_DIST_KV) && d->cols <= n) {
        colf = malloc((size_t)d->cols * sizeof *colf);
        if (!colf)
            return RG_ENOMEM;
#pragma omp parallel for num_threads(nth) schedule(static)
        for (int64_t c = 0; c < d->cols; c++)
            colf[c] = col_factor(d, (uint64_t)c);
    }
#pragma omp parallel for num_threads(nth) schedule(static)
    for (int64_t i = 0; i < n; i++)
        out[i] = draw(d, (uint64_t)(offset + i), colf);
    free(colf);
    return 0;
}
