/* rtl.c: one RTL run — generate, co-simulate, lint, synthesize — into a
 * directory that appears only when the run succeeded (see rtl.h). */
#include "rtl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "cosim.h"
#include "gen.h"
#include "jsonw.h"
#include "sha256.h"
#include "synth.h"
#include "tool.h"

void rtl_request_defaults(rtl_request *r) {
    memset(r, 0, sizeof *r);
    snprintf(r->rounding, sizeof r->rounding, "rne");
    r->vectors = 100000;
    r->seed = 1;
    r->clock_ns = RTL_SYNTH_DEFAULT_CLOCK_NS;
}

int rtl_check(const rtl_request *r, rg_err *err) {
    rg_unit u;
    rg_runit ru;
    bool recipe = rtl_is_recipe_unit(r);
    int rc = recipe ? rtl_runit_of(r, &ru, err) : rtl_unit_of(r, &u, err);
    if (rc < 0)
        return rc;
    if (recipe)
        u.kind = RG_UNIT_MUL; /* no stages: checked by rtl_runit_of */
    if (r->stages < 0 || r->stages > 3)
        return rg_err_set(err, RG_ERANGE, "--stages", "must be 0 (combinational) to 3, got %d", r->stages);
    if (r->stages && u.kind != RG_UNIT_MAC)
        return rg_err_set(err, RG_EUNSUPPORTED, "--stages", "only a mac unit is pipelined");
    if (r->vectors < 1 || r->vectors > 10000000)
        return rg_err_set(err, RG_ERANGE, "--vectors", "must be 1..10000000, got %ld", r->vectors);
    if (!(r->clock_ns > 0.0) || r->clock_ns > 1e6)
        return rg_err_set(err, RG_ERANGE, "--clock-ns", "must be > 0 and at most 1e6 ns");
    return 0;
}

/* The SHA-256 of the design's files, in order, as they are written. */
static void verilog_sha(const rtl_design *d, char hex[65]) {
    sha256_ctx c;
    uint8_t h[32];
    sha256_init(&c);
    for (int i = 0; i < d->nfiles; i++)
        sha256_update(&c, d->file_text[i], strlen(d->file_text[i]));
    sha256_final(&c, h);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
}

static int write_text(const char *dir, const char *name, const char *text, rg_err *err) {
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return rg_err_set(err, RG_ERANGE, "--out", "path too long");
    FILE *f = fopen(path, "w");
    if (!f)
        return rg_err_set(err, RG_EIO, "--out", "cannot write %s: %s", path, strerror(errno));
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, f) == n;
    if (fclose(f) != 0 || !ok)
        return rg_err_set(err, RG_EIO, "--out", "cannot write %s", path);
    return 0;
}

