/* test_unit.c: the bit-exact unit models (engine/unit.h) against
 * independent oracles built on the reference conversions (fpconv.h):
 *  - mul, exhaustively for fp4_e2m1, fp6_e3m2, fp6_e2m3, fp8_e4m3, fp8_e5m2
 *    and on random pairs for fp16/bf16: the exact product (exact in float
 *    for these widths) rounded once by rg_fpconv_ref, in RNE, RTZ and RNA;
 *    special values as IEEE 754 (2019) §6 and the OCP OFP8 spec (2023) say;
 *  - mac into fp32: c + a*b in double with its rounding error (TwoSum,
 *    Knuth TAOCP vol. 2 §4.2.2), rounded once;
 *  - dot: OCP MX v1.0 (2023) §6.2 Dot(A, B) = X_A X_B sum A_i B_i of the
 *    dequantized blocks, exact in double for E4M3/FP6/FP4/INT8 elements,
 *    rounded once to fp32; a truncated window by hand;
 *  - integer mul/mac against C integer arithmetic. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fpconv.h"
#include "rng.h"
#include "testutil.h"
#include "unit.h"

static rg_format fmt_of(const char *name) {
    rg_format f;
    int id = rg_unit_format_parse(name, &f, "format", NULL);
    CHECK(id >= 0);
    return f;
}

static void unit_of(rg_unit *u, rg_unit_kind kind, const char *f, const char *g, rg_round r, int align) {
    rg_format ff = fmt_of(f), gg;
    if (g)
        gg = fmt_of(g);
    rg_err err = {0};
    int rc = rg_unit_init(u, kind, &ff, g ? &gg : NULL, r, align, &err);
    CHECK_MSG(rc == 0, "init %s %s: %s: %s", f, g ? g : "-", err.field, err.msg);
}

/* Codes equal, or both NaN. */
static int same_code(const rg_elem *e, uint32_t got, uint32_t want) {
    rg_unpacked a, b;
    rg_unit_unpack(e, got, &a);
    rg_unit_unpack(e, want, &b);
    if (a.cls == RG_CLS_NAN || b.cls == RG_CLS_NAN)
        return a.cls == b.cls;
    return got == want;
}

static double value_of(const rg_elem *e, uint32_t code) { return (double)rg_fpconv_decode(code, e); }

/* mul over every operand pair against rg_fpconv_ref of the exact product. */
static void mul_exhaustive(const char *name, rg_round r) {
    rg_unit u;
    unit_of(&u, RG_UNIT_MUL, name, NULL, r, 0);
    uint32_t n = 1u << u.a.bits;
    long bad = 0;
    for (uint32_t a = 0; a < n; a++) {
        for (uint32_t b = 0; b < n; b++) {
            double va = value_of(&u.a, a), vb = value_of(&u.a, b);
            double p = va * vb; /* exact: at most 2 * 4 significant bits */
            uint32_t want;
            /* an Inf operand gives Inf (only finite overflow saturates) */
            if (isinf(p) && u.out.has_inf)
                want = rg_fpconv_encode((float)p, &u.out);
            else if (isinf(p))
                want = rg_unit_max_code(&u.out, signbit(p) != 0);
            else
                want = rg_fpconv_encode(rg_fpconv_ref((float)p, &u.out, r, u.saturate, 0), &u.out);
            uint32_t got = rg_unit_mul(&u, a, b);
            if (!same_code(&u.out, got, want)) {
                if (bad++ < 5)
                    fprintf(stderr, "%s %s: %#x * %#x: got %#x want %#x (%g * %g)\n", name, rg_round_name(r),
                            a, b, got, want, va, vb);
            }
        }
    }
    CHECK_MSG(bad == 0, "%s %s: %ld mismatches", name, rg_round_name(r), bad);
}

