/* recipe_unit.c: the amax/scale, four-over-six and Hadamard unit models
 * (see recipe_unit.h). Integer arithmetic on codes throughout; floats only
 * where a value is exact in them. */
#include "recipe_unit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "formats.h"
#include "unit.h"

static const char *const KIND_NAMES[] = {
#define RG_X_(id, name) name,
    RG_RUNIT_LIST(RG_X_)
#undef RG_X_
};

int rg_runit_kind_find(const char *name) {
    for (int i = 0; name && i < RG_RUNIT_KIND_COUNT; i++)
        if (strcmp(name, KIND_NAMES[i]) == 0)
            return i;
    return RG_EUNKNOWN;
}

const char *rg_runit_kind_name(int kind) {
    return kind >= 0 && kind < RG_RUNIT_KIND_COUNT ? KIND_NAMES[kind] : "?";
}

static int elem_of(const char *name, rg_elem *e, const char *field, rg_err *err) {
    rg_format f;
    int rc = rg_format_parse(name, &f, field, err);
    if (rc < 0)
        return rc;
    rc = rg_elem_init(e, &f);
    if (rc < 0 || f.kind != RG_FK_FLOAT || f.scaling != RG_SCALE_NONE)
        return rg_err_set(err, RG_EUNSUPPORTED, field, "'%s' is not a plain float format", name);
    return 0;
}

static int init_hadamard(rg_runit *u, const char *src, int block, rg_err *err) {
    const char *s = src ? src : "int8";
    int w = 0;
    char tail = 0;
    if (sscanf(s, "int%d%c", &w, &tail) != 1 || w < 2 || w > 24)
        return rg_err_set(err, RG_EINVAL, "--format", "a hadamard unit takes intW, W = 2..24 (got '%s')", s);
    u->width = w;
    u->block = block ? block : 16;
    if (u->block < 2 || u->block > RG_RUNIT_MAX_BLOCK || (u->block & (u->block - 1)) != 0)
        return rg_err_set(err, RG_EINVAL, "--block",
                          "a Walsh-Hadamard block is a power of two 2..%d (got %d)", RG_RUNIT_MAX_BLOCK,
                          u->block);
    while ((1 << u->log2b) < u->block)
        u->log2b++;
    snprintf(u->src_name, sizeof u->src_name, "%s", s);
    return 0;
}

int rg_runit_init(rg_runit *u, rg_runit_kind kind, const char *src, int block, const char *scale,
                  const char *elem, int max, rg_err *err) {
    memset(u, 0, sizeof *u);
    if ((int)kind < 0 || kind >= RG_RUNIT_KIND_COUNT)
        return rg_err_set(err, RG_EUNKNOWN, "--unit", "unknown recipe unit");
    u->kind = kind;
    if (block < 0)
        return rg_err_set(err, RG_ERANGE, "--block", "must be > 0 (got %d)", block);
    if (kind == RG_RUNIT_HADAMARD) {
        if (scale || elem || max)
            return rg_err_set(err, RG_EINVAL,
                              scale  ? "--scale"
                              : elem ? "--elem"
                                     : "--max",
                              "a hadamard unit has no scale");
        return init_hadamard(u, src, block, err);
    }
    const char *s = src ? src : "bf16";
    int rc = elem_of(s, &u->src, "--format", err);
    if (rc < 0)
        return rc;
    if (u->src.bits > 16 || u->src.mbits < 1)
        return rg_err_set(err, RG_EUNSUPPORTED, "--format",
                          "a source format of at most 16 bits with mantissa bits (got '%s')", s);
    snprintf(u->src_name, sizeof u->src_name, "%s", s);
    if (kind == RG_RUNIT_FOUR_SIX) {
        if (scale || elem || max)
            return rg_err_set(err, RG_EINVAL,
                              scale  ? "--scale"
                              : elem ? "--elem"
                                     : "--max",
                              "four_six has fixed scales (E4M3, M = 6 and 4)");
        u->block = block ? block : RG_RUNIT_FS_BLOCK;
        if (u->block != RG_RUNIT_FS_BLOCK)
            return rg_err_set(err, RG_EUNSUPPORTED, "--block", "four_six works on NVFP4's 16-element blocks");
        u->scale = RG_RUNIT_SCALE_E4M3;
        u->guard = u->src.mbits + 5;
        return 0;
    }
    u->block = block ? block : 32;
    if (u->block < 2 || u->block > RG_RUNIT_MAX_BLOCK)
        return rg_err_set(err, RG_ERANGE, "--block", "must be 2..%d (got %d)", RG_RUNIT_MAX_BLOCK, u->block);
    const char *sc = scale ? scale : "e8m0";
    if (strcmp(sc, "e8m0") == 0) {
        u->scale = RG_RUNIT_SCALE_E8M0;
        if (max)
            return rg_err_set(err, RG_EINVAL, "--max", "only an e4m3 scale takes --max");
        const char *el = elem ? elem : "fp8_e4m3";
        rc = elem_of(el, &u->elem, "--elem", err);
        if (rc < 0)
            return rc;
        snprintf(u->elem_name, sizeof u->elem_name, "%s", el);
    } else if (strcmp(sc, "e4m3") == 0) {
        u->scale = RG_RUNIT_SCALE_E4M3;
        if (elem)
            return rg_err_set(err, RG_EINVAL, "--elem",
                              "an e4m3 scale divides by --max, not an element's emax");
        u->max = max ? max : 6;
        if (u->max != 6 && u->max != 4)
            return rg_err_set(err, RG_EINVAL, "--max", "6 (NVFP4) or 4 (four over six), got %d", u->max);
    } else {
        return rg_err_set(err, RG_EINVAL, "--scale", "e8m0 or e4m3 (got '%s')", sc);
    }
    return 0;
}

