/* dist.h: seeded synthetic tensors for the numerics emulator.
 *
 * Element i is a pure function of (seed, i) through the counter-based
 * generator in rng.h, so a tensor is identical for any thread count. Shapes
 * are [rows, cols] row-major where structure matters (activations, kv).
 *   normal      N(0, 1) (Box-Muller)
 *   laplace     Laplace with unit variance (b = 1/sqrt 2), inverse CDF
 *   student_t   Student's t with `dof` degrees of freedom (heavy tails, like
 *               trained weights), Z / sqrt(chi2_dof / dof) with chi2 from
 *               -2 sum log U (a sum of exponentials)
 *   activations N(0, 1) with a fraction `outlier_frac` of columns scaled by
 *               `outlier_scale`: the systematic outlier features of LLM
 *               activations (Dettmers et al., LLM.int8(), 2022)
 *   kv          N(0, 1) times a per-column magnitude exp(0.75 * N(0,1)):
 *               keys vary strongly by channel (Liu et al., KIVI, 2024) */
#ifndef RG_DIST_H
#define RG_DIST_H

#include <stdint.h>

#include "status.h"

typedef enum rg_dist_kind {
    RG_DIST_NORMAL = 0,
    RG_DIST_LAPLACE = 1,
    RG_DIST_STUDENT_T = 2,
    RG_DIST_ACTIVATIONS = 3,
    RG_DIST_KV = 4
} rg_dist_kind;

typedef struct rg_dist {
    rg_dist_kind kind;
    uint64_t seed;
    int dof;              /* student_t, 1..64 (default 4) */
    int64_t cols;         /* row length for activations / kv (default 4096) */
    double outlier_frac;  /* activations: share of outlier columns (default 0.005) */
    double outlier_scale; /* activations: their magnitude factor (default 20) */
} rg_dist;

/* "normal", "laplace", "student_t", "activations", "kv"; RG_EUNKNOWN if none. */
int rg_dist_find(const char *name);
const char *rg_dist_name(int kind);

/* Defaults for a kind with a seed. */
void rg_dist_init(rg_dist *d, rg_dist_kind kind, uint64_t seed);
/* Range-check the parameters; names the field. */
int rg_dist_check(const rg_dist *d, rg_err *err);

/* Fill out[0..n) with the tensor's elements [offset, offset + n) on
 * `nthreads` threads (<= 0: OpenMP default). Returns 0, RG_EINVAL, or
 * RG_ENOMEM (activations/kv cache one factor per column, freed before
 * return). */
int rg_dist_fill(const rg_dist *d, float *out, int64_t n, int64_t offset, int nthreads);

#endif
