/* recipe.c: named block-scaled recipes on 2-D tensors (see recipe.h).
 *
 * One block at a time: gather its br x bc elements into a contiguous tile,
 * pick the scale, convert, multiply back, scatter. What differs between the
 * fast and the reference path is collected in a `backend` (as in quant.c):
 * the element conversion (quant.c's kernels through rg_quant_elem, or
 * rg_fpconv_ref one value at a time), the block amax (bit patterns, or
 * fabsf/isfinite), and the power-of-two and E8M0 scale rules (exponent
 * field, or frexp / rg_mx_scale_exp_ref). */
#include "recipe.h"

#include "quant.h"
#include "rng.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- presets ------------------------------------------------------------- */

static const struct preset {
    const char *name, *spec, *source;
} presets[] = {
    {"fp8_1x128", "elem=fp8_e4m3,block=1x128,scale=fp32",
     "DeepSeek-V3 technical report (arXiv 2412.19437) section 3.3: activations in 1x128 tiles, fp32 scale "
     "amax/448"},
    {"fp8_128x128", "elem=fp8_e4m3,block=128x128,scale=fp32",
     "DeepSeek-V3 technical report section 3.3: weights in 128x128 blocks, fp32 scale amax/448"},
    {"fp8_1x128_pow2", "elem=fp8_e4m3,block=1x128,scale=pow2",
     "TransformerEngine Float8BlockScaling (1x128 tiles) with power-of-two scales"},
    {"fp8_128x128_pow2", "elem=fp8_e4m3,block=128x128,scale=pow2",
     "TransformerEngine Float8BlockScaling (128x128 weight blocks) with power-of-two scales"},
    {"nvfp4_1x16", "elem=fp4_e2m1,block=1x16,scale=e4m3,tensor_scale=1",
     "NVIDIA NVFP4: E2M1 in 1x16 blocks, E4M3 block scale, fp32 tensor scale (arXiv 2509.25149)"},
    {"nvfp4_16x16", "elem=fp4_e2m1,block=16x16,scale=e4m3,tensor_scale=1",
     "NVIDIA NVFP4 pretraining recipe (arXiv 2509.25149): weights in 2-D 16x16 blocks"},
    {"nvfp4_4over6", "elem=fp4_e2m1,block=1x16,scale=e4m3,tensor_scale=1,four_over_six=1",
     "Four Over Six (Cook et al. 2025, arXiv 2512.02010): per block, scale to 4 or 6 by the smaller error"},
    {"nvfp4_16x16_4over6", "elem=fp4_e2m1,block=16x16,scale=e4m3,tensor_scale=1,four_over_six=1",
     "Four Over Six on NVFP4's 2-D 16x16 weight blocks"},
    {"nvfp4_rht16", "elem=fp4_e2m1,block=1x16,scale=e4m3,tensor_scale=1,rotate=16,rotate_seed=1",
     "NVFP4 with a 16x16 random Hadamard transform (arXiv 2509.25149, wgrad inputs)"},
    {"nvfp4_sr", "elem=fp4_e2m1,block=1x16,scale=e4m3,tensor_scale=1,rounding=stochastic,seed=1",
     "NVFP4 with stochastic rounding, as the NVFP4 recipe rounds gradients (arXiv 2509.25149)"},
    {"mxfp8_1x32", "elem=fp8_e4m3,block=1x32,scale=e8m0", "OCP MX v1.0: MXFP8 E4M3, 32-element blocks"},
    {"mxfp4_1x32", "elem=fp4_e2m1,block=1x32,scale=e8m0", "OCP MX v1.0: MXFP4, 32-element blocks"},
    {"mxfp4_1x16", "elem=fp4_e2m1,block=1x16,scale=e8m0",
     "MX rule with 16-element blocks (OCP MX v1.0 rule)"},
    {"mxfp4_ue5m3_1x16", "elem=fp4_e2m1,block=1x16,scale=ue5m3",
     "FP4 with UE5M3 block scales and no tensor scale (Fasoli et al. 2026, arXiv 2601.19026)"},
    {"quarot_int4", "elem=int4,block=1x128,scale=fp32,rotate=128",
     "QuaRot-style (arXiv 2404.00456): Hadamard rotation, then symmetric int4 groups"},
    {"kivi2_key", "elem=int2,asym=1,block=32x1,scale=fp32,residual=128",
     "KIVI (arXiv 2402.02750): 2-bit keys per channel, groups of 32 tokens, 128 recent tokens in fp16"},
    {"kivi2_value", "elem=int2,asym=1,block=1x32,scale=fp32,residual=128",
     "KIVI (arXiv 2402.02750): 2-bit values per token, groups of 32 channels, 128 recent tokens in fp16"},
};
#define NPRESETS ((int)(sizeof presets / sizeof presets[0]))

