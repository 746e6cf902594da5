/* cosim.h: co-simulation of a generated unit against its C model.
 *
 * The C model (engine/unit.h) computes the expected output of every input
 * vector; the vectors and their answers go into a hex file that a
 * generated testbench reads ($readmemh), drives through the unit in
 * iverilog and compares with `!==` (so an X or Z output is a mismatch).
 * Vectors: every operand pair when a mul's inputs hold at most 16 bits
 * (65,536 pairs for 8-bit formats); otherwise seeded random codes plus the
 * edge cases of the formats (zeros of both signs, the smallest and largest
 * subnormal, the smallest normal, one, the largest finite value, Inf and
 * NaN where the format has them) paired with each other, accumulators near
 * the product (exact cancellations included), and for dot units blocks of
 * zeros, blocks dominated by one large product (the alignment window at
 * work), blocks that overflow fp32, and NaN scales. */
#ifndef RTL_COSIM_H
#define RTL_COSIM_H

#include <stdbool.h>
#include <stdint.h>

#include "gen.h"

typedef struct rtl_cosim_result {
    long vectors;
    long mismatches;
    bool exhaustive;
    double seconds;  /* vectors from the C model, iverilog compile, simulation */
    int processes;   /* vvp processes the vectors were split over */
    double activity; /* mean toggles per input bit between consecutive vectors */
    char first_mismatch[256];
    char iverilog_version[96];
} rtl_cosim_result;

typedef struct rtl_lint_result {
    bool clean;
    int warnings;
    char first[256];
    char verilator_version[96];
} rtl_lint_result;

/* Writes vectors.hex and tb.v into dir (the design's files must already be
 * there), runs iverilog and vvp. `nrandom` random vectors when not
 * exhaustive. Returns 0 with *res filled (mismatches may be > 0), or a
 * negative status (a missing tool names its package). */
int rtl_cosim(const rtl_design *d, const char *dir, long nrandom, uint64_t seed, rtl_cosim_result *res,
              rg_err *err);

/* verilator --lint-only -Wall over the design's files in dir. */
int rtl_lint(const rtl_design *d, const char *dir, rtl_lint_result *res, rg_err *err);

#endif