static void json_ports(jw *w, const rtl_design *d) {
    jw_key(w, "ports");
    jw_obj_begin(w);
    for (int i = 0; i < d->nports; i++) {
        jw_key(w, d->ports[i].name);
        jw_obj_begin(w);
        jw_kint(w, "width", d->ports[i].width);
        jw_kstr(w, "direction", d->ports[i].input ? "input" : "output");
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

static void json_recipe_params(jw *w, const rtl_design *d) {
    const rg_runit *u = &d->ru;
    jw_kstr(w, "unit", rg_runit_kind_name(u->kind));
    jw_kstr(w, "format", u->src_name);
    jw_kint(w, "block", u->block);
    if (u->kind == RG_RUNIT_AMAX) {
        jw_kstr(w, "scale", u->scale == RG_RUNIT_SCALE_E8M0 ? "e8m0" : "e4m3");
        if (u->scale == RG_RUNIT_SCALE_E8M0) {
            jw_kstr(w, "elem", u->elem_name);
            jw_kint(w, "emax_elem", u->elem.emax);
        } else {
            jw_kint(w, "max", u->max);
        }
    } else if (u->kind == RG_RUNIT_FOUR_SIX) {
        jw_kstr(w, "scale", "e4m3");
        jw_kint(w, "window_guard_bits", u->guard);
    } else {
        jw_kint(w, "width", u->width);
        jw_kint(w, "stages", u->log2b);
    }
    jw_kint(w, "output_bits", rg_runit_out_bits(u));
    jw_obj_end(w);
}

static void json_params(jw *w, const rtl_request *r, const rtl_design *d) {
    const rg_unit *u = &d->unit;
    jw_key(w, "parameters");
    jw_obj_begin(w);
    if (d->recipe_unit) {
        json_recipe_params(w, d);
        return;
    }
    jw_kstr(w, "unit", r->unit);
    jw_kstr(w, "format", r->format);
    if (u->kind == RG_UNIT_MUL)
        jw_kstr(w, "out_format", r->out_format[0] ? r->out_format : r->format);
    else
        jw_kstr(w, "acc", r->acc[0] ? r->acc : (u->is_int ? "int32" : "fp32"));
    jw_kstr(w, "rounding", rg_round_name(u->round));
    jw_kbool(w, "saturate", u->saturate);
    jw_kint(w, "stages", d->stages);
    if (u->kind == RG_UNIT_DOT) {
        jw_kint(w, "block", u->block);
        jw_kstr(w, "scale", u->scale == RG_DOT_SCALE_E8M0 ? "e8m0" : "fp8_e4m3");
        jw_kint(w, "align_bits", u->align_bits);
        jw_kstr(w, "alignment", u->align_bits ? "window" : "exact");
    }
    jw_kint(w, "operand_bits", u->a.bits);
    jw_kint(w, "output_bits", u->out.bits);
    jw_obj_end(w);
}

static void json_cosim(jw *w, const rtl_cosim_result *c, const rtl_lint_result *l, uint64_t seed) {
    jw_key(w, "cosim");
    jw_obj_begin(w);
    jw_kint(w, "vectors", c->vectors);
    jw_kint(w, "mismatches", c->mismatches);
    jw_kbool(w, "exhaustive", c->exhaustive);
    char sbuf[24]; /* a string: seeds run to 2^64 - 1, past JSON's exact integers */
    snprintf(sbuf, sizeof sbuf, "%llu", (unsigned long long)seed);
    jw_kstr(w, "seed", sbuf);
    jw_knum(w, "seconds", c->seconds);
    jw_kint(w, "processes", c->processes);
    jw_knum(w, "input_activity", c->activity);
    if (c->first_mismatch[0])
        jw_kstr(w, "first_mismatch", c->first_mismatch);
    jw_kstr(w, "simulator", c->iverilog_version);
    jw_key(w, "lint");
    jw_obj_begin(w);
    jw_kbool(w, "clean", l->clean);
    jw_kint(w, "warnings", l->warnings);
    if (l->first[0])
        jw_kstr(w, "first", l->first);
    jw_kstr(w, "tool", l->verilator_version);
    jw_kstr(w, "command", "verilator --lint-only -Wall");
    jw_obj_end(w);
    jw_obj_end(w);
}

typedef struct rtl_run_state {
    rtl_design d;
    rtl_cosim_result cosim;
    rtl_lint_result lint;
    rtl_synth_result synth;
    char sha[65];
    double gen_seconds;
} rtl_run_state;

static char *result_json(const rtl_request *r, const rtl_run_state *s, const char *dir) {
    jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_kstr(&w, "top", s->d.top);
    jw_kstr(&w, "unit", r->unit);
    jw_kstr(&w, "format", r->format);
    jw_kstr(&w, "dir", dir);
    jw_key(&w, "files");
    jw_arr_begin(&w);
    for (int i = 0; i < s->d.nfiles; i++)
        jw_str(&w, s->d.file_names[i]);
    jw_arr_end(&w);
    json_ports(&w, &s->d);
    json_params(&w, r, &s->d);
    jw_kstr(&w, "verilog_sha256", s->sha);
    jw_kstr(&w, "generator_version", RTL_GEN_VERSION);
    jw_kstr(&w, "engine_version", codec_engine_version());
    jw_kstr(&w, "git_commit", codec_git_commit());
    jw_knum(&w, "generate_seconds", s->gen_seconds);
    if (r->cosim)
        json_cosim(&w, &s->cosim, &s->lint, r->seed);
    if (r->synth) {
        jw_key(&w, "synthesis");
        rtl_synth_json(&w, &s->synth);
    }
    jw_obj_end(&w);
    return jw_take(&w, NULL);
}

static int run_steps(const rtl_request *r, rtl_run_state *s, const char *tmp, rg_err *err) {
    int rc = 0;
    for (int i = 0; i < s->d.nfiles; i++) {
        rc = write_text(tmp, s->d.file_names[i], s->d.file_text[i], err);
        if (rc < 0)
            return rc;
    }
    double activity = -1.0;
    if (r->cosim) {
        rc = rtl_cosim(&s->d, tmp, r->vectors, r->seed, &s->cosim, err);
        if (rc < 0)
            return rc;
        rc = rtl_lint(&s->d, tmp, &s->lint, err);
        if (rc < 0)
            return rc;
        activity = s->cosim.activity;
    }
    if (r->synth) {
        rtl_synth_opts o;
        rtl_synth_opts_defaults(&o);
        o.clock_ns = r->clock_ns;
        o.input_activity = activity;
        o.liberty = r->liberty[0] ? r->liberty : NULL;
        o.clock_port = s->d.stages ? "clk" : NULL;
        const char *files[RTL_MAX_FILES];
        for (int i = 0; i < s->d.nfiles; i++)
            files[i] = s->d.file_names[i];
        rc = rtl_synth(tmp, files, s->d.nfiles, s->d.top, &o, &s->synth, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int rtl_run(const rtl_request *r, const char *dir, char **json, rg_err *err) {
    rtl_run_state *s = calloc(1, sizeof *s);
    char tmp[PATH_MAX];
    char *out = NULL;
    int rc = 0;
    bool made = false;
    *json = NULL;
    if (!s)
        return rg_err_set(err, RG_ENOMEM, "rtl", "out of memory");
    rc = rtl_check(r, err);
    if (rc < 0)
        goto out;
    struct stat st;
    if (stat(dir, &st) == 0) {
        rc = rg_err_set(err, RG_ECONFLICT, "--out", "'%s' exists: choose a new directory", dir);
        goto out;
    }
    /* tools run in the directory: every path handed to them is absolute */
    char cwd[PATH_MAX] = "";
    if (dir[0] != '/' && !getcwd(cwd, sizeof cwd)) {
        rc = rg_err_set(err, RG_EIO, "--out", "cannot resolve the current directory: %s", strerror(errno));
        goto out;
    }
    if ((size_t)snprintf(tmp, sizeof tmp, "%s%s%s.tmp-%ld", cwd, cwd[0] ? "/" : "", dir, (long)getpid()) >=
        sizeof tmp) {
        rc = rg_err_set(err, RG_ERANGE, "--out", "path too long");
        goto out;
    }
    double t0 = rtl_now_s();
    rc = rtl_gen(r, &s->d, err);
    if (rc < 0)
        goto out;
    s->gen_seconds = rtl_now_s() - t0;
    verilog_sha(&s->d, s->sha);
    if (mkdir(tmp, 0755) != 0) {
        rc = rg_err_set(err, RG_EIO, "--out", "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    made = true;
    rc = run_steps(r, s, tmp, err);
    if (rc < 0)
        goto out;
    out = result_json(r, s, dir);
    if (!out) {
        rc = rg_err_set(err, RG_ENOMEM, "rtl", "out of memory");
        goto out;
    }
    rc = write_text(tmp, "result.json", out, err);
    if (rc < 0)
        goto out;
    if (rename(tmp, dir) != 0) {
        rc = rg_err_set(err, RG_EIO, "--out", "cannot rename %s to %s: %s", tmp, dir, strerror(errno));
        goto out;
    }
    made = false;
    *json = out;
    out = NULL;
out:
    if (made && !r->keep_failed)
        rtl_remove_tree(tmp);
    free(out);
    rtl_design_free(&s->d);
    free(s);
    return rc;
}
