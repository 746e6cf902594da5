/* test_quant.c: the fast quantization kernels against the scalar reference,
 * bit for bit, on random inputs (every fp32 exponent, NaN, Inf, subnormals,
 * huge values), for every format, rounding mode and overflow policy, and for
 * 1, 2 and 3 threads; plus MX scale-selection edge cases and the MX / NVFP4 /
 * group rules. Rules: OCP MX v1.0 (2023) section 6.3; NVFP4 per arXiv 2509.25149
 * (16-element blocks, E4M3 block scale, fp32 tensor scale). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"
#include "fpconv.h"
#include "quant.h"
#include "rng.h"
#include "testutil.h"

/* A mix of inputs: raw random patterns, N(0,1)-ish values at random scales,
 * exact ties of small formats, and specials. */
static void fill_inputs(float *x, int64_t n, uint64_t seed) {
    static const uint32_t specials[] = {0x00000000u, 0x80000000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u,
                                        0x00000001u, 0x807FFFFFu, 0x7F7FFFFFu, 0x417FFFFFu, 0x3F800000u,
                                        0x43E00000u, 0x43E80000u, 0x40200000u, 0x40C00000u, 0x40E00000u};
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = rg_rng_u64(seed, (uint64_t)i);
        switch (r & 7u) {
        case 0:
            x[i] = rg_f32_from_bits((uint32_t)(r >> 32));
            break;
        case 1:
            x[i] = rg_f32_from_bits(specials[(r >> 8) % (sizeof specials / sizeof specials[0])]);
            break;
        case 2: /* ties and near-ties of k/16 grids */
            x[i] = (float)((int64_t)((r >> 16) & 0x3FF) - 512) / 16.0f * ((r >> 40) & 1 ? 1.0f : 1.0000001f);
            break;
        default: {
            double u = rg_rng_unit(seed ^ 0x55u, (uint64_t)i) * 2.0 - 1.0;
            int e = (int)((r >> 20) % 40) - 20;
            x[i] = (float)ldexp(u * 1.7, e);
            if ((r >> 60) == 0)
                x[i] *= 1e30f;
            break;
        }
        }
    }
}

static int same_bits(const float *a, const float *b, int64_t n, int64_t *where) {
    for (int64_t i = 0; i < n; i++) {
        uint32_t ua = rg_f32_bits(a[i]), ub = rg_f32_bits(b[i]);
        if (ua != ub && !(isnan(a[i]) && isnan(b[i]))) {
            *where = i;
            return 0;
        }
    }
    return 1;
}

static const char *const formats[] = {
    "fp32",       "tf32",       "bf16",       "fp16",           "fp8_e4m3",      "fp8_e5m2",
    "fp6_e3m2",   "fp6_e2m3",   "fp4_e2m1",   "int8",           "int4",          "mxfp8_e4m3",
    "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4",          "mxint8",        "nvfp4",
    "int8_g128",  "int4_g128",  "int4_g64",   "int4_g128_asym", "e3m4",          "e4m3fn",
    "e2m1finite", "e5m10",      "e5m0fn",     "int4_g32",       "int3_g64_asym", "e4m3fn-ftz"};

/* Fast vs reference for one quantizer, on 1, 2 and 3 threads. */
static void compare(const rg_quant *q, const float *x, int64_t n, const char *what) {
    float *ref = malloc((size_t)n * sizeof *ref), *fast = malloc((size_t)n * sizeof *fast);
    CHECK(ref && fast);
    if (!ref || !fast)
        goto out;
    CHECK_EQ_INT(rg_quant_qdq_ref(q, x, ref, n, 0), 0);
    for (int nth = 1; nth <= 3; nth++) {
        memset(fast, 0, (size_t)n * sizeof *fast);
        CHECK_EQ_INT(rg_quant_qdq(q, x, fast, n, 0, nth), 0);
        int64_t w = -1;
        CHECK_MSG(same_bits(fast, ref, n, &w),
                  "%s %s round %s sat %d smode %s threads %d: x[%lld]=%a fast %a ref %a", q->fmt.name, what,
                  rg_round_name(q->round), q->saturate, rg_scale_mode_name(q->smode), nth, (long long)w,
                  w >= 0 ? (double)x[w] : 0.0, w >= 0 ? (double)fast[w] : 0.0, w >= 0 ? (double)ref[w] : 0.0);
    }
out:
    free(ref);
    free(fast);
}

