/* quant.c: quantize-dequantize kernels (see quant.h).
 *
 * Element rounding, fast path (must equal rg_fpconv_ref bit for bit):
 *  - RNE, target normal range: drop the 23 - m low mantissa bits of the
 *    fp32 pattern with the integer round-half-even add; a carry moves into
 *    the exponent (and up to Inf) exactly as the value does.
 *  - RNE, target subnormal range (|v| < 2^emin, quantum 2^qmin fixed):
 *    (|v| + 1.5 * 2^(qmin+23)) - 1.5 * 2^(qmin+23) lets the FPU's own
 *    round-to-nearest-even do it. Integers use this path always.
 *  - RTZ, RNA, SR: significand S (24 bits), shift sh to the quantum at the
 *    value's binade, truncated T and remainder R, a per-mode carry, and the
 *    result rebuilt as (float)(T + carry) * 2^qexp.
 * Then one select chain for overflow (saturate, Inf or NaN), Inf and NaN
 * inputs, and flush-to-zero formats. The loops are branch-free on uint32
 * patterns, specialised per rounding mode so the compiler can vectorise.
 *
 * Scaled formats are processed one scale group at a time by routines shared
 * by the fast and the reference path; only the element conversion and the
 * MX scale rule differ (fast: this file and rg_mx_scale_exp; reference:
 * rg_fpconv_ref and rg_mx_scale_exp_ref). Work is split across threads on
 * whole scale groups, so every group's result is independent of the split. */
#include "fpconv.h"
#include "quant.h"

#include "rng.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

/* The hot loops are also compiled for AVX-512 and AVX2 and the widest the
 * CPU has is picked at load time (GCC function multiversioning); results are
 * identical, only the vector width changes (the scalar _ref path is always
 * there). */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && defined(__linux__)
#define RG_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RG_SIMD_CLONES
#endif

/* 2^e as a float for e in [-149, 127]. */
static inline float pow2f(int e) {
    return rg_f32_from_bits(e >= -126 ? (uint32_t)(e + 127) << 23 : 1u << (e + 149));
}

static const char *const tscale_names[] = {"none", "tensor", "channel"};

int rg_tscale_find(const char *name) {
    if (!name)
        return RG_EINVAL;
    for (int i = 0; i < 3; i++)
        if (strcmp(name, tscale_names[i]) == 0)
            return i;
    return RG_EUNKNOWN;
}

const char *rg_tscale_name(int t) { return t >= 0 && t < 3 ? tscale_names[t] : "?"; }

/* One element conversion, with the constants of the fast path precomputed. */
typedef struct cvt {
    rg_elem e;
    rg_round mode;
    bool sat;
    uint64_t seed;
    uint32_t k0, k1; /* stochastic-rounding keys (rg_rng_sr_keys) */
    /* fast-path constants */
    uint32_t sh, mask, half_m1; /* normal range: 23 - m dropped bits */
    uint32_t emin_b;            /* biased fp32 exponent of the min normal; 256 for ints */
    float csub;                 /* 1.5 * 2^(qmin + 23) */
    int32_t mbits;              /* 255 for ints: the quantum never follows the binade */
    int32_t qmin;
    float maxval, minnorm;
    uint32_t ovf_res, inf_res; /* results of a rounded overflow / an Inf input */
    uint32_t zero_sign;        /* ~0 for floats (keep -0); 0 for ints (a zero code has no sign) */
    bool flush;
    bool generic_rne; /* fp32-wide mantissa: no bits to drop, use the generic path */
} cvt;

static void cvt_init(cvt *c, const rg_elem *e, rg_round mode, bool sat, uint64_t seed) {
    memset(c, 0, sizeof *c);
    c->e = *e;
    c->mode = mode;
    c->sat = sat;
    c->seed = seed;
    rg_rng_sr_keys(seed, &c->k0, &c->k1);
    c->qmin = e->qmin;
    c->maxval = e->maxval;
    c->minnorm = e->minnorm;
    c->flush = !e->is_int && !e->subnormals;
    c->zero_sign = e->is_int ? 0u : ~0u;
    uint32_t ovf_bits = e->has_inf ? 0x7F800000u : 0x7FC00000u;
    c->ovf_res = (sat || mode == RG_ROUND_RTZ) ? rg_f32_bits(e->maxval) : ovf_bits;
    c->inf_res = sat ? rg_f32_bits(e->maxval) : ovf_bits;
    if (e->is_int) {
        c->mbits = 255;
        c->emin_b = 256;
        c->sh = 1;
    } else {
        c->mbits = e->mbits;
        c->emin_b = (uint32_t)(e->emin + 127);
        c->sh = (uint32_t)(23 - e->mbits);
        c->generic_rne =
            e->mbits >= 23 || e->mbits == 0; /* no bits to drop / tie bit would be the exponent */
    }
    if (c->sh > 0 && c->sh < 32) {
        c->mask = (1u << c->sh) - 1u;
        c->half_m1 = (1u << (c->sh - 1)) - 1u;
    }
    c->csub = 1.5f * pow2f(e->qmin + 23 > 127 ? 127 : e->qmin + 23);
}

