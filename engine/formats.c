/* formats.c: the format table (see formats.h).
 *
 * Storage bits include the amortised scale: an MX block of 32 elements shares
 * one 8-bit E8M0 scale (+0.25 bit), NVFP4 blocks of 16 share an E4M3 scale
 * (+0.5 bit; the single FP32 tensor scale is negligible), integer groups carry
 * a 16-bit scale (and a 16-bit offset, the group minimum, when asymmetric).
 * Sources: OCP Microscaling Formats (MX) v1.0 spec, Sept 2023; OCP 8-bit
 * Floating Point Specification (OFP8) rev 1.0, 2023; NVIDIA Blackwell
 * architecture technical brief (NVFP4), 2024. */
#include "formats.h"

#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const math_names[] = {
#define RG_X_(id, name) name,
    RG_MATH_LIST(RG_X_)
#undef RG_X_
};

const char *rg_math_name(int math) {
    if (math < 0 || math >= RG_MATH_COUNT)
        return "?";
    return math_names[math];
}

int rg_math_find(const char *name) {
    for (int i = 0; i < RG_MATH_COUNT; i++)
        if (strcmp(math_names[i], name) == 0)
            return i;
    return RG_EUNKNOWN;
}

/* name, kind, e, m, bias, nan, subnormals, scaling, block, elem_bits, bpe, math, description,
 * ieee_overflow (omitted = false: saturating) */
