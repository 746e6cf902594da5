/* cmd_ppa.c: `ridge ppa`: area, delay and energy per operation of the
 * numerics units, one row per unit x format.
 *
 * Each row is one rtl_run (generate, optionally co-simulate, synthesize with
 * yosys + OpenSTA) in its own directory under one temporary parent, removed
 * at the end. Figures are read back from rtl_run's JSON (the `synthesis`
 * object, keys from RTL_SYNTH_*_FIELDS) and set against a baseline of the
 * same kind: the bf16 unit for mul and mac, the mxfp8_e4m3 block dot for
 * dot (bf16 has no block form). A row whose baseline was not part of the run
 * has no relative figures.
 *
 * Exit status: 0 when every row synthesized, 2 for bad options or a
 * combination the generator rejects, 1 when a tool or the system failed. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "jsonw.h"
#include "rtl.h"
#include "synth.h"
#include "tool.h"

typedef struct ppa_kind {
    const char *unit;
    const char *const *formats;
    int nformats;
    const char *baseline; /* format the relative columns divide by */
} ppa_kind;

static const char *const SCALAR_FORMATS[] = {"fp4_e2m1", "fp6_e3m2", "fp6_e2m3", "fp8_e4m3", "fp8_e5m2",
                                             "bf16",     "fp16",     "int8",     "int4"};
static const char *const BLOCK_FORMATS[] = {"mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3",
                                            "mxfp4",      "mxint8",     "nvfp4"};
#define NSCALAR (int)(sizeof SCALAR_FORMATS / sizeof SCALAR_FORMATS[0])
#define NBLOCK  (int)(sizeof BLOCK_FORMATS / sizeof BLOCK_FORMATS[0])

static const ppa_kind KINDS[] = {
    {"mul", SCALAR_FORMATS, NSCALAR, "bf16"},
    {"mac", SCALAR_FORMATS, NSCALAR, "bf16"},
    {"dot", BLOCK_FORMATS, NBLOCK, "mxfp8_e4m3"},
};
#define NKINDS      (int)(sizeof KINDS / sizeof KINDS[0])
#define MAX_FORMATS 32

typedef struct ppa_opts {
    bool unit_on[NKINDS];
    const char *formats[MAX_FORMATS]; /* NULL-terminated; none = all */
    int nformats;
    char *formats_buf; /* owns the --formats copy the names point into */
    double clock_ns;
    bool json, cosim;
    const char *out;
} ppa_opts;

typedef struct ppa_row {
    const ppa_kind *kind;
    const char *format;
    char acc[32];
    char generator_version[64];
    char verilog_sha256[65];
    rtl_synth_result s;
    const struct ppa_row *base; /* NULL: baseline not in this run */
} ppa_row;

static void ppa_usage(FILE *f) {
    fprintf(f, "usage: ridge ppa [--units mul,mac,dot] [--formats LIST] [--clock-ns T] [--cosim] [--json] "
               "[--out FILE]\n");
    for (int k = 0; k < NKINDS; k++) {
        fprintf(f, "  %s formats:", KINDS[k].unit);
        for (int i = 0; i < KINDS[k].nformats; i++)
            fprintf(f, " %s", KINDS[k].formats[i]);
        fprintf(f, " (relative to %s)\n", KINDS[k].baseline);
    }
}

static int kind_has(const ppa_kind *k, const char *format) {
    for (int i = 0; i < k->nformats; i++)
        if (strcmp(k->formats[i], format) == 0)
            return 1;
    return 0;
}

static int parse_units(const char *list, ppa_opts *o) {
    char buf[128];
    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf)
        goto bad;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < NKINDS && strcmp(KINDS[k].unit, t) != 0)
            k++;
        if (k == NKINDS) {
            fprintf(stderr, "ridge ppa: --units: unknown unit '%s' (mul, mac, dot)\n", t);
            return 2;
        }
        o->unit_on[k] = true;
    }
    return 0;
bad:
    fprintf(stderr, "ridge ppa: --units: list too long\n");
    return 2;
}

/* Splits --formats into o->formats (pointing into o->formats_buf). */
static int parse_formats(const char *list, ppa_opts *o) {
    free(o->formats_buf);
    o->nformats = 0;
    o->formats_buf = strdup(list);
    if (o->formats_buf == NULL) {
        fprintf(stderr, "ridge ppa: out of memory\n");
        return 1;
    }
    for (char *save = NULL, *t = strtok_r(o->formats_buf, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save)) {
        if (o->nformats == MAX_FORMATS - 1) {
            fprintf(stderr, "ridge ppa: --formats: more than %d formats\n", MAX_FORMATS - 1);
            return 2;
        }
        o->formats[o->nformats++] = t;
    }
    o->formats[o->nformats] = NULL;
    return 0;
}

