/* unit.c: bit-exact models of the numerics units (see unit.h).
 *
 * Method: every float unit computes its exact result in a wide fixed-point
 * accumulator (rg_wide, 640 bits) and rounds it once (rg_wide_round). The
 * RTL reaches the same bits with narrower datapaths (exact products, a
 * fixed-point block sum, guard and sticky bits); co-simulation checks that
 * the two agree. */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {
#define RG_X_(id, name) name,
    RG_UNIT_LIST(RG_X_)
#undef RG_X_
};

int rg_unit_kind_find(const char *name) {
    if (!name)
        return RG_EINVAL;
    for (int i = 0; i < RG_UNIT_KIND_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0)
            return i;
    return RG_EUNKNOWN;
}

const char *rg_unit_kind_name(int kind) {
    return kind >= 0 && kind < RG_UNIT_KIND_COUNT ? kind_names[kind] : "?";
}

static uint32_t width_mask(int bits) { return bits >= 32 ? 0xFFFFFFFFu : (1u << bits) - 1u; }

/* ---- codes ---------------------------------------------------------------- */

void rg_unit_unpack(const rg_elem *e, uint32_t code, rg_unpacked *u) {
    memset(u, 0, sizeof *u);
    code &= width_mask(e->bits);
    if (e->is_int) {
        bool neg = (code >> (e->bits - 1)) & 1u;
        int64_t k = neg ? (int64_t)code - ((int64_t)1 << e->bits) : (int64_t)code;
        u->neg = neg;
        u->sig = (uint32_t)(k < 0 ? -k : k);
        u->exp = e->qmin;
        u->uexp = 0;
        u->cls = u->sig ? RG_CLS_FINITE : RG_CLS_ZERO;
        return;
    }
    if (e->is_scale) { /* E8M0: 2^(code - bias), all ones NaN */
        u->cls = code == 0xFFu ? RG_CLS_NAN : RG_CLS_FINITE;
        u->sig = 1;
        u->exp = (int)code - e->bias;
        u->uexp = u->exp;
        return;
    }
    uint32_t top = (1u << e->ebits) - 1u, mmask = (1u << e->mbits) - 1u;
    uint32_t ef = (code >> e->mbits) & top, mf = code & mmask;
    u->neg = (code >> (e->ebits + e->mbits)) & 1u;
    if (e->has_inf && ef == top) {
        u->cls = mf ? RG_CLS_NAN : RG_CLS_INF;
        return;
    }
    if (e->nan_one && ef == top && mf == mmask) {
        u->cls = RG_CLS_NAN;
        return;
    }
    u->uexp = ef ? (int)ef - e->bias : e->emin;
    u->exp = u->uexp - e->mbits;
    u->sig = ef ? (mf | (1u << e->mbits)) : mf;
    u->cls = u->sig ? RG_CLS_FINITE : RG_CLS_ZERO;
}

static uint32_t pack(const rg_elem *e, bool neg, uint32_t efield, uint32_t mfield) {
    return ((uint32_t)neg << (e->ebits + e->mbits)) | (efield << e->mbits) | mfield;
}

uint32_t rg_unit_nan_code(const rg_elem *e) {
    if (!e->has_nan)
        return 0;
    return pack(e, false, (1u << e->ebits) - 1u, (1u << e->mbits) - 1u);
}

/* The largest finite significand (hidden bit included) at exponent emax. */
static uint64_t max_sig(const rg_elem *e) { return (uint64_t)ldexp(e->maxval, e->mbits - e->emax); }

uint32_t rg_unit_max_code(const rg_elem *e, bool neg) {
    return pack(e, neg, (uint32_t)(e->emax + e->bias), (uint32_t)(max_sig(e) - (1u << e->mbits)));
}

/* A finite result too large for e: +-max when saturating (or rounding
 * toward zero), else Inf, or NaN where e has no Inf. */
static uint32_t overflow_code(const rg_elem *e, bool neg, bool saturate) {
    if (saturate || (!e->has_inf && !e->has_nan))
        return rg_unit_max_code(e, neg);
    return e->has_inf ? pack(e, neg, (1u << e->ebits) - 1u, 0) : rg_unit_nan_code(e);
}