int rg_recipe_count(void) { return NPRESETS; }
const char *rg_recipe_preset_name(int i) { return i >= 0 && i < NPRESETS ? presets[i].name : NULL; }
const char *rg_recipe_preset_source(int i) { return i >= 0 && i < NPRESETS ? presets[i].source : NULL; }

static const char *const rscale_names[] = {"fp32", "pow2", "e8m0", "e4m3", "ue5m3"};

/* ---- parsing ------------------------------------------------------------- */

/* Element format by name: a plain table format, eXmY, or int<b> (2..8). */
static int set_elem(rg_recipe *r, const char *v, const char *field, rg_err *err) {
    rg_format f;
    char buf[40];
    int rc;
    if (strncmp(v, "int", 3) == 0 && strchr(v, '_') == NULL) {
        snprintf(buf, sizeof buf, "%s_g1", v);
        rc = rg_format_parse(buf, &f, field, NULL);
        f.scaling = RG_SCALE_NONE;
        f.block = 0;
    } else {
        rc = rg_format_parse(v, &f, field, NULL);
    }
    if (rc < 0 || f.kind == RG_FK_SCALE || f.scaling != RG_SCALE_NONE)
        return rg_err_set(err, RG_EUNKNOWN, field,
                          "elem '%s': want a plain element format (fp8_e4m3, fp8_e5m2, fp6_e2m3, fp4_e2m1, "
                          "eXmY, int2..int8)",
                          v);
    if (rg_elem_init(&r->elem, &f) < 0 || r->elem.is_scale)
        return rg_err_set(err, RG_EUNSUPPORTED, field, "elem '%s' cannot be emulated in fp32", v);
    snprintf(r->elem_name, sizeof r->elem_name, "%s", v);
    r->elem_bits = f.elem_bits;
    return 0;
}

static int parse_u64(const char *v, uint64_t *out) {
    char *end = NULL;
    if (!*v || *v == '-')
        return -1;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end)
        return -1;
    *out = x;
    return 0;
}

static int parse_intv(const char *v, long lo, long hi, int *out) {
    char *end = NULL;
    long x = strtol(v, &end, 10);
    if (end == v || *end || x < lo || x > hi)
        return -1;
    *out = (int)x;
    return 0;
}

static int set_key(rg_recipe *r, const char *k, const char *v, const char *field, rg_err *err) {
    char fb[128];
    snprintf(fb, sizeof fb, "%.60s: %.60s", field, k); /* bounded: gcc -Wformat-truncation */
    int t = 0;
    if (strcmp(k, "elem") == 0)
        return set_elem(r, v, fb, err);
    if (strcmp(k, "block") == 0) {
        int a = 1, b = 0;
        const char *x = strchr(v, 'x');
        char head[24];
        if (x && (size_t)(x - v) < sizeof head) {
            memcpy(head, v, (size_t)(x - v));
            head[x - v] = 0;
            if (parse_intv(head, 1, RG_RECIPE_MAX_BLOCK, &a) < 0 ||
                parse_intv(x + 1, 1, RG_RECIPE_MAX_BLOCK, &b) < 0)
                b = 0;
        } else if (parse_intv(v, 1, RG_RECIPE_MAX_BLOCK, &b) < 0) {
            b = 0;
        }
        if (b < 1 || (int64_t)a * b > RG_RECIPE_MAX_BLOCK)
            return rg_err_set(err, RG_ERANGE, fb, "'%s': want RxC (or N for 1xN) with R*C <= %d", v,
                              RG_RECIPE_MAX_BLOCK);
        r->br = a;
        r->bc = b;
        return 0;
    }
    if (strcmp(k, "scale") == 0) {
        for (int i = 0; i < 5; i++)
            if (strcmp(v, rscale_names[i]) == 0) {
                r->scale = (rg_rscale)i;
                return 0;
            }
        return rg_err_set(err, RG_EUNKNOWN, fb, "'%s': want fp32, pow2, e8m0, e4m3 or ue5m3", v);
    }
    if (strcmp(k, "scale_mode") == 0) {
        int m = rg_scale_mode_find(v);
        if (m < 0)
            return rg_err_set(err, RG_EUNKNOWN, fb, "'%s': want floor, ceil, even or rceil", v);
        r->smode = (rg_scale_mode)m;
        return 0;
    }
    if (strcmp(k, "rounding") == 0) {
        int m = rg_round_find(v);
        if (m < 0)
            return rg_err_set(err, RG_EUNKNOWN, fb, "'%s': want rne, rtz, rna or stochastic", v);
        r->round = (rg_round)m;
        return 0;
    }
    if (strcmp(k, "seed") == 0 || strcmp(k, "rotate_seed") == 0) {
        uint64_t s;
        if (parse_u64(v, &s) < 0)
            return rg_err_set(err, RG_EINVAL, fb, "'%s': want a whole number >= 0", v);
        *(k[0] == 's' ? &r->seed : &r->rotate_seed) = s;
        return 0;
    }
    if (strcmp(k, "rotate") == 0) {
        if (parse_intv(v, 0, 1 << 16, &t) < 0 || (t & (t - 1)) != 0)
            return rg_err_set(err, RG_ERANGE, fb,
                              "'%s': the rotation size must be a power of two 1..65536, or 0", v);
        r->rotate = t;
        return 0;
    }
    if (strcmp(k, "residual") == 0) {
        if (parse_intv(v, 0, 1 << 30, &t) < 0)
            return rg_err_set(err, RG_ERANGE, fb, "'%s': want a row count >= 0", v);
        r->residual = t;
        return 0;
    }
    bool *flag = strcmp(k, "tensor_scale") == 0    ? &r->tensor_scale
                 : strcmp(k, "four_over_six") == 0 ? &r->four_six
                 : strcmp(k, "asym") == 0          ? &r->asym
                                                   : NULL;
    if (!flag)
        return rg_err_set(
            err, RG_EUNKNOWN, fb,
            "unknown key (want elem, block, scale, scale_mode, tensor_scale, four_over_six, asym, "
            "rounding, seed, rotate, rotate_seed, residual)");
    if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
        return rg_err_set(err, RG_EINVAL, fb, "'%s': want 0 or 1", v);
    *flag = v[0] == '1';
    return 0;
}