static void check_kernels_vs_ref(void) {
    const int64_t n = 70000; /* > the single-thread cutoff; partial last block */
    float *x = malloc((size_t)n * sizeof *x);
    CHECK(x != NULL);
    if (!x)
        return;
    fill_inputs(x, n, 12345);
    for (size_t fi = 0; fi < sizeof formats / sizeof formats[0]; fi++) {
        rg_format f;
        if (strcmp(formats[fi], "e4m3fn-ftz") == 0) { /* a minifloat without subnormals: flush to zero */
            CHECK(rg_format_parse("e4m3fn", &f, "format", NULL) >= 0);
            f.subnormals = false;
        } else {
            CHECK(rg_format_parse(formats[fi], &f, "format", NULL) >= 0);
        }
        rg_quant q;
        CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
        for (int mode = 0; mode < 4; mode++) {
            for (int sat = 0; sat < 2; sat++) {
                q.round = (rg_round)mode;
                q.saturate = sat;
                q.seed = 99;
                compare(&q, x, n, "default scaling");
            }
        }
        q.round = RG_ROUND_RNE;
        q.saturate = true;
        if (f.scaling == RG_SCALE_MX) {
            for (int sm = 0; sm < 4; sm++) {
                q.smode = (rg_scale_mode)sm;
                compare(&q, x, n, "scale mode");
            }
        }
        if (f.scaling == RG_SCALE_NONE) {
            q.tscale = RG_TSCALE_NONE;
            compare(&q, x, n, "unscaled");
            q.tscale = RG_TSCALE_CHANNEL;
            q.cols = 1000;
            compare(&q, x, n, "per-channel");
        }
    }
    free(x);
}

/* Stochastic rounding: same bits for any thread count and any chunking. */
static void check_sr_chunking(void) {
    const int64_t n = 100000;
    float *x = malloc((size_t)n * 4), *a = malloc((size_t)n * 4), *b = malloc((size_t)n * 4);
    CHECK(x && a && b);
    if (!x || !a || !b)
        goto out;
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)(rg_rng_unit(7, (uint64_t)i) * 8.0 - 4.0);
    rg_format f;
    rg_quant q;
    CHECK(rg_format_parse("mxfp4", &f, "format", NULL) >= 0);
    CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
    q.round = RG_ROUND_SR;
    q.seed = 2024;
    CHECK_EQ_INT(rg_quant_qdq(&q, x, a, n, 0, 2), 0);
    /* in chunks of 96 elements (multiple of the 32 block), with offsets */
    for (int64_t o = 0; o < n; o += 96)
        CHECK_EQ_INT(rg_quant_qdq(&q, x + o, b + o, n - o < 96 ? n - o : 96, o, 1), 0);
    int64_t w;
    CHECK(same_bits(a, b, n, &w));
    /* NVFP4 in chunks of 4096 with the tensor amax given == one call */
    {
        rg_format fn;
        rg_quant qn;
        CHECK(rg_format_parse("nvfp4", &fn, "format", NULL) >= 0);
        CHECK_EQ_INT(rg_quant_init(&qn, &fn, NULL), 0);
        CHECK(rg_quant_needs_whole(&qn));
        CHECK_EQ_INT(rg_quant_qdq(&qn, x, a, n, 0, 2), 0);
        qn.tensor_amax = rg_quant_tensor_amax(x, n, 3);
        CHECK(!rg_quant_needs_whole(&qn) && qn.tensor_amax > 3.9f && qn.tensor_amax <= 4.0f);
        for (int64_t o = 0; o < n; o += 4096)
            CHECK_EQ_INT(rg_quant_qdq(&qn, x + o, b + o, n - o < 4096 ? n - o : 4096, o, 1), 0);
        CHECK(same_bits(a, b, n, &w));
        qn.tensor_amax = -1.0f;
        CHECK(rg_quant_check(&qn, NULL) < 0);
    }
    /* a different seed changes some results */
    q.seed = 2025;
    CHECK_EQ_INT(rg_quant_qdq(&q, x, b, n, 0, 3), 0);
    CHECK(!same_bits(a, b, n, &w));