/* An infinite result: Inf where e has it, else +-max when saturating, NaN
 * otherwise. */
static uint32_t infinite_code(const rg_elem *e, bool neg, bool saturate) {
    if (e->has_inf)
        return pack(e, neg, (1u << e->ebits) - 1u, 0);
    return overflow_code(e, neg, saturate);
}

/* ---- the wide accumulator ------------------------------------------------ */

void rg_wide_zero(rg_wide *w) {
    memset(w, 0, sizeof *w);
    w->all_negzero = true;
}

static bool wide_negative(const rg_wide *w) { return (w->limb[RG_WIDE_LIMBS - 1] >> 63) != 0; }

int rg_wide_add(rg_wide *w, bool neg, uint64_t mag, int exp) {
    w->any = true;
    if (!(neg && mag == 0))
        w->all_negzero = false;
    if (mag == 0)
        return 0;
    int pos = exp + RG_WIDE_LSB;
    /* room above the term for 2^20 such terms and the sign */
    if (pos < 0 || pos + 64 - __builtin_clzll(mag) > 64 * RG_WIDE_LIMBS - 21)
        return RG_ERANGE;
    int li = pos / 64, off = pos % 64;
    uint64_t part[2] = {mag << off, off ? mag >> (64 - off) : 0};
    if (!neg) {
        uint64_t carry = 0;
        for (int i = li; i < RG_WIDE_LIMBS; i++) {
            uint64_t add = i - li < 2 ? part[i - li] : 0;
            uint64_t s = w->limb[i] + add;
            uint64_t c1 = s < add;
            uint64_t s2 = s + carry;
            uint64_t c2 = s2 < carry;
            w->limb[i] = s2;
            carry = c1 | c2;
            if (i - li >= 1 && !carry)
                break;
        }
    } else {
        uint64_t borrow = 0;
        for (int i = li; i < RG_WIDE_LIMBS; i++) {
            uint64_t sub = i - li < 2 ? part[i - li] : 0;
            uint64_t d = w->limb[i] - sub;
            uint64_t b1 = w->limb[i] < sub;
            uint64_t d2 = d - borrow;
            uint64_t b2 = d < borrow;
            w->limb[i] = d2;
            borrow = b1 | b2;
            if (i - li >= 1 && !borrow)
                break;
        }
    }
    return 0;
}

/* Record a special or add the finite value of an unpacked code times
 * 2^shift and an extra integer factor. */
static int wide_add_unpacked(rg_wide *w, const rg_unpacked *u) {
    if (u->cls == RG_CLS_NAN) {
        w->nan = true;
        w->any = true;
        w->all_negzero = false;
        return 0;
    }
    if (u->cls == RG_CLS_INF) {
        if (u->neg)
            w->ninf = true;
        else
            w->pinf = true;
        w->any = true;
        w->all_negzero = false;
        return 0;
    }
    return rg_wide_add(w, u->neg, u->sig, u->exp);
}

int rg_wide_add_code(rg_wide *w, const rg_elem *e, uint32_t code) {
    rg_unpacked u;
    rg_unit_unpack(e, code, &u);
    return wide_add_unpacked(w, &u);
}

static void wide_abs(const rg_wide *w, uint64_t mag[RG_WIDE_LIMBS]) {
    memcpy(mag, w->limb, sizeof w->limb);
    if (!wide_negative(w))
        return;
    uint64_t carry = 1;
    for (int i = 0; i < RG_WIDE_LIMBS; i++) {
        mag[i] = ~mag[i] + carry;
        carry = carry && mag[i] == 0;
    }
}

static int top_bit(const uint64_t mag[RG_WIDE_LIMBS]) {
    for (int i = RG_WIDE_LIMBS - 1; i >= 0; i--)
        if (mag[i])
            return i * 64 + 63 - __builtin_clzll(mag[i]);
    return -1;
}

static int get_bit(const uint64_t mag[RG_WIDE_LIMBS], int pos) {
    return pos >= 0 && pos < 64 * RG_WIDE_LIMBS ? (int)((mag[pos / 64] >> (pos % 64)) & 1u) : 0;
}

