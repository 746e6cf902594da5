/* fpconv.c: reference element conversions (see fpconv.h for the policy).
 *
 * Method: for |x| = a, the quantum of the target at a's binade is
 * 2^qexp with qexp = max(floor(log2 a) - mbits, emin - mbits) (floats) or
 * the fixed LSB exponent (ints). t = a / 2^qexp is exact in double (a has
 * 24 significant bits), so the integer part and discarded fraction are exact
 * and each rounding rule is a plain comparison on them. */
#include "fpconv.h"

#include "status.h"

#include <math.h>
#include <string.h>

static const char *const round_names[] = {"rne", "rtz", "rna", "stochastic"};

int rg_round_find(const char *name) {
    if (!name)
        return RG_EINVAL;
    for (int i = 0; i < 4; i++)
        if (strcmp(name, round_names[i]) == 0)
            return i;
    if (strcmp(name, "sr") == 0)
        return RG_ROUND_SR;
    return RG_EUNKNOWN;
}

const char *rg_round_name(int mode) { return mode >= 0 && mode < 4 ? round_names[mode] : "?"; }

int rg_elem_init(rg_elem *e, const rg_format *f) {
    if (!e || !f)
        return RG_EINVAL;
    memset(e, 0, sizeof *e);
    e->ebits = f->ebits;
    e->mbits = f->mbits;
    e->bias = f->bias;
    e->bits = f->elem_bits;
    if (f->kind == RG_FK_INT) {
        /* k in [-(2^mbits - 1), 2^mbits - 1]; MX ints are k * 2^-(mbits-1). */
        e->is_int = true;
        e->kmax = (int)(((uint32_t)1 << f->mbits) - 1u); /* mbits <= 31 (int32 accumulators) */
        e->qmin = f->scaling == RG_SCALE_MX ? -(f->mbits - 1) : 0;
        e->maxval = (float)ldexp(e->kmax, e->qmin);
        e->emax = ilogb(e->maxval);
        e->emin = e->qmin;
        e->minnorm = (float)ldexp(1.0, e->qmin);
        e->subnormals = true;
        return 0;
    }
    if (f->kind == RG_FK_SCALE) {
        e->is_scale = true;
        e->emin = -f->bias;
        e->emax = (1 << f->ebits) - 2 - f->bias;
        e->maxval = (float)ldexp(1.0, e->emax);
        e->minnorm = (float)ldexp(1.0, e->emin);
        e->qmin = e->emin;
        e->has_nan = true;
        return 0;
    }
    int top = (1 << f->ebits) - 1; /* all-ones exponent field */
    e->emin = 1 - f->bias;
    e->qmin = e->emin - f->mbits;
    e->has_inf = f->nan_mode == RG_NAN_IEEE;
    e->has_nan = f->nan_mode == RG_NAN_IEEE || f->nan_mode == RG_NAN_ONE;
    e->nan_one = f->nan_mode == RG_NAN_ONE;
    e->subnormals = f->subnormals;
    /* Largest finite: IEEE reserves the top binade; E4M3 reserves only the
     * all-ones mantissa of it; FP6/FP4 use every code. */
    int emax_field = f->nan_mode == RG_NAN_IEEE ? top - 1 : top;
    double mmax = (double)((1 << f->mbits) - 1);
    if (f->nan_mode == RG_NAN_ONE)
        mmax -= 1.0;
    if (mmax < 0.0) { /* e.g. e5m0fn: the top binade holds only NaN */
        emax_field -= 1;
        mmax = 0.0;
    }
    e->emax = emax_field - f->bias;
    if (e->emin < -126 || e->emax > 127 || e->qmin < -149)
        return RG_EUNSUPPORTED;
    e->maxval = (float)ldexp(1.0 + mmax / ldexp(1.0, f->mbits), e->emax);
    e->minnorm = (float)ldexp(1.0, e->emin);
    return 0;
}

/* The value an overflow becomes when not saturating. */
static float overflow_value(const rg_elem *e) { return e->has_inf ? INFINITY : NAN; }

float rg_fpconv_ref(float x, const rg_elem *e, rg_round mode, bool saturate, uint32_t rbits) {
    bool neg = signbit(x) != 0;
    if (isnan(x))
        return copysignf(NAN, x);
    if (isinf(x)) {
        float v = saturate ? e->maxval : overflow_value(e);
        return neg ? -v : v;
    }
    double a = fabs((double)x);
    if (a == 0.0)
        return e->is_int ? 0.0f : x; /* an integer code has no -0 */
    int ex = 0;
    (void)frexp(a, &ex); /* a = f * 2^ex, f in [0.5, 1): floor(log2 a) = ex - 1 */
    int qexp;
    if (e->is_int) {
        qexp = e->qmin;
    } else {
        qexp = ex - 1 - e->mbits;
        if (qexp < e->qmin)
            qexp = e->qmin;
    }
    double t = ldexp(a, -qexp);
    double fl = floor(t);
    double frac = t - fl;
    bool up = false;
    switch (mode) {
    case RG_ROUND_RTZ:
        up = false;
        break;
    case RG_ROUND_RNE:
        up = frac > 0.5 || (frac == 0.5 && fmod(fl, 2.0) == 1.0);
        break;
    case RG_ROUND_RNA:
        up = frac >= 0.5;
        break;
    case RG_ROUND_SR: {
        double fbits = floor(ldexp(frac, 32));
        up = fbits + (double)rbits >= 4294967296.0;
        break;
    }
    }
    double q = ldexp(fl + (up ? 1.0 : 0.0), qexp);
    if (!e->is_int && !e->subnormals && q < (double)e->minnorm)
        q = 0.0;
    if (q > (double)e->maxval) {
        if (saturate || mode == RG_ROUND_RTZ)
            q = e->maxval;
        else
            return neg ? -overflow_value(e) : overflow_value(e);
    }
    if (q == 0.0 && e->is_int)
        return 0.0f; /* a negative value rounding to integer 0 is +0 */
    return (float)(neg ? -q : q);
}