/* Apply "k=v,k=v" to r. */
static int apply_list(rg_recipe *r, const char *list, const char *field, rg_err *err) {
    char buf[512];
    if (strlen(list) >= sizeof buf)
        return rg_err_set(err, RG_ERANGE, field, "recipe too long");
    snprintf(buf, sizeof buf, "%s", list);
    /* Split on commas in place (empty items are skipped); strtok_r is POSIX, not C11. */
    for (char *tok = buf, *next; tok; tok = next) {
        char *comma = strchr(tok, ',');
        next = comma ? comma + 1 : NULL;
        if (comma)
            *comma = 0;
        if (!*tok)
            continue;
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok)
            return rg_err_set(err, RG_EPARSE, field, "'%s': want key=value", tok);
        *eq = 0;
        int rc = set_key(r, tok, eq + 1, field, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int rg_recipe_parse(const char *spec, rg_recipe *r, const char *field, rg_err *err) {
    if (!field)
        field = "recipe";
    if (!spec || !r || !*spec)
        return rg_err_set(err, RG_EINVAL, field, "empty recipe");
    memset(r, 0, sizeof *r);
    r->br = 1;
    r->bc = 32;
    r->scale = RG_RSCALE_FP32;
    r->round = RG_ROUND_RNE;
    r->smode = RG_SMODE_FLOOR;
    snprintf(r->name, sizeof r->name, "custom");
    int rc = set_elem(r, "fp8_e4m3", field, err);
    if (rc < 0)
        return rc;
    const char *colon = strchr(spec, ':');
    const char *rest = spec;
    if (!strchr(spec, '=') || (colon && colon < strchr(spec, '='))) {
        size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
        int i = 0;
        while (i < NPRESETS && !(strlen(presets[i].name) == len && strncmp(presets[i].name, spec, len) == 0))
            i++;
        if (i == NPRESETS)
            return rg_err_set(err, RG_EUNKNOWN, field, "unknown recipe '%.*s' (ridge recipes lists them)",
                              (int)len, spec);
        snprintf(r->name, sizeof r->name, "%s", presets[i].name);
        rc = apply_list(r, presets[i].spec, field, err);
        if (rc < 0)
            return rc;
        rest = colon ? colon + 1 : "";
    }
    rc = *rest ? apply_list(r, rest, field, err) : 0;
    if (rc < 0)
        return rc;
    char fb[128];
    if (r->asym && !r->elem.is_int) {
        snprintf(fb, sizeof fb, "%s: asym", field);
        return rg_err_set(err, RG_EINVAL, fb,
                          "asymmetric blocks need an integer element (int2..int8), not %s", r->elem_name);
    }
    if (r->four_six && !(r->elem.ebits == 2 && r->elem.mbits == 1 && !r->elem.is_int)) {
        snprintf(fb, sizeof fb, "%s: four_over_six", field);
        return rg_err_set(err, RG_EINVAL, fb, "four over six is defined for E2M1 (fp4_e2m1) elements, not %s",
                          r->elem_name);
    }
    if (r->four_six && r->scale != RG_RSCALE_E4M3) {
        snprintf(fb, sizeof fb, "%s: four_over_six", field);
        return rg_err_set(err, RG_EINVAL, fb, "four over six needs e4m3 block scales (NVFP4)");
    }
    if (r->tensor_scale && r->scale != RG_RSCALE_E4M3 && r->scale != RG_RSCALE_UE5M3) {
        snprintf(fb, sizeof fb, "%s: tensor_scale", field);
        return rg_err_set(err, RG_EINVAL, fb, "a tensor scale goes with e4m3 or ue5m3 block scales");
    }
    return 0;
}

int rg_recipe_check(const rg_recipe *r, int64_t rows, int64_t cols, const char *field, rg_err *err) {
    char fb[128];
    if (!field)
        field = "recipe";
    if (!r || rows < 1 || cols < 1)
        return rg_err_set(err, RG_EINVAL, field, "empty tensor");
    int64_t qrows = rows - r->residual;
    if (qrows < 0) {
        snprintf(fb, sizeof fb, "%s: residual", field);
        return rg_err_set(err, RG_ERANGE, fb, "residual %d exceeds the tensor's %lld rows", r->residual,
                          (long long)rows);
    }
    snprintf(fb, sizeof fb, "%s: block", field);
    if (qrows % r->br != 0)
        return rg_err_set(err, RG_EINVAL, fb,
                          "%dx%d blocks do not divide the %lld quantized rows (of %lld, residual %d)", r->br,
                          r->bc, (long long)qrows, (long long)rows, r->residual);
    if (cols % r->bc != 0)
        return rg_err_set(err, RG_EINVAL, fb, "%dx%d blocks do not divide the %lld columns", r->br, r->bc,
                          (long long)cols);
    if (r->rotate > 0 && cols % r->rotate != 0) {
        snprintf(fb, sizeof fb, "%s: rotate", field);
        return rg_err_set(err, RG_EINVAL, fb, "rotation size %d does not divide the %lld columns", r->rotate,
                          (long long)cols);
    }
    return 0;
}

double rg_recipe_bits(const rg_recipe *r, int64_t rows, int64_t cols) {
    double n = (double)rows * (double)cols, nq = (double)(rows - r->residual) * (double)cols;
    if (n <= 0.0)
        return 0.0;
    double sbits = r->asym ? 32.0 : (r->scale == RG_RSCALE_FP32 ? 32.0 : 8.0);
    double bits = nq * ((double)r->elem_bits + sbits / ((double)r->br * (double)r->bc));
    if (r->tensor_scale)
        bits += 32.0;
    bits += 16.0 * (n - nq);
    return bits / n;
}

/* ---- rotation ------------------------------------------------------------ */

static double sign_of(const rg_recipe *r, int64_t c) {
    return r->rotate_seed && (rg_rng_u64(r->rotate_seed, (uint64_t)c) & 1u) ? -1.0 : 1.0;
}

/* In-place fast Walsh-Hadamard transform of b values (Sylvester order:
 * H[i][j] = (-1)^popcount(i & j)), scaled by 1/sqrt(b). */
static void fwht(double *v, int b) {
    for (int h = 1; h < b; h *= 2)
        for (int i = 0; i < b; i += 2 * h)
            for (int j = i; j < i + h; j++) {
                double x = v[j], y = v[j + h];
                v[j] = x + y;
                v[j + h] = x - y;
            }
    double s = 1.0 / sqrt((double)b);
    for (int i = 0; i < b; i++)
        v[i] *= s;
}

static int rotate_dir(const rg_recipe *r, const float *x, float *out, int64_t rows, int64_t cols,
                      int nthreads, bool inverse) {
    if (!r || rows < 0 || cols < 0 || (rows * cols > 0 && (!x || !out)))
        return RG_EINVAL;
    const int b = r->rotate;
    if (b <= 1) {
        if (x != out)
            memmove(out, x, (size_t)(rows * cols) * sizeof *out);
        return 0;
    }
    if (cols % b != 0)
        return RG_EINVAL;
    double *buf = malloc((size_t)b * sizeof *buf * (size_t)(nthreads > 0 ? nthreads : omp_get_max_threads()));
    if (!buf)
        return RG_ENOMEM;
    int nth = nthreads > 0 ? nthreads : omp_get_max_threads();
#pragma omp parallel for num_threads(nth) schedule(static)
    for (int64_t i = 0; i < rows; i++) {
        double *v = buf + (size_t)b * (size_t)omp_get_thread_num();
        for (int64_t c0 = 0; c0 < cols; c0 += b) {
            const float *src = x + i * cols + c0;
            for (int j = 0; j < b; j++)
                v[j] = inverse ? (double)src[j] : (double)src[j] * sign_of(r, c0 + j);
            fwht(v, b);
            float *dst = out + i * cols + c0;
            for (int j = 0; j < b; j++)
                dst[j] = (float)(inverse ? v[j] * sign_of(r, c0 + j) : v[j]);
        }
    }
    free(buf);
    return 0;
}

int rg_recipe_rotate(const rg_recipe *r, const float *x, float *out, int64_t rows, int64_t cols,
                     int nthreads) {
    return rotate_dir(r, x, out, rows, cols, nthreads, false);
}

int rg_recipe_unrotate(const rg_recipe *r, const float *x, float *out, int64_t rows, int64_t cols,
                       int nthreads) {
    return rotate_dir(r, x, out, rows, cols, nthreads, true);
}

/* ---- the quantizer ------------------------------------------------------- */

static float to_f16(float v) { return rg_fpconv_f16_to_f32(rg_fpconv_f32_to_f16(v)); }

/* 2^e as a float for e in [-149, 127]. */
static float pow2f(int e) {
    return rg_f32_from_bits(e >= -126 ? (uint32_t)(e + 127) << 23 : 1u << (e + 149));
}

typedef struct backend {
    /* t[0, n) rounded in place to e (RNE/RTZ/RNA/SR with stream index idx0 + i), saturating */
    void (*conv)(const rg_elem *e, rg_round mode, uint64_t seed, float *t, int64_t n, uint64_t idx0);
    /* largest finite |x| of t[0, n), and whether any element is NaN/Inf */
    float (*amax)(const float *t, int64_t n, int *bad);
    float (*pow2_up)(float t); /* smallest power of two >= t > 0 (capped at 2^127) */
    int (*mx_exp)(float amax, const rg_elem *e, rg_scale_mode m);
} backend;

static void conv_fast(const rg_elem *e, rg_round mode, uint64_t seed, float *t, int64_t n, uint64_t idx0) {
    rg_quant q;
    memset(&q, 0, sizeof q);
    q.elem = *e;
    q.round = mode;
    q.saturate = true;
    q.seed = seed;
    rg_quant_elem(&q, t, t, n, (int64_t)idx0);
}

static void conv_ref(const rg_elem *e, rg_round mode, uint64_t seed, float *t, int64_t n, uint64_t idx0) {
    for (int64_t i = 0; i < n; i++)
        t[i] = rg_fpconv_ref(t[i], e, mode, true,
                             mode == RG_ROUND_SR ? rg_rng_sr(seed, idx0 + (uint64_t)i) : 0u);
}

static float amax_fast(const float *t, int64_t n, int *bad) {
    uint32_t m = 0;
    int b = 0;
    for (int64_t i = 0; i < n; i++) {
        uint32_t a = rg_f32_bits(t[i]) & 0x7FFFFFFFu;
        b |= a >= 0x7F800000u;
        a = a >= 0x7F800000u ? 0u : a;
        m = a > m ? a : m;
    }
    *bad = b;
    return rg_f32_from_bits(m);
}

static float amax_ref(const float *t, int64_t n, int *bad) {
    float m = 0.0f;
    *bad = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(t[i]))
            *bad = 1;
        else if (fabsf(t[i]) > m)
            m = fabsf(t[i]);
    }
    return m;
}