static inline uint32_t mag_generic(uint32_t a, const cvt *c, rg_round mode, uint32_t r) {
    int32_t eb = (int32_t)(a >> 23);
    int32_t eeff = eb ? eb : 1;
    uint32_t s = (a & 0x7FFFFFu) | (eb ? 0x800000u : 0u);
    int32_t qexp = eeff - 127 - c->mbits;
    qexp = qexp < c->qmin ? c->qmin : qexp;
    qexp = qexp < eeff - 150 ? eeff - 150 : qexp;
    int32_t sh = qexp - (eeff - 150);
    int32_t shc = sh > 25 ? 25 : sh;
    uint32_t t = s >> shc, rem = s - (t << shc), half = (1u << shc) >> 1;
    uint32_t up = 0;
    if (mode == RG_ROUND_RNE) {
        up = (uint32_t)(shc > 0) & ((uint32_t)(rem > half) | ((uint32_t)(rem == half) & t));
    } else if (mode == RG_ROUND_RNA) {
        up = (uint32_t)(shc > 0) & (uint32_t)(rem >= half);
    } else if (mode == RG_ROUND_SR) {
        /* F = floor(frac * 2^32) = rem * 2^(32 - sh); up iff F + r carries out of 32 bits */
        int32_t lsh = 32 - sh, rsh = sh - 32;
        lsh = lsh < 0 ? 0 : (lsh > 31 ? 31 : lsh);
        rsh = rsh < 0 ? 0 : (rsh > 31 ? 31 : rsh);
        uint32_t f = (rem << lsh) >> rsh; /* sh = 0: rem = 0 */
        up = (uint32_t)(f + r) < f;
    }
    return rg_f32_bits((float)(int32_t)(t + (up & 1u)) * pow2f(qexp));
}

static inline float finish(uint32_t u, uint32_t mag, const cvt *c) {
    uint32_t sign = u & 0x80000000u, a = u ^ sign;
    float m = rg_f32_from_bits(mag);
    uint32_t res = (c->flush && m < c->minnorm) ? 0u : mag;
    res = m > c->maxval ? c->ovf_res : res;
    res = a == 0x7F800000u ? c->inf_res : res;
    res = a > 0x7F800000u ? 0x7FC00000u : res;
    sign &= c->zero_sign | (0u - (uint32_t)(res != 0u));
    return rg_f32_from_bits(res | sign);
}

/* RNE on a tile in place, as straight-line mask arithmetic on uint32 lanes
 * (no branches, constants in locals) so the compiler vectorises it. Values
 * stay below 2^31 as patterns, so signed compares are exact. */
RG_SIMD_CLONES static void rne_tile(const cvt *c, float *t, int64_t n) {
    const uint32_t sh = c->sh, keep = ~c->mask, hm1 = c->half_m1;
    const int32_t eminb = (int32_t)c->emin_b;
    const float csub = c->csub, maxv = c->maxval, minn = c->minnorm;
    const uint32_t ovf = c->ovf_res, infr = c->inf_res, flush = c->flush ? ~0u : 0u, zs = c->zero_sign;
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        uint32_t u = rg_f32_bits(t[i]);
        uint32_t sign = u & 0x80000000u, a = u ^ sign;
        uint32_t nrm = (a + hm1 + ((a >> sh) & 1u)) & keep;
        uint32_t sub = rg_f32_bits((rg_f32_from_bits(a) + csub) - csub);
        uint32_t isn = 0u - (uint32_t)((int32_t)(a >> 23) >= eminb);
        uint32_t mag = (nrm & isn) | (sub & ~isn);
        float m = rg_f32_from_bits(mag);
        uint32_t fl = flush & (0u - (uint32_t)(m < minn));
        mag &= ~fl;
        uint32_t ov = 0u - (uint32_t)(m > maxv);
        mag = (mag & ~ov) | (ovf & ov);
        uint32_t ii = 0u - (uint32_t)((int32_t)a == 0x7F800000);
        mag = (mag & ~ii) | (infr & ii);
        uint32_t nn = 0u - (uint32_t)((int32_t)a > 0x7F800000);
        mag = (mag & ~nn) | (0x7FC00000u & nn);
        sign &= zs | (0u - (uint32_t)(mag != 0u)); /* ints: 0 is +0 */
        t[i] = rg_f32_from_bits(mag | sign);
    }
}

