/* formats.h: the one table of number formats, shared by the numerics
 * emulator and the roofline.
 *
 * Each named format says how it is stored (element bits plus amortised
 * block-scale bits), how it is emulated (exponent/mantissa/bias, block size,
 * scale format) and which matrix-unit rate class ("math") a chip runs it at.
 * The roofline reads bits_per_element and math; the emulator reads the rest.
 * The list is append-only: ids are stable within a build, names forever. */
#ifndef RG_FORMATS_H
#define RG_FORMATS_H

#include <stdbool.h>

/* Matrix-unit rate classes a chip advertises a peak for. */
#define RG_MATH_LIST(X)                                                                                      \
    X(RG_MATH_FP32, "fp32")                                                                                  \
    X(RG_MATH_TF32, "tf32")                                                                                  \
    X(RG_MATH_BF16, "bf16")                                                                                  \
    X(RG_MATH_FP16, "fp16")                                                                                  \
    X(RG_MATH_FP8, "fp8")                                                                                    \
    X(RG_MATH_FP6, "fp6")                                                                                    \
    X(RG_MATH_FP4, "fp4")                                                                                    \
    X(RG_MATH_INT8, "int8")                                                                                  \
    X(RG_MATH_INT4, "int4")

typedef enum rg_math {
#define RG_X_(id, name) id,
    RG_MATH_LIST(RG_X_)
#undef RG_X_
        RG_MATH_COUNT
} rg_math;

const char *rg_math_name(int math);
/* Returns the class id for "bf16", "fp8", ...; RG_EUNKNOWN if none. */
int rg_math_find(const char *name);

typedef enum rg_format_kind {
    RG_FK_FLOAT = 0, /* IEEE-like minifloat, optionally block scaled */
    RG_FK_INT = 1,   /* two's-complement integer, optionally group scaled */
    RG_FK_SCALE = 2  /* scale-only format (e8m0) */
} rg_format_kind;

/* How a format treats the all-ones exponent. */
typedef enum rg_nan_mode {
    RG_NAN_IEEE = 0,   /* Inf at mantissa 0, NaN otherwise (fp16, e5m2) */
    RG_NAN_ONE = 1,    /* only S.1111.111 is NaN, no Inf (OCP e4m3) */
    RG_NAN_NONE = 2,   /* no Inf and no NaN (fp6, fp4) */
    RG_NAN_ALLONES = 3 /* the all-ones code is NaN, no Inf (e8m0) */
} rg_nan_mode;

/* Scaling schemes. */
typedef enum rg_scaling {
    RG_SCALE_NONE = 0,      /* plain element format */
    RG_SCALE_MX = 1,        /* OCP MX v1.0 block, E8M0 shared scale */
    RG_SCALE_NVFP4 = 2,     /* 16-block E4M3 scale + FP32 tensor scale */
    RG_SCALE_GROUP_SYM = 3, /* integer groups, symmetric, 16-bit scale */
    RG_SCALE_GROUP_ASYM = 4 /* integer groups, scale + offset (min) */
} rg_scaling;

typedef struct rg_format {
    const char *name;
    rg_format_kind kind;
    int ebits; /* exponent field width (floats) */
    int mbits; /* mantissa field width (floats) / value bits-1 (ints) */
    int bias;  /* exponent bias (floats) */
    rg_nan_mode nan_mode;
    bool subnormals;
    rg_scaling scaling;
    int block;               /* elements per scale block / group; 0 = none */
    int elem_bits;           /* bits of one stored element */
    double bits_per_element; /* storage incl. amortised scale overhead */
    rg_math math;            /* matrix-unit rate class a chip runs it at */
    const char *description;
    /* Default overflow policy of a plain conversion: false = saturate to the
     * largest finite value (OCP FP8/MX convention), true = IEEE 754 overflow
     * to Inf (how hardware converts fp32 to bf16/fp16). Callers may override. */
    bool ieee_overflow;
} rg_format;

/* Id of a named format, or RG_EUNKNOWN (< 0). */
int rg_format_find(const char *name);
/* The format with this id, or NULL if out of range. Static storage. */
const rg_format *rg_format_get(int id);
int rg_format_count(void);
/* Bytes one element occupies in memory, scale overhead included. */
double rg_format_bytes(int id);

/* Rate class of a floating-point element by its storage width (<= 4 bits FP4,
 * <= 6 FP6, <= 8 FP8, <= 16 BF16, else FP32). */
rg_math rg_math_by_bits(int bits);

/* Resolve a format name into caller storage: a table name ("mxfp4"), or a
 * user-defined minifloat "eXmY" (X = 1..8 exponent bits, Y = 0..23 mantissa
 * bits, bias 2^(X-1)-1) with an optional suffix for its special values:
 * "eXmY" IEEE-like (Inf and NaNs in the top binade), "eXmYfn" OCP E4M3-like
 * (no Inf, only S.1..1.1..1 is NaN), "eXmYfinite" (no Inf, no NaN, like FP6).
 * Integer groups of any size and width are named "int<b>_g<G>[_asym]"
 * (b = 2..8 bits, G = 1..2^20, like the table's int4_g128). A resolved user
 * format has the name "user" and a math class by width. Returns the table id (>= 0), RG_FORMAT_USER for a
 * user format, or RG_EUNKNOWN / RG_ERANGE with `err` naming `field`. `err` may be NULL. */
#define RG_FORMAT_USER 1000000
struct rg_err;
int rg_format_parse(const char *name, rg_format *out, const char *field, struct rg_err *err);

/* Build a user minifloat from its fields (as rg_format_parse does for "eXmY").
 * bias < 0 means the default 2^(ebits-1)-1. Returns 0 or RG_ERANGE. */
int rg_format_minifloat(int ebits, int mbits, int bias, rg_nan_mode nan, rg_format *out, const char *field,
                        struct rg_err *err);

#endif