static float pow2_fast(float t) {
    uint32_t u = rg_f32_bits(t);
    if (u < 0x00800000u) { /* subnormal: the next power of two above its leading bit */
        uint32_t p = 1;
        while (p < u)
            p <<= 1;
        return rg_f32_from_bits(p);
    }
    if (u & 0x7FFFFFu)
        u = (u & 0x7F800000u) + 0x00800000u;
    return u >= 0x7F800000u ? 0x1p127f : rg_f32_from_bits(u);
}

static float pow2_ref(float t) {
    int e = 0;
    double f = frexp((double)t, &e); /* t = f 2^e, f in [0.5, 1) */
    double p = f == 0.5 ? (double)t : ldexp(1.0, e);
    return p > 0x1p127 ? 0x1p127f : (float)p;
}

static int mx_exp_fast(float amax, const rg_elem *e, rg_scale_mode m) {
    return rg_mx_scale_exp(rg_f32_bits(amax), e, m);
}

static const backend be_fast = {conv_fast, amax_fast, pow2_fast, mx_exp_fast};
static const backend be_ref = {conv_ref, amax_ref, pow2_ref, rg_mx_scale_exp_ref};

typedef struct ctx {
    const rg_recipe *r;
    const backend *be;
    rg_elem sfmt;   /* e4m3 / ue5m3 scale element */
    rg_elem wide;   /* asym: integers without clamping */
    float ts;       /* tensor scale (1 without) */
    float slo, shi; /* scale clamp */
    int64_t cols;
} ctx;

