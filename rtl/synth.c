/* synth.c: yosys + OpenSTA on one Verilog unit (see synth.h).
 *
 * The tools run through rtl_tool_run (tool.h: posix_spawnp with an argument
 * vector, no shell), their stdout and stderr captured into yosys.log and
 * sta.log beside the scripts.
 * Paths and names that go into the scripts are checked against a small set
 * of characters the yosys and Tcl parsers would interpret (yosys splits its
 * commands at whitespace and not every pass strips quotes, so whitespace is
 * refused too); Tcl gets them in braces.
 *
 * OpenSTA 2.0.17 keeps going after a failed command and exits 0 whatever
 * happened (and some readers, read_verilog among them, report an "Error:"
 * line without failing the command), so the Tcl script runs inside one
 * `catch` that prints the error as "Error: ..." and prints a completion
 * marker only when every command returned; a log without the marker, or with
 * a line that starts with "Error", is a failed run.
 *
 * Units: OpenSTA reports times in the library's time_unit and powers in watts
 * (report_power's help). The library's time_unit is read from its header
 * (Liberty Reference Manual, library-level `time_unit`: "1ps", "10ps",
 * "100ps" or "1ns") and periods are converted to it and delays back to ns.
 * The internal_power tables of a Liberty library are energies in
 * capacitive_load_unit x voltage_unit^2 (pF x V^2 = pJ for OSU 0.18 um);
 * OpenSTA converts them, so rtl_synth takes its watts as they are. */
#include "synth.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "sha256.h"
#include "tool.h"

#define SYNTH_PATH_MAX  1024
#define STA_DONE_MARKER "ridge-sta: done"

static const rtl_tool TOOL_YOSYS = {"yosys", "yosys"};
static const rtl_tool TOOL_STA = {"sta", "opensta"};
static const char LIBERTY_PACKAGE[] = "qflow-tech-osu018";

/* Library time units OpenSTA accepts, and their length in ns. */
static const struct {
    const char *text;
    double ns;
} TIME_UNITS[] = {{"1ns", 1.0}, {"100ps", 0.1}, {"10ps", 0.01}, {"1ps", 0.001}};

/* Per-run file names and what the scripts need, resolved once. */
typedef struct synth_job {
    const char *dir;
    const char *top;
    const char *liberty;
    const char *clock_port;
    const char *const *files;
    int nfiles;
    double clock_ns;
    double activity;
    double lib_time_ns; /* one library time unit, in ns */
    double timeout_s;   /* per tool run */
    char ys[SYNTH_PATH_MAX], tcl[SYNTH_PATH_MAX], ylog[SYNTH_PATH_MAX], slog[SYNTH_PATH_MAX];
    char stat[SYNTH_PATH_MAX], netlist[SYNTH_PATH_MAX], vlog[SYNTH_PATH_MAX], abc[SYNTH_PATH_MAX];
} synth_job;

void rtl_synth_opts_defaults(rtl_synth_opts *o) {
    o->liberty = NULL;
    o->clock_ns = RTL_SYNTH_DEFAULT_CLOCK_NS;
    o->input_activity = -1.0;
    o->clock_port = NULL;
    o->timeout_s = 0;
}

/* 0 when `s` can be written quoted into a yosys or Tcl script. */
static int check_script_text(const char *s, const char *field, rg_err *err) {
    if (s == NULL || s[0] == '\0')
        return rg_err_set(err, RG_EINVAL, field, "must be a non-empty path");
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7f || strchr("\"'\\{}[]$;#", c) != NULL)
            return rg_err_set(err, RG_EINVAL, field, "character '%c' (0x%02x) is not allowed in '%s'",
                              c >= 0x20 && c < 0x7f ? c : '?', c, s);
    }
    if (strlen(s) >= SYNTH_PATH_MAX - 32)
        return rg_err_set(err, RG_ERANGE, field, "path longer than %d characters", SYNTH_PATH_MAX - 32);
    return 0;
}

static int is_ident_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* 0 when `s` is a plain Verilog identifier [A-Za-z_][A-Za-z0-9_]*. */
static int check_ident(const char *s, const char *field, rg_err *err) {
    int ok = s != NULL && is_ident_start(s[0]) && strlen(s) < 128;
    for (const char *p = s; ok && *p; p++)
        ok = is_ident_start(*p) || (*p >= '0' && *p <= '9');
    if (!ok)
        return rg_err_set(err, RG_EINVAL, field, "'%s' is not a plain identifier", s ? s : "(null)");
    return 0;
}

