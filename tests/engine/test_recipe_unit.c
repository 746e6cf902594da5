/* test_recipe_unit.c: the recipe units' C models (engine/recipe_unit.h),
 * the oracles of their RTL, against the rules they implement:
 *  - the E4M3 block scale, for every finite bf16 and fp16 amax and M = 6
 *    and 4, against recipe.c's rule with ts = 1: e4m3_rne(clamp(fp32(amax
 *    / M), 2^-6, 448)) (NVIDIA's NVFP4 recipe, arXiv 2509.25149);
 *  - the E8M0 scale, for every finite bf16 amax and three element
 *    formats, against mx.h's reference floor rule (OCP MX v1.0 §6.3);
 *  - four over six against rg_recipe_qdq_ref of the same recipe (E2M1,
 *    1x16, E4M3 scales, no tensor scale) on bf16 blocks: the dequantized
 *    blocks agree, and the windowed error sums pick the M = 4 candidate on
 *    a real share of them (Cook et al. 2025, arXiv 2512.02010, report it
 *    for a large share of blocks);
 *  - the Hadamard unit against recipe.c's rotation times sqrt(b), exact on
 *    integers; the width growth of log2(b) bits reached by all-minimum
 *    inputs;
 *  - bad parameters name the option. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mx.h"
#include "recipe.h"
#include "recipe_unit.h"
#include "rng.h"
#include "testutil.h"
#include "unit.h"

static rg_elem elem_of(const char *name) {
    rg_format f;
    rg_elem e;
    CHECK(rg_format_parse(name, &f, NULL, NULL) >= 0);
    CHECK(rg_elem_init(&e, &f) == 0);
    return e;
}

static rg_runit unit(rg_runit_kind k, const char *src, int block, const char *scale, const char *elem,
                     int max) {
    rg_runit u;
    rg_err err = {0};
    int rc = rg_runit_init(&u, k, src, block, scale, elem, max, &err);
    CHECK_MSG(rc == 0, "init: %s: %s", err.field, err.msg);
    return u;
}

/* Every finite magnitude of `src` as amax. */
static void check_e4m3_scale(const char *src) {
    rg_elem s = elem_of(src), e4 = elem_of("fp8_e4m3");
    long bad = 0, n = 0;
    for (uint32_t c = 0; c < (1u << (s.bits - 1)); c++) {
        float a = rg_fpconv_decode(c, &s);
        if (!isfinite(a))
            continue;
        for (int m = 4; m <= 6; m += 2) {
            float sb = a / (float)m;
            sb = sb < 0x1p-6f ? 0x1p-6f : (sb > 448.0f ? 448.0f : sb);
            uint32_t want = rg_fpconv_encode(rg_fpconv_ref(sb, &e4, RG_ROUND_RNE, true, 0), &e4);
            uint32_t got = rg_runit_e4m3_scale(&s, c, m);
            n++;
            if (got != want && bad++ < 3)
                CHECK_MSG(got == want, "%s amax %a / %d: got 0x%02x, want 0x%02x", src, (double)a, m, got,
                          want);
        }
    }
    CHECK_MSG(bad == 0, "%s: %ld of %ld E4M3 scales differ", src, bad, n);
    /* NaN/Inf blocks: the scale's NaN */
    rg_runit u = unit(RG_RUNIT_AMAX, src, 16, "e4m3", NULL, 0);
    uint32_t x[16] = {0}, amax, sc;
    bool b;
    x[3] = 0x7F80u; /* +Inf (bf16 and fp16 codes differ: take the format's own) */
    x[3] = ((1u << s.ebits) - 1u) << s.mbits;
    rg_runit_amax(&u, x, &amax, &b, &sc);
    CHECK(b && sc == 0x7Fu);
    memset(x, 0, sizeof x);
    rg_runit_amax(&u, x, &amax, &b, &sc);
    CHECK(!b && amax == 0 && sc == 0x08u); /* all zero: clamped to 2^-6, as recipe.c */
}