/* Scale of a block with finite amax for the element maximum M. */
static float block_scale(const ctx *x, float amax, float M) {
    const rg_recipe *r = x->r;
    float d = 0.0f;
    switch (r->scale) {
    case RG_RSCALE_FP32:
        d = amax / M;
        break;
    case RG_RSCALE_POW2: {
        float t = amax / M;
        d = t > 0.0f ? x->be->pow2_up(t) : 0.0f;
        break;
    }
    case RG_RSCALE_E8M0:
        d = pow2f(x->be->mx_exp(amax, &r->elem, r->smode));
        break;
    case RG_RSCALE_E4M3:
    case RG_RSCALE_UE5M3: {
        float sb = amax / M / x->ts;
        sb = sb < x->slo ? x->slo : (sb > x->shi ? x->shi : sb);
        x->be->conv(&x->sfmt, RG_ROUND_RNE, 0, &sb, 1, 0);
        d = x->ts * sb;
        break;
    }
    }
    return d > 0.0f ? d : 1.0f;
}

/* Quantize-dequantize the tile t (n = br * bc elements, row-major in the
 * block) with scale d into o; returns the sum of squared errors. */
static double tile_run(const ctx *x, const float *t, float *o, int64_t n, float d, int64_t row0,
                       int64_t col0) {
    const rg_recipe *r = x->r;
    const float inv = 1.0f / d;
    double sse = 0.0;
    for (int64_t a = 0; a < r->br; a++) {
        const float *src = t + a * r->bc;
        float *dst = o + a * r->bc;
        for (int64_t j = 0; j < r->bc; j++)
            dst[j] = src[j] * inv;
        x->be->conv(&r->elem, r->round, r->seed, dst, r->bc, (uint64_t)((row0 + a) * x->cols + col0));
        for (int64_t j = 0; j < r->bc; j++) {
            dst[j] *= d;
            double e = (double)src[j] - (double)dst[j];
            sse += e * e;
        }
    }
    (void)n;
    return sse;
}