static int check_args(const char *dir, const char *const *files, int nfiles, const char *top,
                      const rtl_synth_opts *o, rg_err *err) {
    int rc = check_script_text(dir, "dir", err);
    if (rc == 0 && (files == NULL || nfiles < 1))
        rc = rg_err_set(err, RG_EINVAL, "files", "at least one Verilog file is needed");
    for (int i = 0; rc == 0 && i < nfiles; i++)
        rc = check_script_text(files[i], "files", err);
    if (rc == 0)
        rc = check_ident(top, "top", err);
    if (rc == 0 && o->clock_port != NULL)
        rc = check_ident(o->clock_port, "clock_port", err);
    if (rc == 0 && o->liberty != NULL)
        rc = check_script_text(o->liberty, "liberty", err);
    if (rc == 0 && !(isfinite(o->clock_ns) && o->clock_ns > 0 && o->clock_ns <= 1e6))
        rc = rg_err_set(err, RG_ERANGE, "clock_ns", "must be in (0, 1e6] ns, got %g", o->clock_ns);
    if (rc == 0 && !(o->input_activity < 0 || o->input_activity <= 1.0))
        rc = rg_err_set(err, RG_ERANGE, "input_activity", "must be in [0, 1] transitions/cycle, got %g",
                        o->input_activity);
    return rc;
}

static int join_path(char *buf, const char *dir, const char *name, rg_err *err) {
    int n = snprintf(buf, SYNTH_PATH_MAX, "%s/%s", dir, name);
    if (n < 0 || n >= SYNTH_PATH_MAX)
        return rg_err_set(err, RG_ERANGE, "dir", "path too long");
    return 0;
}

static int job_paths(synth_job *j, rg_err *err) {
    int rc = join_path(j->ys, j->dir, "synth.ys", err);
    if (rc == 0)
        rc = join_path(j->tcl, j->dir, "sta.tcl", err);
    if (rc == 0)
        rc = join_path(j->ylog, j->dir, "yosys.log", err);
    if (rc == 0)
        rc = join_path(j->slog, j->dir, "sta.log", err);
    if (rc == 0)
        rc = join_path(j->stat, j->dir, "stat.txt", err);
    if (rc == 0)
        rc = join_path(j->netlist, j->dir, "netlist.v", err);
    if (rc == 0)
        rc = join_path(j->vlog, j->dir, "version.log", err);
    if (rc == 0)
        rc = join_path(j->abc, j->dir, "abc.script", err);
    return rc;
}

/* ns per time unit from the library header's `time_unit : "..."`; a library
 * without one uses Liberty's default, 1ns. */
static int liberty_time_unit(const char *head, double *ns, rg_err *err) {
    const char *p = strstr(head, "time_unit");
    *ns = 1.0;
    if (p == NULL)
        return 0;
    p = strchr(p, '"');
    if (p == NULL)
        return rg_err_set(err, RG_EPARSE, "liberty", "time_unit without a quoted value");
    p++;
    for (size_t i = 0; i < sizeof TIME_UNITS / sizeof TIME_UNITS[0]; i++) {
        size_t len = strlen(TIME_UNITS[i].text);
        if (strncmp(p, TIME_UNITS[i].text, len) == 0 && p[len] == '"') {
            *ns = TIME_UNITS[i].ns;
            return 0;
        }
    }
    return rg_err_set(err, RG_EUNSUPPORTED, "liberty", "time_unit \"%.8s...\" is not 1ns, 100ps, 10ps or 1ps",
                      p);
}

/* SHA-256 of the library file and its time unit. A missing library names the
 * package of the default one. */
