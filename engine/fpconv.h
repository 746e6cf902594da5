/* fpconv.h: scalar reference conversions between fp32 and Ridge's element
 * formats (minifloats, fixed-point integers, E8M0).
 *
 * These are the oracle: written for clarity with double arithmetic and
 * frexp/ldexp, independent of the bit-twiddling fast kernels in quant.c,
 * which tests compare against them bit for bit. Policy, stated once:
 *  - Rounding: to nearest even (RNE, default), toward zero (RTZ), to
 *    nearest with ties away from zero (RNA), or stochastic (SR): with F the
 *    discarded fraction truncated to 32 bits (F = floor(frac * 2^32)) and r
 *    32 random bits, round up iff F + r >= 2^32, so P(up) = F / 2^32.
 *  - Subnormals of the target are produced (gradual underflow); fp32
 *    subnormal inputs are exact inputs. A format without subnormals flushes
 *    results below its min normal to zero.
 *  - Overflow (a rounded magnitude above the max finite value, or an Inf
 *    input): saturating conversion gives +-max; non-saturating gives +-Inf,
 *    or NaN in a format without Inf. As in IEEE 754, RTZ never rounds a
 *    finite input to Inf: it gives +-max.
 *  - NaN in gives NaN out (sign kept). A format without NaN (FP6, FP4, INT)
 *    cannot encode it; the emulated value is still NaN.
 *  - Floats keep the sign of zero (-tiny rounds to -0). Integer elements
 *    have no negative zero (one code for 0): a negative value that rounds
 *    to 0, and -0 itself, give +0.
 * Values are returned as fp32 (every element value is exactly representable). */
#ifndef RG_FPCONV_H
#define RG_FPCONV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "formats.h"

/* The bits of a float32 and back (memcpy: no aliasing, compiles to a move). */
static inline uint32_t rg_f32_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
static inline float rg_f32_from_bits(uint32_t u) {
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

typedef enum rg_round {
    RG_ROUND_RNE = 0, /* to nearest, ties to even */
    RG_ROUND_RTZ = 1, /* toward zero */
    RG_ROUND_RNA = 2, /* to nearest, ties away from zero */
    RG_ROUND_SR = 3   /* stochastic, seeded per element */
} rg_round;

/* "rne", "rtz", "rna", "stochastic" (also "sr"); RG_EUNKNOWN if none. */
int rg_round_find(const char *name);
const char *rg_round_name(int mode);

/* What an element conversion needs, derived from a format by rg_elem_init.
 * An integer element is a fixed-point number k * 2^qmin with |k| <= kmax
 * (symmetric); MX integers carry 2^-(mbits-1) (MXINT8: k/64), plain and
 * group integers are whole numbers. */
typedef struct rg_elem {
    bool is_int;
    bool is_scale; /* E8M0: decode only */
    int ebits, mbits, bias;
    int emin;      /* exponent of the min normal (floats) */
    int emax;      /* floor(log2(maxval)): the MX "emax_elem" */
    int qmin;      /* exponent of the smallest quantum: min subnormal or int LSB */
    int kmax;      /* ints: largest |k| */
    float maxval;  /* largest finite magnitude */
    float minnorm; /* smallest normal magnitude (floats) */
    bool has_inf;  /* IEEE-like top binade */
    bool has_nan;  /* any NaN code */
    bool nan_one;  /* OCP E4M3: only the all-ones code is NaN */
    bool subnormals;
    int bits; /* code width incl. sign */
} rg_elem;

/* Derive the element description of a format (the element of a scaled
 * format: mxfp4 -> E2M1). Returns 0, or RG_EUNSUPPORTED for fp32-wider
 * exponents. Does not allocate. */
int rg_elem_init(rg_elem *e, const rg_format *f);

/* Round x to the element format (reference). `rbits` is used only by SR. */
float rg_fpconv_ref(float x, const rg_elem *e, rg_round mode, bool saturate, uint32_t rbits);

/* The code of a representable value (sign in the top bit of `bits`; ints in
 * two's complement; NaN -> the positive all-ones code, or 0 where the format
 * has none). The value must already be representable (output of a rounding). */
uint32_t rg_fpconv_encode(float v, const rg_elem *e);
/* The value of a code (low `bits` bits used). */
float rg_fpconv_decode(uint32_t code, const rg_elem *e);

/* fp32 -> bf16 / fp16 bits, RNE, IEEE overflow to Inf, NaN -> quiet NaN. */
uint16_t rg_fpconv_f32_to_bf16(float x);
uint16_t rg_fpconv_f32_to_f16(float x);
float rg_fpconv_bf16_to_f32(uint16_t h);
float rg_fpconv_f16_to_f32(uint16_t h);

#endif