out:
    free(x);
    free(a);
    free(b);
}

/* The fast kernel's stochastic rounding is unbiased: over many elements the
 * up-frequency matches the discarded fraction (E2M1 between 2 and 3). */
static void check_sr_unbiased(void) {
    const int64_t n = 200000;
    float *x = malloc((size_t)n * 4), *y = malloc((size_t)n * 4);
    CHECK(x && y);
    if (!x || !y)
        goto out;
    rg_format f;
    rg_quant q;
    CHECK(rg_format_parse("fp4_e2m1", &f, "format", NULL) >= 0);
    CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
    q.tscale = RG_TSCALE_NONE;
    q.round = RG_ROUND_SR;
    static const float xs[] = {2.5f, 2.25f, 2.125f, -2.75f};
    static const double p[] = {0.5, 0.25, 0.125, 0.75};
    for (int k = 0; k < 4; k++) {
        for (int64_t i = 0; i < n; i++)
            x[i] = xs[k];
        q.seed = 11u + (uint64_t)k;
        CHECK_EQ_INT(rg_quant_qdq(&q, x, y, n, (int64_t)k << 33, 2), 0); /* offsets past 2^32 too */
        int64_t up = 0, bad = 0;
        for (int64_t i = 0; i < n; i++) {
            up += fabsf(y[i]) == 3.0f;
            bad += fabsf(y[i]) != 3.0f && fabsf(y[i]) != 2.0f;
        }
        double freq = (double)up / n, sd = sqrt(p[k] * (1 - p[k]) / n);
        CHECK_MSG(bad == 0 && fabs(freq - p[k]) < 5 * sd, "SR of %g: up %g, expected %g", (double)xs[k], freq,
                  p[k]);
    }
out:
    free(x);
    free(y);
}

static rg_elem elem_of(const char *name) {
    rg_format f;
    rg_elem e;
    memset(&e, 0, sizeof e);
    CHECK(rg_format_parse(name, &f, "format", NULL) >= 0);
    CHECK_EQ_INT(rg_elem_init(&e, &f), 0);
    return e;
}

