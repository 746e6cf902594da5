/* synth.h: synthesis of a Verilog unit to area, delay and power.
 *
 * rtl_synth maps a design onto a standard-cell library with yosys (generic
 * synthesis, then abc technology mapping and `stat -liberty` for the area)
 * and runs OpenSTA on the mapped netlist for the critical path and the
 * power at a stated clock and input switching activity. Scripts, logs and
 * the netlist stay in the caller's directory as the run's evidence.
 *
 * Units: the default library is the OSU 0.18 um cell set of the Debian
 * package qflow-tech-osu018. Its header declares time_unit "1ns",
 * capacitive_load_unit (1,pf), voltage_unit "1V", current_unit "1uA" and
 * leakage_power_unit "1nW"; cell `area` carries no unit attribute and is in
 * square micrometres (an INVX1 is 16, a DFFPOSX1 96: 0.18 um cells). yosys
 * sums those areas as they are; OpenSTA converts every power to watts
 * ("Power values are reported in watts", report_power's help) and reports
 * times in the library's time unit, which rtl_synth reads from the library
 * header (1ns, 100ps, 10ps or 1ps) to convert periods and delays. */
#ifndef RTL_SYNTH_H
#define RTL_SYNTH_H

#include "status.h"

/* The library rtl_synth uses when opts->liberty is NULL. */
#define RTL_SYNTH_DEFAULT_LIBERTY "/usr/share/qflow/tech/osu018/osu018_stdcells.lib"
/* Input toggle rate when the caller measured none: operands drawn uniformly
 * at random each cycle flip each bit with probability 1/2. (OpenSTA's own
 * default is 0.1, set_power_activity's help; Ridge always states one.) */
#define RTL_SYNTH_DEFAULT_ACTIVITY 0.5
#define RTL_SYNTH_DEFAULT_CLOCK_NS 10.0
/* The ABC script of the technology mapping: yosys 0.23's default for
 * `abc -liberty` (`yosys -p 'help abc'`) with one change, a conflict limit of
 * 10 on the SAT sweep (`&fraig -x -C 10`). Unlimited, that sweep of a
 * 32-element block dot's 25,000 gates runs for many minutes; limited, the
 * dot maps within about 1 % of the default's area in seconds of ABC time
 * (docs/silicon.md has the measurements). */
#define RTL_SYNTH_ABC_SCRIPT                                                                                 \
    "strash; &get -n; &fraig -x -C 10; &put; scorr; dc2; dretime; strash; &get -n; &dch -f; &nf; &put"
/* A tool run that takes longer is stopped: the largest unit (a 32-element MX
 * dot) is meant to synthesize in under 5 minutes. */
#define RTL_SYNTH_DEFAULT_TIMEOUT_S 1200.0

typedef struct rtl_synth_opts {
    const char *liberty;    /* NULL = RTL_SYNTH_DEFAULT_LIBERTY */
    double clock_ns;        /* period for timing and power, > 0 */
    double input_activity;  /* transitions per input bit per cycle, measured
                               from co-simulation vectors, in [0, 1];
                               < 0 = RTL_SYNTH_DEFAULT_ACTIVITY */
    const char *clock_port; /* NULL for combinational units, else e.g. "clk" */
    double timeout_s;       /* per yosys or sta run; <= 0 = RTL_SYNTH_DEFAULT_TIMEOUT_S */
} rtl_synth_opts;

typedef struct rtl_synth_result {
    long cells;
    double area_um2;
    /* Critical path, the shortest period that meets timing (period minus the
     * worst setup slack, inputs and outputs at zero external delay): the
     * input-to-output arrival of a combinational unit; the worst
     * in-to-reg, reg-to-reg or reg-to-out path, setup time included, of a
     * sequential one. */
    double delay_ns;
    double power_w, internal_w, switching_w, leakage_w;
    double energy_pj; /* power_w * clock period: one operation per cycle */
    double clock_ns;
    double activity;
    char activity_source[64];
    char abc_script[128]; /* RTL_SYNTH_ABC_SCRIPT */
    char liberty_path[512];
    char liberty_sha256[65];
    char yosys_version[96];
    char sta_version[32];
    double seconds; /* wall time of synthesis + sta */
} rtl_synth_result;

/* The result's fields as they appear in JSON (the `synthesis` object of
 * rtl_run and ridge ppa), one list for the writer and the readers: numbers,
 * then strings; `cells` is the one integer. */
#define RTL_SYNTH_NUM_FIELDS(X)                                                                              \
    X(area_um2)                                                                                              \
    X(delay_ns)                                                                                              \
    X(power_w) X(internal_w) X(switching_w) X(leakage_w) X(energy_pj) X(clock_ns) X(activity) X(seconds)
#define RTL_SYNTH_STR_FIELDS(X)                                                                              \
    X(activity_source) X(abc_script) X(liberty_path) X(liberty_sha256) X(yosys_version) X(sta_version)

struct jw;
/* Writes `r` as one JSON object value (the caller writes its key). */
void rtl_synth_json(struct jw *w, const rtl_synth_result *r);

/* clock 10 ns, default activity, library and timeout, combinational. */
void rtl_synth_opts_defaults(rtl_synth_opts *o);

/* Synthesize module `top` of the Verilog-2005 `files` (a relative path
 * names a file in `dir`) in the existing directory `dir`, which receives synth.ys, sta.tcl, yosys.log,
 * sta.log, stat.txt and netlist.v. Paths may not hold whitespace, quotes, backslashes, braces, brackets, '$',
 * ';', '#' or control characters (they are written into tool scripts); `top` and the clock port must be plain
 * identifiers.
 *
 * Returns 0 and fills *res, or a negative status with `err` filled:
 * RG_EINVAL/RG_ERANGE for bad arguments (field = the argument),
 * RG_ENOTFOUND for a missing tool or library (the message names the Debian
 * package to install), RG_EIO when a tool fails (field = "yosys" or "sta",
 * message = the last meaningful line of its log). */
int rtl_synth(const char *dir, const char *const *files, int nfiles, const char *top, const rtl_synth_opts *o,
              rtl_synth_result *res, rg_err *err);

#endif
