/* test_synth.c: rtl_synth on hand-written Verilog-2005 units.
 *
 * Unsigned 4x4 and 8x8 multipliers and a registered 8-bit multiply-add go
 * through yosys and OpenSTA against the OSU 0.18 um library; the checks are
 * the ones a reader of a PPA table relies on: positive figures, a larger
 * multiplier costs more area, energy = power x period, the liberty checksum
 * is the file's SHA-256 (compared with coreutils' sha256sum), and missing
 * tools, libraries and broken Verilog fail with a named cause. Exits 77
 * (skipped) when yosys or sta is not installed. */
#include <ftw.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "jsonw.h"
#include "synth.h"
#include "tool.h"
#include "testutil.h"

static const char MUL_V[] = "module mul%d(input [%d:0] a, input [%d:0] b, output [%d:0] y);\n"
                            "  assign y = a * b;\n"
                            "endmodule\n";
static const char MAC_V[] = "module mac8(input clk, input [7:0] a, input [7:0] b, output reg [15:0] y);\n"
                            "  always @(posedge clk) y <= y + a * b;\n"
                            "endmodule\n";
static const char BAD_V[] = "module broken(input a, output y)\n  assign y = a &;\nendmodule\n";

static char g_dir[256];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int have_tool(const char *name) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

/* Writes `text` to g_dir/name/unit.v after creating g_dir/name; the
 * run directory goes into run_dir, the file path into file. */
static void put_unit(const char *name, const char *text, char *run_dir, char *file) {
    snprintf(run_dir, 512, "%s/%s", g_dir, name);
    snprintf(file, 512, "%s/unit.v", run_dir);
    CHECK(mkdir(run_dir, 0755) == 0);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static int synth_mul(int bits, rtl_synth_result *res, rg_err *err) {
    char name[16], text[256], run_dir[512], file[512], top[16];
    snprintf(name, sizeof name, "mul%d", bits);
    snprintf(top, sizeof top, "mul%d", bits);
    snprintf(text, sizeof text, MUL_V, bits, bits - 1, bits - 1, 2 * bits - 1);
    put_unit(name, text, run_dir, file);
    const char *files[] = {file};
    rtl_synth_opts o;
    rtl_synth_opts_defaults(&o);
    return rtl_synth(run_dir, files, 1, top, &o, res, err);
}

static void sha256sum_of(const char *path, char hex[65]) {
    char cmd[600];
    hex[0] = '\0';
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    if (p == NULL)
        return;
    CHECK(fscanf(p, "%64s", hex) == 1);
    pclose(p);
}

/* The JSON object carries every field under its struct name. */
static void check_json(const rtl_synth_result *r) {
    jw w;
    jw_init(&w);
    rtl_synth_json(&w, r);
    char *text = jw_take(&w, NULL);
    cJSON *o = text ? cJSON_Parse(text) : NULL;
    CHECK(o != NULL);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "cells")) == (double)r->cells);
#define NUM_(name) CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(o, #name)) == r->name);
    RTL_SYNTH_NUM_FIELDS(NUM_)
#undef NUM_
#define STR_(name) CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, #name)), r->name);
    RTL_SYNTH_STR_FIELDS(STR_)
#undef STR_
    cJSON_Delete(o);
    free(text);
    jw_free(&w);
}

