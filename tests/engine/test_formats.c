/* test_formats.c: the format table and element parameters.
 * Known answers: OCP OFP8 rev 1.0 and OCP MX v1.0 (max normal, min normal,
 * min subnormal per format; tests/reference/numerics/format_summary.json),
 * bits per element (OCP MX v1.0 §5: 32 elements + an 8-bit E8M0 scale: MXFP8 8.25,
 * MXFP6 6.25, MXFP4 4.25; NVFP4, arXiv 2509.25149: 16 E2M1 elements + an E4M3 scale: 4.5). */
#include <math.h>

#include "formats.h"
#include "fpconv.h"
#include "status.h"
#include "testutil.h"

static void check_elem(const char *name, double maxv, double minnorm, int qmin, int emax) {
    rg_format f;
    CHECK(rg_format_parse(name, &f, "format", NULL) >= 0);
    rg_elem e;
    CHECK_EQ_INT(rg_elem_init(&e, &f), 0);
    CHECK_MSG(e.maxval == (float)maxv, "%s max %g", name, (double)e.maxval);
    CHECK_MSG(e.minnorm == (float)minnorm, "%s minnorm %g", name, (double)e.minnorm);
    CHECK_EQ_INT(e.qmin, qmin);
    CHECK_EQ_INT(e.emax, emax);
}

int main(void) {
    CHECK(rg_format_count() >= 23);
    for (int i = 0; i < rg_format_count(); i++) {
        const rg_format *f = rg_format_get(i);
        CHECK(f != NULL && f->name && f->description);
        CHECK_EQ_INT(rg_format_find(f->name), i);
        CHECK(f->bits_per_element >= f->elem_bits);
        CHECK(f->math >= 0 && f->math < RG_MATH_COUNT);
    }
    CHECK(rg_format_get(-1) == NULL && rg_format_get(rg_format_count()) == NULL);
    CHECK_EQ_INT(rg_format_find("nope"), RG_EUNKNOWN);
    CHECK_REL(rg_format_bytes(rg_format_find("mxfp8_e4m3")), 8.25 / 8, 0);
    CHECK_REL(rg_format_get(rg_format_find("mxfp6_e2m3"))->bits_per_element, 6.25, 0);
    CHECK_REL(rg_format_get(rg_format_find("mxfp4"))->bits_per_element, 4.25, 0);
    CHECK_REL(rg_format_get(rg_format_find("nvfp4"))->bits_per_element, 4.5, 0);
    CHECK(rg_format_get(rg_format_find("bf16"))->ieee_overflow);
    CHECK(!rg_format_get(rg_format_find("fp8_e4m3"))->ieee_overflow);

    /* OCP element parameters: max, min normal, min subnormal exponent, emax. */
    check_elem("fp8_e4m3", 448, 0x1p-6, -9, 8);
    check_elem("fp8_e5m2", 57344, 0x1p-14, -16, 15);
    check_elem("fp6_e3m2", 28, 0.25, -4, 4);
    check_elem("fp6_e2m3", 7.5, 1, -3, 2);
    check_elem("fp4_e2m1", 6, 1, -1, 2);
    check_elem("mxfp4", 6, 1, -1, 2);
    check_elem("mxint8", 1.984375, 0x1p-6, -6, 0);
    check_elem("bf16", 0x1.FEp127, 0x1p-126, -133, 127);
    check_elem("fp16", 65504, 0x1p-14, -24, 15);

    /* User-defined minifloats. */
    rg_format f;
    CHECK_EQ_INT(rg_format_parse("e3m4", &f, "format", NULL), RG_FORMAT_USER);
    CHECK(f.ebits == 3 && f.mbits == 4 && f.bias == 3 && f.nan_mode == RG_NAN_IEEE && f.elem_bits == 8);
    rg_elem e;
    CHECK_EQ_INT(rg_elem_init(&e, &f), 0);
    CHECK(e.maxval == 15.5f); /* 2^(6-3) * (1 + 15/16) */
    CHECK_EQ_INT(rg_format_parse("e4m3fn", &f, "format", NULL), RG_FORMAT_USER);
    CHECK_EQ_INT(rg_elem_init(&e, &f), 0);
    CHECK(e.maxval == 448.0f); /* same as OCP E4M3 */
    CHECK_EQ_INT(rg_format_parse("e2m1finite", &f, "format", NULL), RG_FORMAT_USER);
    CHECK_EQ_INT(rg_elem_init(&e, &f), 0);
    CHECK(e.maxval == 6.0f);
    CHECK_EQ_INT(rg_format_parse("int4_g32", &f, "format", NULL), RG_FORMAT_USER);
    CHECK(f.kind == RG_FK_INT && f.mbits == 3 && f.block == 32 && f.scaling == RG_SCALE_GROUP_SYM);
    CHECK_REL(f.bits_per_element, 4.5, 0);
    CHECK_EQ_INT(rg_format_parse("int3_g64_asym", &f, "format", NULL), RG_FORMAT_USER);
    CHECK(f.scaling == RG_SCALE_GROUP_ASYM && f.elem_bits == 3);
    CHECK_REL(f.bits_per_element, 3.5, 0);
    CHECK_EQ_INT(rg_format_parse("int4_g128", &f, "format", NULL),
                 rg_format_find("int4_g128")); /* the table's */
    CHECK_EQ_INT(rg_format_parse("int9_g32", &f, "format", NULL), RG_ERANGE);
    CHECK_EQ_INT(rg_format_parse("int4_g", &f, "format", NULL), RG_EUNKNOWN);
    CHECK_EQ_INT(rg_format_parse("int4_g32_x", &f, "format", NULL), RG_EUNKNOWN);
    rg_err err = {0};
    CHECK_EQ_INT(rg_format_parse("e9m2", &f, "numerics.weights", &err), RG_ERANGE);
    CHECK_STR(err.field, "numerics.weights");
    CHECK_EQ_INT(rg_format_parse("e3", &f, "format", &err), RG_EUNKNOWN);
    CHECK_EQ_INT(rg_format_parse("e3m2x", &f, "format", &err), RG_EUNKNOWN);
    CHECK_EQ_INT(rg_format_parse("e2m24", &f, "format", &err), RG_ERANGE);
    return tu_status("test_formats");
}