static const rg_format format_table[] = {
    {"fp32", RG_FK_FLOAT, 8, 23, 127, RG_NAN_IEEE, true, RG_SCALE_NONE, 0, 32, 32.0, RG_MATH_FP32,
     "IEEE 754 binary32", true},
    {"tf32", RG_FK_FLOAT, 8, 10, 127, RG_NAN_IEEE, true, RG_SCALE_NONE, 0, 32, 32.0, RG_MATH_TF32,
     "TensorFloat-32: fp32 storage, 10-bit mantissa in the matrix unit", true},
    {"bf16", RG_FK_FLOAT, 8, 7, 127, RG_NAN_IEEE, true, RG_SCALE_NONE, 0, 16, 16.0, RG_MATH_BF16, "bfloat16",
     true},
    {"fp16", RG_FK_FLOAT, 5, 10, 15, RG_NAN_IEEE, true, RG_SCALE_NONE, 0, 16, 16.0, RG_MATH_FP16,
     "IEEE 754 binary16", true},
    {"fp8_e4m3", RG_FK_FLOAT, 4, 3, 7, RG_NAN_ONE, true, RG_SCALE_NONE, 0, 8, 8.0, RG_MATH_FP8,
     "OCP FP8 E4M3 (no Inf, single NaN)", false},
    {"fp8_e5m2", RG_FK_FLOAT, 5, 2, 15, RG_NAN_IEEE, true, RG_SCALE_NONE, 0, 8, 8.0, RG_MATH_FP8,
     "OCP FP8 E5M2", false},
    {"fp6_e3m2", RG_FK_FLOAT, 3, 2, 3, RG_NAN_NONE, true, RG_SCALE_NONE, 0, 6, 6.0, RG_MATH_FP6,
     "OCP MX FP6 E3M2 element", false},
    {"fp6_e2m3", RG_FK_FLOAT, 2, 3, 1, RG_NAN_NONE, true, RG_SCALE_NONE, 0, 6, 6.0, RG_MATH_FP6,
     "OCP MX FP6 E2M3 element", false},
    {"fp4_e2m1", RG_FK_FLOAT, 2, 1, 1, RG_NAN_NONE, true, RG_SCALE_NONE, 0, 4, 4.0, RG_MATH_FP4,
     "OCP MX FP4 E2M1 element", false},
    {"int8", RG_FK_INT, 0, 7, 0, RG_NAN_NONE, false, RG_SCALE_NONE, 0, 8, 8.0, RG_MATH_INT8,
     "8-bit two's complement integer", false},
    {"int4", RG_FK_INT, 0, 3, 0, RG_NAN_NONE, false, RG_SCALE_NONE, 0, 4, 4.0, RG_MATH_INT4,
     "4-bit two's complement integer", false},
    {"e8m0", RG_FK_SCALE, 8, 0, 127, RG_NAN_ALLONES, false, RG_SCALE_NONE, 0, 8, 8.0, RG_MATH_FP32,
     "OCP MX E8M0 scale (powers of two)", false},
    {"mxfp8_e4m3", RG_FK_FLOAT, 4, 3, 7, RG_NAN_ONE, true, RG_SCALE_MX, 32, 8, 8.25, RG_MATH_FP8,
     "OCP MXFP8 (E4M3 elements, 32-block E8M0 scale)", false},
    {"mxfp8_e5m2", RG_FK_FLOAT, 5, 2, 15, RG_NAN_IEEE, true, RG_SCALE_MX, 32, 8, 8.25, RG_MATH_FP8,
     "OCP MXFP8 (E5M2 elements, 32-block E8M0 scale)", false},
    {"mxfp6_e3m2", RG_FK_FLOAT, 3, 2, 3, RG_NAN_NONE, true, RG_SCALE_MX, 32, 6, 6.25, RG_MATH_FP6,
     "OCP MXFP6 (E3M2 elements, 32-block E8M0 scale)", false},
    {"mxfp6_e2m3", RG_FK_FLOAT, 2, 3, 1, RG_NAN_NONE, true, RG_SCALE_MX, 32, 6, 6.25, RG_MATH_FP6,
     "OCP MXFP6 (E2M3 elements, 32-block E8M0 scale)", false},
    {"mxfp4", RG_FK_FLOAT, 2, 1, 1, RG_NAN_NONE, true, RG_SCALE_MX, 32, 4, 4.25, RG_MATH_FP4,
     "OCP MXFP4 (E2M1 elements, 32-block E8M0 scale)", false},
    {"mxint8", RG_FK_INT, 0, 7, 0, RG_NAN_NONE, false, RG_SCALE_MX, 32, 8, 8.25, RG_MATH_INT8,
     "OCP MXINT8 (symmetric, 32-block E8M0 scale)", false},
    {"nvfp4", RG_FK_FLOAT, 2, 1, 1, RG_NAN_NONE, true, RG_SCALE_NVFP4, 16, 4, 4.5, RG_MATH_FP4,
     "NVFP4 (E2M1, 16-block E4M3 scale, FP32 tensor scale)", false},
    {"int8_g128", RG_FK_INT, 0, 7, 0, RG_NAN_NONE, false, RG_SCALE_GROUP_SYM, 128, 8, 8.125, RG_MATH_INT8,
     "int8 groups of 128, symmetric, fp16 scale", false},
    {"int4_g128", RG_FK_INT, 0, 3, 0, RG_NAN_NONE, false, RG_SCALE_GROUP_SYM, 128, 4, 4.125, RG_MATH_INT4,
     "int4 groups of 128, symmetric, fp16 scale", false},
    {"int4_g64", RG_FK_INT, 0, 3, 0, RG_NAN_NONE, false, RG_SCALE_GROUP_SYM, 64, 4, 4.25, RG_MATH_INT4,
     "int4 groups of 64, symmetric, fp16 scale", false},
    {"int4_g128_asym", RG_FK_INT, 0, 3, 0, RG_NAN_NONE, false, RG_SCALE_GROUP_ASYM, 128, 4, 4.25,
     RG_MATH_INT4, "int4 groups of 128, asymmetric, fp16 scale and offset (min)", false},
};

int rg_format_count(void) { return (int)(sizeof format_table / sizeof format_table[0]); }

int rg_format_find(const char *name) {
    if (!name)
        return RG_EINVAL;
    for (int i = 0; i < rg_format_count(); i++)
        if (strcmp(format_table[i].name, name) == 0)
            return i;
    return RG_EUNKNOWN;
}

const rg_format *rg_format_get(int id) {
    if (id < 0 || id >= rg_format_count())
        return NULL;
    return &format_table[id];
}

double rg_format_bytes(int id) {
    const rg_format *f = rg_format_get(id);
    return f ? f->bits_per_element / 8.0 : 0.0;
}

rg_math rg_math_by_bits(int bits) {
    if (bits <= 4)
        return RG_MATH_FP4;
    if (bits <= 6)
        return RG_MATH_FP6;
    if (bits <= 8)
        return RG_MATH_FP8;
    if (bits <= 16)
        return RG_MATH_BF16;
    return RG_MATH_FP32;
}