/* Other modes (and RNE on m = 0 or m = 23) on a tile in place. */
static inline __attribute__((always_inline)) void generic_tile_mode(const cvt *cp, rg_round mode, float *t,
                                                                    int64_t n, uint64_t idx0) {
    const cvt c = *cp; /* a local copy: stores to t cannot alias it */
    const uint32_t base = (uint32_t)idx0, hi0 = (uint32_t)(idx0 >> 32);
#pragma omp simd
    for (int64_t i = 0; i < n; i++) {
        uint32_t u = rg_f32_bits(t[i]);
        uint32_t r = 0u;
        if (mode == RG_ROUND_SR) {
            uint32_t lo = base + (uint32_t)i;
            r = rg_rng_bits32(c.k0, c.k1, lo, hi0 + (uint32_t)(lo < base));
        }
        t[i] = finish(u, mag_generic(u & 0x7FFFFFFFu, &c, mode, r), &c);
    }
}

RG_SIMD_CLONES static void generic_tile(const cvt *c, float *t, int64_t n, uint64_t idx0) {
    switch (c->mode) {
    case RG_ROUND_RNE:
        generic_tile_mode(c, RG_ROUND_RNE, t, n, idx0);
        break;
    case RG_ROUND_RTZ:
        generic_tile_mode(c, RG_ROUND_RTZ, t, n, idx0);
        break;
    case RG_ROUND_RNA:
        generic_tile_mode(c, RG_ROUND_RNA, t, n, idx0);
        break;
    case RG_ROUND_SR:
        generic_tile_mode(c, RG_ROUND_SR, t, n, idx0);
        break;
    }
}

#define TILE 512

static void conv_fast(const cvt *c, float *t, int64_t n, uint64_t idx0) {
    if (c->mode == RG_ROUND_RNE && !c->generic_rne)
        rne_tile(c, t, n);
    else
        generic_tile(c, t, n, idx0);
}

static void conv_ref(const cvt *c, float *t, int64_t n, uint64_t idx0) {
    for (int64_t i = 0; i < n; i++) {
        uint32_t r = c->mode == RG_ROUND_SR ? rg_rng_sr(c->seed, idx0 + (uint64_t)i) : 0u;
        t[i] = rg_fpconv_ref(t[i], &c->e, c->mode, c->sat, r);
    }
}

/* What differs between the fast and the reference path. */
typedef struct backend {
    void (*conv)(const cvt *c, float *t, int64_t n, uint64_t idx0); /* in place */
    int (*mx_scale)(float amax, uint32_t amax_bits, const rg_elem *e, rg_scale_mode mode);
    bool fast; /* amax of finite tiles in vector lanes, MX floor rule in place (the reference keeps the
                * plain per-group loops, so tests check one against the other) */
} backend;

static int mx_scale_fast(float amax, uint32_t bits, const rg_elem *e, rg_scale_mode m) {
    (void)amax;
    return rg_mx_scale_exp(bits, e, m);
}

static int mx_scale_ref(float amax, uint32_t bits, const rg_elem *e, rg_scale_mode m) {
    (void)bits;
    return rg_mx_scale_exp_ref(amax, e, m);
}

static const backend backend_fast = {conv_fast, mx_scale_fast, true};
static const backend backend_ref = {conv_ref, mx_scale_ref, false};

/* Everything one qdq call needs. */
typedef struct ctx {
    const rg_quant *q;
    const backend *be;
    cvt main; /* the element */
    cvt wide; /* asymmetric groups: round to integers without clamping */
    cvt e4m3; /* NVFP4 block scales: RNE, saturating */
    cvt f16;  /* integer group scales: fp16, RNE, saturating */
    float tensor_scale;
    bool elems;  /* write the scaled elements, not multiplied back by their scale */
    bool stream; /* large output: write it with non-temporal stores (see store_tile) */
} ctx;

/* Outputs of at least this many elements (32 MiB) are written around the
 * caches: a plain store first reads the line it writes (write-allocate), so a
 * streamed output moves 8 bytes per element instead of 12, and an output
 * larger than the last-level cache would not stay there for its reader
 * anyway. Smaller outputs stay cached. */
#define STREAM_MIN_ELEMENTS ((int64_t)8 << 20)

/* dst[0, len) = t[0, len): with SSE non-temporal stores when `stream` and dst
 * is 16-byte aligned (x86-64; everywhere else plain stores). The values are
 * the same either way; process() fences the streamed stores. */
static inline __attribute__((always_inline)) void store_tile(float *dst, const float *t, int64_t len,
                                                             bool stream) {
    int64_t i = 0;
#if defined(__x86_64__)
    if (stream && ((uintptr_t)dst & 15u) == 0)
        for (; i + 4 <= len; i += 4)
            _mm_stream_ps(dst + i, _mm_loadu_ps(t + i));
#else
    (void)stream;
#endif
    for (; i < len; i++)
        dst[i] = t[i];
}

/* |x| bits of the largest finite element, and whether any is NaN/Inf. */
static inline __attribute__((always_inline)) uint32_t amax_bits(const float *in, int64_t n, int *nonfinite) {
    int32_t m = 0, bad = 0;
#pragma omp simd reduction(max : m) reduction(| : bad)
    for (int64_t i = 0; i < n; i++) {
        int32_t a = (int32_t)(rg_f32_bits(in[i]) & 0x7FFFFFFFu);
        int32_t big = a >= 0x7F800000;
        bad |= big;
        a = big ? 0 : a;
        m = a > m ? a : m;
    }
    *nonfinite = bad;
    return (uint32_t)m;
}