static int parse_clock(const char *s, double *ns) {
    char *end = NULL;
    errno = 0;
    *ns = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(*ns) || *ns <= 0 || *ns > 1e6) {
        fprintf(stderr, "ridge ppa: --clock-ns: expected a period in (0, 1e6] ns, got '%s'\n", s);
        return 2;
    }
    return 0;
}

/* Returns 0, 2 on a bad option, -1 after printing help. */
static int ppa_parse_args(int argc, char **argv, ppa_opts *o) {
    int rc = 0;
    for (int i = 1; rc == 0 && i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            ppa_usage(stdout);
            return -1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--cosim") == 0) {
            o->cosim = true;
        } else if (v == NULL || strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "ridge ppa: unknown option or missing value '%s'\n", a);
            rc = 2;
        } else if (strcmp(a, "--units") == 0) {
            rc = parse_units(argv[++i], o);
        } else if (strcmp(a, "--formats") == 0) {
            rc = parse_formats(argv[++i], o);
        } else if (strcmp(a, "--clock-ns") == 0) {
            rc = parse_clock(argv[++i], &o->clock_ns);
        } else if (strcmp(a, "--out") == 0) {
            o->out = argv[++i];
        } else {
            fprintf(stderr, "ridge ppa: unknown option '%s'\n", a);
            rc = 2;
        }
    }
    return rc;
}

/* Every format of --formats must belong to at least one selected unit. */
static int check_formats(const ppa_opts *o) {
    for (int f = 0; f < o->nformats; f++) {
        int used = 0;
        for (int k = 0; k < NKINDS; k++)
            used |= o->unit_on[k] && kind_has(&KINDS[k], o->formats[f]);
        if (!used) {
            fprintf(stderr,
                    "ridge ppa: --formats: '%s' is not a format of the selected units (ridge ppa --help)\n",
                    o->formats[f]);
            return 2;
        }
    }
    return 0;
}

static int wanted(const ppa_opts *o, const char *format) {
    if (o->nformats == 0)
        return 1;
    for (int f = 0; f < o->nformats; f++)
        if (strcmp(o->formats[f], format) == 0)
            return 1;
    return 0;
}

/* The rows to synthesize, in table order, into rows[] (caller's storage of
 * NKINDS * MAX_FORMATS). Returns their number. */
static int ppa_plan(const ppa_opts *o, ppa_row *rows) {
    int n = 0;
    for (int k = 0; k < NKINDS; k++)
        for (int i = 0; o->unit_on[k] && i < KINDS[k].nformats; i++)
            if (wanted(o, KINDS[k].formats[i])) {
                memset(&rows[n], 0, sizeof rows[n]);
                rows[n].kind = &KINDS[k];
                rows[n].format = KINDS[k].formats[i];
                n++;
            }
    return n;
}

/* The accumulator a row asks for: none for mul, fp32 (int32 for integer
 * operands) for mac, the generator's default for dot. */
static const char *row_acc(const ppa_row *r) {
    if (strcmp(r->kind->unit, "mac") != 0)
        return "";
    return strncmp(r->format, "int", 3) == 0 ? "int32" : "fp32";
}

static void copy_str(char *dst, size_t n, const cJSON *o, const char *key) {
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    if (s != NULL)
        snprintf(dst, n, "%s", s);
}

/* rtl_run's JSON -> row. Returns 0, or 1 (message printed) when the
 * synthesis object is missing or incomplete. */
static int ppa_read_json(const char *text, ppa_row *r) {
    cJSON *root = cJSON_Parse(text);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "synthesis");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "parameters");
    const cJSON *cells = cJSON_GetObjectItemCaseSensitive(s, "cells");
    int rc = 0;
    if (!cJSON_IsObject(s) || !cJSON_IsNumber(cells)) {
        fprintf(stderr, "ridge ppa: %s %s: rtl_run's JSON has no synthesis object\n", r->kind->unit,
                r->format);
        rc = 1;
        goto out;
    }
    r->s.cells = (long)cells->valuedouble;
#define NUM_(name)                                                                                           \
    do {                                                                                                     \
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, #name);                                         \
        r->s.name = cJSON_IsNumber(v) ? v->valuedouble : NAN;                                                \
    } while (0);
    RTL_SYNTH_NUM_FIELDS(NUM_)
#undef NUM_
#define STR_(name) copy_str(r->s.name, sizeof r->s.name, s, #name);
    RTL_SYNTH_STR_FIELDS(STR_)
#undef STR_
    copy_str(r->generator_version, sizeof r->generator_version, root, "generator_version");
    copy_str(r->verilog_sha256, sizeof r->verilog_sha256, root, "verilog_sha256");
    copy_str(r->acc, sizeof r->acc, root, "acc");
    copy_str(r->acc, sizeof r->acc, params, "acc");
