/* matmul.c: C = A * B through the unit models (see matmul.h).
 *
 * Operands are quantized with rg_quant_elements (the fast qdq kernels, so
 * the element values are qdq's by construction) and their block scales are
 * recomputed here by quant.c's rules, in the same fp32 operations, so that
 * codes x scales reproduce qdq; tests check both against rg_quant_qdq.
 * (One corner is left out: an NVFP4 tensor whose amax is so small that
 * ts * s_b underflows fp32, below ~1e-35, where qdq falls back to scale 1.)
 *
 * The exact accumulator re-implements rg_unit_dot's alignment window (the
 * rule written in unit.h) because it must keep each block's truncated sum
 * exact instead of rounding it; a test checks that one block of it, rounded
 * to fp32, equals rg_unit_dot bit for bit. */
#include "matmul.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether two formats are the same operand format (user formats are all
 * named "user", so compare what defines the values). */
static bool same_format(const rg_format *x, const rg_format *y) {
    return x->kind == y->kind && x->ebits == y->ebits && x->mbits == y->mbits && x->bias == y->bias &&
           x->nan_mode == y->nan_mode && x->subnormals == y->subnormals && x->scaling == y->scaling &&
           x->block == y->block && x->elem_bits == y->elem_bits;
}

/* rg_unit_init names its operand "--format"; ridge matmul calls it "--a-format". */
static int rename_field(rg_err *err, int rc) {
    if (err && strcmp(err->field, "--format") == 0)
        snprintf(err->field, sizeof err->field, "--a-format");
    if (err && strcmp(err->field, "format") == 0)
        snprintf(err->field, sizeof err->field, "--a-format");
    return rc;
}

static int check_formats(const rg_format *fa, const rg_format *fb, int align_bits, rg_err *err) {
    if (!same_format(fa, fb))
        return rg_err_set(err, RG_EUNSUPPORTED, "--b-format",
                          "'%s' differs from --a-format '%s': a dot or mac unit takes one operand format, so "
                          "both operands must use the same one",
                          fb->name, fa->name);
    if (fa->scaling == RG_SCALE_GROUP_SYM || fa->scaling == RG_SCALE_GROUP_ASYM ||
        (fa->kind == RG_FK_INT && fa->scaling != RG_SCALE_MX))
        return rg_err_set(err, RG_EUNSUPPORTED, "--a-format",
                          "'%s': integer formats other than mxint8 are not modelled by ridge matmul",
                          fa->name);
    bool blocks = fa->scaling == RG_SCALE_MX || fa->scaling == RG_SCALE_NVFP4;
    if (!blocks && align_bits != 0)
        return rg_err_set(
            err, RG_EINVAL, "--align-bits",
            "'%s' has no blocks: an alignment window belongs to a block dot product (MX formats, "
            "nvfp4)",
            fa->name);
    if (align_bits < 0 || align_bits > 64)
        return rg_err_set(err, RG_ERANGE, "--align-bits", "must be 1..64 (or absent for exact), got %d",
                          align_bits);
    return 0;
}

int rg_matmul_init(rg_matmul_cfg *c, const rg_format *fa, const rg_format *fb, const rg_format *acc,
                   int align_bits, rg_err *err) {
    if (!c || !fa || !fb)
        return rg_err_set(err, RG_EINVAL, "--a-format", "required");
    memset(c, 0, sizeof *c);
    int rc = check_formats(fa, fb, align_bits, err);
    if (rc < 0)
        return rc;
    c->fmt = *fa;
    c->dot = fa->scaling == RG_SCALE_MX || fa->scaling == RG_SCALE_NVFP4;
    c->block = c->dot ? fa->block : 1;
    c->acc_exact = acc == NULL;
    c->align_bits = align_bits;
    rc = rg_quant_init(&c->q, fa, err);
    if (rc < 0)
        return rename_field(err, rc);
    rc = rg_unit_init(&c->unit, c->dot ? RG_UNIT_DOT : RG_UNIT_MAC, fa, acc, RG_ROUND_RNE, align_bits, err);
    if (rc < 0)
        return rename_field(err, rc);
    const rg_format *f32 = rg_format_get(rg_format_find("fp32"));
    if (!f32 || rg_elem_init(&c->f32, f32) < 0)
        return rg_err_set(err, RG_EINTERNAL, "--acc", "no fp32 format");
    return 0;
}