int rg_runit_out_bits(const rg_runit *u) {
    switch (u->kind) {
    case RG_RUNIT_AMAX:
        return 1 + (u->src.bits - 1) + 8;
    case RG_RUNIT_FOUR_SIX:
        return 1 + 4 * RG_RUNIT_FS_BLOCK;
    default:
        return u->block * (u->width + u->log2b);
    }
}

static int msb(uint64_t v) {
    int n = -1;
    while (v) {
        v >>= 1;
        n++;
    }
    return n;
}

/* ---- amax and scales ---------------------------------------------------- */

static rg_elem e4m3_elem(void) {
    rg_elem e;
    rg_format f;
    (void)rg_format_parse("fp8_e4m3", &f, NULL, NULL);
    (void)rg_elem_init(&e, &f);
    return e;
}

uint32_t rg_runit_e4m3_scale(const rg_elem *src, uint32_t amax, int m) {
    rg_unpacked a;
    rg_unit_unpack(src, amax, &a);
    if (a.cls == RG_CLS_NAN || a.cls == RG_CLS_INF)
        return 0x7Fu;
    if (a.cls == RG_CLS_ZERO)
        return 0x08u; /* clamp: 2^-6 */
    /* amax / m = mag * 2^ex with a sticky LSB below every kept bit */
    uint64_t mag = a.sig;
    int ex = a.exp - 2;
    if (m == 6) {
        uint64_t num = (uint64_t)a.sig << 8;
        mag = (num / 3u) << 1 | (num % 3u != 0u);
        ex = a.exp - 10;
    }
    if (msb(mag) + ex < -6) /* below 2^-6: clamped */
        return 0x08u;
    rg_elem e = e4m3_elem();
    float v = ldexpf((float)mag, ex); /* exact: <= 24 bits, normal */
    uint32_t c = rg_fpconv_encode(rg_fpconv_ref(v, &e, RG_ROUND_RNE, true, 0), &e);
    return c < 0x08u ? 0x08u : c;
}

void rg_runit_amax(const rg_runit *u, const uint32_t *x, uint32_t *amax, bool *bad, uint32_t *scale) {
    uint32_t mag_mask = (1u << (u->src.bits - 1)) - 1u, m = 0;
    bool b = false;
    for (int i = 0; i < u->block; i++) {
        rg_unpacked p;
        rg_unit_unpack(&u->src, x[i], &p);
        if (p.cls == RG_CLS_NAN || p.cls == RG_CLS_INF) {
            b = true;
            continue;
        }
        uint32_t mag = x[i] & mag_mask; /* finite magnitudes order as codes */
        m = mag > m ? mag : m;
    }
    *amax = m;
    *bad = b;
    if (u->scale == RG_RUNIT_SCALE_E4M3) {
        *scale = b ? 0x7Fu : rg_runit_e4m3_scale(&u->src, m, u->max);
        return;
    }
    rg_unpacked a;
    rg_unit_unpack(&u->src, m, &a);
    if (b) {
        *scale = 0xFFu;
    } else if (a.cls == RG_CLS_ZERO) {
        *scale = 0x00u;
    } else {
        int s = a.exp + msb(a.sig) - u->elem.emax; /* floor(log2 amax) - emax_elem */
        s = s < -127 ? -127 : (s > 127 ? 127 : s);
        *scale = (uint32_t)(s + 127);
    }
}

/* ---- four over six ------------------------------------------------------- */