out:
    cJSON_Delete(root);
    return rc;
}

static int status_exit(int code) {
    return code == RG_EINVAL || code == RG_EUNKNOWN || code == RG_ERANGE || code == RG_EUNSUPPORTED ? 2 : 1;
}

/* One unit through rtl_run into parent/UNIT-FORMAT. Returns the exit
 * status (0 on success, message printed otherwise). */
static int ppa_run_one(const ppa_opts *o, const char *parent, ppa_row *r) {
    rtl_request req;
    rg_err err = {0};
    char dir[1024], *json = NULL;
    int rc = 0;
    rtl_request_defaults(&req);
    snprintf(req.unit, sizeof req.unit, "%s", r->kind->unit);
    snprintf(req.format, sizeof req.format, "%s", r->format);
    snprintf(req.acc, sizeof req.acc, "%s", row_acc(r));
    snprintf(r->acc, sizeof r->acc, "%s", row_acc(r));
    req.synth = true;
    req.cosim = o->cosim;
    if (o->clock_ns > 0)
        req.clock_ns = o->clock_ns;
    snprintf(dir, sizeof dir, "%s/%s-%s", parent, r->kind->unit, r->format);
    rc = rtl_run(&req, dir, &json, &err);
    if (rc != 0) {
        fprintf(stderr, "ridge ppa: %s %s: %s: %s\n", r->kind->unit, r->format, err.field, err.msg);
        rc = status_exit(err.code ? err.code : rc);
        goto out;
    }
    rc = ppa_read_json(json, r);
    if (rc == 0)
        fprintf(stderr, "ppa: %s %-10s %6ld cells %10.0f um2 %7.3f ns %9.4f pJ (%.2f s)\n", r->kind->unit,
                r->format, r->s.cells, r->s.area_um2, r->s.delay_ns, r->s.energy_pj, r->s.seconds);
out:
    free(json);
    return rc;
}

static void ppa_link_baselines(ppa_row *rows, int n) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (rows[j].kind == rows[i].kind && strcmp(rows[j].format, rows[i].kind->baseline) == 0)
                rows[i].base = &rows[j];
}

static double rel(double x, double base) { return base > 0 && isfinite(x) ? x / base : NAN; }

static void put_rel(FILE *f, double v) {
    if (isnan(v))
        fprintf(f, " %8s", "-");
    else
        fprintf(f, " %8.3f", v);
}

static void ppa_write_table(FILE *f, const ppa_row *rows, int n) {
    fprintf(f, "%-4s %-10s %-5s %6s %10s %8s %9s %8s %8s %8s %-10s\n", "unit", "format", "acc", "cells",
            "area_um2", "delay_ns", "energy_pj", "rel_area", "rel_enrg", "rel_dly", "relative_to");
    for (int i = 0; i < n; i++) {
        const ppa_row *r = &rows[i];
        const rtl_synth_result *b = r->base ? &r->base->s : NULL;
        fprintf(f, "%-4s %-10s %-5s %6ld %10.0f %8.3f %9.4f", r->kind->unit, r->format,
                r->acc[0] ? r->acc : "-", r->s.cells, r->s.area_um2, r->s.delay_ns, r->s.energy_pj);
        put_rel(f, b ? rel(r->s.area_um2, b->area_um2) : NAN);
        put_rel(f, b ? rel(r->s.energy_pj, b->energy_pj) : NAN);
        put_rel(f, b ? rel(r->s.delay_ns, b->delay_ns) : NAN);
        fprintf(f, " %s\n", b ? r->kind->baseline : "(not in this run)");
    }
    if (n > 0) {
        const rtl_synth_result *s = &rows[0].s;
        fprintf(
            f,
            "\nrel_*: this unit / the baseline of its kind (mul, mac: bf16; dot: the mxfp8_e4m3 block dot)\n"
            "energy_pj: power x clock period, one operation per cycle, at %g ns and input activity %g (%s)\n"
            "liberty %s sha256 %s\n%s; OpenSTA %s; generator %s\n",
            s->clock_ns, s->activity, s->activity_source, s->liberty_path, s->liberty_sha256,
            s->yosys_version, s->sta_version, rows[0].generator_version[0] ? rows[0].generator_version : "?");
    }
}