static void check_e8m0_scale(void) {
    const char *elems[] = {"fp8_e4m3", "fp4_e2m1", "fp8_e5m2"};
    rg_elem s = elem_of("bf16");
    for (int k = 0; k < 3; k++) {
        rg_runit u = unit(RG_RUNIT_AMAX, "bf16", 32, "e8m0", elems[k], 0);
        long bad = 0;
        for (uint32_t c = 0; c < 0x7F80u; c++) {
            uint32_t x[32] = {0}, amax, sc;
            bool b;
            x[c % 32] = c | 0x8000u; /* the sign does not count */
            x[(c + 1) % 32] = c >> 1;
            rg_runit_amax(&u, x, &amax, &b, &sc);
            int want = rg_mx_scale_exp_ref(rg_fpconv_decode(c, &s), &u.elem, RG_SMODE_FLOOR) + 127;
            if ((amax != c || b || sc != (uint32_t)want) && bad++ < 3)
                CHECK_MSG(0, "%s amax 0x%04x: got amax 0x%04x scale %u, want %d", elems[k], c, amax, sc,
                          want);
        }
        CHECK_MSG(bad == 0, "%s: %ld E8M0 scales differ", elems[k], bad);
        uint32_t x[32] = {0}, amax, sc;
        bool b;
        x[7] = 0x7FC1u; /* NaN */
        rg_runit_amax(&u, x, &amax, &b, &sc);
        CHECK(b && sc == 0xFFu);
    }
}

