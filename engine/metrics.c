/* metrics.c: quality metrics with deterministic reductions (see metrics.h). */
#include "metrics.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 16384

typedef struct part {
    double sx2, se2, sxq, sq2, srel, maxe;
    int64_t nrel, nbad;
} part;

static void chunk_sums(const float *x, const float *q, int64_t n, part *p) {
    memset(p, 0, sizeof *p);
    for (int64_t i = 0; i < n; i++) {
        double a = x[i], b = q[i];
        if (!isfinite(a) || !isfinite(b)) {
            p->nbad++;
            continue;
        }
        double e = a - b;
        p->sx2 += a * a;
        p->se2 += e * e;
        p->sxq += a * b;
        p->sq2 += b * b;
        double ae = fabs(e);
        p->maxe = ae > p->maxe ? ae : p->maxe;
        if (a != 0.0) {
            p->srel += ae / fabs(a);
            p->nrel++;
        }
    }
}

/* KL(softmax(x) || softmax(q)) of one row in nats; NAN if non-finite. */
static double row_kl(const float *x, const float *q, int64_t n) {
    double mx = -INFINITY, mq = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(q[i]))
            return NAN;
        mx = x[i] > mx ? x[i] : mx;
        mq = q[i] > mq ? q[i] : mq;
    }
    double zx = 0.0, zq = 0.0;
    for (int64_t i = 0; i < n; i++) {
        zx += exp(x[i] - mx);
        zq += exp(q[i] - mq);
    }
    double lzx = log(zx) + mx, lzq = log(zq) + mq, kl = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double lp = x[i] - lzx, lq = q[i] - lzq;
        kl += exp(lp) * (lp - lq);
    }
    return kl > 0.0 ? kl : 0.0;
}

int rg_metrics_compute(const float *x, const float *q, int64_t n, int64_t cols, int nthreads, rg_metrics *m) {
    if (!m || n < 0 || (n > 0 && (!x || !q)))
        return RG_EINVAL;
    memset(m, 0, sizeof *m);
    if (cols <= 0 || cols > n)
        cols = n > 0 ? n : 1;
    int64_t nch = (n + CHUNK - 1) / CHUNK, rows = (n + cols - 1) / cols;
    part *parts = NULL;
    double *kls = NULL;
    int rc = 0;
    parts = calloc((size_t)(nch ? nch : 1), sizeof *parts);
    kls = calloc((size_t)(rows ? rows : 1), sizeof *kls);
    if (!parts || !kls) {
        rc = RG_ENOMEM;
        goto out;
    }
    int nth = nthreads > 0 ? nthreads : omp_get_max_threads();
    if (n < 4 * CHUNK)
        nth = 1;
#pragma omp parallel num_threads(nth)
    {
#pragma omp for schedule(static)
        for (int64_t c = 0; c < nch; c++) {
            int64_t lo = c * CHUNK, len = n - lo < CHUNK ? n - lo : CHUNK;
            chunk_sums(x + lo, q + lo, len, &parts[c]);
        }
#pragma omp for schedule(dynamic, 16)
        for (int64_t r = 0; r < rows; r++) {
            int64_t lo = r * cols, len = n - lo < cols ? n - lo : cols;
            kls[r] = row_kl(x + lo, q + lo, len);
        }
    }
    part t;
    memset(&t, 0, sizeof t);
    for (int64_t c = 0; c < nch; c++) { /* fixed order */
        t.sx2 += parts[c].sx2;
        t.se2 += parts[c].se2;
        t.sxq += parts[c].sxq;
        t.sq2 += parts[c].sq2;
        t.srel += parts[c].srel;
        t.nrel += parts[c].nrel;
        t.nbad += parts[c].nbad;
        t.maxe = parts[c].maxe > t.maxe ? parts[c].maxe : t.maxe;
    }
    int64_t good = n - t.nbad;
    double klsum = 0.0;
    int64_t klrows = 0;
    for (int64_t r = 0; r < rows; r++)
        if (!isnan(kls[r])) {
            klsum += kls[r];
            klrows++;
        }
    m->n = n;
    m->n_nonfinite = t.nbad;
    m->mse = good > 0 ? t.se2 / (double)good : NAN;
    m->signal_power = good > 0 ? t.sx2 / (double)good : NAN;
    m->sqnr_db = t.se2 > 0.0 ? 10.0 * log10(t.sx2 / t.se2) : (good > 0 ? INFINITY : NAN);
    m->max_abs_error = good > 0 ? t.maxe : NAN;
    m->mean_rel_error = t.nrel > 0 ? t.srel / (double)t.nrel : NAN;
    m->cosine = (t.sx2 > 0.0 && t.sq2 > 0.0) ? t.sxq / sqrt(t.sx2 * t.sq2) : NAN;
    m->kl_div = klrows > 0 ? klsum / (double)klrows : NAN;
    m->rows = klrows;
out:
    free(parts);
    free(kls);
    return rc;
}