/* The largest |x| bit pattern of a group, NaN and Inf included, in eight
 * lanes the compiler keeps in one vector register (a reduction per short
 * group costs more as an `omp simd` reduction). */
static inline __attribute__((always_inline)) uint32_t abs_max_bits(const float *in, int64_t n) {
    uint32_t lm[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) {
            uint32_t a = rg_f32_bits(in[i + l]) & 0x7FFFFFFFu;
            lm[l] = a > lm[l] ? a : lm[l];
        }
    for (; i < n; i++) {
        uint32_t a = rg_f32_bits(in[i]) & 0x7FFFFFFFu;
        lm[0] = a > lm[0] ? a : lm[0];
    }
    for (int l = 0; l < 4; l++)
        lm[l] = lm[l + 4] > lm[l] ? lm[l + 4] : lm[l];
    for (int l = 0; l < 2; l++)
        lm[l] = lm[l + 2] > lm[l] ? lm[l + 2] : lm[l];
    return lm[1] > lm[0] ? lm[1] : lm[0];
}

static float to_f16(float v) { return rg_fpconv_f16_to_f32(rg_fpconv_f32_to_f16(v)); }

/* The scales of nb consecutive groups of B elements (the last may be short;
 * `len` elements in all), under the quantizer's rule:
 *   MX     X = 2^s (mx.h), inv = 2^-s exactly
 *   NVFP4  d = ts * e4m3_rne(clamp(amax / 6 / ts, 2^-6, 448)), inv = 1 / d
 *   group  d = fp16(amax / kmax) (saturating), inv = 1 / d
 *   row    d = amax / max_elem, inv = 1 / d (non-finite elements pass through)
 * A zero scale (all-zero group) becomes 1. bad[j]: group j holds NaN/Inf and
 * becomes all NaN. Amax per group, then each rule as one loop over groups
 * (the divisions vectorise). */
RG_SIMD_CLONES static void tile_scales(const ctx *x, const float *in, int64_t len, int64_t B, int64_t nb,
                                       float *inv, float *d, int *bad) {
    const rg_quant *q = x->q;
    uint32_t am[TILE];
    /* Fast path: the largest |x| bits per group in one pass; NaN and Inf
     * patterns are above every finite one, so a top value >= 0x7F800000
     * says the tile holds one, and only then the groups are measured again
     * with the finite rule (the reference always takes that path). */
    uint32_t top = 0x7F800000u;
    if (x->be->fast) {
        for (int64_t j = 0; j < nb; j++) {
            int64_t lo = j * B, m = len - lo < B ? len - lo : B;
            am[j] = abs_max_bits(in + lo, m);
        }
        top = 0;
#pragma omp simd reduction(max : top)
        for (int64_t j = 0; j < nb; j++)
            top = am[j] > top ? am[j] : top;
    }
    if (top >= 0x7F800000u) {
        for (int64_t j = 0; j < nb; j++) {
            int64_t lo = j * B, m = len - lo < B ? len - lo : B;
            am[j] = amax_bits(in + lo, m, &bad[j]);
        }
    } else {
        for (int64_t j = 0; j < nb; j++)
            bad[j] = 0;
    }
    switch (q->fmt.scaling) {
    case RG_SCALE_MX:
        if (x->be->fast && q->smode == RG_SMODE_FLOOR) {
            /* s = clamp(floor(log2 amax) - emax_elem, -127, 127) from the
             * exponent field (mx.h), -127 for amax 0, as a vector loop;
             * subnormal amax (its leading one below the field) goes to
             * rg_mx_scale_exp below. 2^+-s is built from its bits (2^-127
             * is the subnormal 0x00400000). */
            const int32_t emax = q->elem.emax;
            int sub = 0;
#pragma omp simd reduction(| : sub)
            for (int64_t j = 0; j < nb; j++) {
                int32_t eb = (int32_t)(am[j] >> 23);
                int32_t s = eb - 127 - emax;
                s = s < -127 ? -127 : (s > 127 ? 127 : s);
                s = am[j] == 0 ? -127 : s;
                sub |= (eb == 0) & (am[j] != 0);
                inv[j] = rg_f32_from_bits(-s >= -126 ? (uint32_t)(127 - s) << 23 : 0x00400000u);
                d[j] = rg_f32_from_bits(s >= -126 ? (uint32_t)(s + 127) << 23 : 0x00400000u);
            }
            if (!sub)
                return;
        }
        for (int64_t j = 0; j < nb; j++) {
            int s = x->be->mx_scale(rg_f32_from_bits(am[j]), am[j], &q->elem, q->smode);
            inv[j] = pow2f(-s);
            d[j] = pow2f(s);
        }
        return;
    case RG_SCALE_NVFP4: {
        const float ts = x->tensor_scale;
#pragma omp simd
        for (int64_t j = 0; j < nb; j++) {
            float sb = rg_f32_from_bits(am[j]) / 6.0f / ts;
            d[j] = sb < 0x1p-6f ? 0x1p-6f : (sb > 448.0f ? 448.0f : sb);
        }
        x->be->conv(&x->e4m3, d, nb, 0);
#pragma omp simd
        for (int64_t j = 0; j < nb; j++)
            d[j] = ts * d[j];
        break;
    }
    case RG_SCALE_GROUP_SYM: {
        const float mx = x->main.maxval;
#pragma omp simd
        for (int64_t j = 0; j < nb; j++)
            d[j] = rg_f32_from_bits(am[j]) / mx;
        x->be->conv(&x->f16, d, nb, 0);
        break;
    }
    default: {
        const float mx = x->main.maxval;
#pragma omp simd
        for (int64_t j = 0; j < nb; j++)
            d[j] = rg_f32_from_bits(am[j]) / mx;
        for (int64_t j = 0; j < nb; j++)
            bad[j] = 0;
        break;
    }
    }
    /* d = d > 0 ? d : 1 as a bit select: a conditional expression here
     * stays a branch (GCC does not if-convert it under -ftrapping-math) and
     * the divisions then run one at a time */
#pragma omp simd
    for (int64_t j = 0; j < nb; j++) {
        uint32_t pos = 0u - (uint32_t)(d[j] > 0.0f);
        float v = rg_f32_from_bits((rg_f32_bits(d[j]) & pos) | (0x3F800000u & ~pos));
        d[j] = v;
        inv[j] = 1.0f / v;
    }
}