int rg_format_minifloat(int ebits, int mbits, int bias, rg_nan_mode nan, rg_format *out, const char *field,
                        rg_err *err) {
    if (ebits < 1 || ebits > 8)
        return rg_err_set(err, RG_ERANGE, field, "exponent bits must be 1..8, got %d", ebits);
    if (mbits < 0 || mbits > 23)
        return rg_err_set(err, RG_ERANGE, field, "mantissa bits must be 0..23, got %d", mbits);
    if (bias < 0)
        bias = (1 << (ebits - 1)) - 1;
    /* Keep every value and quantum inside fp32's range: emin >= -126, emax <= 127. */
    int top = (1 << ebits) - 1 - (nan == RG_NAN_IEEE ? 1 : 0);
    if (1 - bias < -126 || top - bias > 127 || top < 1)
        return rg_err_set(err, RG_ERANGE, field, "bias %d puts e%dm%d outside fp32's range", bias, ebits,
                          mbits);
    if (nan == RG_NAN_ONE && ebits + mbits < 2)
        return rg_err_set(err, RG_ERANGE, field, "a single-NaN format needs at least 2 bits");
    memset(out, 0, sizeof *out);
    out->name = "user";
    out->kind = RG_FK_FLOAT;
    out->ebits = ebits;
    out->mbits = mbits;
    out->bias = bias;
    out->nan_mode = nan;
    out->subnormals = true;
    out->scaling = RG_SCALE_NONE;
    out->elem_bits = 1 + ebits + mbits;
    out->bits_per_element = out->elem_bits;
    out->math = rg_math_by_bits(out->elem_bits);
    out->description = "user-defined minifloat";
    out->ieee_overflow = false;
    return 0;
}

int rg_format_parse(const char *name, rg_format *out, const char *field, rg_err *err) {
    if (!name || !out)
        return rg_err_set(err, RG_EINVAL, field, "no format name");
    int id = rg_format_find(name);
    if (id >= 0) {
        *out = *rg_format_get(id);
        return id;
    }
    const char *p = name;
    char *end = NULL;
    /* "int<b>_g<G>[_asym]": integer groups of any size (b = 2..8) */
    if (strncmp(p, "int", 3) == 0 && p[3] >= '0' && p[3] <= '9') {
        long b = strtol(p + 3, &end, 10);
        if (strncmp(end, "_g", 2) != 0 || end[2] < '0' || end[2] > '9')
            goto unknown;
        long g = strtol(end + 2, &end, 10);
        bool asym = strcmp(end, "_asym") == 0;
        if (*end != '\0' && !asym)
            goto unknown;
        if (b < 2 || b > 8 || g < 1 || g > (1L << 20))
            return rg_err_set(err, RG_ERANGE, field, "'%s': bits must be 2..8 and the group 1..1048576",
                              name);
        memset(out, 0, sizeof *out);
        out->name = "user";
        out->kind = RG_FK_INT;
        out->mbits = (int)b - 1;
        out->nan_mode = RG_NAN_NONE;
        out->scaling = asym ? RG_SCALE_GROUP_ASYM : RG_SCALE_GROUP_SYM;
        out->block = (int)g;
        out->elem_bits = (int)b;
        out->bits_per_element = (double)b + (asym ? 32.0 : 16.0) / (double)g;
        out->math = b <= 4 ? RG_MATH_INT4 : RG_MATH_INT8;
        out->description = asym ? "user-defined integer groups, asymmetric, fp16 scale and offset (min)"
                                : "user-defined integer groups, symmetric, fp16 scale";
        return RG_FORMAT_USER;
    }
    /* "e<digits>m<digits>[fn|finite]" */
    if (*p != 'e' || p[1] < '0' || p[1] > '9')
        goto unknown;
    long e = strtol(p + 1, &end, 10);
    if (*end != 'm' || end[1] < '0' || end[1] > '9')
        goto unknown;
    long m = strtol(end + 1, &end, 10);
    rg_nan_mode nan = RG_NAN_IEEE;
    if (strcmp(end, "fn") == 0)
        nan = RG_NAN_ONE;
    else if (strcmp(end, "finite") == 0)
        nan = RG_NAN_NONE;
    else if (*end != '\0')
        goto unknown;
    if (e > 99 || m > 99)
        return rg_err_set(err, RG_ERANGE, field, "format '%s' out of range", name);
    int rc = rg_format_minifloat((int)e, (int)m, -1, nan, out, field, err);
    return rc < 0 ? rc : RG_FORMAT_USER;
unknown:
    return rg_err_set(err, RG_EUNKNOWN, field, "unknown format '%s' (see 'ridge formats', or use eXmY)",
                      name);
}
