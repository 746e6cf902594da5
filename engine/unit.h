/* unit.h: bit-exact C models of Ridge's numerics hardware units.
 *
 * These models are the oracle the generated RTL (rtl/) is co-simulated
 * against, and what `ridge matmul` runs so that the emulator computes what
 * the hardware would. They work on codes (bit patterns), never on floats:
 *
 *  - mul: y = round_G(a * b) for a, b in format F (any minifloat of the
 *    format table or eXmY, up to 16 bits) and the output format G (F by
 *    default). The product is exact before its one rounding.
 *  - mac: y = round_ACC(c + a * b), a fused multiply-add with one rounding
 *    (the exact sum is rounded once), c and y in the accumulator format.
 *  - dot: one block of a block-scaled format: OCP MX v1.0 (32 elements of
 *    an MX element format per operand, one E8M0 scale each) or NVFP4 (16
 *    E2M1 elements, one E4M3 scale each).
 *      y = round_ACC(X_a * X_b * sum_i a_i * b_i)
 *    With exact alignment (align_bits = 0) the sum is exact and rounded
 *    once. With a window of N bits (align_bits = N) every product is first
 *    aligned to the largest product exponent and truncated toward zero to
 *    the window: with P_i = E(a_i) + E(b_i) the sum of the operands'
 *    unbiased exponents (emin for subnormals and zeros), Pmax the largest
 *    P_i among non-zero products, each |a_i b_i| is truncated to a multiple
 *    of 2^(Pmax + 2 - N) (the window spans 2^(Pmax+1) down to
 *    2^(Pmax+2-N): a product of normal elements lies in [1, 4) * 2^P_i).
 *    The truncated products are summed exactly and the sum rounded once.
 *    MXINT8 elements k/64 count as significand |k| with exponent 0.
 *  - integer mul/mac (int8, int4): y = a * b (exact, twice the width) and
 *    y = c + a * b in a two's-complement accumulator (int32 by default)
 *    that wraps around on overflow, as integer MAC arrays do.
 *
 * Rounding of every float result: RNE (default), RTZ or RNA; subnormal
 * inputs and outputs (gradual underflow). Overflow of a finite result:
 * saturating formats (the OCP 4/6/8-bit formats, as `ridge qdq` converts by
 * default) give +-max; IEEE formats (fp16, bf16, fp32) give +-Inf (RTZ gives
 * +-max, as IEEE 754 requires). Specials: NaN in gives NaN out (the
 * format's canonical NaN: positive, all-ones exponent and mantissa, or
 * S.1111.111 for E4M3; code 0 where the output format has no NaN);
 * Inf * 0 is NaN; Inf * finite non-zero is Inf with the xor of the signs;
 * Inf - Inf is NaN; an Inf into a format without Inf becomes +-max when
 * saturating, NaN otherwise. An exact zero result has the xor of the signs
 * for mul, and for sums the sign IEEE 754 gives (+0 unless every term is
 * -0, or the rounded result underflows from a negative sum).
 *
 * Everything here is pure and reentrant; no allocation. */
#ifndef RG_UNIT_H
#define RG_UNIT_H

#include <stdbool.h>
#include <stdint.h>

#include "formats.h"
#include "fpconv.h"
#include "status.h"

#define RG_UNIT_LIST(X)                                                                                      \
    X(RG_UNIT_MUL, "mul")                                                                                    \
    X(RG_UNIT_MAC, "mac")                                                                                    \
    X(RG_UNIT_DOT, "dot")

typedef enum rg_unit_kind {
#define RG_X_(id, name) id,
    RG_UNIT_LIST(RG_X_)
#undef RG_X_
        RG_UNIT_KIND_COUNT
} rg_unit_kind;

/* "mul", "mac", "dot" -> kind; RG_EUNKNOWN otherwise. */
int rg_unit_kind_find(const char *name);
const char *rg_unit_kind_name(int kind);

/* How a dot block's scale is coded. */
typedef enum rg_dot_scale {
    RG_DOT_SCALE_NONE = 0, /* mul / mac */
    RG_DOT_SCALE_E8M0 = 1, /* OCP MX: 2^(code - 127), 0xFF = NaN */
    RG_DOT_SCALE_E4M3 = 2  /* NVFP4: an OCP E4M3 value */
} rg_dot_scale;

/* The largest operand width a float unit takes, and the widest result. */
#define RG_UNIT_MAX_IN_BITS  16
#define RG_UNIT_MAX_OUT_BITS 32
#define RG_UNIT_MAX_BLOCK    64