int rg_matmul_check(const rg_matmul_cfg *c, int64_t m, int64_t k, int64_t kb, int64_t n, rg_err *err) {
    if (m < 1 || k < 1)
        return rg_err_set(err, RG_ERANGE, "--a", "must be non-empty, got %lld x %lld", (long long)m,
                          (long long)k);
    if (kb < 1 || n < 1)
        return rg_err_set(err, RG_ERANGE, "--b", "must be non-empty, got %lld x %lld", (long long)kb,
                          (long long)n);
    if (kb != k)
        return rg_err_set(err, RG_EINVAL, "--b",
                          "has %lld rows but --a has %lld columns: inner dimensions must agree",
                          (long long)kb, (long long)k);
    if (k % c->block != 0)
        return rg_err_set(err, RG_EUNSUPPORTED, "--a",
                          "k = %lld (columns of --a, rows of --b) is not a multiple of %s's block of %d; "
                          "partial blocks are not modelled",
                          (long long)k, c->fmt.name, c->block);
    return 0;
}

/* ---- quantizing ------------------------------------------------------------ */

void rg_matmul_operand_free(rg_matmul_operand *op) {
    if (!op)
        return;
    free(op->code);
    free(op->scale);
    free(op->up);
    memset(op, 0, sizeof *op);
    op->ts = 1.0f;
}

/* The tensor scale quant.c derives from the finite amax (1 when none). */
static float tensor_scale(const rg_matmul_cfg *c, float amax) {
    float s = 1.0f;
    if (c->fmt.scaling == RG_SCALE_NVFP4)
        s = amax / (448.0f * 6.0f);
    else if (c->fmt.scaling == RG_SCALE_NONE && c->q.tscale == RG_TSCALE_TENSOR)
        s = amax / c->q.elem.maxval;
    return s > 0.0f ? s : 1.0f;
}

/* One block's scale code, by quant.c's rule for the block's finite amax;
 * a block holding NaN or Inf gets the scale's NaN code. */
static uint32_t block_scale(const rg_matmul_cfg *c, const float *p, int n, float ts) {
    uint32_t am = 0;
    bool bad = false;
    for (int i = 0; i < n; i++) {
        uint32_t a = rg_f32_bits(p[i]) & 0x7FFFFFFFu;
        bad |= a >= 0x7F800000u;
        am = a < 0x7F800000u && a > am ? a : am;
    }
    const rg_elem *se = &c->unit.scale_elem;
    if (c->fmt.scaling == RG_SCALE_MX)
        return bad ? RG_MX_SCALE_NAN : (uint32_t)(rg_mx_scale_exp(am, &c->q.elem, c->q.smode) + 127);
    if (bad)
        return rg_unit_nan_code(se);
    float sb = rg_f32_from_bits(am) / 6.0f / ts;
    sb = sb < 0x1p-6f ? 0x1p-6f : (sb > 448.0f ? 448.0f : sb);
    return rg_fpconv_encode(rg_fpconv_ref(sb, se, RG_ROUND_RNE, true, 0), se);
}

static int alloc_operand(const rg_matmul_cfg *c, int64_t rows, int64_t k, rg_matmul_operand *op) {
    size_t n = (size_t)rows * (size_t)k;
    op->rows = rows;
    op->k = k;
    op->nblk = k / c->block;
    op->code = malloc(n * sizeof *op->code);
    if (c->dot)
        op->scale = malloc((size_t)rows * (size_t)op->nblk * sizeof *op->scale);
    if (c->acc_exact)
        op->up = malloc(n * sizeof *op->up);
    if (!op->code || (c->dot && !op->scale) || (c->acc_exact && !op->up))
        return RG_ENOMEM;
    return 0;
}