/* Asymmetric integer block (quant.h's min-offset rule) from t into o. */
static void tile_asym(const ctx *x, const float *t, float *o, int64_t n, int64_t row0, int64_t col0) {
    const rg_recipe *r = x->r;
    float lo = t[0], hi = t[0];
    for (int64_t i = 1; i < n; i++) {
        lo = t[i] < lo ? t[i] : lo;
        hi = t[i] > hi ? t[i] : hi;
    }
    const float levels = (float)(2 * r->elem.kmax + 1);
    float m = to_f16(lo);
    float s = to_f16((hi - m) / levels);
    if (!(s > 0.0f) || !isfinite(m)) {
        for (int64_t i = 0; i < n; i++)
            o[i] = to_f16(t[i]) + 0.0f;
        return;
    }
    float inv = 1.0f / s;
    for (int64_t a = 0; a < r->br; a++) {
        float *dst = o + a * r->bc;
        for (int64_t j = 0; j < r->bc; j++)
            dst[j] = (t[a * r->bc + j] - m) * inv;
        x->be->conv(&x->wide, r->round, r->seed, dst, r->bc, (uint64_t)((row0 + a) * x->cols + col0));
        for (int64_t j = 0; j < r->bc; j++) {
            float qv = dst[j] < 0.0f ? 0.0f : (dst[j] > levels ? levels : dst[j]);
            dst[j] = qv * s + m;
        }
    }
}

/* One block: tile (gathered input), o and o2 scratch of its size. */
static void do_block(const ctx *x, float *tile, float *o, float *o2, int64_t row0, int64_t col0) {
    const rg_recipe *r = x->r;
    const int64_t n = (int64_t)r->br * r->bc;
    int bad = 0;
    float amax = x->be->amax(tile, n, &bad);
    if (bad) {
        for (int64_t i = 0; i < n; i++)
            o[i] = NAN;
        return;
    }
    if (r->asym) {
        tile_asym(x, tile, o, n, row0, col0);
        return;
    }
    double e6 = tile_run(x, tile, o, n, block_scale(x, amax, r->elem.maxval), row0, col0);
    if (r->four_six) {
        double e4 = tile_run(x, tile, o2, n, block_scale(x, amax, 4.0f), row0, col0);
        if (e4 < e6)
            memcpy(o, o2, (size_t)n * sizeof *o);
    }
}

static int ctx_init(ctx *x, const rg_recipe *r, const backend *be, int64_t cols) {
    memset(x, 0, sizeof *x);
    x->r = r;
    x->be = be;
    x->cols = cols;
    x->ts = 1.0f;
    rg_format f;
    int rc = r->scale == RG_RSCALE_UE5M3 ? rg_format_parse("e5m3finite", &f, NULL, NULL)
                                         : rg_format_parse("fp8_e4m3", &f, NULL, NULL);
    if (rc < 0 || rg_elem_init(&x->sfmt, &f) < 0)
        return RG_EINTERNAL;
    x->slo = x->sfmt.minnorm;
    x->shi = x->sfmt.maxval;
    x->wide = r->elem;
    x->wide.is_int = true;
    x->wide.qmin = 0;
    x->wide.kmax = 1 << 24;
    x->wide.maxval = 0x1p24f;
    x->wide.minnorm = 1.0f;
    return 0;
}