static void mul_specials(void) {
    rg_unit u;
    unit_of(&u, RG_UNIT_MUL, "fp8_e5m2", NULL, RG_ROUND_RNE, 0);
    /* E5M2: +Inf 0x7C, -Inf 0xFC, NaN 0x7D.., max 0x7B = 57344, 1.0 = 0x3C */
    CHECK_EQ_INT(rg_unit_mul(&u, 0x7C, 0x3C), 0x7C);             /* Inf * 1 = Inf */
    CHECK_EQ_INT(rg_unit_mul(&u, 0x7C, 0xBC), 0xFC);             /* Inf * -1 = -Inf */
    CHECK(same_code(&u.out, rg_unit_mul(&u, 0x7C, 0x00), 0x7F)); /* Inf * 0 = NaN */
    CHECK(same_code(&u.out, rg_unit_mul(&u, 0x7E, 0x3C), 0x7F)); /* NaN * 1 = NaN */
    CHECK_EQ_INT(rg_unit_mul(&u, 0x7B, 0x7B), 0x7B);             /* finite overflow saturates */
    CHECK_EQ_INT(rg_unit_mul(&u, 0x80, 0x3C), 0x80);             /* -0 * 1 = -0 */
    CHECK_EQ_INT(rg_unit_mul(&u, 0x80, 0xBC), 0x00);             /* -0 * -1 = +0 */
    unit_of(&u, RG_UNIT_MUL, "bf16", NULL, RG_ROUND_RNE, 0);
    CHECK_EQ_INT(rg_unit_mul(&u, 0x7F7F, 0x4000), 0x7F80); /* bf16 max * 2 = Inf (IEEE) */
    unit_of(&u, RG_UNIT_MUL, "bf16", NULL, RG_ROUND_RTZ, 0);
    CHECK_EQ_INT(rg_unit_mul(&u, 0x7F7F, 0x4000), 0x7F7F); /* RTZ: max, IEEE 754 §7.4 */
    unit_of(&u, RG_UNIT_MUL, "fp8_e4m3", NULL, RG_ROUND_RNE, 0);
    CHECK_EQ_INT(rg_unit_mul(&u, 0x7E, 0x40), 0x7E);             /* 448 * 2 saturates to 448 */
    CHECK(same_code(&u.out, rg_unit_mul(&u, 0x7F, 0x38), 0x7F)); /* NaN */
    /* subnormal * subnormal underflows to signed zero; 2^-9 * 2^9 ... */
    CHECK_EQ_INT(rg_unit_mul(&u, 0x01, 0x81), 0x80);
    /* a narrower output format: e4m3 * e4m3 -> e2m1 */
    unit_of(&u, RG_UNIT_MUL, "fp8_e4m3", "fp4_e2m1", RG_ROUND_RNE, 0);
    CHECK_EQ_INT(rg_unit_mul(&u, 0x38, 0x38), 0x2); /* 1 * 1 = 1.0 = E2M1 0b0010 */
    CHECK_EQ_INT(rg_unit_mul(&u, 0x48, 0x48), 0x7); /* 4 * 4 = 16 -> saturates to 6 */
}

/* Random pairs of a 16-bit format (all codes equally likely). */
static void mul_random16(const char *name, long n) {
    rg_unit u;
    unit_of(&u, RG_UNIT_MUL, name, NULL, RG_ROUND_RNE, 0);
    long bad = 0, checked = 0;
    for (long i = 0; i < n; i++) {
        uint32_t a = rg_rng_u32(7, (uint64_t)i) & 0xFFFF, b = rg_rng_u32(8, (uint64_t)i) & 0xFFFF;
        double p = value_of(&u.a, a) * value_of(&u.a, b);
        /* exact in float only inside float's normal range */
        if (isfinite(p) && p != 0.0 && (fabs(p) < 0x1p-126 || fabs(p) > 0x1p127))
            continue;
        uint32_t want = rg_fpconv_encode(rg_fpconv_ref((float)p, &u.out, RG_ROUND_RNE, false, 0), &u.out);
        checked++;
        if (!same_code(&u.out, rg_unit_mul(&u, a, b), want))
            bad++;
    }
    CHECK_MSG(bad == 0 && checked > n / 2, "%s: %ld mismatches of %ld", name, bad, checked);
}

/* fp32 rounding of the exact s + err (|err| <= half an ulp of s). */
static float round_f32(double s, double err) {
    float f = (float)s;
    if ((double)f == s || isinf(f))
        return f;
    float g = nextafterf(f, s > (double)f ? INFINITY : -INFINITY);
    if (s - (double)f != (double)g - s || err == 0.0)
        return f; /* not a midpoint, or an exact tie (already RNE) */
    bool toward_g = (err > 0) == ((double)g > (double)f);
    return toward_g ? g : f;
}