static void ppa_write_json(jw *w, const ppa_row *rows, int n) {
    jw_arr_begin(w);
    for (int i = 0; i < n; i++) {
        const ppa_row *r = &rows[i];
        const rtl_synth_result *b = r->base ? &r->base->s : NULL;
        jw_obj_begin(w);
        jw_kstr(w, "unit", r->kind->unit);
        jw_kstr(w, "format", r->format);
        jw_kstr(w, "acc", r->acc);
        jw_kint(w, "cells", r->s.cells);
#define NUM_(name) jw_knum(w, #name, r->s.name);
        RTL_SYNTH_NUM_FIELDS(NUM_)
#undef NUM_
        jw_kstr(w, "relative_to", r->kind->baseline);
        jw_knum(w, "rel_area", b ? rel(r->s.area_um2, b->area_um2) : NAN);
        jw_knum(w, "rel_energy", b ? rel(r->s.energy_pj, b->energy_pj) : NAN);
        jw_knum(w, "rel_delay", b ? rel(r->s.delay_ns, b->delay_ns) : NAN);
#define STR_(name) jw_kstr(w, #name, r->s.name);
        RTL_SYNTH_STR_FIELDS(STR_)
#undef STR_
        jw_kstr(w, "generator_version", r->generator_version);
        jw_kstr(w, "verilog_sha256", r->verilog_sha256);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* The report as one malloc'd string (caller frees), NULL when out of memory. */
static char *ppa_render(const ppa_opts *o, const ppa_row *rows, int n) {
    char *text = NULL;
    if (o->json) {
        jw w;
        jw_init(&w);
        ppa_write_json(&w, rows, n);
        text = jw_take(&w, NULL);
        jw_free(&w);
    } else {
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (f == NULL)
            return NULL;
        ppa_write_table(f, rows, n);
        if (fclose(f) != 0) {
            free(text);
            text = NULL;
        }
    }
    return text;
}

/* stdout, or FILE through FILE.tmp and a rename. */
static int ppa_emit(const char *out, const char *text) {
    char tmp[1024];
    FILE *f = NULL;
    int rc = 0;
    size_t len = strlen(text);
    const char *nl = len > 0 && text[len - 1] == '\n' ? "" : "\n";
    if (out == NULL) {
        fputs(text, stdout);
        fputs(nl, stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (snprintf(tmp, sizeof tmp, "%s.tmp", out) >= (int)sizeof tmp) {
        fprintf(stderr, "ridge ppa: --out: path too long\n");
        return 2;
    }
    f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "ridge ppa: --out: cannot write %s: %s\n", tmp, strerror(errno));
        return 2;
    }
    if (fputs(text, f) < 0 || fputs(nl, f) < 0)
        rc = 1;
    if (fclose(f) != 0)
        rc = 1;
    if (rc == 0 && rename(tmp, out) != 0)
        rc = 1;
    if (rc != 0) {
        fprintf(stderr, "ridge ppa: --out: cannot write %s: %s\n", out, strerror(errno));
        remove(tmp);
    }
    return rc;
}

/* Synthesizes rows[0..n) under one temporary parent and removes it. */
static int ppa_run_all(const ppa_opts *o, ppa_row *rows, int n) {
    const char *tmpdir = getenv("TMPDIR");
    char parent[512];
    int rc = 0;
    snprintf(parent, sizeof parent, "%s/ridge-ppa-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
    if (mkdtemp(parent) == NULL) {
        fprintf(stderr, "ridge ppa: cannot create a directory in %s: %s\n", tmpdir ? tmpdir : "/tmp",
                strerror(errno));
        return 1;
    }
    for (int i = 0; rc == 0 && i < n; i++)
        rc = ppa_run_one(o, parent, &rows[i]);
    if (rtl_remove_tree(parent) != 0)
        fprintf(stderr, "ridge ppa: cannot remove %s\n", parent);
    return rc;
}

int cmd_ppa(int argc, char **argv) {
    ppa_opts o = {.clock_ns = 0};
    ppa_row *rows = NULL;
    char *text = NULL;
    int n = 0, rc = ppa_parse_args(argc, argv, &o);
    if (rc != 0) {
        rc = rc < 0 ? 0 : rc;
        goto out;
    }
    if (!o.unit_on[0] && !o.unit_on[1] && !o.unit_on[2])
        for (int k = 0; k < NKINDS; k++)
            o.unit_on[k] = true;
    rc = check_formats(&o);
    if (rc != 0)
        goto out;
    rows = calloc(NKINDS * MAX_FORMATS, sizeof *rows);
    if (rows == NULL) {
        fprintf(stderr, "ridge ppa: out of memory\n");
        rc = 1;
        goto out;
    }
    n = ppa_plan(&o, rows);
    rc = ppa_run_all(&o, rows, n);
    if (rc != 0)
        goto out;
    ppa_link_baselines(rows, n);
    text = ppa_render(&o, rows, n);
    if (text == NULL) {
        fprintf(stderr, "ridge ppa: out of memory\n");
        rc = 1;
        goto out;
    }
    rc = ppa_emit(o.out, text);
out:
    free(text);
    free(rows);
    free(o.formats_buf);
    return rc;
}