/* MX scale selection: fast == reference on edge cases, and known answers. */
static void check_mx_scale(void) {
    static const char *const mx[] = {"mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2",
                                     "mxfp6_e2m3", "mxfp4",      "mxint8"};
    for (size_t k = 0; k < sizeof mx / sizeof mx[0]; k++) {
        rg_elem e = elem_of(mx[k]);
        for (int m = 0; m < 4; m++) {
            for (int i = 0; i < 200000; i++) {
                uint32_t bits = i < 1000 ? (uint32_t)i * 0x00823456u % 0x7F800000u
                                         : rg_rng_u32(m * 31 + (uint64_t)k, (uint64_t)i) % 0x7F800000u;
                if (i % 3 == 0 && (bits & 0x7F800000u)) /* at or just below a power of two */
                    bits = (bits & 0x7F800000u) - (uint32_t)(i % 2);
                int fast = rg_mx_scale_exp(bits, &e, (rg_scale_mode)m);
                int ref = rg_mx_scale_exp_ref(rg_f32_from_bits(bits), &e, (rg_scale_mode)m);
                if (fast != ref) {
                    CHECK_MSG(fast == ref, "%s mode %d amax %a: fast %d ref %d", mx[k], m,
                              (double)rg_f32_from_bits(bits), fast, ref);
                    break;
                }
            }
        }
    }
    /* 15.999999f: floor(log2) is 3 (log2f would say 4). E4M3 emax 8. */
    rg_elem e4 = elem_of("mxfp8_e4m3");
    float a = 15.999999f;
    CHECK_EQ_INT(rg_mx_scale_exp(rg_f32_bits(a), &e4, RG_SMODE_FLOOR), 3 - 8);
    CHECK_EQ_INT(rg_mx_scale_exp_ref(a, &e4, RG_SMODE_FLOOR), 3 - 8);
    CHECK_EQ_INT(rg_mx_scale_exp(rg_f32_bits(a), &e4, RG_SMODE_CEIL), 4 - 8);
    CHECK_EQ_INT(rg_mx_scale_exp(rg_f32_bits(a), &e4, RG_SMODE_EVEN), 4 - 8); /* rounds to 16 in 1.3 bits */
    CHECK_EQ_INT(rg_mx_scale_exp(rg_f32_bits(15.0f), &e4, RG_SMODE_EVEN), 3 - 8);
    CHECK_EQ_INT(rg_mx_scale_exp(rg_f32_bits(16.0f), &e4, RG_SMODE_CEIL), 4 - 8);
    /* rceil: smallest s with 448 * 2^s >= amax */
    CHECK_EQ_INT(rg_mx_scale_exp(rg_f32_bits(448.0f), &e4, RG_SMODE_RCEIL), 0);
    CHECK_EQ_INT(rg_mx_scale_exp(rg_f32_bits(448.00003f), &e4, RG_SMODE_RCEIL), 1);
    CHECK_EQ_INT(rg_mx_scale_exp(rg_f32_bits(a), &e4, RG_SMODE_RCEIL), -4);
    CHECK_EQ_INT(rg_mx_scale_exp(rg_f32_bits(a), &e4, RG_SMODE_RCEIL),
                 rg_mx_scale_exp_ref(a, &e4, RG_SMODE_RCEIL));
    /* clamps to the E8M0 range; subnormal amax */
    CHECK_EQ_INT(rg_mx_scale_exp(1u, &e4, RG_SMODE_FLOOR), -127);
    CHECK_EQ_INT(rg_mx_scale_exp(0u, &e4, RG_SMODE_FLOOR), -127);
    CHECK_EQ_INT(rg_mx_scale_exp(0x7F7FFFFFu, &e4, RG_SMODE_FLOOR), 127 - 8);
    rg_elem e2 = elem_of("mxfp4");
    CHECK_EQ_INT(rg_mx_scale_exp(0x7F7FFFFFu, &e2, RG_SMODE_RCEIL), 126); /* 6 * 2^126 >= FLT_MAX */
}

static void qdq(const char *name, const float *x, float *y, int64_t n) {
    rg_format f;
    rg_quant q;
    CHECK(rg_format_parse(name, &f, "format", NULL) >= 0);
    CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
    CHECK_EQ_INT(rg_quant_qdq(&q, x, y, n, 0, 1), 0);
}