static const float qnan = (float)NAN;

/* Elements [0, len) of one group with scale (inv, d) through tiles. */
RG_SIMD_CLONES static void group_run(const ctx *x, const float *in, float *out, int64_t len, float inv,
                                     float d, int bad, uint64_t idx0) {
    float t[TILE] __attribute__((aligned(64)));
    const float post = bad ? qnan : (x->elems ? 1.0f : d);
    for (int64_t b = 0; b < len; b += TILE) {
        int64_t m = len - b < TILE ? len - b : TILE;
#pragma omp simd
        for (int64_t i = 0; i < m; i++)
            t[i] = in[b + i] * inv;
        x->be->conv(&x->main, t, m, idx0 + (uint64_t)b);
#pragma omp simd
        for (int64_t i = 0; i < m; i++)
            t[i] *= post;
        store_tile(out + b, t, m, x->stream);
    }
}

/* dst[i] = src[i] * f[i / B] for i < len. Whole groups of the MX (32) and
 * NVFP4 (16) sizes go through loops of a constant trip count, which
 * compile to whole vectors without remainder code. */
static inline __attribute__((always_inline)) void mul_groups(float *dst, const float *src, const float *f,
                                                             int64_t len, int64_t B) {
    int64_t full = len / B, j = 0;
    if (B == 32) {
        for (; j < full; j++) {
            const float s = f[j];
#pragma omp simd
            for (int64_t i = 0; i < 32; i++)
                dst[j * 32 + i] = src[j * 32 + i] * s;
        }
    } else if (B == 16) {
        for (; j < full; j++) {
            const float s = f[j];
#pragma omp simd
            for (int64_t i = 0; i < 16; i++)
                dst[j * 16 + i] = src[j * 16 + i] * s;
        }
    }
    for (; j * B < len; j++) {
        int64_t lo = j * B, m = len - lo < B ? len - lo : B;
        const float s = f[j];
#pragma omp simd
        for (int64_t i = 0; i < m; i++)
            dst[lo + i] = src[lo + i] * s;
    }
}

/* Groups of B consecutive elements. Small groups are batched into one tile
 * (scales first, then one conversion pass) so per-group overhead stays low. */
RG_SIMD_CLONES static void do_groups(const ctx *x, const float *in, float *out, int64_t n, uint64_t idx0,
                                     int64_t B) {
    if (B > TILE / 4) {
        for (int64_t b = 0; b < n; b += B) {
            int64_t len = n - b < B ? n - b : B;
            float inv, d;
            int bad;
            tile_scales(x, in + b, len, len, 1, &inv, &d, &bad);
            group_run(x, in + b, out + b, len, inv, d, bad, idx0 + (uint64_t)b);
        }
        return;
    }
    float inv[TILE], d[TILE];
    float t[TILE] __attribute__((aligned(64)));
    int bad[TILE];
    const int64_t per = (TILE / B) * B;
    for (int64_t b = 0; b < n; b += per) {
        int64_t len = n - b < per ? n - b : per, nb = (len + B - 1) / B;
        /* scaled, converted and multiplied back in a cached tile, then
         * stored (the input is read before out is written, so in == out
         * works) */
        tile_scales(x, in + b, len, B, nb, inv, d, bad);
        mul_groups(t, in + b, inv, len, B);
        x->be->conv(&x->main, t, len, idx0 + (uint64_t)b);
        for (int64_t j = 0; j < nb; j++)
            d[j] = bad[j] ? qnan : (x->elems ? 1.0f : d[j]);
        mul_groups(t, t, d, len, B);
        store_tile(out + b, t, len, x->stream);
    }
}

