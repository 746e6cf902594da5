/* mx.h: OCP Microscaling (MX v1.0) shared-scale selection.
 *
 * A block of k = 32 elements shares one E8M0 scale X = 2^s. The spec's rule
 * (floor, the default) is s = floor(log2 amax) - emax_elem, where emax_elem
 * is the exponent of the element's largest normal (E4M3 8, E5M2 15, E3M2 4,
 * E2M3 2, E2M1 2, INT8 0), clamped to the E8M0 range [-127, 127]. floor(log2
 * amax) is read from the float's exponent field, never from log2f (which
 * rounds log2f(15.999999f) up to 4 and picks a scale one binade too high).
 * Other rules seen in practice:
 *   ceil  : s = ceil(log2 amax) - emax_elem
 *   even  : amax is first rounded (RNE) to the element's mantissa width, then
 *           floor: a block whose amax rounds up into the next binade moves up
 *   rceil : s = ceil(log2(amax / max_elem)), the smallest scale with no
 *           element clipping (amax / X <= max_elem); what recent hardware's
 *           conversion instructions implement.
 * An all-zero block gets scale code 0x00 (s = -127); a block holding NaN or
 * Inf gets 0xFF and every element becomes NaN. */
#ifndef RG_MX_H
#define RG_MX_H

#include <stdint.h>

#include "fpconv.h"

typedef enum rg_scale_mode {
    RG_SMODE_FLOOR = 0,
    RG_SMODE_CEIL = 1,
    RG_SMODE_EVEN = 2,
    RG_SMODE_RCEIL = 3
} rg_scale_mode;

#define RG_MX_SCALE_NAN 0xFF

/* "floor", "ceil", "even", "rceil"; RG_EUNKNOWN if none. */
int rg_scale_mode_find(const char *name);
const char *rg_scale_mode_name(int mode);

/* Scale exponent s in [-127, 127] for a block with finite amax >= 0 (amax
 * = 0 gives -127). Reference: frexp and double arithmetic. */
int rg_mx_scale_exp_ref(float amax, const rg_elem *e, rg_scale_mode mode);

/* The same from the bits of amax (|x| bits, finite: < 0x7F800000), by
 * exponent-field extraction and integer compares. */
int rg_mx_scale_exp(uint32_t amax_bits, const rg_elem *e, rg_scale_mode mode);

#endif