/* Whether any bit below `pos` is set. */
static bool any_below(const uint64_t mag[RG_WIDE_LIMBS], int pos) {
    if (pos <= 0)
        return false;
    int li = pos / 64, off = pos % 64;
    for (int i = 0; i < li && i < RG_WIDE_LIMBS; i++)
        if (mag[i])
            return true;
    return li < RG_WIDE_LIMBS && off && (mag[li] & ((1ull << off) - 1u)) != 0;
}

/* Bits [pos, pos + n) as an integer (n <= 63). */
static uint64_t get_bits(const uint64_t mag[RG_WIDE_LIMBS], int pos, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 1) | (uint64_t)get_bit(mag, pos + i);
    return v;
}

static uint32_t round_int(const uint64_t mag[RG_WIDE_LIMBS], bool neg, const rg_elem *e) {
    /* Integer accumulators wrap: the low `bits` bits of the two's complement. */
    uint64_t v = get_bits(mag, RG_WIDE_LSB, e->bits < 63 ? e->bits : 63);
    if (neg)
        v = ~v + 1u;
    return (uint32_t)v & width_mask(e->bits);
}

uint32_t rg_wide_round(const rg_wide *w, const rg_elem *e, rg_round round, bool saturate) {
    if (w->nan || (w->pinf && w->ninf))
        return rg_unit_nan_code(e);
    if (w->pinf || w->ninf)
        return infinite_code(e, w->ninf, saturate);
    uint64_t mag[RG_WIDE_LIMBS];
    bool neg = wide_negative(w);
    wide_abs(w, mag);
    if (e->is_int)
        return round_int(mag, neg, e);
    int top = top_bit(mag);
    if (top < 0)
        return pack(e, w->any && w->all_negzero, 0, 0);
    int lexp = top - RG_WIDE_LSB;
    int te = lexp > e->emin ? lexp : e->emin;
    int q = te - e->mbits + RG_WIDE_LSB; /* bit index of the result's LSB */
    uint64_t kept = get_bits(mag, q, top - q + 1 > 0 ? top - q + 1 : 0);
    bool guard = get_bit(mag, q - 1), sticky = any_below(mag, q - 1);
    bool up = false;
    if (round == RG_ROUND_RNE)
        up = guard && (sticky || (kept & 1u));
    else if (round == RG_ROUND_RNA)
        up = guard;
    kept += up;
    if (kept >> (e->mbits + 1)) {
        kept >>= 1;
        te += 1;
    }
    if (kept == 0)
        return pack(e, neg, 0, 0);
    if (te > e->emax || (te == e->emax && kept > max_sig(e)))
        return overflow_code(e, neg, saturate || round == RG_ROUND_RTZ);
    if (kept >> e->mbits)
        return pack(e, neg, (uint32_t)(te + e->bias), (uint32_t)(kept - (1u << e->mbits)));
    return pack(e, neg, 0, (uint32_t)kept);
}

double rg_wide_to_double(const rg_wide *w) {
    if (w->nan || (w->pinf && w->ninf))
        return NAN;
    if (w->pinf || w->ninf)
        return w->ninf ? -INFINITY : INFINITY;
    uint64_t mag[RG_WIDE_LIMBS];
    wide_abs(w, mag);
    double v = 0.0;
    for (int i = RG_WIDE_LIMBS - 1; i >= 0; i--)
        v = v * 18446744073709551616.0 + (double)mag[i];
    v = ldexp(v, -RG_WIDE_LSB);
    return wide_negative(w) ? -v : v;
}

/* ---- formats and set-up --------------------------------------------------- */

int rg_unit_format_parse(const char *name, rg_format *out, const char *field, rg_err *err) {
    int bits = 0;
    char tail = 0;
    if (name && sscanf(name, "int%d%c", &bits, &tail) == 1 && bits >= 2 && bits <= 32 && bits != 8 &&
        bits != 4) {
        memset(out, 0, sizeof *out);
        out->name = "user";
        out->kind = RG_FK_INT;
        out->mbits = bits - 1;
        out->elem_bits = bits;
        out->bits_per_element = bits;
        out->math = RG_MATH_INT8;
        out->description = "two's complement integer";
        return RG_FORMAT_USER;
    }
    return rg_format_parse(name, out, field, err);
}