int rg_matmul_quantize(const rg_matmul_cfg *c, const float *x, int64_t rows, int64_t k, int64_t rs,
                       int64_t ks, int nthreads, rg_matmul_operand *op) {
    float *xt = NULL, *el = NULL;
    int rc = RG_EINVAL;
    if (!op)
        return RG_EINVAL;
    memset(op, 0, sizeof *op);
    op->ts = 1.0f;
    if (!c || !x || rows < 1 || k < 1 || k % c->block != 0)
        goto out;
    size_t n = (size_t)rows * (size_t)k;
    rc = RG_ENOMEM;
    xt = malloc(n * sizeof *xt);
    el = malloc(n * sizeof *el);
    if (!xt || !el || alloc_operand(c, rows, k, op) < 0)
        goto out;
    for (int64_t r = 0; r < rows; r++) /* blocks along k are consecutive from here on */
        for (int64_t i = 0; i < k; i++)
            xt[r * k + i] = x[r * rs + i * ks];
    rg_quant q = c->q;
    q.tensor_amax = rg_quant_tensor_amax(xt, (int64_t)n, nthreads);
    rc = rg_quant_elements(&q, xt, el, (int64_t)n, nthreads);
    if (rc < 0)
        goto out;
    op->ts = tensor_scale(c, q.tensor_amax);
    for (size_t i = 0; i < n; i++)
        op->code[i] = rg_fpconv_encode(el[i], &c->q.elem);
    for (int64_t r = 0; c->dot && r < rows; r++)
        for (int64_t b = 0; b < op->nblk; b++)
            op->scale[r * op->nblk + b] = block_scale(c, xt + r * k + b * c->block, c->block, op->ts);
    for (size_t i = 0; c->acc_exact && i < n; i++)
        rg_unit_unpack(&c->unit.a, op->code[i], &op->up[i]);
    rc = 0;
out:
    free(xt);
    free(el);
    if (rc < 0)
        rg_matmul_operand_free(op);
    return rc;
}

/* The value of a block-scale code (1 without blocks). */
static double scale_value(const rg_matmul_cfg *c, uint32_t code) {
    if (!c->dot)
        return 1.0;
    if (c->fmt.scaling == RG_SCALE_MX)
        return code == RG_MX_SCALE_NAN ? NAN : ldexp(1.0, (int)code - 127);
    return rg_fpconv_decode(code, &c->unit.scale_elem);
}

void rg_matmul_operand_values(const rg_matmul_cfg *c, const rg_matmul_operand *op, double *out) {
    for (int64_t r = 0; r < op->rows; r++)
        for (int64_t i = 0; i < op->k; i++) {
            double s = c->dot ? scale_value(c, op->scale[r * op->nblk + i / c->block]) : 1.0;
            double v = rg_fpconv_decode(op->code[r * op->k + i], &c->q.elem);
            out[r * op->k + i] = v * s * (double)op->ts;
        }
}

/* ---- multiplying ----------------------------------------------------------- */

/* A code of an accumulator format (within fp32) as a float, exactly. */
static float code_value(const rg_elem *e, uint32_t code) {
    rg_unpacked u;
    rg_unit_unpack(e, code, &u);
    switch (u.cls) {
    case RG_CLS_NAN:
        return NAN;
    case RG_CLS_INF:
        return u.neg ? -INFINITY : INFINITY;
    case RG_CLS_ZERO:
        return u.neg ? -0.0f : 0.0f;
    case RG_CLS_FINITE:
        break;
    }
    float v = (float)ldexp((double)u.sig, u.exp);
    return u.neg ? -v : v;
}

/* A special term (NaN, Inf, or a product of them) into w, as the units
 * record it. */
static void wide_special(rg_wide *w, bool nan, bool neg) {
    w->any = true;
    w->all_negzero = false;
    if (nan)
        w->nan = true;
    else if (neg)
        w->ninf = true;
    else
        w->pinf = true;
}

