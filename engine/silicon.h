/* silicon.h: a matrix unit priced from synthesized lanes.
 *
 * A hardware description may carry `silicon`: a node, a clock, the area
 * given to matrix units and the format of one lane. The lane's area and
 * energy per operation come from the PPA table (data/ppa/osu018.json, the
 * OSU 0.18 um synthesis of `ridge ppa`), which the codec hands the engine as
 * data (rg_ppa); they are scaled to the node by the named assumptions
 * node_area_factor_<N>nm and node_energy_factor_<N>nm. Two kinds of number
 * are kept apart on purpose: the relative cost of formats (synthesized here,
 * same cells, same flow) and the absolute scaling to a node (published
 * factors, low confidence). Per MAC (a block dot lane of B elements does B
 * MACs per operation):
 *   area_per_mac = lane_area * node_area_factor / B / lane_area_utilization
 *   macs         = floor(matrix_area / (lane_area_eff)) * B
 *   matrix_flops = 2 * macs * clock
 *   energy/MAC   = lane_energy * node_energy_factor / B
 *   matrix_power = macs * clock * energy/MAC   (every lane busy)
 * The clock must be reachable: the lane's critical path scales to the node
 * by node_delay_factor_<N>nm; a lane whose path is longer than one clock
 * period is cut into pipeline stages (hardware.silicon.pipeline_stages, or
 * the fewest that fit). A cut does not divide the path evenly: a fraction u
 * (pipeline_unsplit_fraction: the accumulator loop, register timing, uneven
 * cuts) stays in every stage, and each stage after the first adds
 * pipeline_overhead_per_stage of the lane's area and energy:
 *   d            = lane_delay * node_delay_factor
 *   stage delay  = d * (u + (1 - u) / stages)   (d when stages = 1)
 *   stages       = given, or the fewest with stage delay <= 1 / clock
 *   lane_area   *= 1 + overhead * (stages - 1), same for energy
 * A given stage count too small for the clock is refused naming clock_ghz.
 * A lane runs its own format and any format whose values it holds exactly:
 * same kind (float or integer), exponent and mantissa no wider, and, for a
 * block-scaled format, a block lane with the same scaling and block size (a
 * block lane also runs plain formats that fit, with unit scales). The
 * silicon replaces the preset's matrix unit: wider math formats are refused.
 * Pure functions, no allocation. */
#ifndef RG_SILICON_H
#define RG_SILICON_H

#include <stdbool.h>

#include "assumptions.h"
#include "status.h"

#define RG_PPA_MAX 48

/* One synthesized lane. */
typedef struct rg_ppa_lane {
    int fmt;          /* operand format id (rg_format_find) */
    int block;        /* MACs per lane operation: 1 for a MAC, the block size for a dot */
    double area_um2;  /* one lane at the table's node */
    double energy_pj; /* one lane operation at the table's node */
    double delay_ns;  /* critical path at the table's node */
} rg_ppa_lane;

/* One synthesized recipe unit (engine/recipe_unit.h, recipe_silicon.h). */
typedef struct rg_ppa_runit {
    int kind;         /* rg_runit_kind */
    int scale;        /* amax: rg_runit_scale */
    int block;        /* elements per operation */
    double area_um2;  /* at the table's node */
    double energy_pj; /* one operation */
    double delay_ns;
} rg_ppa_runit;

#define RG_PPA_RUNIT_MAX 16

/* The table the codec loads; `ref` is the bf16 MAC lane relative figures
 * divide by (-1: none). */
typedef struct rg_ppa {
    double node_nm;
    int n;
    int ref;
    rg_ppa_lane lanes[RG_PPA_MAX];
    int nrunits; /* data/ppa/recipe_units.json; 0 when absent */
    rg_ppa_runit runits[RG_PPA_RUNIT_MAX];
} rg_ppa;

/* `hardware.silicon` of a spec. */
typedef struct rg_silicon {
    bool enabled;           /* the spec gave a silicon object */
    double node_nm;         /* one of 180 and RG_NODE_LIST */
    double clock_ghz;       /* > 0 */
    double matrix_area_mm2; /* > 0 */
    int mac_format;         /* lane format id; a block format selects a block dot lane */
    int pipeline_stages;    /* 0: the fewest the clock needs */
} rg_silicon;

/* What the derivation gives; zero when silicon is off. */
typedef struct rg_silicon_result {
    bool enabled;
    int mac_format;
    int block;                /* MACs per lane operation */
    double lanes;             /* lanes that fit */
    double macs;              /* lanes * block */
    double matrix_flops;      /* 2 * macs * clock, FLOP/s */
    double area_per_mac_um2;  /* at the node, utilization included */
    double energy_per_mac_pj; /* at the node */
    double matrix_power_w;    /* every lane busy at the clock */
    double area_factor;       /* node_area_factor (absolute scaling, low confidence) */
    double energy_factor;     /* node_energy_factor */
    double rel_area;          /* this lane's area per MAC / the bf16 MAC's (synthesized) */
    double rel_energy;        /* same for energy per MAC */
    double delay_factor;      /* node_delay_factor */
    double lane_delay_ns;     /* the lane's unpipelined critical path at the node */
    int pipeline_stages;      /* stages the lane is cut into */
    double max_clock_ghz;     /* fastest clock at these stages: 1 / stage delay */
} rg_silicon_result;

/* Index of the lane for format `fmt` in `t`, or RG_EUNKNOWN. */
int rg_silicon_lane(const rg_ppa *t, int fmt);

/* Whether a lane of format `lane_fmt` runs format `fmt` at its own rate. */
bool rg_silicon_runs(int lane_fmt, int fmt);

/* Derive the matrix unit of `s` from table `t` and assumptions `a` into
 * `out`, marking each assumption read in `used` (may be NULL). Returns 0 or
 * a negative status naming the field (hardware.silicon.*, or the
 * assumption). */
int rg_silicon_derive(const rg_silicon *s, const rg_ppa *t, const rg_assumptions *a, rg_silicon_result *out,
                      unsigned char *used, rg_err *err);

#endif