static int check_float_operand(const rg_format *f, rg_err *err) {
    if (f->kind != RG_FK_FLOAT || f->scaling != RG_SCALE_NONE)
        return rg_err_set(err, RG_EUNSUPPORTED, "--format",
                          "'%s' is not a plain float or integer format (block formats need --unit dot)",
                          f->name);
    if (f->elem_bits > RG_UNIT_MAX_IN_BITS || !f->subnormals)
        return rg_err_set(err, RG_EUNSUPPORTED, "--format",
                          "'%s': operands of at most %d bits with subnormals are supported", f->name,
                          RG_UNIT_MAX_IN_BITS);
    return 0;
}

static int check_float_out(const rg_format *g, const char *field, rg_err *err) {
    if (g->kind != RG_FK_FLOAT || g->scaling != RG_SCALE_NONE || !g->subnormals ||
        g->elem_bits > RG_UNIT_MAX_OUT_BITS)
        return rg_err_set(err, RG_EUNSUPPORTED, field,
                          "'%s' must be a plain float format of at most 32 bits with subnormals", g->name);
    return 0;
}

/* An accumulator at least as wide as the operand in range and precision. */
static int check_wider(const rg_format *f, const rg_elem *fe, const rg_format *g, rg_err *err) {
    if (g->ebits < fe->ebits || g->mbits < fe->mbits)
        return rg_err_set(err, RG_EUNSUPPORTED, "--acc", "'%s' is narrower than the operand format '%s'",
                          g->name, f->name);
    return 0;
}

static int init_int(rg_unit *u, const rg_format *f, const rg_format *g, rg_err *err) {
    if (f->scaling != RG_SCALE_NONE || f->elem_bits > RG_UNIT_MAX_IN_BITS)
        return rg_err_set(err, RG_EUNSUPPORTED, "--format", "'%s': integer units take plain int8 or int4",
                          f->name);
    u->is_int = true;
    rg_format acc;
    memset(&acc, 0, sizeof acc);
    acc.name = "user";
    acc.kind = RG_FK_INT;
    acc.elem_bits = u->kind == RG_UNIT_MUL ? 2 * f->elem_bits : 32;
    if (g) {
        if (g->kind != RG_FK_INT || g->scaling != RG_SCALE_NONE)
            return rg_err_set(err, RG_EUNSUPPORTED, u->kind == RG_UNIT_MUL ? "--out-format" : "--acc",
                              "'%s': an integer unit's output is a plain integer (intN)", g->name);
        acc.elem_bits = g->elem_bits;
    }
    if (acc.elem_bits < 2 * f->elem_bits || acc.elem_bits > 32)
        return rg_err_set(err, RG_ERANGE, u->kind == RG_UNIT_MUL ? "--out-format" : "--acc",
                          "an integer %s of int%d operands needs %d to 32 bits, got %d",
                          rg_unit_kind_name(u->kind), f->elem_bits, 2 * f->elem_bits, acc.elem_bits);
    acc.mbits = acc.elem_bits - 1;
    acc.bits_per_element = acc.elem_bits;
    u->fout = acc;
    return rg_elem_init(&u->out, &u->fout);
}

static int init_dot(rg_unit *u, const rg_format *f, rg_err *err) {
    const char *sname = NULL;
    if (f->scaling == RG_SCALE_MX) {
        u->scale = RG_DOT_SCALE_E8M0;
        sname = "e8m0";
    } else if (f->scaling == RG_SCALE_NVFP4) {
        u->scale = RG_DOT_SCALE_E4M3;
        sname = "fp8_e4m3";
    } else {
        return rg_err_set(err, RG_EUNSUPPORTED, "--format",
                          "'%s' has no blocks: dot takes an MX format (mxfp8_e4m3, mxfp8_e5m2, mxfp6_e3m2, "
                          "mxfp6_e2m3, mxfp4, mxint8) or nvfp4",
                          f->name);
    }
    u->block = f->block;
    if (u->block < 1 || u->block > RG_UNIT_MAX_BLOCK)
        return rg_err_set(err, RG_EUNSUPPORTED, "--format", "block of %d elements", u->block);
    return rg_elem_init(&u->scale_elem, rg_format_get(rg_format_find(sname)));
}