/* Asymmetric integer groups (quant.h), min-offset form:
 * element = clamp(round((x - m) / s), 0, 2^b - 1), value = element * s + m. */
static void do_group_asym(const ctx *x, const float *in, float *out, int64_t n, uint64_t idx0) {
    const int64_t B = x->q->block;
    const float levels = (float)(2 * x->main.e.kmax + 1); /* 2^b - 1 */
    float t[TILE] __attribute__((aligned(64)));
    for (int64_t b = 0; b < n; b += B) {
        int64_t len = n - b < B ? n - b : B;
        float lo = in[b], hi = in[b];
        int bad = 0;
        for (int64_t i = 0; i < len; i++) {
            float v = in[b + i];
            bad |= !isfinite(v);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (bad) {
            for (int64_t i = 0; i < len; i++)
                out[b + i] = qnan;
            continue;
        }
        float m = to_f16(lo);
        float s = to_f16((hi - m) / levels);
        if (!(s > 0.0f) || !isfinite(m)) { /* a (nearly) constant group: its values in fp16 (the
                                            * offset), +0 for zero: integer codes have no -0 */
            for (int64_t i = 0; i < len; i++)
                out[b + i] = to_f16(in[b + i]) + 0.0f;
            continue;
        }
        float inv = 1.0f / s;
        for (int64_t o = 0; o < len; o += TILE) {
            int64_t k = len - o < TILE ? len - o : TILE;
            for (int64_t i = 0; i < k; i++)
                t[i] = (in[b + o + i] - m) * inv;
            x->be->conv(&x->wide, t, k, idx0 + (uint64_t)(b + o));
            for (int64_t i = 0; i < k; i++) {
                float qv = t[i] < 0.0f ? 0.0f : (t[i] > levels ? levels : t[i]);
                out[b + o + i] = x->elems ? qv : qv * s + m;
            }
        }
    }
}

/* Plain formats: unscaled, per-tensor (tensor_scale) or per-row. */
static void do_plain(const ctx *x, const float *in, float *out, int64_t n, uint64_t idx0) {
    const rg_quant *q = x->q;
    if (q->tscale == RG_TSCALE_CHANNEL) {
        do_groups(x, in, out, n, idx0, q->cols);
        return;
    }
    float d = q->tscale == RG_TSCALE_TENSOR ? x->tensor_scale : 1.0f;
    group_run(x, in, out, n, 1.0f / d, d, 0, idx0);
}

static void process(const ctx *x, const float *in, float *out, int64_t n, uint64_t idx0) {
    switch (x->q->fmt.scaling) {
    case RG_SCALE_MX:
    case RG_SCALE_NVFP4:
    case RG_SCALE_GROUP_SYM:
        do_groups(x, in, out, n, idx0, x->q->block);
        break;
    case RG_SCALE_GROUP_ASYM:
        do_group_asym(x, in, out, n, idx0);
        break;
    case RG_SCALE_NONE:
        do_plain(x, in, out, n, idx0);
        break;
    }
#if defined(__x86_64__)
    if (x->stream)
        _mm_sfence(); /* this thread's streamed stores before the caller (or the barrier) reads them */
#endif
}

int64_t rg_quant_chunk_align(const rg_quant *q) {
    if (q->fmt.scaling != RG_SCALE_NONE)
        return q->block;
    if (q->tscale == RG_TSCALE_CHANNEL)
        return q->cols;
    return 1;
}

/* Whether the format carries a tensor-wide scale. */
static bool tensor_scaled(const rg_quant *q) {
    return q->fmt.scaling == RG_SCALE_NVFP4 ||
           (q->fmt.scaling == RG_SCALE_NONE && q->tscale == RG_TSCALE_TENSOR);
}

bool rg_quant_needs_whole(const rg_quant *q) { return tensor_scaled(q) && !(q->tensor_amax > 0.0f); }

static int ctx_init(ctx *x, const rg_quant *q, const backend *be) {
    memset(x, 0, sizeof *x);
    x->q = q;
    x->be = be;
    cvt_init(&x->main, &q->elem, q->round, q->saturate, q->seed);
    rg_elem w = q->elem;
    w.is_int = true;
    w.qmin = 0;
    w.kmax = 1 << 24;
    w.maxval = 0x1p24f;
    w.minnorm = 1.0f;
    cvt_init(&x->wide, &w, q->round, true, q->seed);
    rg_format f8;
    int rc = rg_format_parse("fp8_e4m3", &f8, NULL, NULL);
    rg_elem e8;
    if (rc < 0 || rg_elem_init(&e8, &f8) < 0)
        return RG_EINTERNAL;
    cvt_init(&x->e4m3, &e8, RG_ROUND_RNE, true, 0);
    rg_format f16;
    rg_elem e16;
    if (rg_format_parse("fp16", &f16, NULL, NULL) < 0 || rg_elem_init(&e16, &f16) < 0)
        return RG_EINTERNAL;
    cvt_init(&x->f16, &e16, RG_ROUND_RNE, true, 0);
    x->tensor_scale = 1.0f;
    return rg_quant_check(q, NULL);
}

static void split(int64_t n, int64_t unit, int ith, int nth, int64_t *lo, int64_t *hi) {
    int64_t units = (n + unit - 1) / unit;
    int64_t u0 = units * ith / nth, u1 = units * (ith + 1) / nth;
    *lo = u0 * unit < n ? u0 * unit : n;
    *hi = u1 * unit < n ? u1 * unit : n;
}

/* |x| bits of the tensor's largest finite element (max is exact: any split
 * gives the same answer). */
static uint32_t tensor_amax(const float *in, int64_t n, int nth);

float rg_quant_tensor_amax(const float *in, int64_t n, int nthreads) {
    if (!in || n <= 0)
        return 0.0f;
    int nth = nthreads > 0 ? nthreads : omp_get_max_threads();
    return rg_f32_from_bits(tensor_amax(in, n, n < 32768 ? 1 : nth));
}

RG_SIMD_CLONES static uint32_t tensor_amax(const float *in, int64_t n, int nth) {
    uint32_t am = 0;
#pragma omp parallel num_threads(nth)
    {
        int64_t lo, hi;
        split(n, 4096, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
        int bad = 0;
        uint32_t m = hi > lo ? amax_bits(in + lo, hi - lo, &bad) : 0u;
#pragma omp critical(rg_quant_amax)
        am = m > am ? m : am;
    }
    return am;
}

/* Tensor scale from the tensor's finite amax (1 when it is 0). */
static float tensor_scale_of(const rg_quant *q, uint32_t am) {
    float a = rg_f32_from_bits(am);
    float s = q->fmt.scaling == RG_SCALE_NVFP4 ? a / (448.0f * 6.0f) : a / q->elem.maxval;
    return s > 0.0f ? s : 1.0f;
}

/* Work units of whole scale groups (>= 64Ki elements), handed out
 * dynamically: a thread that gets less CPU on a shared machine takes fewer
 * units, and no result depends on which thread ran a unit. */
static void run_units(const ctx *x, const float *in, float *out, int64_t n, int64_t offset, int nth) {
    int64_t align = rg_quant_chunk_align(x->q);
    int64_t unit = align < 65536 ? ((65536 + align - 1) / align) * align : align;
    int64_t units = (n + unit - 1) / unit;
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1)
    for (int64_t u = 0; u < units; u++) {
        int64_t lo = u * unit, len = n - lo < unit ? n - lo : unit;
        process(x, in + lo, out + lo, len, (uint64_t)(offset + lo));
    }
}

int rg_quant_qdq(const rg_quant *q, const float *in, float *out, int64_t n, int64_t offset, int nthreads) {
    if (!q || n < 0 || (n > 0 && (!in || !out)) || offset < 0)
        return RG_EINVAL;
    ctx x;
    int rc = ctx_init(&x, q, &backend_fast);
    if (rc < 0)
        return rc;
    int nth = nthreads > 0 ? nthreads : omp_get_max_threads();
    if (n < 32768)
        nth = 1;
    x.stream = n >= STREAM_MIN_ELEMENTS;
    if (tensor_scaled(q))
        x.tensor_scale =
            tensor_scale_of(q, q->tensor_amax > 0.0f ? rg_f32_bits(q->tensor_amax) : tensor_amax(in, n, nth));
    run_units(&x, in, out, n, offset, nth);
    return 0;
}

int rg_quant_qdq_ref(const rg_quant *q, const float *in, float *out, int64_t n, int64_t offset) {
    if (!q || n < 0 || (n > 0 && (!in || !out)) || offset < 0)
        return RG_EINVAL;
    ctx x;
    int rc = ctx_init(&x, q, &backend_ref);
    if (rc < 0)
        return rc;
    if (tensor_scaled(q)) {
        float am = 0.0f;
        for (int64_t i = 0; i < n; i++)
            if (isfinite(in[i]) && fabsf(in[i]) > am)
                am = fabsf(in[i]);
        x.tensor_scale = tensor_scale_of(q, rg_f32_bits(q->tensor_amax > 0.0f ? q->tensor_amax : am));
    }
    process(&x, in, out, n, (uint64_t)offset);
    return 0;
}

int rg_quant_elements(const rg_quant *q, const float *in, float *out, int64_t n, int nthreads) {
    if (!q || n < 0 || (n > 0 && (!in || !out)))
        return RG_EINVAL;
    if (q->fmt.scaling == RG_SCALE_GROUP_ASYM)
        return RG_EUNSUPPORTED;
    ctx x;
    int rc = ctx_init(&x, q, &backend_fast);
    if (rc < 0)
        return rc;
    x.elems = true;
    int nth = nthreads > 0 ? nthreads : omp_get_max_threads();
    if (tensor_scaled(q))
        x.tensor_scale =
            tensor_scale_of(q, q->tensor_amax > 0.0f ? rg_f32_bits(q->tensor_amax) : tensor_amax(in, n, nth));
    run_units(&x, in, out, n, 0, nth);
    return 0;
}

void rg_quant_elem(const rg_quant *q, const float *in, float *out, int64_t n, int64_t offset) {
    cvt c;
    cvt_init(&c, &q->elem, q->round, q->saturate, q->seed);
    float t[TILE] __attribute__((aligned(64)));
    for (int64_t b = 0; b < n; b += TILE) {
        int64_t m = n - b < TILE ? n - b : TILE;
        memcpy(t, in + b, (size_t)m * sizeof *t);
        conv_fast(&c, t, m, (uint64_t)(offset + b));
        memcpy(out + b, t, (size_t)m * sizeof *t);
    }
}

int rg_quant_init(rg_quant *q, const rg_format *f, rg_err *err) {
    if (!q || !f)
        return rg_err_set(err, RG_EINVAL, "format", "no format");
    memset(q, 0, sizeof *q);
    q->fmt = *f;
    if (f->kind == RG_FK_SCALE)
        return rg_err_set(err, RG_EUNSUPPORTED, "format", "%s is a scale format with no elements", f->name);
    int rc = rg_elem_init(&q->elem, f);
    if (rc < 0)
        return rg_err_set(err, rc, "format", "format %s cannot be emulated in fp32", f->name);
    q->round = RG_ROUND_RNE;
    q->saturate = !f->ieee_overflow;
    q->seed = 0;
    q->smode = RG_SMODE_FLOOR;
    q->tscale = (f->scaling == RG_SCALE_NONE && f->elem_bits <= 8) ? RG_TSCALE_TENSOR : RG_TSCALE_NONE;
    q->cols = 0;
    q->block = f->block;
    return 0;
}

int rg_quant_check(const rg_quant *q, rg_err *err) {
    if (!q)
        return rg_err_set(err, RG_EINVAL, "format", "no quantizer");
    if ((unsigned)q->round > RG_ROUND_SR)
        return rg_err_set(err, RG_EINVAL, "rounding", "unknown rounding mode %d", (int)q->round);
    if ((unsigned)q->smode > RG_SMODE_RCEIL)
        return rg_err_set(err, RG_EINVAL, "scale_mode", "unknown scale mode %d", (int)q->smode);
    if ((unsigned)q->tscale > RG_TSCALE_CHANNEL)
        return rg_err_set(err, RG_EINVAL, "scaling", "unknown scaling %d", (int)q->tscale);
    if (q->fmt.scaling != RG_SCALE_NONE && (q->block < 1 || q->block > (1 << 20)))
        return rg_err_set(err, RG_ERANGE, "block", "block size must be 1..1048576, got %d", q->block);
    if (q->fmt.scaling != RG_SCALE_NONE && q->tscale != RG_TSCALE_NONE)
        return rg_err_set(err, RG_EINVAL, "scaling", "%s carries its own scales; use scaling none",
                          q->fmt.name);
    if (!(q->tensor_amax >= 0.0f && q->tensor_amax <= 3.4028235e38f))
        return rg_err_set(err, RG_ERANGE, "tensor_amax", "must be finite and >= 0");
    if (q->tscale == RG_TSCALE_CHANNEL && q->cols < 1)
        return rg_err_set(err, RG_EINVAL, "cols", "per-channel scaling needs a row length (cols >= 1)");
    return 0;
}

double rg_quant_bits(const rg_quant *q, int64_t n) {
    const rg_format *f = &q->fmt;
    double bits = f->elem_bits;
    switch (f->scaling) {
    case RG_SCALE_MX:
        bits += 8.0 / q->block;
        break;
    case RG_SCALE_NVFP4:
        bits += 8.0 / q->block + (n > 0 ? 32.0 / (double)n : 0.0);
        break;
    case RG_SCALE_GROUP_SYM:
        bits += 16.0 / q->block;
        break;
    case RG_SCALE_GROUP_ASYM:
        bits += 32.0 / q->block;
        break;
    case RG_SCALE_NONE:
        if (q->tscale == RG_TSCALE_TENSOR && n > 0)
            bits += 32.0 / (double)n;
        else if (q->tscale == RG_TSCALE_CHANNEL)
            bits += 32.0 / (double)q->cols;
        break;
    }
    return bits;
}
