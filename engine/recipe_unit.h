/* recipe_unit.h: bit-exact C models of the hardware a numerics recipe
 * needs beside the matrix lanes, the oracles of the generated RTL (rtl/).
 *
 *  - amax: one block of B source elements (a float format of at most 16
 *    bits: bf16 by default, the format activations leave a matrix unit in)
 *    -> the largest finite |x| (a code of the source format, sign clear),
 *    whether any element is NaN or Inf, and the block scale:
 *      e8m0  X = 2^(floor(log2 amax) - emax_elem), the code s + 127 with s
 *            clamped to [-127, 127]; an all-zero block gets 0x00 and a
 *            block holding NaN or Inf 0xFF (OCP MX v1.0 §6.3, the floor
 *            rule of mx.h; emax_elem of the recipe's element format);
 *      e4m3  s = e4m3_rne(clamp(amax / M, 2^-6, 448)), M = 6 (NVFP4's E2M1
 *            maximum; NVIDIA's NVFP4 recipe, arXiv 2509.25149) or 4 (the
 *            second candidate of four over six); NaN (0x7F) for a block
 *            holding NaN or Inf. amax / 6 is computed exactly (an integer
 *            division by 3 with a sticky remainder) and rounded once; it
 *            equals recipe.c's fp32 amax / 6 rounded to E4M3, because a
 *            quotient by 3 is never within fp32's rounding of an E4M3 tie
 *            (tests check every finite bf16 amax).
 *    The tensor scale of a tensor-scaled recipe (one fp32 multiply per
 *    block) is not part of the unit: the model is recipe.c's block_scale
 *    with ts = 1.
 *  - four_six: one NVFP4 block of 16 source elements and its amax (the
 *    amax unit's output) -> the 16 E2M1 codes of the chosen candidate and
 *    which one (1 = scaled to 4). For M = 6 and M = 4 (engine/recipe.c's
 *    rule, Cook et al. 2025, arXiv 2512.02010): d = the E4M3 scale above,
 *    inv = fp32(1 / d) (a table of fp32(8 / significand): exact),
 *    q_i = e2m1_rne_sat(fp32_rne(x_i * inv)), exactly recipe.c's
 *    tile_run; then the errors x_i - q_i d in a fixed-point window whose
 *    LSB is 2^(Ea - G), Ea the binade exponent of amax, G = mantissa bits
 *    of the source + 5: X_i = floor(|x_i| / 2^(Ea - G)),
 *    Y_i = floor(|q_i d| / 2^(Ea - G)), SSE = sum (X_i - Y_i)^2 (exact
 *    integers), and the 4-candidate is kept when SSE4 < SSE6 (ties keep
 *    6). recipe.c sums the same squared errors in double without the
 *    window; the two choices differ only when the sums are within the
 *    window's truncation of each other (tests count the differences on
 *    random blocks). Subnormal elements quantize to +-0 (x * inv is below
 *    E2M1's smallest half-step); elements must be finite (the amax unit
 *    flags NaN/Inf blocks).
 *  - hadamard: a block of b = 2^k two's-complement integers of W bits ->
 *    the unnormalised Walsh-Hadamard transform H_b x in Sylvester order
 *    (recipe.c's fwht without the 1/sqrt(b)): k stages of b/2 add/sub
 *    butterflies, each stage one bit wider, so the outputs of W + k bits
 *    are exact. The unit rotates fixed-point operands (integer elements,
 *    or significands aligned to a block exponent); 1/sqrt(b) is a shift
 *    for b = 4^j and otherwise folds into the block scale.
 *
 * Pure, reentrant, no allocation. */
#ifndef RG_RECIPE_UNIT_H
#define RG_RECIPE_UNIT_H

#include <stdbool.h>
#include <stdint.h>

#include "fpconv.h"
#include "status.h"

#define RG_RUNIT_LIST(X)                                                                                     \
    X(RG_RUNIT_AMAX, "amax")                                                                                 \
    X(RG_RUNIT_FOUR_SIX, "four_six")                                                                         \
    X(RG_RUNIT_HADAMARD, "hadamard")

typedef enum rg_runit_kind {
#define RG_X_(id, name) id,
    RG_RUNIT_LIST(RG_X_)
#undef RG_X_
        RG_RUNIT_KIND_COUNT
} rg_runit_kind;

/* "amax", "four_six", "hadamard" -> kind; RG_EUNKNOWN otherwise. */
int rg_runit_kind_find(const char *name);
const char *rg_runit_kind_name(int kind);

#define RG_RUNIT_MAX_BLOCK 64
#define RG_RUNIT_FS_BLOCK  16 /* four over six: NVFP4's block */

typedef enum rg_runit_scale { RG_RUNIT_SCALE_E8M0 = 0, RG_RUNIT_SCALE_E4M3 = 1 } rg_runit_scale;

typedef struct rg_runit {
    rg_runit_kind kind;
    char src_name[24];    /* amax, four_six: the source format; hadamard: intW */
    rg_elem src;          /* amax, four_six: source float format */
    int block;            /* elements per operation */
    rg_runit_scale scale; /* amax */
    char elem_name[24];   /* amax e8m0: the element format whose emax the rule uses */
    rg_elem elem;
    int max;   /* amax e4m3: M, 6 or 4 */
    int width; /* hadamard: input bits W (2..24) */
    int log2b; /* hadamard: k */
    int guard; /* four_six: G, the window's bits below amax's binade */
} rg_runit;

/* Set up a unit. `src`: a float format of <= 16 bits for amax and four_six
 * (NULL: bf16), intW (W = 2..24) for hadamard (NULL: int8); `block` 0 for
 * the default (amax 32, four_six 16, hadamard 16); `scale` "e8m0" | "e4m3"
 * (amax; NULL: e8m0); `elem` the element format of the e8m0 rule (NULL:
 * fp8_e4m3); `max` 0, 6 or 4 (amax e4m3). Errors name the option
 * ("--unit", "--format", "--block", "--scale", "--elem", "--max").
 * Returns 0 or a negative status. */
int rg_runit_init(rg_runit *u, rg_runit_kind kind, const char *src, int block, const char *scale,
                  const char *elem, int max, rg_err *err);

/* amax: x[u->block] codes -> *amax (source code), *bad, *scale (8 bits). */
void rg_runit_amax(const rg_runit *u, const uint32_t *x, uint32_t *amax, bool *bad, uint32_t *scale);

/* The E4M3 block scale code of a source amax code for maximum m (6 or 4). */
uint32_t rg_runit_e4m3_scale(const rg_elem *src, uint32_t amax, int m);

/* four_six: x[16] codes and their amax code -> q[16] E2M1 codes, *four
 * (1: the M = 4 candidate), and the two error sums (may be NULL). */
void rg_runit_four_six(const rg_runit *u, const uint32_t *x, uint32_t amax, uint32_t *q, bool *four,
                       uint64_t sse[2]);

/* hadamard: x[u->block] (sign-extended W-bit integers) -> y[u->block]. */
void rg_runit_hadamard(const rg_runit *u, const int32_t *x, int64_t *y);

/* Output bits of a unit's result (the RTL's y port). */
int rg_runit_out_bits(const rg_runit *u);

#endif