int rg_unit_init(rg_unit *u, rg_unit_kind kind, const rg_format *f, const rg_format *g, rg_round round,
                 int align_bits, rg_err *err) {
    if (!u || !f)
        return rg_err_set(err, RG_EINVAL, "--format", "required");
    memset(u, 0, sizeof *u);
    if ((int)kind < 0 || kind >= RG_UNIT_KIND_COUNT)
        return rg_err_set(err, RG_EUNKNOWN, "--unit", "unknown unit (mul, mac, dot)");
    u->kind = kind;
    u->fa = *f;
    u->round = round;
    if (round != RG_ROUND_RNE && round != RG_ROUND_RTZ && round != RG_ROUND_RNA)
        return rg_err_set(err, RG_EUNSUPPORTED, "--rounding", "units round rne, rtz or rna");
    if (kind != RG_UNIT_DOT && align_bits != 0)
        return rg_err_set(err, RG_EINVAL, "--align-bits", "only a dot unit aligns products");
    if (kind == RG_UNIT_DOT && (align_bits < 0 || align_bits > 64))
        return rg_err_set(err, RG_ERANGE, "--align-bits", "must be 1..64 (or absent for exact), got %d",
                          align_bits);
    u->align_bits = align_bits;
    int rc = rg_elem_init(&u->a, f);
    if (rc < 0)
        return rg_err_set(err, rc, "--format", "'%s' cannot be an operand", f->name);
    if (f->kind == RG_FK_SCALE)
        return rg_err_set(err, RG_EUNSUPPORTED, "--format", "'%s' is a scale format, not an operand",
                          f->name);
    if (kind == RG_UNIT_DOT) {
        rc = init_dot(u, f, err);
        if (rc < 0)
            return rc;
    } else if (f->kind == RG_FK_INT) {
        return init_int(u, f, g, err);
    } else {
        rc = check_float_operand(f, err);
        if (rc < 0)
            return rc;
    }
    const char *ofield = kind == RG_UNIT_MUL ? "--out-format" : "--acc";
    if (!g)
        g = kind == RG_UNIT_MUL ? f : rg_format_get(rg_format_find("fp32"));
    rc = check_float_out(g, ofield, err);
    if (rc < 0)
        return rc;
    if (kind != RG_UNIT_MUL && !u->a.is_int) {
        rc = check_wider(f, &u->a, g, err);
        if (rc < 0)
            return rc;
    }
    u->fout = *g;
    rc = rg_elem_init(&u->out, g);
    if (rc < 0)
        return rg_err_set(err, rc, ofield, "'%s' cannot be an output", g->name);
    u->saturate = !g->ieee_overflow;
    return 0;
}

/* ---- the models ----------------------------------------------------------- */

/* w += a * b for decoded operands (specials recorded). */
static void add_product(rg_wide *w, const rg_unpacked *a, const rg_unpacked *b) {
    if (a->cls == RG_CLS_NAN || b->cls == RG_CLS_NAN) {
        rg_unpacked n = {.cls = RG_CLS_NAN};
        (void)wide_add_unpacked(w, &n);
        return;
    }
    bool neg = a->neg != b->neg;
    if (a->cls == RG_CLS_INF || b->cls == RG_CLS_INF) {
        bool zero = a->cls == RG_CLS_ZERO || b->cls == RG_CLS_ZERO;
        rg_unpacked s = {.cls = zero ? RG_CLS_NAN : RG_CLS_INF, .neg = neg};
        (void)wide_add_unpacked(w, &s);
        return;
    }
    (void)rg_wide_add(w, neg, (uint64_t)a->sig * b->sig, a->exp + b->exp);
}

static int64_t sext(uint32_t code, int bits) {
    code &= width_mask(bits);
    return (code >> (bits - 1)) & 1u ? (int64_t)code - ((int64_t)1 << bits) : (int64_t)code;
}

/* w = the exact product of two operand codes. */
static void wide_product(const rg_unit *u, uint32_t a, uint32_t b, rg_wide *w) {
    rg_unpacked ua, ub;
    rg_unit_unpack(&u->a, a, &ua);
    rg_unit_unpack(&u->a, b, &ub);
    rg_wide_zero(w);
    add_product(w, &ua, &ub);
}