static void mac_random(const char *name, long n) {
    rg_unit u;
    unit_of(&u, RG_UNIT_MAC, name, "fp32", RG_ROUND_RNE, 0);
    long bad = 0;
    uint32_t amask = (1u << u.a.bits) - 1u;
    for (long i = 0; i < n; i++) {
        uint32_t a = rg_rng_u32(11, (uint64_t)i) & amask, b = rg_rng_u32(12, (uint64_t)i) & amask;
        /* accumulators near the product's magnitude, so that they interact */
        double pa = value_of(&u.a, a) * value_of(&u.a, b);
        if (!isfinite(pa))
            continue;
        float cf = (float)(pa * ldexp(rg_rng_unit(13, (uint64_t)i) * 2.0 - 1.0, (int)(i % 40) - 20));
        if (i % 7 == 0)
            cf = -(float)pa; /* exact cancellation */
        uint32_t c = rg_f32_bits(cf);
        double s = pa + (double)cf;
        double bb = s - pa, err = (pa - (s - bb)) + ((double)cf - bb); /* TwoSum */
        float want = round_f32(s, err);
        if (s == 0.0)
            want = (signbit(pa) && signbit(cf)) ? -0.0f : 0.0f;
        uint32_t got = rg_unit_mac(&u, a, b, c);
        if (got != rg_f32_bits(want)) {
            if (bad++ < 5)
                fprintf(stderr, "mac %s: %#x*%#x + %a: got %a want %a\n", name, a, b, (double)cf,
                        (double)rg_f32_from_bits(got), (double)want);
        }
    }
    CHECK_MSG(bad == 0, "mac %s: %ld mismatches", name, bad);
}

/* A random MX block: elements uniformly over the codes, scales near 127. */
static void dot_exact(const char *name, long n) {
    rg_unit u;
    unit_of(&u, RG_UNIT_DOT, name, NULL, RG_ROUND_RNE, 0);
    long bad = 0;
    uint32_t a[RG_UNIT_MAX_BLOCK], b[RG_UNIT_MAX_BLOCK];
    uint32_t amask = (1u << u.a.bits) - 1u;
    for (long t = 0; t < n; t++) {
        double sum = 0.0;
        bool nan = false;
        for (int i = 0; i < u.block; i++) {
            a[i] = rg_rng_u32(21, (uint64_t)(t * 64 + i)) & amask;
            b[i] = rg_rng_u32(22, (uint64_t)(t * 64 + i)) & amask;
            double p = value_of(&u.a, a[i]) * value_of(&u.a, b[i]);
            nan |= isnan(p);
            sum += p; /* exact: the products span < 53 bits for these formats */
        }
        uint32_t sa, sb;
        double scale;
        if (u.scale == RG_DOT_SCALE_E8M0) {
            sa = 127 + (uint32_t)(rg_rng_u32(23, (uint64_t)t) % 9) - 4;
            sb = 127 + (uint32_t)(rg_rng_u32(24, (uint64_t)t) % 9) - 4;
            scale = ldexp(1.0, (int)sa + (int)sb - 254);
        } else {
            sa = 0x30 + rg_rng_u32(23, (uint64_t)t) % 0x20; /* positive E4M3 scales */
            sb = 0x30 + rg_rng_u32(24, (uint64_t)t) % 0x20;
            scale = value_of(&u.scale_elem, sa) * value_of(&u.scale_elem, sb);
        }
        float want = nan ? NAN : (float)(sum * scale);
        uint32_t got = rg_unit_dot(&u, a, b, sa, sb);
        bool ok = nan ? isnan(rg_f32_from_bits(got)) : got == rg_f32_bits(want);
        if (!ok && sum == 0.0)
            ok = rg_f32_from_bits(got) == 0.0f;
        if (!ok && bad++ < 5)
            fprintf(stderr, "dot %s: block %ld got %a want %a\n", name, t, (double)rg_f32_from_bits(got),
                    (double)want);
    }
    CHECK_MSG(bad == 0, "dot %s: %ld mismatches", name, bad);
}

/* The window by hand: E4M3 products 1*1 = 1 (P = 0) and 2^-3 * 2^-3 =
 * 2^-6 (P = -6). A window of N bits keeps multiples of 2^(2 - N). */