static void test_multipliers(void) {
    rtl_synth_result r4, r8;
    rg_err err = {0};
    int rc = synth_mul(4, &r4, &err);
    CHECK_MSG(rc == 0, "mul4: %d %s: %s", rc, err.field, err.msg);
    rc = synth_mul(8, &r8, &err);
    CHECK_MSG(rc == 0, "mul8: %d %s: %s", rc, err.field, err.msg);
    CHECK(r8.cells > 0 && r8.area_um2 > 0 && r8.delay_ns > 0);
    CHECK(r4.cells > 0 && r4.area_um2 > 0 && r4.delay_ns > 0);
    CHECK_MSG(r8.area_um2 > 2 * r4.area_um2, "mul8 %g um2, mul4 %g um2", r8.area_um2, r4.area_um2);
    CHECK(r8.delay_ns > r4.delay_ns && r8.delay_ns < r8.clock_ns);
    CHECK(r8.power_w > 0 && r8.leakage_w > 0 && r8.internal_w > 0 && r8.switching_w > 0);
    CHECK_REL(r8.power_w, r8.internal_w + r8.switching_w + r8.leakage_w, 1e-4);
    CHECK_REL(r8.energy_pj, r8.power_w * r8.clock_ns * 1e-9 * 1e12, 1e-12);
    CHECK_REL(r8.clock_ns, RTL_SYNTH_DEFAULT_CLOCK_NS, 0);
    CHECK_REL(r8.activity, RTL_SYNTH_DEFAULT_ACTIVITY, 0);
    CHECK_EQ_INT(strlen(r8.liberty_sha256), 64);
    CHECK(strspn(r8.liberty_sha256, "0123456789abcdef") == 64);
    char ref[65];
    sha256sum_of(RTL_SYNTH_DEFAULT_LIBERTY, ref);
    CHECK_STR(r8.liberty_sha256, ref);
    CHECK(strncmp(r8.yosys_version, "Yosys ", 6) == 0);
    CHECK(r8.sta_version[0] >= '0' && r8.sta_version[0] <= '9');
    CHECK(r8.seconds > 0);
    check_json(&r8);
    printf("mul4: %ld cells %.0f um2 %.3f ns %.4f pJ; mul8: %ld cells %.0f um2 %.3f ns %.4f pJ (%.2f s)\n",
           r4.cells, r4.area_um2, r4.delay_ns, r4.energy_pj, r8.cells, r8.area_um2, r8.delay_ns, r8.energy_pj,
           r8.seconds);
}

/* Power scales with activity and, per operation, energy stays put when the
 * period halves at the same activity (dynamic energy per transition). */
static void test_activity_and_clock(void) {
    char run_dir[512], file[512];
    put_unit("act",
             "module m(input [7:0] a, input [7:0] b, output [15:0] y);\n  assign y = a * b;\nendmodule\n",
             run_dir, file);
    const char *files[] = {file};
    rtl_synth_opts o;
    rtl_synth_result lo, hi, fast;
    rg_err err = {0};
    rtl_synth_opts_defaults(&o);
    o.input_activity = 0.1;
    CHECK(rtl_synth(run_dir, files, 1, "m", &o, &lo, &err) == 0);
    o.input_activity = 0.4;
    CHECK(rtl_synth(run_dir, files, 1, "m", &o, &hi, &err) == 0);
    o.clock_ns = 5.0;
    CHECK(rtl_synth(run_dir, files, 1, "m", &o, &fast, &err) == 0);
    CHECK_STR(lo.activity_source, "co-simulation vectors");
    /* a relative file name is a file in the run directory */
    const char *relative[] = {"unit.v"};
    rtl_synth_result rr;
    CHECK(rtl_synth(run_dir, relative, 1, "m", &o, &rr, &err) == 0);
    CHECK(rr.area_um2 == fast.area_um2);
    CHECK_REL(hi.internal_w + hi.switching_w, 4 * (lo.internal_w + lo.switching_w), 1e-3);
    CHECK_REL(fast.energy_pj - fast.leakage_w * 5e3, hi.energy_pj - hi.leakage_w * 10e3, 1e-3);
    CHECK_REL(fast.delay_ns, hi.delay_ns, 1e-3);
}

/* A library in 100 ps units: the same tables read as tenths of a ns, so the
 * delay is a tenth while the clock period (converted to library units) and
 * the power stay as they are. */