uint32_t rg_unit_mul(const rg_unit *u, uint32_t a, uint32_t b) {
    if (u->is_int)
        return (uint32_t)(sext(a, u->a.bits) * sext(b, u->a.bits)) & width_mask(u->out.bits);
    rg_wide w;
    wide_product(u, a, b, &w);
    return rg_wide_round(&w, &u->out, u->round, u->saturate);
}

uint32_t rg_unit_mac(const rg_unit *u, uint32_t a, uint32_t b, uint32_t c) {
    if (u->is_int) {
        uint64_t p = (uint64_t)(sext(a, u->a.bits) * sext(b, u->a.bits));
        return (uint32_t)((uint64_t)sext(c, u->out.bits) + p) & width_mask(u->out.bits);
    }
    rg_wide w;
    wide_product(u, a, b, &w);
    (void)rg_wide_add_code(&w, &u->out, c);
    return rg_wide_round(&w, &u->out, u->round, u->saturate);
}

uint32_t rg_unit_add(const rg_elem *f, uint32_t x, uint32_t y, rg_round round, bool saturate) {
    rg_wide w;
    rg_wide_zero(&w);
    (void)rg_wide_add_code(&w, f, x);
    (void)rg_wide_add_code(&w, f, y);
    return rg_wide_round(&w, f, round, saturate);
}

/* The product of the two block scales: value = (-1)^neg * sig * 2^exp. */
static rg_unpacked scale_product(const rg_unit *u, uint32_t sa, uint32_t sb) {
    rg_unpacked xa, xb, p = {0};
    rg_unit_unpack(&u->scale_elem, sa, &xa);
    rg_unit_unpack(&u->scale_elem, sb, &xb);
    if (xa.cls == RG_CLS_NAN || xb.cls == RG_CLS_NAN) {
        p.cls = RG_CLS_NAN;
        return p;
    }
    p.neg = xa.neg != xb.neg;
    p.sig = xa.sig * xb.sig;
    p.exp = xa.exp + xb.exp;
    p.cls = p.sig ? RG_CLS_FINITE : RG_CLS_ZERO;
    return p;
}

uint32_t rg_unit_dot(const rg_unit *u, const uint32_t *a, const uint32_t *b, uint32_t sa, uint32_t sb) {
    rg_unpacked ua[RG_UNIT_MAX_BLOCK], ub[RG_UNIT_MAX_BLOCK];
    rg_unpacked s = scale_product(u, sa, sb);
    rg_wide w;
    rg_wide_zero(&w);
    if (s.cls == RG_CLS_NAN) {
        w.nan = true;
        return rg_wide_round(&w, &u->out, u->round, u->saturate);
    }
    bool have = false;
    int pmax = 0;
    for (int i = 0; i < u->block; i++) {
        rg_unit_unpack(&u->a, a[i], &ua[i]);
        rg_unit_unpack(&u->a, b[i], &ub[i]);
        bool nz = ua[i].cls == RG_CLS_FINITE && ub[i].cls == RG_CLS_FINITE;
        int p = ua[i].uexp + ub[i].uexp;
        if (nz && (!have || p > pmax)) {
            pmax = p;
            have = true;
        }
    }
    int lsb = pmax + 2 - u->align_bits; /* the window's LSB weight (align_bits > 0) */
    for (int i = 0; i < u->block; i++) {
        if (ua[i].cls != RG_CLS_FINITE || ub[i].cls != RG_CLS_FINITE) {
            /* specials (E5M2 Inf/NaN, E4M3 NaN); block scales are never zero for MX */
            add_product(&w, &ua[i], &ub[i]);
            continue;
        }
        uint64_t m = (uint64_t)ua[i].sig * ub[i].sig;
        int e = ua[i].exp + ub[i].exp;
        if (u->align_bits > 0 && lsb > e) {
            int sh = lsb - e;
            m = sh >= 64 ? 0 : m >> sh;
            e = lsb;
        }
        bool neg = (ua[i].neg != ub[i].neg) != s.neg;
        (void)rg_wide_add(&w, neg, m * s.sig, e + s.exp);
    }
    return rg_wide_round(&w, &u->out, u->round, u->saturate);
}
