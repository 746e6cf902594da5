/* metrics.h: quality of a quantized tensor against its reference.
 *
 * SQNR (dB) = 10 log10(sum x^2 / sum (x - q)^2); MSE; max |x - q|; mean
 * relative error mean(|x - q| / |x|) over x != 0; cosine similarity; and the
 * mean over rows of KL(softmax(x_row) || softmax(q_row)) in nats (how much a
 * quantized attention-logit or output row changes its distribution).
 * Sums are in double over fixed chunks of 16384 elements (KL: whole rows),
 * combined in chunk order, so results are identical for any thread count.
 * Pairs where either value is NaN or Inf are counted in n_nonfinite and left
 * out of the sums. */
#ifndef RG_METRICS_H
#define RG_METRICS_H

#include <stdint.h>

#include "status.h"

typedef struct rg_metrics {
    int64_t n;           /* elements compared */
    int64_t n_nonfinite; /* pairs left out (NaN/Inf on either side) */
    double sqnr_db;      /* +Inf when exact */
    double mse;
    double max_abs_error;
    double mean_rel_error;
    double cosine;
    double kl_div;       /* mean over rows; rows of `cols` elements */
    int64_t rows;        /* rows used for kl_div */
    double signal_power; /* mean x^2 */
} rg_metrics;

/* Compare q against reference x (n elements; rows of `cols` for KL, cols <= 0:
 * one row). Returns 0, RG_EINVAL, or RG_ENOMEM (allocates n / 16384 partials,
 * freed before return). */
int rg_metrics_compute(const float *x, const float *q, int64_t n, int64_t cols, int nthreads, rg_metrics *m);

#endif
