/* gen.h: the Verilog-2005 generator for Ridge's numerics units.
 *
 * rtl_gen turns a request into a unit (engine/unit.h: the same formats,
 * rounding and alignment as the C model) and writes its RTL as text: one
 * file per module (the top, an operand decoder per format, the rounder), so
 * that verilator's DECLFILENAME rule holds. The text is synthesizable as it
 * is by yosys 0.23 and simulates in iverilog 11 (-g2005). */
#ifndef RTL_GEN_H
#define RTL_GEN_H

#include <stdbool.h>

#include "recipe_unit.h"
#include "rtl.h"
#include "unit.h"

#define RTL_GEN_VERSION "ridge-rtlgen 1"
#define RTL_MAX_PORTS   8
#define RTL_MAX_FILES   6

typedef struct rtl_port {
    char name[16];
    int width;
    bool input;
} rtl_port;

typedef struct rtl_design {
    rg_unit unit;
    bool recipe_unit; /* an amax, four_six or hadamard unit: `ru`, not `unit` */
    rg_runit ru;
    int stages; /* 0: combinational; N: output registered, N-cycle latency */
    char top[96];
    int nports;
    rtl_port ports[RTL_MAX_PORTS];
    int nfiles;
    char file_names[RTL_MAX_FILES][128]; /* relative to the output directory */
    char *file_text[RTL_MAX_FILES];      /* owned; rtl_design_free frees */
} rtl_design;

/* Build the unit of a request (rtl_check's rules) without generating text. */
int rtl_unit_of(const rtl_request *r, rg_unit *u, rg_err *err);

/* Generate the design. Returns 0, RG_ENOMEM, or a request error naming the
 * option. On failure *d holds nothing to free. */
int rtl_gen(const rtl_request *r, rtl_design *d, rg_err *err);
void rtl_design_free(rtl_design *d);

/* A recipe unit (engine/recipe_unit.h) of a request; rtl_gen_recipe
 * generates it (gen_recipe.c; rtl_gen calls it for those units). Errors
 * name the option. */
int rtl_runit_of(const rtl_request *r, rg_runit *u, rg_err *err);
int rtl_gen_recipe(const rtl_request *r, rtl_design *d, rg_err *err);

/* The shared rounder module (W-bit magnitude times 2^exp, RNE, into `out`,
 * saturating) as Verilog text named `name`; malloc'd, caller frees; NULL
 * when out of memory. */
char *rtl_gen_rounder_text(const char *name, int W, const rg_elem *out);

/* Total input bits, in port order (the co-simulation's vector layout). */
int rtl_design_input_bits(const rtl_design *d);
/* The width of the result port y. */
int rtl_design_output_bits(const rtl_design *d);

#endif
