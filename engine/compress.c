/* compress.c: compression schemes and code entropy (see compress.h). */
#include "compress.h"

#include "rng.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

static const char *const scheme_names[] = {"none", "hadamard", "outliers", "kv_keys", "kv_values"};

int rg_scheme_find(const char *name) {
    if (!name)
        return RG_EINVAL;
    for (int i = 0; i < 5; i++)
        if (strcmp(name, scheme_names[i]) == 0)
            return i;
    return RG_EUNKNOWN;
}

const char *rg_scheme_name(int s) { return s >= 0 && s < 5 ? scheme_names[s] : "?"; }

void rg_compress_init(rg_compress *c) {
    memset(c, 0, sizeof *c);
    c->scheme = RG_SCHEME_NONE;
    c->cols = 4096;
    c->window = 128;
    c->threshold = 6.0;
    c->seed = 0;
}

int rg_compress_check(const rg_compress *c, int64_t n, rg_err *err) {
    if ((unsigned)c->scheme > RG_SCHEME_KV_VALUES)
        return rg_err_set(err, RG_EINVAL, "scheme", "unknown scheme %d", (int)c->scheme);
    if (c->scheme == RG_SCHEME_NONE)
        return 0;
    if (c->cols < 1)
        return rg_err_set(err, RG_ERANGE, "cols", "must be >= 1");
    if (n % c->cols != 0)
        return rg_err_set(err, RG_EINVAL, "cols", "%lld elements are not whole rows of %lld", (long long)n,
                          (long long)c->cols);
    if (c->scheme == RG_SCHEME_HADAMARD && (c->cols & (c->cols - 1)) != 0)
        return rg_err_set(err, RG_EINVAL, "cols", "the Hadamard rotation needs a power-of-two row, got %lld",
                          (long long)c->cols);
    if (c->window < 0)
        return rg_err_set(err, RG_ERANGE, "window", "must be >= 0");
    if (!(c->threshold > 0.0))
        return rg_err_set(err, RG_ERANGE, "threshold", "must be > 0");
    return 0;
}

/* In-place fast Walsh–Hadamard transform of a power-of-two row (unnormalised). */
static void fwht(float *v, int64_t len) {
    for (int64_t h = 1; h < len; h *= 2)
        for (int64_t i = 0; i < len; i += 2 * h)
            for (int64_t j = i; j < i + h; j++) {
                float a = v[j], b = v[j + h];
                v[j] = a + b;
                v[j + h] = a - b;
            }
}

static float sign_of(uint64_t seed, int64_t col) {
    return (rg_rng_u32(rg_rng_stream(seed, 0x4841444Du), (uint64_t)col) & 1u) ? -1.0f : 1.0f;
}

/* rotate = 1: y = H D x / sqrt(C); rotate = 0: x = D H y / sqrt(C). */
static void rotate_rows(const rg_compress *c, float *v, int64_t n, int forward, int nth) {
    const int64_t C = c->cols, rows = n / C;
    const float norm = (float)(1.0 / sqrt((double)C));
#pragma omp parallel for num_threads(nth) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        float *row = v + r * C;
        if (forward)
            for (int64_t j = 0; j < C; j++)
                row[j] *= sign_of(c->seed, j);
        fwht(row, C);
        for (int64_t j = 0; j < C; j++)
            row[j] *= forward ? norm : norm * sign_of(c->seed, j);
    }
}

static float to_bf16(float v) { return rg_fpconv_bf16_to_f32(rg_fpconv_f32_to_bf16(v)); }
static float to_f16(float v) { return rg_fpconv_f16_to_f32(rg_fpconv_f32_to_f16(v)); }

/* A plain format under a row-structured scheme is scaled per row of `cols`. */
static rg_quant per_row(const rg_quant *q, int64_t cols) {
    rg_quant r = *q;
    if (r.fmt.scaling == RG_SCALE_NONE && r.tscale == RG_TSCALE_TENSOR) {
        r.tscale = RG_TSCALE_CHANNEL;
        r.cols = cols;
    }
    return r;
}