static void test_time_unit(void) {
    char run_dir[512], file[512], lib[600];
    put_unit("ps100",
             "module m(input [7:0] a, input [7:0] b, output [15:0] y);\n  assign y = a * b;\nendmodule\n",
             run_dir, file);
    snprintf(lib, sizeof lib, "%s/cells100ps.lib", run_dir);
    char *text = rtl_read_text(RTL_SYNTH_DEFAULT_LIBERTY, NULL);
    char *unit = text ? strstr(text, "time_unit : \"1ns\"") : NULL;
    CHECK(unit != NULL);
    FILE *f = fopen(lib, "w");
    CHECK(f != NULL);
    if (unit != NULL && f != NULL)
        fprintf(f, "%.*stime_unit : \"100ps\"%s", (int)(unit - text), text,
                unit + strlen("time_unit : \"1ns\""));
    if (f != NULL)
        fclose(f);
    free(text);
    const char *files[] = {file};
    rtl_synth_opts o;
    rtl_synth_result ns, ps;
    rg_err err = {0};
    rtl_synth_opts_defaults(&o);
    CHECK(rtl_synth(run_dir, files, 1, "m", &o, &ns, &err) == 0);
    o.liberty = lib;
    int rc = rtl_synth(run_dir, files, 1, "m", &o, &ps, &err);
    CHECK_MSG(rc == 0, "100ps library: %d %s: %s", rc, err.field, err.msg);
    CHECK_REL(ps.delay_ns, 0.1 * ns.delay_ns, 2e-3);
    CHECK_REL(ps.power_w, ns.power_w, 1e-3);
    CHECK(strcmp(ps.liberty_sha256, ns.liberty_sha256) != 0);
}

static void test_sequential(void) {
    char run_dir[512], file[512];
    put_unit("mac8", MAC_V, run_dir, file);
    const char *files[] = {file};
    rtl_synth_opts o;
    rtl_synth_result r;
    rg_err err = {0};
    rtl_synth_opts_defaults(&o);
    o.clock_port = "clk";
    int rc = rtl_synth(run_dir, files, 1, "mac8", &o, &r, &err);
    CHECK_MSG(rc == 0, "mac8: %d %s: %s", rc, err.field, err.msg);
    CHECK(r.cells > 16 && r.area_um2 > 16 * 96 && r.delay_ns > 0 && r.delay_ns < r.clock_ns);
    CHECK(r.power_w > 0);
    printf("mac8: %ld cells %.0f um2, min period %.3f ns, %.4f pJ\n", r.cells, r.area_um2, r.delay_ns,
           r.energy_pj);
}

static void test_failures(void) {
    char run_dir[512], file[512];
    rtl_synth_opts o;
    rtl_synth_result r;
    rg_err err = {0};
    put_unit("bad", BAD_V, run_dir, file);
    const char *files[] = {file};
    rtl_synth_opts_defaults(&o);
    CHECK_EQ_INT(rtl_synth(run_dir, files, 1, "broken", &o, &r, &err), RG_EIO);
    CHECK_STR(err.field, "yosys");
    CHECK_MSG(strstr(err.msg, "ERROR") != NULL, "msg: %s", err.msg);

    o.liberty = "/nonexistent/cells.lib";
    CHECK_EQ_INT(rtl_synth(run_dir, files, 1, "broken", &o, &r, &err), RG_ENOTFOUND);
    CHECK_STR(err.field, "liberty");
    CHECK_MSG(strstr(err.msg, "qflow-tech-osu018") != NULL, "msg: %s", err.msg);

    rtl_synth_opts_defaults(&o);
    CHECK_EQ_INT(rtl_synth(run_dir, files, 1, "top; exit", &o, &r, &err), RG_EINVAL);
    CHECK_STR(err.field, "top");
    const char *quoted[] = {"/tmp/x\".v"};
    CHECK_EQ_INT(rtl_synth(run_dir, quoted, 1, "broken", &o, &r, &err), RG_EINVAL);
    CHECK_STR(err.field, "files");
    o.clock_ns = 0;
    CHECK_EQ_INT(rtl_synth(run_dir, files, 1, "broken", &o, &r, &err), RG_ERANGE);
    CHECK_STR(err.field, "clock_ns");
    o.clock_ns = 10;
    o.input_activity = 1.5;
    CHECK_EQ_INT(rtl_synth(run_dir, files, 1, "broken", &o, &r, &err), RG_ERANGE);
    CHECK_STR(err.field, "input_activity");

    /* sta failing after yosys succeeded: a clock port the unit lacks. */
    put_unit("noclk", "module n(input [3:0] a, output [3:0] y);\n  assign y = ~a;\nendmodule\n", run_dir,
             file);
    rtl_synth_opts_defaults(&o);
    o.clock_port = "clk";
    CHECK_EQ_INT(rtl_synth(run_dir, files, 1, "n", &o, &r, &err), RG_EIO);
    CHECK_STR(err.field, "sta");
    CHECK_MSG(strstr(err.msg, "Error") != NULL, "msg: %s", err.msg);
}

