/* energy.h: the energy of one step, from the roofline's counts.
 *
 * Every part is a count the roofline already has times a named cost:
 *   matrix   MACs executed (matrix FLOPs / 2, recompute included) x energy
 *            per MAC: the silicon's synthesized lane scaled to its node, or,
 *            for a preset chip, matrix_power_fraction x TDP / (peak / 2)
 *   hbm      device-memory bytes x 8 x hbm_pj_per_bit
 *   sram     (2 x device-memory bytes, staged through on-chip SRAM, + MACs x
 *            2 operands x operand bytes / sram_operand_reuse) x 8 x
 *            sram_pj_per_bit
 *   scaleup  bytes each rank sends inside its scale-up domain x 8 x
 *            scaleup_pj_per_bit; scaleout likewise across domains
 *   static   static_power_fraction x TDP x step time
 * Counts are the busiest device's (the one the step time is taken on) times
 * the chips, so energy is an upper bound where stages differ. Parts are
 * summed in list order; energy_j is exactly their sum. */
#ifndef RG_ENERGY_H
#define RG_ENERGY_H

#include <stdint.h>

#include "assumptions.h"
#include "result.h"
#include "silicon.h"

/* Inputs for one step, per device unless noted. */
typedef struct rg_energy_in {
    double matrix_flops;  /* matrix FLOPs executed on the busiest device */
    double bytes;         /* device-memory bytes of the busiest device */
    double scaleup_bytes; /* bytes it sends inside its scale-up domain */
    double scaleout_bytes;
    double time_s; /* step time */
    double chips;
    double tokens;     /* tokens the step produces or trains on */
    double peak;       /* matrix FLOP/s of the math class in use */
    double tdp_w;      /* hardware.tdp_w; 0 = not given */
    double math_bytes; /* bytes of one matrix operand (numerics.math) */
    const rg_silicon_result *silicon;
} rg_energy_in;

/* Bytes one rank sends on each link level for one collective of `kind` of
 * `bytes` (collectives.h's S) over group `g` (the ring volumes: all-reduce
 * 2(n-1)/n S, all-gather and reduce-scatter (n-1)/n S, all-to-all (n-1)/n S,
 * send/recv S; a group spanning domains sends the S/inner shard across). */
struct rg_group;
void rg_energy_coll_bytes(rg_comm_kind kind, const struct rg_group *g, double bytes, double *up, double *out);

/* Fill `e` from `in` and the assumptions, marking those read in `used`. */
void rg_energy_compute(const rg_energy_in *in, const rg_assumptions *a, rg_energy *e, uint8_t *used);

#endif