static void check_rules(void) {
    float x[32], y[32];
    /* MXFP4 block: amax 15.999999 -> X = 2^(3-2) = 2; 15.999999/2 saturates to 6 -> 12. */
    for (int i = 0; i < 32; i++)
        x[i] = 0.0f;
    x[0] = 15.999999f;
    x[1] = -3.0f; /* 1.5 in E2M1 -> -3 */
    x[2] = 0.4f;  /* 0.2 -> 0 */
    x[3] = 0.6f;  /* 0.3 -> 0.5 -> 1.0 */
    qdq("mxfp4", x, y, 32);
    CHECK(y[0] == 12.0f && y[1] == -3.0f && y[2] == 0.0f && y[3] == 1.0f);
    /* NaN or Inf anywhere in the block: the whole block is NaN; other blocks intact. */
    float z[64];
    for (int i = 0; i < 64; i++)
        z[i] = 1.0f;
    z[5] = INFINITY;
    float w[64];
    qdq("mxfp8_e4m3", z, w, 64);
    CHECK(isnan(w[0]) && isnan(w[31]) && w[32] == 1.0f && w[63] == 1.0f);
    /* All-zero block stays zero. */
    for (int i = 0; i < 32; i++)
        x[i] = 0.0f;
    qdq("mxfp6_e2m3", x, y, 32);
    CHECK(y[0] == 0.0f && y[31] == 0.0f);
    /* MXINT8 is symmetric: amax 1.99 -> X = 1, -1.99 clamps to -127/64, not -2. */
    for (int i = 0; i < 32; i++)
        x[i] = 0.0f;
    x[0] = -1.99f;
    x[1] = 1.0f / 128.0f; /* tie at 0.5/64 -> even 0 */
    x[2] = 3.0f / 128.0f; /* tie at 1.5/64 -> even 2/64 */
    qdq("mxint8", x, y, 32);
    CHECK(y[0] == -1.984375f && y[1] == 0.0f && y[2] == 2.0f / 64.0f);
    /* NVFP4: amax 6 over the tensor -> ts = 6/2688; block amax 6 -> s_b = 448. */
    float v[32];
    for (int i = 0; i < 32; i++)
        v[i] = 0.0f;
    v[0] = 6.0f;
    v[1] = 2.9f;   /* block 0: d = 6/2688*448 = 1 -> 3 */
    v[16] = 0.75f; /* block 1: amax .75 -> s_b = e4m3(56) = 56, d = .125 -> .75/.125 = 6 */
    v[17] = 0.3f;  /* 2.4 -> 2 -> 0.25 */
    float r[32];
    qdq("nvfp4", v, r, 32);
    CHECK(r[0] == 6.0f && r[1] == 3.0f);
    CHECK_REL(r[16], 0.75, 1e-6);
    CHECK_REL(r[17], 0.25, 1e-6);
    /* int4 asymmetric group: [0, 1.5] maps onto 16 levels exactly. */
    float g[128], h[128];
    for (int i = 0; i < 128; i++)
        g[i] = (float)(i % 16) * 0.1f;
    qdq("int4_g128_asym", g, h, 128);
    double maxerr = 0;
    for (int i = 0; i < 128; i++)
        maxerr = fmax(maxerr, fabs(h[i] - g[i]));
    CHECK(maxerr < 0.051); /* half a step of 0.1 (fp16 scale) */
    /* an all-positive group keeps its range: [10, 11] in 15 steps of 1/15 */
    for (int i = 0; i < 128; i++)
        g[i] = 10.0f + (float)i / 127.0f;
    qdq("int4_g128_asym", g, h, 128);
    maxerr = 0;
    for (int i = 0; i < 128; i++)
        maxerr = fmax(maxerr, fabs(h[i] - g[i]));
    CHECK(maxerr < 0.04); /* half a step plus the fp16 rounding of the minimum */
    /* Bits per element. */
    rg_format f;
    rg_quant q;
    CHECK(rg_format_parse("mxfp4", &f, "f", NULL) >= 0);
    CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
    CHECK_REL(rg_quant_bits(&q, 1 << 20), 4.25, 0);
    CHECK(rg_format_parse("nvfp4", &f, "f", NULL) >= 0);
    CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
    CHECK_REL(rg_quant_bits(&q, 1 << 20), 4.5 + 32.0 / (1 << 20), 1e-12);
    /* Per-tensor fp8 scaling is the default for plain 8-bit floats; not for bf16. */
    CHECK(rg_format_parse("fp8_e4m3", &f, "f", NULL) >= 0);
    CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
    CHECK(q.tscale == RG_TSCALE_TENSOR && q.saturate);
    CHECK(rg_format_parse("bf16", &f, "f", NULL) >= 0);
    CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
    CHECK(q.tscale == RG_TSCALE_NONE && !q.saturate);
    /* Options that conflict are errors naming the option. */
    rg_err err = {0};
    CHECK(rg_format_parse("mxfp4", &f, "f", NULL) >= 0);
    CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
    q.tscale = RG_TSCALE_TENSOR;
    CHECK(rg_quant_check(&q, &err) < 0);
    CHECK_STR(err.field, "scaling");
    CHECK(rg_format_parse("e8m0", &f, "f", NULL) >= 0);
    CHECK_EQ_INT(rg_quant_init(&q, &f, &err), RG_EUNSUPPORTED);
}

/* rg_quant_elem: the bare element conversion equals the reference. */
static void check_elem_api(void) {
    float x[3000], y[3000];
    fill_inputs(x, 3000, 77);
    rg_format f;
    rg_quant q;
    CHECK(rg_format_parse("fp6_e3m2", &f, "format", NULL) >= 0);
    CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
    q.round = RG_ROUND_RNA;
    rg_quant_elem(&q, x, y, 3000, 0);
    int bad = 0;
    for (int i = 0; i < 3000; i++) {
        float r = rg_fpconv_ref(x[i], &q.elem, RG_ROUND_RNA, true, 0);
        bad += rg_f32_bits(r) != rg_f32_bits(y[i]) && !(isnan(r) && isnan(y[i]));
    }
    CHECK_EQ_INT(bad, 0);
}