static void test_missing_tool(void) {
    char run_dir[512], file[512];
    rtl_synth_opts o;
    rtl_synth_result r;
    rg_err err = {0};
    const char *path = getenv("PATH");
    char *saved = path ? strdup(path) : NULL;
    put_unit("notool", BAD_V, run_dir, file);
    const char *files[] = {file};
    rtl_synth_opts_defaults(&o);
    setenv("PATH", g_dir, 1);
    CHECK_EQ_INT(rtl_synth(run_dir, files, 1, "broken", &o, &r, &err), RG_ENOTFOUND);
    CHECK_STR(err.field, "yosys");
    CHECK_MSG(strstr(err.msg, "Debian package yosys") != NULL, "msg: %s", err.msg);
    if (saved != NULL)
        setenv("PATH", saved, 1);
    free(saved);
}

/* A tool that hangs is stopped at the timeout: a fake yosys that answers -V
 * and then sleeps. */
static void test_timeout(void) {
    char run_dir[512], file[512], bin[600], fake[700], path[4096];
    rtl_synth_opts o;
    rtl_synth_result r;
    rg_err err = {0};
    const char *old = getenv("PATH");
    char *saved = old ? strdup(old) : NULL;
    put_unit("hang", BAD_V, run_dir, file);
    snprintf(bin, sizeof bin, "%s/bin", run_dir);
    snprintf(fake, sizeof fake, "%s/yosys", bin);
    CHECK(mkdir(bin, 0755) == 0);
    FILE *f = fopen(fake, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs("#!/bin/sh\n[ \"$1\" = -V ] && { echo 'Yosys (fake)'; exit 0; }\nexec sleep 30\n", f);
        fclose(f);
    }
    CHECK(chmod(fake, 0755) == 0);
    snprintf(path, sizeof path, "%s:%s", bin, saved ? saved : "/usr/bin:/bin");
    setenv("PATH", path, 1);
    const char *files[] = {file};
    rtl_synth_opts_defaults(&o);
    o.timeout_s = 0.3;
    CHECK_EQ_INT(rtl_synth(run_dir, files, 1, "broken", &o, &r, &err), RG_EIO);
    CHECK_STR(err.field, "yosys");
    CHECK_MSG(strstr(err.msg, "stopped after") != NULL, "msg: %s", err.msg);
    CHECK(r.seconds < 5);
    if (saved != NULL)
        setenv("PATH", saved, 1);
    free(saved);
}

int main(void) {
    if (!have_tool("yosys") || !have_tool("sta") || access(RTL_SYNTH_DEFAULT_LIBERTY, R_OK) != 0) {
        printf("test_synth: skipped (needs yosys, opensta and qflow-tech-osu018: scripts/deps.sh)\n");
        return 77;
    }
    snprintf(g_dir, sizeof g_dir, "%s/ridge-test-synth-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(g_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_multipliers();
    test_activity_and_clock();
    test_time_unit();
    test_sequential();
    test_failures();
    test_missing_tool();
    test_timeout();
    if (tu_failures == 0)
        nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    else
        fprintf(stderr, "test_synth: run directories kept in %s\n", g_dir);
    return tu_status("test_synth");
}