static int liberty_identify(const char *path, char hex[65], double *time_ns, rg_err *err) {
    static const char *const HEX = "0123456789abcdef";
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    uint8_t digest[32];
    sha256_ctx ctx;
    size_t got = 0, total = 0;
    char head[8192];
    int rc = 0;
    if (f == NULL) {
        rc = rg_err_set(err, RG_ENOTFOUND, "liberty",
                        "cannot read %s: %s (the default OSU 0.18 um library is in the Debian package %s)",
                        path, strerror(errno), LIBERTY_PACKAGE);
        goto out;
    }
    buf = malloc(1 << 16);
    if (buf == NULL) {
        rc = rg_err_set(err, RG_ENOMEM, "liberty", "no memory to hash %s", path);
        goto out;
    }
    sha256_init(&ctx);
    head[0] = '\0';
    while ((got = fread(buf, 1, 1 << 16, f)) > 0) {
        if (total == 0) {
            size_t h = got < sizeof head - 1 ? got : sizeof head - 1;
            memcpy(head, buf, h);
            head[h] = '\0';
        }
        sha256_update(&ctx, buf, got);
        total += got;
    }
    if (ferror(f) || total == 0) {
        rc = rg_err_set(err, RG_EIO, "liberty", "cannot read %s (or it is empty)", path);
        goto out;
    }
    sha256_final(&ctx, digest);
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = HEX[digest[i] >> 4];
        hex[2 * i + 1] = HEX[digest[i] & 15];
    }
    hex[64] = '\0';
    rc = liberty_time_unit(head, time_ns, err);
out:
    if (f != NULL)
        fclose(f);
    free(buf);
    return rc;
}

static int write_file(const char *path, const char *text, rg_err *err) {
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (f == NULL)
        return rg_err_set(err, RG_EIO, "dir", "cannot write %s: %s", path, strerror(errno));
    if (fputs(text, f) < 0)
        rc = rg_err_set(err, RG_EIO, "dir", "cannot write %s", path);
    if (fclose(f) != 0 && rc == 0)
        rc = rg_err_set(err, RG_EIO, "dir", "cannot write %s: %s", path, strerror(errno));
    return rc;
}

/* Whether the library has the OSU cells' buffer BUFX2 (pins A, Y). */
static bool has_buffer_cell(const char *liberty) {
    char *text = rtl_read_text(liberty, NULL);
    bool found =
        text != NULL && (strstr(text, "cell (BUFX2)") != NULL || strstr(text, "cell(BUFX2)") != NULL);
    free(text);
    return found;
}

/* The yosys script: generic synthesis, flip-flops then logic mapped to the
 * library, area from `stat -liberty` teed into stat.txt (yosys manual:
 * synth, dfflibmap, abc -liberty, stat, tee). */
static int write_yosys_script(const synth_job *j, rg_err *err) {
    FILE *f = fopen(j->ys, "w");
    int rc = 0;
    if (f == NULL)
        return rg_err_set(err, RG_EIO, "dir", "cannot write %s: %s", j->ys, strerror(errno));
    for (int i = 0; i < j->nfiles; i++)
        if (j->files[i][0] == '/')
            fprintf(f, "read_verilog %s\n", j->files[i]);
        else
            fprintf(f, "read_verilog %s/%s\n", j->dir, j->files[i]);
    fprintf(f, "synth -flatten -top %s\n", j->top);
    if (j->clock_port != NULL)
        fprintf(f, "dfflibmap -liberty %s\n", j->liberty);
    fprintf(f, "abc -liberty %s -script %s\nopt_clean\n", j->liberty, j->abc);
    fprintf(f, "tee -q -o %s stat -liberty %s\n", j->stat, j->liberty);
    /* OpenSTA's Verilog reader takes no concatenation on the left of an
     * assign: split internal multi-bit nets and drop their aliases first. */
    fprintf(f, "splitnets\nopt_clean -purge\n");
    /* what is left connected wire to wire is an output equal to another port
     * (the LSBs of a Hadamard's sums and differences): an assign between
     * ports, which OpenSTA's reader refuses; drive it through the library's
     * buffer (units without such outputs are unchanged) */
    if (has_buffer_cell(j->liberty))
        fprintf(f, "insbuf -buf BUFX2 A Y\n");
    fprintf(f, "write_verilog -noattr %s\n", j->netlist);
    if (ferror(f))
        rc = rg_err_set(err, RG_EIO, "dir", "cannot write %s", j->ys);
    if (fclose(f) != 0 && rc == 0)
        rc = rg_err_set(err, RG_EIO, "dir", "cannot write %s: %s", j->ys, strerror(errno));
    return rc;
}

/* The OpenSTA script. Combinational units get a virtual clock, sequential
 * ones a clock on their port; inputs and outputs have zero external delay,
 * so the worst setup slack measures the unit alone. -activity is in
 * transitions per clock period (set_power_activity's help). */