/* Finite inputs only, so that whole tiles take the kernels' finite path
 * (fill_inputs puts a NaN or Inf in nearly every tile): blocks of
 * subnormals only (their amax has no exponent field) and all-zero blocks
 * among them. */
static void check_kernels_finite(void) {
    const int64_t n = 70000;
    float *x = malloc((size_t)n * sizeof *x);
    CHECK(x != NULL);
    if (!x)
        return;
    fill_inputs(x, n, 777);
    for (int64_t i = 0; i < n; i++) {
        int64_t blk = i / 32;
        uint64_t r = rg_rng_u64(4242, (uint64_t)i);
        if (!isfinite(x[i]))
            x[i] = rg_f32_from_bits((uint32_t)(r & 0x807FFFFFu));
        if (blk % 5 == 1)
            x[i] = rg_f32_from_bits(((uint32_t)r & 0x80000000u) | (((uint32_t)r & 0x7FFFFFu) >> (r >> 59)));
        if (blk % 7 == 3)
            x[i] = 0.0f;
    }
    static const char *const scaled[] = {"mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4",
                                         "mxint8",     "nvfp4",      "int8_g128",  "int4_g32",   "fp8_e4m3"};
    for (size_t fi = 0; fi < sizeof scaled / sizeof scaled[0]; fi++) {
        rg_format f;
        rg_quant q;
        CHECK(rg_format_parse(scaled[fi], &f, "format", NULL) >= 0);
        CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
        if (f.scaling == RG_SCALE_NONE) {
            q.tscale = RG_TSCALE_CHANNEL;
            q.cols = 32;
        }
        for (int sm = 0; sm < 4; sm++) {
            q.smode = (rg_scale_mode)sm;
            q.round = RG_ROUND_RNE;
            compare(&q, x, n, "finite");
            q.round = RG_ROUND_SR;
            q.seed = 5;
            compare(&q, x, n, "finite");
        }
    }
    free(x);
}

/* Integer formats have no negative zero: a two's-complement (or offset)
 * integer code for 0 is unique, so a negative input that rounds to 0 must
 * dequantize to +0.0 on every path (reference, fast kernel, element
 * conversion, any rounding mode). Float formats keep -0 (IEEE 754 sign of
 * zero; OCP MX v1.0 section 5.3: FP8/FP6/FP4 elements have a sign bit on zero). */