/* The tensor scale from the finite amax of the quantized rows. */
static void set_tensor_scale(ctx *x, const float *w, int64_t qrows, int64_t cols) {
    const rg_recipe *r = x->r;
    if (!r->tensor_scale)
        return;
    int bad = 0;
    float am = 0.0f;
    for (int64_t i = 0; i < qrows; i++) {
        float a = x->be->amax(w + i * cols, cols, &bad);
        am = a > am ? a : am;
    }
    float smax = r->four_six ? 256.0f : x->shi;
    float ts = am / (r->elem.maxval * smax);
    x->ts = ts > 0.0f ? ts : 1.0f;
}

static void band(const ctx *x, float *w, int64_t row0, float *tile, float *o, float *o2) {
    const rg_recipe *r = x->r;
    const int64_t cols = x->cols;
    for (int64_t c0 = 0; c0 < cols; c0 += r->bc) {
        for (int64_t a = 0; a < r->br; a++)
            memcpy(tile + a * r->bc, w + (row0 + a) * cols + c0, (size_t)r->bc * sizeof *tile);
        do_block(x, tile, o, o2, row0, c0);
        for (int64_t a = 0; a < r->br; a++)
            memcpy(w + (row0 + a) * cols + c0, o + a * r->bc, (size_t)r->bc * sizeof *o);
    }
}

static void residual_rows(const rg_recipe *r, float *w, int64_t rows, int64_t cols) {
    for (int64_t i = (rows - r->residual) * cols; i < rows * cols; i++)
        w[i] = to_f16(w[i]);
}

int rg_recipe_qdq(const rg_recipe *r, const float *in, float *out, int64_t rows, int64_t cols, int nthreads,
                  rg_err *err) {
    if (!r || !in || !out)
        return rg_err_set(err, RG_EINVAL, "recipe", "no recipe or tensor");
    int rc = rg_recipe_check(r, rows, cols, "recipe", err);
    if (rc < 0)
        return rc;
    int nth = nthreads > 0 ? nthreads : omp_get_max_threads();
    rc = rg_recipe_rotate(r, in, out, rows, cols, nth);
    if (rc < 0)
        return rg_err_set(err, rc, "recipe", "cannot rotate");
    ctx x;
    if (ctx_init(&x, r, &be_fast, cols) < 0)
        return rg_err_set(err, RG_EINTERNAL, "recipe", "scale format");
    const int64_t qrows = rows - r->residual, bands = qrows / r->br, bn = (int64_t)r->br * r->bc;
    set_tensor_scale(&x, out, qrows, cols);
    int64_t nbuf = (int64_t)nth * 3 * bn;
    float *buf = malloc((size_t)nbuf * sizeof *buf);
    if (!buf)
        return rg_err_set(err, RG_ENOMEM, "recipe", "cannot allocate block scratch");
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1)
    for (int64_t b = 0; b < bands; b++) {
        float *tile = buf + (int64_t)omp_get_thread_num() * 3 * bn;
        band(&x, out, b * r->br, tile, tile + bn, tile + 2 * bn);
    }
    free(buf);
    residual_rows(r, out, rows, cols);
    return 0;
}

int rg_recipe_qdq_ref(const rg_recipe *r, const float *in, float *out, int64_t rows, int64_t cols,
                      rg_err *err) {
    if (!r || !in || !out)
        return rg_err_set(err, RG_EINVAL, "recipe", "no recipe or tensor");
    int rc = rg_recipe_check(r, rows, cols, "recipe", err);
    if (rc < 0)
        return rc;
    rc = rg_recipe_rotate(r, in, out, rows, cols, 1);
    if (rc < 0)
        return rg_err_set(err, rc, "recipe", "cannot rotate");
    ctx x;
    if (ctx_init(&x, r, &be_ref, cols) < 0)
        return rg_err_set(err, RG_EINTERNAL, "recipe", "scale format");
    const int64_t qrows = rows - r->residual, bn = (int64_t)r->br * r->bc;
    set_tensor_scale(&x, out, qrows, cols);
    float *buf = malloc((size_t)(3 * bn) * sizeof *buf);
    if (!buf)
        return rg_err_set(err, RG_ENOMEM, "recipe", "cannot allocate block scratch");
    for (int64_t row0 = 0; row0 < qrows; row0 += r->br)
        band(&x, out, row0, buf, buf + bn, buf + 2 * bn);
    free(buf);
    residual_rows(r, out, rows, cols);
    return 0;
}

/* ---- matmul-level error ---------------------------------------------------- */

/* SQNR (dB) of q against x in the original basis. */
static double tensor_sqnr(const float *x, const float *q, int64_t len) {
    double sig = 0.0, err = 0.0;
    for (int64_t i = 0; i < len; i++) {
        double e = (double)x[i] - (double)q[i];
        sig += (double)x[i] * x[i];
        err += e * e;
    }
    return err > 0.0 ? 10.0 * log10(sig / err) : INFINITY;
}