/* A product with a non-finite or zero factor: NaN, Inf or a signed zero. */
static void add_nonfinite(rg_wide *w, const rg_unpacked *a, const rg_unpacked *b) {
    bool neg = a->neg != b->neg;
    if (a->cls == RG_CLS_NAN || b->cls == RG_CLS_NAN) {
        wide_special(w, true, neg);
        return;
    }
    if (a->cls == RG_CLS_INF || b->cls == RG_CLS_INF) {
        wide_special(w, a->cls == RG_CLS_ZERO || b->cls == RG_CLS_ZERO, neg);
        return;
    }
    (void)rg_wide_add(w, neg, 0, 0);
}

/* The two block scales' product as (sig, exp); false if either is NaN. */
static bool scale_pair(const rg_matmul_cfg *c, uint32_t sa, uint32_t sb, rg_unpacked *s) {
    memset(s, 0, sizeof *s);
    s->cls = RG_CLS_FINITE;
    s->sig = 1;
    if (!c->dot)
        return true;
    rg_unpacked xa, xb;
    rg_unit_unpack(&c->unit.scale_elem, sa, &xa);
    rg_unit_unpack(&c->unit.scale_elem, sb, &xb);
    if (xa.cls == RG_CLS_NAN || xb.cls == RG_CLS_NAN)
        return false;
    s->neg = xa.neg != xb.neg;
    s->sig = xa.sig * xb.sig;
    s->exp = xa.exp + xb.exp;
    return true;
}

/* w += X_a X_b sum_i a_i b_i for one block of n products, each truncated
 * to the alignment window first when align_bits > 0 (unit.h: the window's
 * LSB is 2^(Pmax + 2 - N), Pmax the largest sum of the unbiased exponents
 * of a non-zero product). */
static void add_block_exact(const rg_matmul_cfg *c, rg_wide *w, const rg_unpacked *a, const rg_unpacked *b,
                            int n, uint32_t sa, uint32_t sb) {
    rg_unpacked s;
    if (!scale_pair(c, sa, sb, &s)) {
        wide_special(w, true, false);
        return;
    }
    bool have = false;
    int pmax = 0;
    for (int i = 0; c->align_bits > 0 && i < n; i++) {
        int p = a[i].uexp + b[i].uexp;
        if (a[i].cls == RG_CLS_FINITE && b[i].cls == RG_CLS_FINITE && (!have || p > pmax)) {
            pmax = p;
            have = true;
        }
    }
    int lsb = pmax + 2 - c->align_bits;
    for (int i = 0; i < n; i++) {
        if (a[i].cls != RG_CLS_FINITE || b[i].cls != RG_CLS_FINITE) {
            add_nonfinite(w, &a[i], &b[i]);
            continue;
        }
        uint64_t m = (uint64_t)a[i].sig * b[i].sig;
        int e = a[i].exp + b[i].exp;
        if (c->align_bits > 0 && lsb > e) {
            int sh = lsb - e;
            m = sh >= 64 ? 0 : m >> sh;
            e = lsb;
        }
        bool neg = (a[i].neg != b[i].neg) != s.neg;
        (void)rg_wide_add(w, neg, m * s.sig, e + s.exp); /* in range for every operand format a unit takes */
    }
}

static float elem_exact(const rg_matmul_cfg *c, const rg_matmul_operand *a, const rg_matmul_operand *bt,
                        int64_t i, int64_t j) {
    rg_wide w;
    rg_wide_zero(&w);
    const int64_t k = a->k, B = c->block;
    for (int64_t blk = 0; blk < a->nblk; blk++) {
        uint32_t sa = c->dot ? a->scale[i * a->nblk + blk] : 0,
                 sb = c->dot ? bt->scale[j * bt->nblk + blk] : 0;
        add_block_exact(c, &w, a->up + i * k + blk * B, bt->up + j * k + blk * B, (int)B, sa, sb);
    }
    return rg_f32_from_bits(rg_wide_round(&w, &c->f32, RG_ROUND_RNE, false));
}