static void check_int_no_negative_zero(void) {
    enum { N = 70000 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *z = malloc(N * sizeof *z);
    CHECK(x && y && z);
    if (!x || !y || !z)
        goto out;
    /* mostly tiny negatives and -0 beside a few large values that set the scales */
    for (int64_t i = 0; i < N; i++) {
        uint64_t r = rg_rng_u64(77, (uint64_t)i);
        x[i] = (r & 3u) == 0 ? -0.0f
                             : -(float)ldexp(1.0 + (double)(r >> 40) / 16777216.0, -(int)((r >> 8) % 40));
        if (i % 97 == 0)
            x[i] = 100.0f;
    }
    x[4] = -0.0f;
    static const char *const ints[] = {"int8",     "int4",   "int4_g128",     "int8_g128",
                                       "int4_g32", "mxint8", "int2_g32_asym", "int3_g16"};
    for (size_t fi = 0; fi < sizeof ints / sizeof ints[0]; fi++) {
        rg_format f;
        rg_quant q;
        CHECK(rg_format_parse(ints[fi], &f, "format", NULL) >= 0);
        CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
        for (int mode = 0; mode < 4; mode++) {
            q.round = (rg_round)mode;
            q.seed = 3;
            int neg_ref = 0, neg_fast = 0, neg_elem = 0, neg_conv = 0;
            CHECK_EQ_INT(rg_quant_qdq_ref(&q, x, y, N, 0), 0);
            CHECK_EQ_INT(rg_quant_qdq(&q, x, z, N, 0, 2), 0);
            for (int64_t i = 0; i < N; i++) {
                neg_ref += y[i] == 0.0f && signbit(y[i]);
                neg_fast += z[i] == 0.0f && signbit(z[i]);
            }
            rg_quant_elem(&q, x, z, N, 0);
            for (int64_t i = 0; i < N; i++) {
                neg_elem += z[i] == 0.0f && signbit(z[i]);
                float r = rg_fpconv_ref(x[i], &q.elem, q.round, true, (uint32_t)i * 2654435761u);
                neg_conv += r == 0.0f && signbit(r);
            }
            CHECK_MSG(neg_ref == 0 && neg_fast == 0 && neg_elem == 0 && neg_conv == 0,
                      "%s %s: -0.0 from ref %d, qdq %d, elem %d, fpconv %d", ints[fi], rg_round_name(mode),
                      neg_ref, neg_fast, neg_elem, neg_conv);
        }
    }
    /* floats keep the sign of zero */
    static const char *const floats[] = {"fp8_e4m3", "mxfp4", "nvfp4", "bf16"};
    for (size_t fi = 0; fi < sizeof floats / sizeof floats[0]; fi++) {
        rg_format f;
        rg_quant q;
        CHECK(rg_format_parse(floats[fi], &f, "format", NULL) >= 0);
        CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
        CHECK_EQ_INT(rg_quant_qdq(&q, x, z, N, 0, 1), 0);
        CHECK_MSG(signbit(z[4]) && z[4] == 0.0f, "%s: -0.0 in gives %g", floats[fi], (double)z[4]);
    }
out:
    free(x);
    free(y);
    free(z);
}

/* Outputs of 2^23 elements or more are written with non-temporal stores
 * (quant.c): one streamed call equals the same tensor in chunks below that
 * size, bit for bit, for the grouped (MX with stochastic rounding, NVFP4) and
 * the plain path (bf16), into an aligned and a misaligned output and in
 * place. */
static void check_streamed_output(void) {
    const int64_t n = ((int64_t)8 << 20) + 1000, chunk = (int64_t)1 << 20;
    float *x = malloc((size_t)n * 4), *a = malloc((size_t)(n + 4) * 4), *b = malloc((size_t)n * 4);
    CHECK(x && a && b);
    if (!x || !a || !b)
        goto out;
    fill_inputs(x, n, 777);
    static const char *const names[] = {"mxfp8_e4m3", "nvfp4", "bf16"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        rg_format f;
        rg_quant q;
        CHECK(rg_format_parse(names[k], &f, "format", NULL) >= 0);
        CHECK_EQ_INT(rg_quant_init(&q, &f, NULL), 0);
        if (k == 0) {
            q.round = RG_ROUND_SR;
            q.seed = 5;
        }
        if (rg_quant_needs_whole(&q))
            q.tensor_amax = rg_quant_tensor_amax(x, n, 2);
        for (int64_t o = 0; o < n; o += chunk)
            CHECK_EQ_INT(rg_quant_qdq(&q, x + o, b + o, n - o < chunk ? n - o : chunk, o, 1), 0);
        int64_t w = -1;
        CHECK_EQ_INT(rg_quant_qdq(&q, x, a, n, 0, 2), 0);
        CHECK_MSG(same_bits(a, b, n, &w), "%s streamed (aligned) differs at %lld", names[k], (long long)w);
        CHECK_EQ_INT(rg_quant_qdq(&q, x, a + 1, n, 0, 2), 0);
        CHECK_MSG(same_bits(a + 1, b, n, &w), "%s streamed (misaligned) differs at %lld", names[k],
                  (long long)w);
        memcpy(a, x, (size_t)n * 4);
        CHECK_EQ_INT(rg_quant_qdq(&q, a, a, n, 0, 2), 0);
        CHECK_MSG(same_bits(a, b, n, &w), "%s streamed (in place) differs at %lld", names[k], (long long)w);
    }
out:
    free(x);
    free(a);
    free(b);
}

int main(void) {
    check_int_no_negative_zero();
    check_elem_api();
    check_mx_scale();
    check_rules();
    check_sr_chunking();
    check_sr_unbiased();
    check_kernels_vs_ref();
    check_kernels_finite();
    check_streamed_output();
    return tu_status("test_quant");
}