int rg_compress_run(const rg_compress *c, const rg_quant *q, const float *x, float *out, int64_t n,
                    int nthreads, rg_compress_stats *st, rg_err *err) {
    float *tmp = NULL;
    int rc = rg_compress_check(c, n, err);
    if (rc < 0)
        return rc;
    rc = rg_quant_check(q, err);
    if (rc < 0)
        return rc;
    int nth = nthreads > 0 ? nthreads : omp_get_max_threads();
    memset(st, 0, sizeof *st);
    const int64_t C = c->cols, rows = C > 0 ? n / C : 0;
    switch (c->scheme) {
    case RG_SCHEME_NONE:
        rc = rg_quant_qdq(q, x, out, n, 0, nth);
        st->bits_per_element = rg_quant_bits(q, n);
        break;
    case RG_SCHEME_HADAMARD:
        memmove(out, x, (size_t)n * sizeof *out);
        rotate_rows(c, out, n, 1, nth);
        rc = rg_quant_qdq(q, out, out, n, 0, nth);
        if (rc == 0)
            rotate_rows(c, out, n, 0, nth);
        st->bits_per_element = rg_quant_bits(q, n);
        break;
    case RG_SCHEME_OUTLIERS: {
        tmp = calloc((size_t)C, sizeof *tmp); /* column max |x| */
        if (!tmp) {
            rc = rg_err_set(err, RG_ENOMEM, "n", "out of memory");
            goto out;
        }
        for (int64_t r = 0; r < rows; r++)
            for (int64_t j = 0; j < C; j++) {
                float a = fabsf(x[r * C + j]);
                tmp[j] = a > tmp[j] || isnan(a) ? a : tmp[j];
            }
        int64_t k = 0;
        for (int64_t j = 0; j < C; j++)
            k += !(tmp[j] <= (float)c->threshold);
        /* quantize with the outlier columns zeroed, then put them back in bf16 */
        for (int64_t r = 0; r < rows; r++)
            for (int64_t j = 0; j < C; j++)
                out[r * C + j] = tmp[j] <= (float)c->threshold ? x[r * C + j] : 0.0f;
        rg_quant rq = per_row(q, C);
        rc = rg_quant_qdq(&rq, out, out, n, 0, nth);
        for (int64_t r = 0; r < rows; r++)
            for (int64_t j = 0; j < C; j++)
                if (!(tmp[j] <= (float)c->threshold))
                    out[r * C + j] = to_bf16(x[r * C + j]);
        st->outlier_cols = k;
        st->bits_per_element = rg_quant_bits(&rq, n) * (double)(C - k) / (double)C +
                               16.0 * (double)k / (double)C + 32.0 * (double)k / (double)n;
        break;
    }
    case RG_SCHEME_KV_KEYS:
    case RG_SCHEME_KV_VALUES: {
        int64_t w = c->window < rows ? c->window : rows, rq_rows = rows - w, nq = rq_rows * C;
        rg_quant rq;
        if (c->scheme == RG_SCHEME_KV_VALUES) {
            rq = per_row(q, C); /* per token */
            rc = nq > 0 ? rg_quant_qdq(&rq, x, out, nq, 0, nth) : 0;
        } else {
            /* per channel: quantize the transpose [C, rq_rows], groups run along tokens */
            rq = per_row(q, rq_rows > 0 ? rq_rows : 1);
            tmp = malloc((size_t)(nq > 0 ? nq : 1) * sizeof *tmp);
            if (!tmp) {
                rc = rg_err_set(err, RG_ENOMEM, "n", "out of memory");
                goto out;
            }
            for (int64_t r = 0; r < rq_rows; r++)
                for (int64_t j = 0; j < C; j++)
                    tmp[j * rq_rows + r] = x[r * C + j];
            rc = nq > 0 ? rg_quant_qdq(&rq, tmp, tmp, nq, 0, nth) : 0;
            for (int64_t r = 0; r < rq_rows; r++)
                for (int64_t j = 0; j < C; j++)
                    out[r * C + j] = tmp[j * rq_rows + r];
        }
        for (int64_t i = nq; i < n; i++)
            out[i] = to_f16(x[i]);
        st->window_rows = w;
        st->bits_per_element =
            n > 0
                ? ((nq > 0 ? rg_quant_bits(&rq, nq) * (double)nq : 0.0) + 16.0 * (double)(n - nq)) / (double)n
                : 0.0;
        break;
    }
    }
    if (rc < 0)
        rg_err_set(err, rc, "format", "quantization failed: %s", rg_strerror(rc));
out:
    free(tmp);
    return rc;
}

static double entropy_of(const uint64_t *hist, int bins, int64_t total) {
    double h = 0.0;
    for (int b = 0; b < bins; b++)
        if (hist[b]) {
            double p = (double)hist[b] / (double)total;
            h -= p * log2(p);
        }
    return h;
}

int rg_compress_entropy(const rg_quant *q, const float *x, int64_t n, int nthreads, rg_entropy *out) {
    float *el = NULL;
    uint64_t *hcode = NULL, *hexp = NULL;
    int rc = 0;
    memset(out, 0, sizeof *out);
    const rg_elem *e = &q->elem;
    out->code_bits = e->bits;
    out->exponent_bits = e->is_int ? 0 : e->ebits;
    if (q->fmt.scaling == RG_SCALE_GROUP_ASYM)
        return RG_EUNSUPPORTED;
    int code_bins = e->bits <= 16 ? 1 << e->bits : 0;
    int exp_bins = e->is_int ? 0 : 1 << e->ebits;
    el = malloc((size_t)(n > 0 ? n : 1) * sizeof *el);
    hcode = calloc((size_t)(code_bins ? code_bins : 1), sizeof *hcode);
    hexp = calloc((size_t)(exp_bins ? exp_bins : 1), sizeof *hexp);
    if (!el || !hcode || !hexp) {
        rc = RG_ENOMEM;
        goto out;
    }
    rc = rg_quant_elements(q, x, el, n, nthreads);
    if (rc < 0)
        goto out;
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++) { /* integer counts: order does not matter */
        if (isnan(el[i]))
            continue;
        uint32_t code = rg_fpconv_encode(el[i], e);
        if (code_bins)
            hcode[code & (uint32_t)(code_bins - 1)]++;
        if (exp_bins)
            hexp[(code >> e->mbits) & (uint32_t)(exp_bins - 1)]++;
        total++;
    }
    if (total > 0) {
        out->code_entropy = code_bins ? entropy_of(hcode, code_bins, total) : (double)e->bits;
        out->exponent_entropy = exp_bins ? entropy_of(hexp, exp_bins, total) : 0.0;
    }
    out->saving_bits = out->code_bits - out->code_entropy;
out:
    free(el);
    free(hcode);
    free(hexp);
    return rc;
}