/* Block dot products in the accumulator format, added in k order. */
static float elem_dot(const rg_matmul_cfg *c, const rg_matmul_operand *a, const rg_matmul_operand *bt,
                      int64_t i, int64_t j) {
    const rg_unit *u = &c->unit;
    const int64_t k = a->k, B = c->block;
    uint32_t acc = 0;
    for (int64_t blk = 0; blk < a->nblk; blk++) {
        uint32_t d = rg_unit_dot(u, a->code + i * k + blk * B, bt->code + j * k + blk * B,
                                 a->scale[i * a->nblk + blk], bt->scale[j * bt->nblk + blk]);
        acc = blk == 0 ? d : rg_unit_add(&u->out, acc, d, u->round, u->saturate);
    }
    return code_value(&u->out, acc);
}

/* A chain of fused multiply-adds from +0, in k order. */
static float elem_mac(const rg_matmul_cfg *c, const rg_matmul_operand *a, const rg_matmul_operand *bt,
                      int64_t i, int64_t j) {
    const uint32_t *pa = a->code + i * a->k, *pb = bt->code + j * bt->k;
    uint32_t acc = 0;
    for (int64_t t = 0; t < a->k; t++)
        acc = rg_unit_mac(&c->unit, pa[t], pb[t], acc);
    return code_value(&c->unit.out, acc);
}

static void out_row(const rg_matmul_cfg *c, const rg_matmul_operand *a, const rg_matmul_operand *bt,
                    int64_t i, float alpha, float *row) {
    for (int64_t j = 0; j < bt->rows; j++) {
        float v = c->acc_exact ? elem_exact(c, a, bt, i, j)
                               : (c->dot ? elem_dot(c, a, bt, i, j) : elem_mac(c, a, bt, i, j));
        row[j] = v * alpha;
    }
}

int rg_matmul_codes(const rg_matmul_cfg *c, const rg_matmul_operand *a, const rg_matmul_operand *bt,
                    float *out, int nthreads) {
    if (!c || !a || !bt || !out || a->k != bt->k || a->rows < 1 || bt->rows < 1 || !a->code || !bt->code)
        return RG_EINVAL;
    if ((c->dot && (!a->scale || !bt->scale)) || (c->acc_exact && (!a->up || !bt->up)))
        return RG_EINVAL;
    const float alpha = a->ts * bt->ts;
    const int nth = nthreads > 0 ? nthreads : omp_get_max_threads();
    const int64_t m = a->rows, n = bt->rows;
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1)
    for (int64_t i = 0; i < m; i++)
        out_row(c, a, bt, i, alpha, out + i * n);
    return 0;
}

int rg_matmul(const rg_matmul_cfg *c, const float *a, const float *b, int64_t m, int64_t k, int64_t n,
              float *out, int nthreads, rg_err *err) {
    rg_matmul_operand qa, qb;
    memset(&qa, 0, sizeof qa);
    memset(&qb, 0, sizeof qb);
    int rc = RG_EINVAL;
    if (!c || !a || !b || !out) {
        rc = rg_err_set(err, RG_EINVAL, "--a", "missing operand or output");
        goto out;
    }
    rc = rg_matmul_check(c, m, k, k, n, err);
    if (rc < 0)
        goto out;
    rc = rg_matmul_quantize(c, a, m, k, k, 1, nthreads, &qa);
    if (rc == 0)
        rc = rg_matmul_quantize(c, b, n, k, 1, n, nthreads, &qb);
    if (rc == 0)
        rc = rg_matmul_codes(c, &qa, &qb, out, nthreads);
    if (rc < 0)
        rg_err_set(err, rc, "--a", "%s", rg_strerror(rc));
out:
    rg_matmul_operand_free(&qa);
    rg_matmul_operand_free(&qb);
    return rc;
}