static void dot_window(void) {
    rg_unit u;
    uint32_t a[32] = {0}, b[32] = {0};
    a[0] = b[0] = 0x38; /* 1.0 */
    a[1] = b[1] = 0x20; /* 2^-3 */
    a[2] = 0x21;        /* 2^-3 * 1.125 */
    b[2] = 0xA0;        /* -2^-3 */
    unit_of(&u, RG_UNIT_DOT, "mxfp8_e4m3", NULL, RG_ROUND_RNE, 0);
    /* exact: 1 + 2^-6 - 1.125 * 2^-6 = 1 - 2^-9 */
    CHECK(rg_f32_from_bits(rg_unit_dot(&u, a, b, 127, 127)) == (float)(1.0 - 0x1p-9));
    unit_of(&u, RG_UNIT_DOT, "mxfp8_e4m3", NULL, RG_ROUND_RNE, 8);
    /* N = 8: LSB 2^-6; 2^-6 kept, -1.125 * 2^-6 truncates toward zero to -2^-6: sum 1 */
    CHECK(rg_f32_from_bits(rg_unit_dot(&u, a, b, 127, 127)) == 1.0f);
    unit_of(&u, RG_UNIT_DOT, "mxfp8_e4m3", NULL, RG_ROUND_RNE, 7);
    /* N = 7: LSB 2^-5: both small products truncate to 0 */
    CHECK(rg_f32_from_bits(rg_unit_dot(&u, a, b, 127, 127)) == 1.0f);
    unit_of(&u, RG_UNIT_DOT, "mxfp8_e4m3", NULL, RG_ROUND_RNE, 12);
    /* N = 12: LSB 2^-10: everything fits */
    CHECK(rg_f32_from_bits(rg_unit_dot(&u, a, b, 127, 127)) == (float)(1.0 - 0x1p-9));
    /* a NaN scale makes the block NaN; scales multiply */
    CHECK(isnan(rg_f32_from_bits(rg_unit_dot(&u, a, b, 0xFF, 127))));
    CHECK(rg_f32_from_bits(rg_unit_dot(&u, a, b, 128, 130)) == (float)ldexp(1.0 - 0x1p-9, 4));
    /* bf16 accumulator: 1 - 2^-9 rounds to 1 (8 significant bits) */
    unit_of(&u, RG_UNIT_DOT, "mxfp8_e4m3", "bf16", RG_ROUND_RNE, 0);
    CHECK_EQ_INT(rg_unit_dot(&u, a, b, 127, 127), 0x3F80);
}

static void int_units(void) {
    rg_unit u;
    unit_of(&u, RG_UNIT_MUL, "int8", NULL, RG_ROUND_RNE, 0);
    CHECK_EQ_INT(u.out.bits, 16);
    long bad = 0;
    for (int a = -128; a < 128; a++)
        for (int b = -128; b < 128; b++)
            bad += rg_unit_mul(&u, (uint32_t)a & 0xFF, (uint32_t)b & 0xFF) != ((uint32_t)(a * b) & 0xFFFF);
    CHECK_EQ_INT(bad, 0);
    unit_of(&u, RG_UNIT_MAC, "int8", NULL, RG_ROUND_RNE, 0);
    CHECK_EQ_INT(u.out.bits, 32);
    CHECK_EQ_INT(rg_unit_mac(&u, 0x80, 0x80, 5), 16389);
    CHECK_EQ_INT(rg_unit_mac(&u, 0x7F, 0x81, 0x7FFFFFFF), 0x7FFFFFFFu - 16129u);
    CHECK_EQ_INT(rg_unit_mac(&u, 0x7F, 0x7F, 0x7FFFFFFF), 0x80003F00u); /* wraps */
    unit_of(&u, RG_UNIT_MAC, "int4", "int16", RG_ROUND_RNE, 0);
    CHECK_EQ_INT(rg_unit_mac(&u, 0x8, 0x8, 0xFFFF), 63); /* -8 * -8 - 1 */
}