typedef struct rg_unit {
    rg_unit_kind kind;
    bool is_int;        /* integer mul/mac */
    rg_format fa;       /* operand format as named (mxfp4 for a dot) */
    rg_elem a;          /* operand element (codes of a and b) */
    rg_elem out;        /* mul: output G; mac/dot: accumulator */
    rg_format fout;     /* the output / accumulator format */
    bool saturate;      /* overflow of the output: +-max (else Inf/NaN) */
    rg_round round;     /* RNE, RTZ or RNA */
    int align_bits;     /* dot: 0 = exact, else the window width N */
    int block;          /* dot: elements per operand */
    rg_dot_scale scale; /* dot: scale coding */
    rg_elem scale_elem; /* dot: the scale's element (E8M0 or E4M3) */
} rg_unit;

/* Set up a unit. `f` is the operand format, `g` the output (mul) or the
 * accumulator (mac, dot; NULL = fp32 for floats, int32 for integers; for
 * mul NULL = f). `align_bits` only for dot (0 = exact, else 1..64). Errors
 * name the option: "--unit", "--format", "--out-format", "--acc",
 * "--rounding", "--align-bits". Returns 0 or a negative status. */
int rg_unit_init(rg_unit *u, rg_unit_kind kind, const rg_format *f, const rg_format *g, rg_round round,
                 int align_bits, rg_err *err);

/* Resolve a unit's format name: everything rg_format_parse takes, plus
 * "intN" (N = 2..32), a plain two's-complement integer of N bits (an
 * integer MAC's accumulator). Returns >= 0 or a negative status naming
 * `field`. */
int rg_unit_format_parse(const char *name, rg_format *out, const char *field, rg_err *err);

/* The models. Codes use the low bits of each argument (operand width
 * u->a.bits, output width u->out.bits); the result is a code of u->out.
 * Integer units: a, b are two's-complement codes of the operand width, c
 * and the result of the accumulator width (int mul: twice the operand). */
uint32_t rg_unit_mul(const rg_unit *u, uint32_t a, uint32_t b);
uint32_t rg_unit_mac(const rg_unit *u, uint32_t a, uint32_t b, uint32_t c);
/* a[u->block], b[u->block]: element codes; sa, sb: scale codes. */
uint32_t rg_unit_dot(const rg_unit *u, const uint32_t *a, const uint32_t *b, uint32_t sa, uint32_t sb);

/* x + y in a float format with one rounding (the adder that accumulates
 * block dot products in a matmul). */
uint32_t rg_unit_add(const rg_elem *f, uint32_t x, uint32_t y, rg_round round, bool saturate);

/* ---- exact accumulation -------------------------------------------------
 * A 640-bit two's-complement fixed-point number with its least significant
 * bit at 2^-RG_WIDE_LSB: every product of two fp16/bf16 values and every
 * scaled MX/NVFP4 product is exactly representable, and so is any sum of
 * fewer than 2^20 of them. Specials are carried beside it. */
#define RG_WIDE_LIMBS 10
#define RG_WIDE_LSB   320

typedef struct rg_wide {
    uint64_t limb[RG_WIDE_LIMBS]; /* little-endian limbs */
    bool nan, pinf, ninf;         /* a NaN, +Inf or -Inf term was added */
    bool any, all_negzero;        /* terms added; all of them -0 so far */
} rg_wide;

void rg_wide_zero(rg_wide *w);
/* w += (-1)^neg * mag * 2^exp, exactly. exp + RG_WIDE_LSB must be >= 0 and
 * the term below 2^(639 - RG_WIDE_LSB); returns RG_ERANGE otherwise. */
int rg_wide_add(rg_wide *w, bool neg, uint64_t mag, int exp);
/* w += the value of a code of format e (specials tracked). */
int rg_wide_add_code(rg_wide *w, const rg_elem *e, uint32_t code);
/* The exact value rounded once to format e. */
uint32_t rg_wide_round(const rg_wide *w, const rg_elem *e, rg_round round, bool saturate);
/* The value as a double (rounded; for reporting only). */
double rg_wide_to_double(const rg_wide *w);

/* ---- codes ---------------------------------------------------------------- */

/* A decoded code: value = (-1)^neg * sig * 2^exp for finite codes. */
typedef enum rg_cls { RG_CLS_ZERO = 0, RG_CLS_FINITE = 1, RG_CLS_INF = 2, RG_CLS_NAN = 3 } rg_cls;
typedef struct rg_unpacked {
    rg_cls cls;
    bool neg;
    uint32_t sig; /* integer significand (hidden bit included for normals) */
    int exp;      /* weight of the significand's LSB */
    int uexp;     /* unbiased exponent of the binade (emin for subnormals, zero) */
} rg_unpacked;

void rg_unit_unpack(const rg_elem *e, uint32_t code, rg_unpacked *u);
/* The canonical NaN code of a format (0 if it has none), and +-max, +-Inf. */
uint32_t rg_unit_nan_code(const rg_elem *e);
uint32_t rg_unit_max_code(const rg_elem *e, bool neg);

#endif