static int write_sta_script(const synth_job *j, rg_err *err) {
    char text[4 * SYNTH_PATH_MAX + 1024];
    double period = j->clock_ns / j->lib_time_ns;
    const char *clk = j->clock_port ? j->clock_port : "vclk";
    char where[160] = "", inputs[200] = "[all_inputs]", check[300] = "";
    if (j->clock_port != NULL) {
        /* get_ports only warns about a missing port; 2.0.17's all_inputs
         * has no -no_clocks */
        snprintf(check, sizeof check,
                 "if {[get_ports -quiet {%s}] == {}} { error \"clock port %s not found in %s\" }\n",
                 j->clock_port, j->clock_port, j->top);
        snprintf(where, sizeof where, " [get_ports {%s}]", j->clock_port);
        snprintf(inputs, sizeof inputs, "[delete_from_list [all_inputs] [get_ports {%s}]]", j->clock_port);
    }
    int n = snprintf(text, sizeof text,
                     "if {[catch {\n"
                     "read_liberty {%s}\n"
                     "read_verilog {%s}\n"
                     "link_design %s\n"
                     "%s"
                     "create_clock -name %s -period %.6g%s\n"
                     "set_input_delay 0 -clock %s %s\n"
                     "set_output_delay 0 -clock %s [all_outputs]\n"
                     "set_power_activity -input -activity %.6g\n"
                     "report_checks -path_delay max -digits 4\n"
                     "report_power -digits 6\n"
                     "puts \"%s\"\n"
                     "} msg]} {\n"
                     "puts \"Error: $msg\"\n"
                     "}\n",
                     j->liberty, j->netlist, j->top, check, clk, period, where, clk, inputs, clk, j->activity,
                     STA_DONE_MARKER);
    if (n < 0 || (size_t)n >= sizeof text)
        return rg_err_set(err, RG_ERANGE, "dir", "sta script too long");
    return write_file(j->tcl, text, err);
}

/* Cell count and area from `stat -liberty` output. */
static int parse_stat(const char *text, rtl_synth_result *res, rg_err *err) {
    const char *c = NULL, *a = NULL;
    for (const char *p = strstr(text, "Number of cells:"); p != NULL; p = strstr(p + 1, "Number of cells:"))
        c = p;
    a = strstr(text, "Chip area for module");
    if (c == NULL || a == NULL || sscanf(c, "Number of cells: %ld", &res->cells) != 1)
        return rg_err_set(err, RG_EIO, "yosys", "no cell count or chip area in stat.txt");
    a = strstr(a, "': ");
    if (a == NULL || sscanf(a, "': %lf", &res->area_um2) != 1)
        return rg_err_set(err, RG_EIO, "yosys", "no chip area in stat.txt");
    return 0;
}

/* Worst setup slack from report_checks; delay = period - slack. */
static int parse_timing(const char *log, const synth_job *j, rtl_synth_result *res, rg_err *err) {
    const char *s = strstr(log, "slack (");
    const char *b = s;
    double slack = 0;
    if (s == NULL)
        return rg_err_set(err, RG_EIO, "sta",
                          "no timing path in sta.log (a unit without logic between ports?)");
    while (b > log && b[-1] != '\n')
        b--;
    if (sscanf(b, "%lf", &slack) != 1)
        return rg_err_set(err, RG_EIO, "sta", "cannot read the slack in sta.log");
    res->delay_ns = j->clock_ns - slack * j->lib_time_ns;
    return 0;
}

/* The "Total" row of report_power: internal, switching, leakage, total W. */
static int parse_power(const char *log, rtl_synth_result *res, rg_err *err) {
    const char *p = strstr(log, "\nTotal ");
    if (p == NULL || sscanf(p, " Total %lf %lf %lf %lf", &res->internal_w, &res->switching_w, &res->leakage_w,
                            &res->power_w) != 4)
        return rg_err_set(err, RG_EIO, "sta", "no power totals in sta.log");
    return 0;
}