static void bad_input(void) {
    rg_unit u;
    rg_err err = {0};
    rg_format f = fmt_of("fp8_e4m3"), g = fmt_of("mxfp4"), h = fmt_of("bf16");
    CHECK(rg_unit_init(&u, RG_UNIT_DOT, &f, NULL, RG_ROUND_RNE, 0, &err) < 0);
    CHECK_STR(err.field, "--format");
    CHECK(rg_unit_init(&u, RG_UNIT_DOT, &g, NULL, RG_ROUND_RNE, 65, &err) < 0);
    CHECK_STR(err.field, "--align-bits");
    CHECK(rg_unit_init(&u, RG_UNIT_MUL, &f, NULL, RG_ROUND_RNE, 8, &err) < 0);
    CHECK_STR(err.field, "--align-bits");
    CHECK(rg_unit_init(&u, RG_UNIT_MUL, &g, NULL, RG_ROUND_RNE, 0, &err) < 0);
    CHECK_STR(err.field, "--format");
    CHECK(rg_unit_init(&u, RG_UNIT_MAC, &h, &f, RG_ROUND_RNE, 0, &err) < 0);
    CHECK_STR(err.field, "--acc");
    CHECK(rg_unit_init(&u, RG_UNIT_MUL, &f, NULL, RG_ROUND_SR, 0, &err) < 0);
    CHECK_STR(err.field, "--rounding");
    rg_format w;
    CHECK(rg_unit_format_parse("e8m30", &w, "--format", &err) < 0);
    CHECK(rg_unit_format_parse("int40", &w, "--acc", &err) < 0);
}

static void wide_edges(void) {
    rg_wide w;
    rg_elem e;
    rg_format f = fmt_of("fp32");
    rg_elem_init(&e, &f);
    rg_wide_zero(&w);
    CHECK_EQ_INT(rg_wide_add(&w, false, 3, -10), 0);
    CHECK_EQ_INT(rg_wide_add(&w, true, 1, 100), 0);
    CHECK_EQ_INT(rg_wide_add(&w, false, 1, 100), 0);
    CHECK(rg_wide_to_double(&w) == 3.0 * 0x1p-10);
    CHECK_EQ_INT(rg_wide_round(&w, &e, RG_ROUND_RNE, false), rg_f32_bits(3.0f * 0x1p-10f));
    CHECK(rg_wide_add(&w, false, 1, -400) < 0);
    CHECK(rg_wide_add(&w, false, 1, 700) < 0);
    /* 1 + 2^-24 is a tie: RNE to 1, RNA away to 1 + 2^-23 */
    rg_wide_zero(&w);
    rg_wide_add(&w, false, 1, 0);
    rg_wide_add(&w, false, 1, -24);
    CHECK_EQ_INT(rg_wide_round(&w, &e, RG_ROUND_RNE, false), 0x3F800000);
    CHECK_EQ_INT(rg_wide_round(&w, &e, RG_ROUND_RNA, false), 0x3F800001);
    rg_wide_add(&w, true, 1, -200); /* just below the tie: RNA and RNE go down */
    CHECK_EQ_INT(rg_wide_round(&w, &e, RG_ROUND_RNA, false), 0x3F800000);
    CHECK_EQ_INT(rg_wide_round(&w, &e, RG_ROUND_RTZ, false), 0x3F800000);
    /* the smallest subnormal and the underflow of a negative sum to -0 */
    rg_wide_zero(&w);
    rg_wide_add(&w, true, 1, -151);
    CHECK_EQ_INT(rg_wide_round(&w, &e, RG_ROUND_RNE, false), 0x80000000u);
    rg_wide_add(&w, true, 1, -150);
    CHECK_EQ_INT(rg_wide_round(&w, &e, RG_ROUND_RNE, false), 0x80000001u);
}

int main(void) {
    const char *small[] = {"fp4_e2m1", "fp6_e3m2", "fp6_e2m3", "fp8_e4m3", "fp8_e5m2"};
    for (int i = 0; i < 5; i++)
        for (int r = 0; r < 3; r++)
            mul_exhaustive(small[i], (rg_round)r);
    mul_specials();
    mul_random16("fp16", 200000);
    mul_random16("bf16", 200000);
    mac_random("fp8_e4m3", 200000);
    mac_random("fp8_e5m2", 200000);
    mac_random("bf16", 200000);
    mac_random("fp16", 200000);
    const char *dots[] = {"mxfp8_e4m3", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4", "mxint8", "nvfp4"};
    for (int i = 0; i < 6; i++)
        dot_exact(dots[i], 20000);
    dot_window();
    int_units();
    bad_input();
    wide_edges();
    return tu_status("test_unit");
}