static float bf16_round(float v) {
    uint32_t u = rg_f32_bits(v);
    return rg_f32_from_bits(((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16) << 16);
}

/* Four over six on bf16 blocks against the recipe's scalar reference. */
static void check_four_six(void) {
    enum { R = 64, C = 256, NB = R * C / 16 };
    static float x[R * C], want[R * C];
    for (int i = 0; i < R * C; i++) {
        double g = rg_rng_unit(7, (uint64_t)i) * 2.0 - 1.0;
        double scale = ldexp(1.0, (int)(rg_rng_u32(9, (uint64_t)(i / 16)) % 40) - 20);
        x[i] = bf16_round((float)(g * g * g * scale * ((i % 16) == 5 ? 8.0 : 1.0)));
        if (rg_rng_u32(11, (uint64_t)i) % 97 == 0)
            x[i] = 0.0f;
    }
    rg_recipe r;
    rg_err err = {0};
    CHECK(rg_recipe_parse("elem=fp4_e2m1,block=1x16,scale=e4m3,four_over_six=1", &r, "recipe", &err) == 0);
    CHECK_MSG(rg_recipe_qdq_ref(&r, x, want, R, C, &err) == 0, "%s", err.msg);
    rg_runit u = unit(RG_RUNIT_FOUR_SIX, "bf16", 16, NULL, NULL, 0);
    rg_runit am = unit(RG_RUNIT_AMAX, "bf16", 16, "e4m3", NULL, 0);
    rg_elem s = elem_of("bf16"), e2 = elem_of("fp4_e2m1"), e4 = elem_of("fp8_e4m3");
    int differ = 0, fours = 0;
    uint64_t ymax = 0;
    for (int b = 0; b < NB; b++) {
        uint32_t codes[16], q[16], amax, sc;
        bool bad, four;
        uint64_t sse[2];
        for (int i = 0; i < 16; i++)
            codes[i] = rg_fpconv_encode(x[b * 16 + i], &s);
        rg_runit_amax(&am, codes, &amax, &bad, &sc);
        rg_runit_four_six(&u, codes, amax, q, &four, sse);
        fours += four;
        float d = rg_fpconv_decode(rg_runit_e4m3_scale(&s, amax, four ? 4 : 6), &e4);
        int same = 1;
        for (int i = 0; i < 16; i++) {
            float v = rg_fpconv_decode(q[i], &e2) * d;
            same &= rg_f32_bits(v) == rg_f32_bits(want[b * 16 + i]);
        }
        differ += !same;
        ymax = sse[0] > ymax ? sse[0] : ymax;
    }
    printf("four_six: %d of %d blocks scaled to 4, %d differ from recipe.c\n", fours, NB, differ);
    CHECK_MSG(differ == 0, "%d of %d blocks differ from rg_recipe_qdq_ref", differ, NB);
    CHECK_MSG(fours > NB / 10 && fours < NB, "%d of %d blocks scaled to 4", fours, NB);
    /* the errors fit the RTL's window: 16 squares of < 2^(XW + 2) */
    int xw = s.mbits + 1 + 5;
    CHECK(ymax < (uint64_t)16 << (2 * (xw + 2)));
    /* the published example (arXiv 2512.02010 §3): in a block whose amax
     * scales to 6, a value at 4.62 of the scale rounds to 4 (13.4 % off);
     * scaled to 4 it is representable: the block takes 4 */
    uint32_t c6[16] = {0}, q[16], amax, sc;
    bool bad, four;
    c6[0] = rg_fpconv_encode(6.0f, &s);
    c6[1] = rg_fpconv_encode(4.625f, &s); /* exact in bf16 */
    rg_runit_amax(&am, c6, &amax, &bad, &sc);
    rg_runit_four_six(&u, c6, amax, q, &four, NULL);
    CHECK(four);
    CHECK(rg_fpconv_decode(q[1], &e2) * rg_fpconv_decode(rg_runit_e4m3_scale(&s, amax, 4), &e4) != 4.0f);
}

static void check_hadamard(void) {
    rg_runit u = unit(RG_RUNIT_HADAMARD, "int8", 16, NULL, NULL, 0);
    CHECK_EQ_INT(u.log2b, 4);
    CHECK_EQ_INT(rg_runit_out_bits(&u), 16 * 12);
    rg_recipe r;
    rg_err err = {0};
    CHECK(rg_recipe_parse("elem=fp8_e4m3,block=1x16,scale=fp32,rotate=16", &r, "recipe", &err) == 0);
    for (int t = 0; t < 200; t++) {
        int32_t x[16];
        int64_t y[16];
        float xf[16], yf[16];
        for (int i = 0; i < 16; i++) {
            x[i] = t == 0 ? -128 : (int32_t)(rg_rng_u32(3, (uint64_t)(t * 16 + i)) % 256u) - 128;
            xf[i] = (float)x[i];
        }
        rg_runit_hadamard(&u, x, y);
        CHECK(rg_recipe_rotate(&r, xf, yf, 1, 16, 1) == 0);
        for (int i = 0; i < 16; i++)
            CHECK_MSG((double)y[i] == 4.0 * (double)yf[i], "t %d y[%d] = %lld, rotation x 4 = %g", t, i,
                      (long long)y[i], 4.0 * yf[i]);
        if (t == 0) /* all -128: y[0] = -2048, the bottom of 12 bits */
            CHECK(y[0] == -2048 && y[1] == 0);
    }
}

static void check_bad(void) {
    rg_runit u;
    rg_err err = {0};
    CHECK(rg_runit_init(&u, RG_RUNIT_HADAMARD, "int8", 12, NULL, NULL, 0, &err) < 0);
    CHECK_STR(err.field, "--block");
    CHECK(rg_runit_init(&u, RG_RUNIT_HADAMARD, "bf16", 16, NULL, NULL, 0, &err) < 0);
    CHECK_STR(err.field, "--format");
    CHECK(rg_runit_init(&u, RG_RUNIT_FOUR_SIX, "bf16", 32, NULL, NULL, 0, &err) < 0);
    CHECK_STR(err.field, "--block");
    CHECK(rg_runit_init(&u, RG_RUNIT_AMAX, "bf16", 32, "e5m2", NULL, 0, &err) < 0);
    CHECK_STR(err.field, "--scale");
    CHECK(rg_runit_init(&u, RG_RUNIT_AMAX, "bf16", 16, "e4m3", NULL, 5, &err) < 0);
    CHECK_STR(err.field, "--max");
    CHECK(rg_runit_init(&u, RG_RUNIT_AMAX, "fp32", 16, NULL, NULL, 0, &err) < 0);
    CHECK_STR(err.field, "--format");
    CHECK(rg_runit_init(&u, RG_RUNIT_AMAX, "bf16", 16, "e8m0", "mxfp4", 0, &err) < 0);
    CHECK_STR(err.field, "--elem");
    CHECK(rg_runit_kind_find("amax") == RG_RUNIT_AMAX && rg_runit_kind_find("mul") < 0);
}

int main(void) {
    check_e4m3_scale("bf16");
    check_e4m3_scale("fp16");
    check_e8m0_scale();
    check_four_six();
    check_hadamard();
    check_bad();
    return tu_status("test_recipe_unit");
}