uint32_t rg_fpconv_encode(float v, const rg_elem *e) {
    uint32_t sign_bit = 1u << (e->bits - 1);
    uint32_t mask = (e->bits >= 32) ? 0xFFFFFFFFu : ((1u << e->bits) - 1u);
    if (e->is_scale) {
        if (!(v > 0.0f) || isinf(v))
            return 0xFFu;
        return (uint32_t)(ilogbf(v) + e->bias) & mask;
    }
    if (e->is_int) {
        if (isnan(v))
            return 0;
        long k = lrint(ldexp((double)v, -e->qmin));
        return (uint32_t)k & mask;
    }
    uint32_t s = signbit(v) ? sign_bit : 0;
    uint32_t top = (1u << e->ebits) - 1u;
    uint32_t mall = (1u << e->mbits) - 1u;
    if (isnan(v)) {
        if (!e->has_nan)
            return 0;
        return (top << e->mbits) | mall;
    }
    if (isinf(v))
        return s | (top << e->mbits);
    double a = fabs((double)v);
    if (a < (double)e->minnorm) /* subnormal or zero: exponent field 0 */
        return s | (uint32_t)ldexp(a, -e->qmin);
    int E = ilogb(a);
    uint32_t mant = (uint32_t)((ldexp(a, -E) - 1.0) * ldexp(1.0, e->mbits));
    return s | ((uint32_t)(E + e->bias) << e->mbits) | mant;
}

float rg_fpconv_decode(uint32_t code, const rg_elem *e) {
    uint32_t mask = (e->bits >= 32) ? 0xFFFFFFFFu : ((1u << e->bits) - 1u);
    code &= mask;
    if (e->is_scale)
        return code == 0xFFu ? NAN : (float)ldexp(1.0, (int)code - e->bias);
    if (e->is_int) {
        int32_t k = (int32_t)code;
        if (code & (1u << (e->bits - 1)))
            k -= (int32_t)(1u << e->bits);
        return (float)ldexp((double)k, e->qmin);
    }
    bool neg = (code >> (e->bits - 1)) & 1u;
    uint32_t top = (1u << e->ebits) - 1u;
    uint32_t ef = (code >> e->mbits) & top;
    uint32_t mf = code & ((1u << e->mbits) - 1u);
    double v;
    if (ef == top && e->has_inf)
        v = mf == 0 ? INFINITY : NAN;
    else if (ef == top && e->nan_one && mf == (1u << e->mbits) - 1u)
        v = NAN;
    else if (ef == 0)
        v = ldexp((double)mf, e->qmin);
    else
        v = ldexp(1.0 + ldexp((double)mf, -e->mbits), (int)ef - e->bias);
    return (float)(neg ? -v : v);
}

uint16_t rg_fpconv_f32_to_bf16(float x) {
    uint32_t u = rg_f32_bits(x);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u)
        return (uint16_t)(((u >> 16) & 0x8000u) | 0x7FC0u); /* canonical quiet NaN */
    /* RNE on the upper half; a carry out of the top mantissa bit correctly
     * lands on the next exponent, up to Inf. */
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

float rg_fpconv_bf16_to_f32(uint16_t h) { return rg_f32_from_bits((uint32_t)h << 16); }

uint16_t rg_fpconv_f32_to_f16(float x) {
    static const rg_format f16 = {"fp16",        RG_FK_FLOAT, 5,  10,   15,           RG_NAN_IEEE, true,
                                  RG_SCALE_NONE, 0,           16, 16.0, RG_MATH_FP16, "",          true};
    rg_elem e;
    (void)rg_elem_init(&e, &f16);
    if (isnan(x))
        return (uint16_t)((signbit(x) ? 0x8000u : 0u) | 0x7E00u);
    return (uint16_t)rg_fpconv_encode(rg_fpconv_ref(x, &e, RG_ROUND_RNE, false, 0), &e);
}

float rg_fpconv_f16_to_f32(uint16_t h) {
    static const rg_format f16 = {"fp16",        RG_FK_FLOAT, 5,  10,   15,           RG_NAN_IEEE, true,
                                  RG_SCALE_NONE, 0,           16, 16.0, RG_MATH_FP16, "",          true};
    rg_elem e;
    (void)rg_elem_init(&e, &f16);
    return rg_fpconv_decode(h, &e);
}