int rg_matmul_error(const float *a, const float *aq, const float *bt, const float *bq, int64_t m, int64_t k,
                    int64_t n, float *c, int nthreads, rg_recipe_mm *res) {
    if (!a || !aq || !bt || !bq || !res || m < 1 || k < 1 || n < 1)
        return RG_EINVAL;
    int nth = nthreads > 0 ? nthreads : omp_get_max_threads();
    double *row_sig = calloc((size_t)m, sizeof *row_sig), *row_err = calloc((size_t)m, sizeof *row_err);
    double *row_max = calloc((size_t)m, sizeof *row_max);
    if (!row_sig || !row_err || !row_max) {
        free(row_sig);
        free(row_err);
        free(row_max);
        return RG_ENOMEM;
    }
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1)
    for (int64_t i = 0; i < m; i++) {
        double sig = 0.0, e2 = 0.0, mx = 0.0;
        for (int64_t j = 0; j < n; j++) {
            double p = 0.0, q = 0.0;
            for (int64_t t = 0; t < k; t++) {
                p += (double)a[i * k + t] * (double)bt[j * k + t];
                q += (double)aq[i * k + t] * (double)bq[j * k + t];
            }
            if (c)
                c[i * n + j] = (float)q;
            double e = q - p;
            sig += p * p;
            e2 += e * e;
            mx = fabs(e) > mx ? fabs(e) : mx;
        }
        row_sig[i] = sig;
        row_err[i] = e2;
        row_max[i] = mx;
    }
    double sig = 0.0, e2 = 0.0, mx = 0.0;
    for (int64_t i = 0; i < m; i++) { /* fixed order: same sums for any thread count */
        sig += row_sig[i];
        e2 += row_err[i];
        mx = row_max[i] > mx ? row_max[i] : mx;
    }
    res->sqnr_db = e2 > 0.0 ? 10.0 * log10(sig / e2) : INFINITY;
    res->rel_error = sig > 0.0 ? sqrt(e2 / sig) : (e2 > 0.0 ? INFINITY : 0.0);
    res->max_abs_error = mx;
    free(row_sig);
    free(row_err);
    free(row_max);
    return 0;
}

int rg_recipe_matmul(const rg_recipe *ra, const rg_recipe *rb, const float *a, const float *bt, int64_t m,
                     int64_t k, int64_t n, float *c, int nthreads, rg_recipe_mm *res, rg_err *err) {
    if (!ra || !rb || !a || !bt || !res || m < 1 || k < 1 || n < 1)
        return rg_err_set(err, RG_EINVAL, "a_recipe", "no recipe or empty operand");
    if (ra->rotate != rb->rotate || (ra->rotate > 1 && ra->rotate_seed != rb->rotate_seed))
        return rg_err_set(err, RG_EINVAL, "b_recipe: rotate",
                          "A rotates by %d (seed %llu), B by %d (seed %llu): both operands need the same "
                          "rotation so that it cancels in the product",
                          ra->rotate, (unsigned long long)ra->rotate_seed, rb->rotate,
                          (unsigned long long)rb->rotate_seed);
    int rc = rg_recipe_check(ra, m, k, "a_recipe", err);
    if (rc < 0 || (rc = rg_recipe_check(rb, n, k, "b_recipe", err)) < 0)
        return rc;
    int nth = nthreads > 0 ? nthreads : omp_get_max_threads();
    float *aq = malloc((size_t)(m * k) * sizeof *aq), *bq = malloc((size_t)(n * k) * sizeof *bq);
    if (!aq || !bq) {
        rc = rg_err_set(err, RG_ENOMEM, "a_recipe", "cannot allocate the quantized operands");
        goto out;
    }
    if ((rc = rg_recipe_qdq(ra, a, aq, m, k, nth, err)) < 0 ||
        (rc = rg_recipe_qdq(rb, bt, bq, n, k, nth, err)) < 0)
        goto out;
    memset(res, 0, sizeof *res);
    if ((rc = rg_matmul_error(a, aq, bt, bq, m, k, n, c, nth, res)) < 0) {
        rg_err_set(err, rc, "a_recipe", "out of memory");
        goto out;
    }
    res->a_bits = rg_recipe_bits(ra, m, k);
    res->b_bits = rg_recipe_bits(rb, n, k);
    if ((rc = rg_recipe_unrotate(ra, aq, aq, m, k, nth)) < 0 ||
        (rc = rg_recipe_unrotate(rb, bq, bq, n, k, nth)) < 0)
        goto out;
    res->a_sqnr_db = tensor_sqnr(a, aq, m * k);
    res->b_sqnr_db = tensor_sqnr(bt, bq, n * k);
    rc = 0;
out:
    free(aq);
    free(bq);
    return rc;
}
