/* formats.c: the format table (see formats.h).
 *
 * Storage bits include the amortised scale: an MX block of 32 elements shares
 * one 8-bit E8M0 scale (+0.25 bit), NVFP4 blocks of 16 share an E4M3 scale
 * (+0.5 bit; the single FP32 tensor scale is negligible), integer groups carry
 * a 16-bit scale (and a 16-bit zero point when asymmetric).
 * Sources: OCP Microscaling Formats (MX) v1.0 spec, Sept 2023; OCP 8-bit
 * Floating Point Specification (OFP8) rev 1.0, 2023; NVIDIA Blackwell
 * architecture technical brief (NVFP4), 2024. */
#include "formats.h"

#include "status.h"

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

/* name, kind, e, m, bias, nan, subnormals, scaling, block, elem_bits, bpe, math, description */
static const rg_format format_table[] = {
    {"fp32", RG_FK_FLOAT, 8, 23, 127, RG_NAN_IEEE, true, RG_SCALE_NONE, 0, 32, 32.0, RG_MATH_FP32,
     "IEEE 754 binary32"},
    {"tf32", RG_FK_FLOAT, 8, 10, 127, RG_NAN_IEEE, true, RG_SCALE_NONE, 0, 32, 32.0, RG_MATH_TF32,
     "TensorFloat-32: fp32 storage, 10-bit mantissa in the matrix unit"},
    {"bf16", RG_FK_FLOAT, 8, 7, 127, RG_NAN_IEEE, true, RG_SCALE_NONE, 0, 16, 16.0, RG_MATH_BF16, "bfloat16"},
    {"fp16", RG_FK_FLOAT, 5, 10, 15, RG_NAN_IEEE, true, RG_SCALE_NONE, 0, 16, 16.0, RG_MATH_FP16,
     "IEEE 754 binary16"},
    {"fp8_e4m3", RG_FK_FLOAT, 4, 3, 7, RG_NAN_ONE, true, RG_SCALE_NONE, 0, 8, 8.0, RG_MATH_FP8,
     "OCP FP8 E4M3 (no Inf, single NaN)"},
    {"fp8_e5m2", RG_FK_FLOAT, 5, 2, 15, RG_NAN_IEEE, true, RG_SCALE_NONE, 0, 8, 8.0, RG_MATH_FP8,
     "OCP FP8 E5M2"},
    {"fp6_e3m2", RG_FK_FLOAT, 3, 2, 3, RG_NAN_NONE, true, RG_SCALE_NONE, 0, 6, 6.0, RG_MATH_FP6,
     "OCP MX FP6 E3M2 element"},
    {"fp6_e2m3", RG_FK_FLOAT, 2, 3, 1, RG_NAN_NONE, true, RG_SCALE_NONE, 0, 6, 6.0, RG_MATH_FP6,
     "OCP MX FP6 E2M3 element"},
    {"fp4_e2m1", RG_FK_FLOAT, 2, 1, 1, RG_NAN_NONE, true, RG_SCALE_NONE, 0, 4, 4.0, RG_MATH_FP4,
     "OCP MX FP4 E2M1 element"},
    {"int8", RG_FK_INT, 0, 7, 0, RG_NAN_NONE, false, RG_SCALE_NONE, 0, 8, 8.0, RG_MATH_INT8,
     "8-bit two's complement integer"},
    {"int4", RG_FK_INT, 0, 3, 0, RG_NAN_NONE, false, RG_SCALE_NONE, 0, 4, 4.0, RG_MATH_INT4,
     "4-bit two's complement integer"},
    {"e8m0", RG_FK_SCALE, 8, 0, 127, RG_NAN_ALLONES, false, RG_SCALE_NONE, 0, 8, 8.0, RG_MATH_FP32,
     "OCP MX E8M0 scale (powers of two)"},
    {"mxfp8_e4m3", RG_FK_FLOAT, 4, 3, 7, RG_NAN_ONE, true, RG_SCALE_MX, 32, 8, 8.25, RG_MATH_FP8,
     "OCP MXFP8 (E4M3 elements, 32-block E8M0 scale)"},
    {"mxfp8_e5m2", RG_FK_FLOAT, 5, 2, 15, RG_NAN_IEEE, true, RG_SCALE_MX, 32, 8, 8.25, RG_MATH_FP8,
     "OCP MXFP8 (E5M2 elements, 32-block E8M0 scale)"},
    {"mxfp6_e3m2", RG_FK_FLOAT, 3, 2, 3, RG_NAN_NONE, true, RG_SCALE_MX, 32, 6, 6.25, RG_MATH_FP6,
     "OCP MXFP6 (E3M2 elements, 32-block E8M0 scale)"},
    {"mxfp6_e2m3", RG_FK_FLOAT, 2, 3, 1, RG_NAN_NONE, true, RG_SCALE_MX, 32, 6, 6.25, RG_MATH_FP6,
     "OCP MXFP6 (E2M3 elements, 32-block E8M0 scale)"},
    {"mxfp4", RG_FK_FLOAT, 2, 1, 1, RG_NAN_NONE, true, RG_SCALE_MX, 32, 4, 4.25, RG_MATH_FP4,
     "OCP MXFP4 (E2M1 elements, 32-block E8M0 scale)"},
    {"mxint8", RG_FK_INT, 0, 7, 0, RG_NAN_NONE, false, RG_SCALE_MX, 32, 8, 8.25, RG_MATH_INT8,
     "OCP MXINT8 (symmetric, 32-block E8M0 scale)"},
    {"nvfp4", RG_FK_FLOAT, 2, 1, 1, RG_NAN_NONE, true, RG_SCALE_NVFP4, 16, 4, 4.5, RG_MATH_FP4,
     "NVFP4 (E2M1, 16-block E4M3 scale, FP32 tensor scale)"},
    {"int8_g128", RG_FK_INT, 0, 7, 0, RG_NAN_NONE, false, RG_SCALE_GROUP_SYM, 128, 8, 8.125, RG_MATH_INT8,
     "int8 groups of 128, symmetric, fp16 scale"},
    {"int4_g128", RG_FK_INT, 0, 3, 0, RG_NAN_NONE, false, RG_SCALE_GROUP_SYM, 128, 4, 4.125, RG_MATH_INT4,
     "int4 groups of 128, symmetric, fp16 scale"},
    {"int4_g64", RG_FK_INT, 0, 3, 0, RG_NAN_NONE, false, RG_SCALE_GROUP_SYM, 64, 4, 4.25, RG_MATH_INT4,
     "int4 groups of 64, symmetric, fp16 scale"},
    {"int4_g128_asym", RG_FK_INT, 0, 3, 0, RG_NAN_NONE, false, RG_SCALE_GROUP_ASYM, 128, 4, 4.25,
     RG_MATH_INT4, "int4 groups of 128, asymmetric, fp16 scale and zero point"},
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