/* E2M1 code (sign included) of x * fp32(1/d), d = ds * 2^(ed - 3). */
static uint32_t quant_e2m1(const rg_unpacked *p, uint32_t ds, int ed, const rg_elem *e2m1) {
    uint32_t sign = p->neg ? 0x8u : 0x0u;
    if (p->cls != RG_CLS_FINITE || (p->sig >> (p->uexp - p->exp)) == 0u) /* zero or subnormal */
        return sign;
    /* fp32(8 / ds): 2^23 for ds = 8, else the 24-bit RNE of 2^24 * 8 / ds */
    uint64_t isig = 1u << 23;
    int iex = -23 - ed;
    if (ds != 8u) {
        uint64_t num = (uint64_t)8u << 24, q = num / ds, r = num % ds;
        if (2u * r > ds || (2u * r == ds && (q & 1u)))
            q++;
        isig = q;
        iex = -24 - ed;
    }
    uint64_t prod = (uint64_t)p->sig * isig;
    int pex = p->exp + iex;
    /* round the product to 24 significant bits, RNE (fp32) */
    int drop = msb(prod) - 23;
    if (drop > 0) {
        uint64_t keep = prod >> drop, rem = prod & ((1ull << drop) - 1u), half = 1ull << (drop - 1);
        if (rem > half || (rem == half && (keep & 1u)))
            keep++;
        prod = keep;
        pex += drop;
    }
    if (msb(prod) + pex < -3) /* below 2^-3: E2M1 rounds it to 0 */
        return sign;
    float v = ldexpf((float)prod, pex); /* exact: 25 bits at most, normal */
    return rg_fpconv_encode(rg_fpconv_ref(p->neg ? -v : v, e2m1, RG_ROUND_RNE, true, 0), e2m1);
}

/* floor(v * 2^sh) for a non-negative integer v. */
static uint64_t shift_floor(uint64_t v, int sh) { return sh >= 0 ? v << sh : (sh <= -63 ? 0 : v >> -sh); }

static const uint32_t E2M1_TWICE[8] = {0, 1, 2, 3, 4, 6, 8, 12}; /* 2 * |value| of a magnitude code */

void rg_runit_four_six(const rg_runit *u, const uint32_t *x, uint32_t amax, uint32_t *q, bool *four,
                       uint64_t sse_out[2]) {
    rg_elem e2m1;
    rg_format f;
    (void)rg_format_parse("fp4_e2m1", &f, NULL, NULL);
    (void)rg_elem_init(&e2m1, &f);
    rg_unpacked a;
    rg_unit_unpack(&u->src, amax, &a);
    const int ea = a.uexp, g = u->guard;
    uint32_t codes[2][RG_RUNIT_FS_BLOCK];
    uint64_t sse[2] = {0, 0};
    for (int c = 0; c < 2; c++) {
        uint32_t s = rg_runit_e4m3_scale(&u->src, amax, c == 0 ? 6 : 4);
        uint32_t ds = 8u + (s & 7u);
        int ed = (int)((s >> 3) & 15u) - 7;
        for (int i = 0; i < RG_RUNIT_FS_BLOCK; i++) {
            rg_unpacked p;
            rg_unit_unpack(&u->src, x[i], &p);
            uint32_t qc = quant_e2m1(&p, ds, ed, &e2m1);
            codes[c][i] = qc;
            /* |x| = sig 2^exp; |q d| = k ds 2^(ed - 4); window LSB 2^(ea - g) */
            uint64_t xs = p.cls == RG_CLS_FINITE ? shift_floor(p.sig, p.exp - ea + g) : 0u;
            uint32_t k = E2M1_TWICE[qc & 7u];
            uint64_t ys = k ? shift_floor((uint64_t)k * ds, ed - 4 - ea + g) : 0u;
            int64_t dlt = (int64_t)xs - (int64_t)ys;
            sse[c] += (uint64_t)(dlt * dlt);
        }
    }
    bool pick4 = sse[1] < sse[0];
    memcpy(q, codes[pick4 ? 1 : 0], sizeof codes[0]);
    *four = pick4;
    if (sse_out) {
        sse_out[0] = sse[0];
        sse_out[1] = sse[1];
    }
}

/* ---- Hadamard ------------------------------------------------------------ */

void rg_runit_hadamard(const rg_runit *u, const int32_t *x, int64_t *y) {
    for (int i = 0; i < u->block; i++)
        y[i] = x[i];
    for (int h = 1; h < u->block; h *= 2)
        for (int i = 0; i < u->block; i += 2 * h)
            for (int j = i; j < i + h; j++) {
                int64_t p = y[j], r = y[j + h];
                y[j] = p + r;
                y[j + h] = p - r;
            }
}
