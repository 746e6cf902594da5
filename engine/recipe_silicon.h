/* recipe_silicon.h: what a numerics recipe costs in silicon beside the
 * matrix lanes: the amax/scale, four-over-six and Hadamard units of
 * engine/recipe_unit.h, synthesized by scripts/ppa.sh into
 * data/ppa/recipe_units.json (the codec hands them over in rg_ppa).
 *
 * A spec with hardware.silicon and numerics.recipes gets, per class whose
 * recipe is quantized on the chip (activations; weights in training, when
 * they are re-quantized every step; the kv cache as it is written):
 *   amax unit      every block-scaled recipe (E8M0 row for e8m0, fp32 and
 *                  pow2 scales; E4M3 row for e4m3 and ue5m3; twice the
 *                  E8M0 row for asymmetric min/max blocks)
 *   four_six unit  recipes with four_over_six
 *   hadamard unit  recipes with a rotation of b: the synthesized b0-point
 *                  unit scaled by log2(b) / log2(b0) (a b-point transform
 *                  has b log2(b) / 2 butterflies)
 * With B the unit's elements per operation:
 *   energy per element = unit energy x node_energy_factor / B
 *   units              = ceil(macs / (recipe_operand_reuse x B)): enough to
 *                        quantize the operand stream the matrix unit takes
 *                        (one fresh element feeds recipe_operand_reuse MACs)
 *   area               = units x unit area x node_area_factor /
 *                        lane_area_utilization, on top of matrix_area_mm2
 *   power              = units x clock x unit energy at the node (all busy)
 *   energy per step    = elements quantized per step x energy per element
 * Units of one kind are shared by the classes (the largest count of any
 * class is provisioned). Pure, no allocation. */
#ifndef RG_RECIPE_SILICON_H
#define RG_RECIPE_SILICON_H

#include <stdbool.h>
#include <stdint.h>

#include "recipe_unit.h"
#include "silicon.h"
#include "spec.h"

typedef struct rg_recipe_silicon_class {
    bool on;                              /* the class's recipe is quantized on chip and needs units */
    double unit_ops[RG_RUNIT_KIND_COUNT]; /* unit operations per element, by unit kind */
    double energy_pj_per_element;         /* at the node */
    double elements;                      /* quantized per step on the busiest device (0: not counted) */
    double energy_j;                      /* per step, all chips */
} rg_recipe_silicon_class;

typedef struct rg_recipe_silicon {
    bool enabled;
    rg_recipe_silicon_class cls[RG_TC_COUNT];
    double units[RG_RUNIT_KIND_COUNT];         /* provisioned per chip */
    double unit_area_um2[RG_RUNIT_KIND_COUNT]; /* one unit at the node, utilization included */
    double area_mm2;                           /* all recipe units of a chip */
    double area_fraction;                      /* of hardware.silicon.matrix_area_mm2 */
    double power_w;                            /* every unit busy at the clock */
    double energy_j;                           /* per step, all chips */
    double energy_per_token_j;
} rg_recipe_silicon;

/* Derive the recipe units of `spec` for the matrix unit `si` (enabled) from
 * spec->ppa. `elems[2]`: elements quantized per step on one device,
 * activations and weights (the roofline's forward GEMM operands); `chips`,
 * `tokens` of the step. Marks assumptions in `used` (may be NULL). Returns 0
 * (out->enabled false when there is nothing to price) or a negative status
 * naming "numerics.recipes.<class>" when a needed unit has no synthesized
 * row. */
int rg_recipe_silicon_derive(const rg_spec *spec, const rg_silicon_result *si, const double elems[2],
                             double chips, double tokens, rg_recipe_silicon *out, uint8_t *used, rg_err *err);

#endif