/* Runs yosys then sta and reads their figures into res. */
static int synth_run(const synth_job *j, rtl_synth_result *res, rg_err *err) {
    char *yargv[] = {"yosys", "-s", (char *)j->ys, NULL};
    char *sargv[] = {"sta", "-no_init", "-no_splash", "-exit", (char *)j->tcl, NULL};
    char *stat = NULL, *log = NULL;
    char line[200];
    int rc = rtl_tool_run(&TOOL_YOSYS, yargv, j->ylog, j->timeout_s, NULL, err);
    if (rc != 0)
        goto out;
    stat = rtl_read_text(j->stat, NULL);
    if (stat == NULL) {
        rc = rg_err_set(err, RG_EIO, "yosys", "yosys wrote no stat.txt");
        goto out;
    }
    rc = parse_stat(stat, res, err);
    if (rc == 0)
        rc = rtl_tool_run(&TOOL_STA, sargv, j->slog, j->timeout_s, NULL, err);
    if (rc != 0)
        goto out;
    log = rtl_read_text(j->slog, NULL);
    if (log == NULL) {
        rc = rg_err_set(err, RG_EIO, "sta", "cannot read %s", j->slog);
        goto out;
    }
    if (strstr(log, STA_DONE_MARKER "\n") == NULL || strncmp(log, "Error", 5) == 0 ||
        strstr(log, "\nError") != NULL) {
        rtl_last_meaningful_line(log, line, sizeof line);
        rc = rg_err_set(err, RG_EIO, "sta", "%s", line);
        goto out;
    }
    rc = parse_timing(log, j, res, err);
    if (rc == 0)
        rc = parse_power(log, res, err);
out:
    free(stat);
    free(log);
    return rc;
}

/* Provenance: library path, checksum and time unit, tool versions. */
static int synth_identify(synth_job *j, rtl_synth_result *res, rg_err *err) {
    char *real = realpath(j->liberty, NULL);
    int rc = liberty_identify(j->liberty, res->liberty_sha256, &j->lib_time_ns, err);
    snprintf(res->liberty_path, sizeof res->liberty_path, "%s", real ? real : j->liberty);
    free(real);
    if (rc == 0)
        rc = rtl_tool_version(&TOOL_YOSYS, "-V", j->vlog, res->yosys_version, sizeof res->yosys_version, err);
    if (rc == 0)
        rc = rtl_tool_version(&TOOL_STA, "-version", j->vlog, res->sta_version, sizeof res->sta_version, err);
    return rc;
}

int rtl_synth(const char *dir, const char *const *files, int nfiles, const char *top, const rtl_synth_opts *o,
              rtl_synth_result *res, rg_err *err) {
    synth_job j;
    double t0 = 0;
    int rc = 0;
    memset(res, 0, sizeof *res);
    memset(&j, 0, sizeof j);
    rc = check_args(dir, files, nfiles, top, o, err);
    if (rc != 0)
        goto out;
    j = (synth_job){.dir = dir,
                    .top = top,
                    .files = files,
                    .nfiles = nfiles,
                    .clock_port = o->clock_port,
                    .liberty = o->liberty ? o->liberty : RTL_SYNTH_DEFAULT_LIBERTY,
                    .clock_ns = o->clock_ns,
                    .timeout_s = o->timeout_s > 0 ? o->timeout_s : RTL_SYNTH_DEFAULT_TIMEOUT_S,
                    .activity = o->input_activity < 0 ? RTL_SYNTH_DEFAULT_ACTIVITY : o->input_activity};
    res->clock_ns = j.clock_ns;
    res->activity = j.activity;
    snprintf(res->abc_script, sizeof res->abc_script, "%s", RTL_SYNTH_ABC_SCRIPT);
    snprintf(res->activity_source, sizeof res->activity_source, "%s",
             o->input_activity < 0 ? "default: uniform random operands" : "co-simulation vectors");
    rc = job_paths(&j, err);
    if (rc == 0)
        rc = synth_identify(&j, res, err);
    if (rc == 0)
        rc = write_file(j.abc, RTL_SYNTH_ABC_SCRIPT "\n", err);
    if (rc == 0)
        rc = write_yosys_script(&j, err);
    if (rc == 0)
        rc = write_sta_script(&j, err);
    if (rc != 0)
        goto out;
    t0 = rtl_now_s();
    rc = synth_run(&j, res, err);
    res->seconds = rtl_now_s() - t0;
    res->energy_pj = res->power_w * res->clock_ns * 1e3; /* W x ns = nJ = 1e3 pJ */
out:
    return rc;
}

void rtl_synth_json(jw *w, const rtl_synth_result *r) {
    jw_obj_begin(w);
    jw_kint(w, "cells", r->cells);
#define SYNTH_NUM_(name) jw_knum(w, #name, r->name);
    RTL_SYNTH_NUM_FIELDS(SYNTH_NUM_)
#undef SYNTH_NUM_
#define SYNTH_STR_(name) jw_kstr(w, #name, r->name);
    RTL_SYNTH_STR_FIELDS(SYNTH_STR_)
#undef SYNTH_STR_
    jw_obj_end(w);
}
