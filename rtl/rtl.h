/* rtl.h: Ridge's silicon leg — generated Verilog for numerics units,
 * co-simulation against the engine's bit-exact models (engine/unit.h), and
 * synthesis to area, delay and power with yosys and OpenSTA.
 *
 * One request describes one unit; rtl_run generates it into a directory,
 * optionally co-simulates it (iverilog) and synthesizes it (yosys + sta),
 * and returns the whole result as JSON. The directory is written under a
 * temporary name and renamed at the end, so a failed run never leaves a
 * directory that looks complete. */
#ifndef RTL_H
#define RTL_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

typedef struct rtl_request {
    char unit[16];       /* "mul", "mac", "dot"; recipe units "amax", "four_six", "hadamard" */
    char format[32];     /* operand format: fp8_e4m3, mxfp4, int8, e4m3fn ... */
    char out_format[32]; /* mul: output format ("" = format) */
    char acc[32];        /* mac/dot: accumulator ("" = fp32, int32 for ints) */
    char rounding[8];    /* "rne" (default), "rtz", "rna" */
    int stages;          /* mac/dot: 0 = combinational, N = registered, N-cycle latency */
    int align_bits;      /* dot: 0 = exact alignment, else window width */
    int block;           /* recipe units: elements per operation (0 = the unit's default) */
    char scale[8];       /* amax: "e8m0" (default) | "e4m3" */
    char elem[32];       /* amax e8m0: the element format whose emax the rule uses */
    int max;             /* amax e4m3: the element maximum M, 6 (default) or 4 */
    bool cosim;          /* run iverilog against the C model */
    long vectors;        /* random vectors when not exhaustive (default 100000) */
    uint64_t seed;       /* random vectors */
    bool synth;          /* run yosys + OpenSTA */
    double clock_ns;     /* clock period for timing and power (default 10 ns) */
    char liberty[512];   /* "" = the OSU 0.18 um library of qflow-tech-osu018 */
    bool keep_failed;    /* leave a failed run's DIR.tmp-PID for inspection */
} rtl_request;

void rtl_request_defaults(rtl_request *r);
/* Whether a request's unit is a recipe unit (amax, four_six, hadamard). */
bool rtl_is_recipe_unit(const rtl_request *r);
/* Check a request without running anything; errors name the option
 * ("--unit", "--format", "--align-bits" ...). */
int rtl_check(const rtl_request *r, rg_err *err);

/* Generate (+ co-simulate, + synthesize) into `dir` (must not exist; its
 * parent must). On success returns 0 and *json (malloc'd, caller frees) is
 * the result object: top, files, ports, unit, format, parameters,
 * verilog_sha256, generator_version, and `cosim` / `synthesis` when asked.
 * On failure returns a negative status, fills `err` (the option or the
 * tool, with the tool's message) and leaves no `dir`. */
int rtl_run(const rtl_request *r, const char *dir, char **json, rg_err *err);

#endif
