/* mx.c: MX shared-scale selection, reference and fast (see mx.h for rules). */
#include "mx.h"

#include "status.h"

#include <math.h>
#include <string.h>

static const char *const smode_names[] = {"floor", "ceil", "even", "rceil"};

int rg_scale_mode_find(const char *name) {
    if (!name)
        return RG_EINVAL;
    for (int i = 0; i < 4; i++)
        if (strcmp(name, smode_names[i]) == 0)
            return i;
    return RG_EUNKNOWN;
}

const char *rg_scale_mode_name(int mode) { return mode >= 0 && mode < 4 ? smode_names[mode] : "?"; }

static int clamp_exp(int s) { return s < -127 ? -127 : (s > 127 ? 127 : s); }

/* Mantissa bits of the element that "even" rounds amax to: the float's
 * mantissa width, or for MX integers the fraction bits below the leading one
 * (MXINT8: 1.xxxxxx, 6 bits). */
static int elem_mbits(const rg_elem *e) { return e->is_int ? -e->qmin : e->mbits; }

int rg_mx_scale_exp_ref(float amax, const rg_elem *e, rg_scale_mode mode) {
    double a = (double)amax;
    if (!(a > 0.0))
        return -127;
    int ex = 0;
    double fr = frexp(a, &ex); /* a = fr * 2^ex, fr in [0.5, 1) */
    int flo = ex - 1;          /* floor(log2 a) */
    int s = flo - e->emax;
    switch (mode) {
    case RG_SMODE_FLOOR:
        break;
    case RG_SMODE_CEIL:
        if (fr != 0.5)
            s += 1;
        break;
    case RG_SMODE_EVEN: {
        /* RNE of a to (m + 1) significant bits; a carry reaches 2^(flo+1). */
        double q = ldexp(1.0, flo - elem_mbits(e));
        double t = a / q, fl = floor(t), fra = t - fl;
        if (fra > 0.5 || (fra == 0.5 && fmod(fl, 2.0) == 1.0))
            fl += 1.0;
        if (fl * q >= ldexp(1.0, flo + 1))
            s += 1;
        break;
    }
    case RG_SMODE_RCEIL:
        /* smallest s with max_elem * 2^s >= a */
        s = flo - e->emax;
        while (ldexp((double)e->maxval, s) < a)
            s++;
        while (ldexp((double)e->maxval, s - 1) >= a)
            s--;
        break;
    }
    return clamp_exp(s);
}

int rg_mx_scale_exp(uint32_t amax_bits, const rg_elem *e, rg_scale_mode mode) {
    if (amax_bits == 0)
        return -127;
    uint32_t eb = amax_bits >> 23, mant = amax_bits & 0x7FFFFFu;
    int flo;
    if (eb == 0) { /* subnormal amax: position of the leading one */
        flo = (31 - __builtin_clz(mant)) - 149;
        mant = (mant << (23 - (31 - __builtin_clz(mant)))) & 0x7FFFFFu;
    } else {
        flo = (int)eb - 127;
    }
    int s = flo - e->emax;
    switch (mode) {
    case RG_SMODE_FLOOR:
        break;
    case RG_SMODE_CEIL:
        s += mant != 0;
        break;
    case RG_SMODE_EVEN: {
        int sh = 23 - elem_mbits(e);
        uint32_t r = mant + ((1u << (sh - 1)) - 1u) + ((mant >> sh) & 1u);
        s += (r >> 23) != 0;
        break;
    }
    case RG_SMODE_RCEIL: {
        uint32_t mb;
        float mv = e->maxval;
        memcpy(&mb, &mv, 4);
        /* a = 1.mant * 2^flo vs max = 1.mb * 2^emax: compare significands. */
        s += mant > (mb & 0x7FFFFFu);
        break;
    }
    }
    return clamp_exp(s);
}
