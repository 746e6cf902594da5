/* cmd_calibrate.c: `ridge calibrate`: fit Ridge's op models to measured
 * kernels, collectives and steps, check predictions against measurements,
 * and explain the gap of a measured step (server/calib.h has the row format).
 *
 *   ridge calibrate --measurements FILE --out PROFILE.json [--folds K] [--skip-bad]
 *   ridge calibrate check FILE [--profile PROFILE.json] [--skip-bad]
 *   ridge calibrate explain SPEC.json --measured-s T [--profile PROFILE.json]
 *
 * Exit status: 0 done, 2 bad arguments or bad input (the first bad row is
 * named by file, line and key; nothing is written), 1 internal failure. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "calib_explain.h"
#include "cli.h"
#include "codec.h"
#include "codec_data.h"
#include "evaluate.h"

static int write_out(jw *w, FILE *f) {
    size_t len = 0;
    char *text = jw_take(w, &len);
    int rc = text && fwrite(text, 1, len, f) == len && fputc('\n', f) != EOF ? 0 : 1;
    free(text);
    return rc;
}

/* Read measurement rows. Returns 0, 2 (bad input, message printed) or 1. */
static int load_rows(const char *path, bool skip_bad, calib_set *set) {
    size_t len = 0;
    char msg[512] = "";
    char *text = cli_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "ridge calibrate: %s: cannot read: %s\n", path, strerror(errno));
        return 2;
    }
    int rc = calib_read(text, path, skip_bad, set, msg, sizeof msg);
    free(text);
    if (rc) {
        fprintf(stderr, "ridge calibrate: %s\n", msg);
        return rc == -2 ? 1 : 2;
    }
    if (set->n == 0) {
        fprintf(stderr, "ridge calibrate: %s: no measurement rows\n", path);
        return 2;
    }
    return 0;
}

static int load_profile(const char *path, calib_profile *p) {
    size_t len = 0;
    char msg[256] = "";
    rg_err e = {0};
    char *text = cli_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "ridge calibrate: %s: cannot read: %s\n", path, strerror(errno));
        return 2;
    }
    cJSON *j = codec_json_parse(text, len, &e);
    free(text);
    int rc = j ? calib_profile_parse(j, p, msg, sizeof msg) : -1;
    cJSON_Delete(j);
    if (rc) {
        fprintf(stderr, "ridge calibrate: %s: %s\n", path, j ? msg : e.msg);
        return 2;
    }
    return 0;
}

typedef struct kstat {
    int n;
    double before, after;
} kstat;

static void usage(void) {
    fprintf(stderr, "usage: ridge calibrate --measurements FILE --out PROFILE.json [--folds K] [--skip-bad]\n"
                    "       ridge calibrate check FILE [--profile PROFILE.json] [--skip-bad]\n"
                    "       ridge calibrate explain SPEC.json --measured-s T [--profile PROFILE.json]\n");
}

/* Per-kind MAPE before (defaults) and after (`p`, may be NULL = defaults),
 * with per-row detail when `rows_out`. */
static void write_check(jw *w, const calib_set *set, const calib_profile *p, rg_result *scratch,
                        bool rows_out) {
    kstat ks[CALIB_KINDS];
    memset(ks, 0, sizeof ks);
    double all = 0.0;
    int nall = 0;
    if (rows_out) {
        jw_key(w, "per_row");
        jw_arr_begin(w);
    }
    for (int i = 0; i < set->n; i++) {
        const calib_row *r = &set->rows[i];
        rg_assumptions a = r->spec.assumptions;
        double t0 = calib_predict(r, &a, scratch);
        calib_apply_row(p, r, &a);
        double t1 = calib_predict(r, &a, scratch);
        double e0 = fabs(t0 - r->time_s) / r->time_s, e1 = fabs(t1 - r->time_s) / r->time_s;
        ks[r->kind].n++;
        ks[r->kind].before += e0;
        ks[r->kind].after += e1;
        all += e1;
        nall++;
        if (rows_out) {
            jw_obj_begin(w);
            jw_kint(w, "line", r->line);
            jw_kstr(w, "kind", calib_kind_name(r->kind));
            if (r->name[0])
                jw_kstr(w, r->kind == CALIB_GEMM || r->kind == CALIB_MEMORY ? "hardware" : "system", r->name);
            jw_knum(w, "measured_s", r->time_s);
            jw_knum(w, "predicted_s", t1);
            jw_knum(w, "error", (t1 - r->time_s) / r->time_s);
            if (r->source[0])
                jw_kstr(w, "source", r->source);
            jw_obj_end(w);
        }
    }
    if (rows_out)
        jw_arr_end(w);
    jw_kint(w, "rows", set->n);
    jw_kint(w, "skipped_bad", set->bad);
    jw_knum(w, "mape", nall ? 100.0 * all / nall : 0.0);
    jw_key(w, "by_kind");
    jw_obj_begin(w);
    for (int k = 0; k < CALIB_KINDS; k++) {
        if (!ks[k].n)
            continue;
        jw_key(w, calib_kind_name(k));
        jw_obj_begin(w);
        jw_kint(w, "rows", ks[k].n);
        jw_knum(w, "mape_defaults", 100.0 * ks[k].before / ks[k].n);
        jw_knum(w, "mape", 100.0 * ks[k].after / ks[k].n);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

static int do_fit(const char *in, const char *outp, int folds, bool skip_bad) {
    calib_set set = {0};
    calib_profile prof = {0};
    rg_result *scratch = malloc(sizeof *scratch);
    jw w, pw;
    jw_init(&w);
    jw_init(&pw);
    int status = scratch ? load_rows(in, skip_bad, &set) : 1;
    FILE *f = NULL;
    if (status)
        goto out;
    if (calib_fit(&set, folds, &prof) != 0) {
        fprintf(stderr, "ridge calibrate: out of memory\n");
        status = 1;
        goto out;
    }
    snprintf(prof.source, sizeof prof.source, "%s", in);
    calib_profile_write(&pw, &prof);
    f = fopen(outp, "w");
    if (!f || write_out(&pw, f) != 0) {
        fprintf(stderr, "ridge calibrate: %s: cannot write: %s\n", outp, strerror(errno));
        status = 2;
        goto out;
    }
    jw_obj_begin(&w);
    jw_kstr(&w, "profile", outp);
    jw_kint(&w, "folds", folds);
    write_check(&w, &set, &prof, scratch, false);
    jw_key(&w, "groups");
    calib_profile_write(&w, &prof);
    jw_obj_end(&w);
    status = write_out(&w, stdout);
out:
    if (f && fclose(f) != 0 && status == 0)
        status = 2;
    jw_free(&w);
    jw_free(&pw);
    calib_set_free(&set);
    calib_profile_free(&prof);
    free(scratch);
    return status;
}

static int do_check(const char *in, const char *profile, bool skip_bad) {
    calib_set set = {0};
    calib_profile prof = {0};
    rg_result *scratch = malloc(sizeof *scratch);
    jw w;
    jw_init(&w);
    int status = scratch ? load_rows(in, skip_bad, &set) : 1;
    if (status == 0 && profile)
        status = load_profile(profile, &prof);
    if (status == 0) {
        jw_obj_begin(&w);
        jw_kstr(&w, "profile", profile ? profile : "(shipped defaults)");
        write_check(&w, &set, profile ? &prof : NULL, scratch, true);
        jw_obj_end(&w);
        status = write_out(&w, stdout);
    }
    jw_free(&w);
    calib_set_free(&set);
    calib_profile_free(&prof);
    free(scratch);
    return status;
}

static int do_explain(const char *spec_path, double measured, const char *profile) {
    cJSON *json = NULL;
    calib_profile prof = {0};
    rg_spec s;
    rg_err e = {0};
    jw w;
    jw_init(&w);
    int status = 0;
    size_t len = 0;
    char *text = cli_read_file(spec_path, &len);
    if (!text) {
        fprintf(stderr, "ridge calibrate: %s: cannot read: %s\n", spec_path, strerror(errno));
        status = 2;
        goto out;
    }
    json = codec_json_parse(text, len, &e);
    if (!json) {
        fprintf(stderr, "ridge calibrate: %s: %s\n", spec_path, e.msg);
        status = 2;
        goto out;
    }
    /* --profile, or the spec's own "calibration" */
    const cJSON *ck = cJSON_GetObjectItemCaseSensitive(json, "calibration");
    if (!profile && cJSON_IsString(ck))
        profile = ck->valuestring;
    if (profile && (status = load_profile(profile, &prof)))
        goto out;
    calib_applied applied;
    if (calib_apply_json(json, &prof, &applied, &e) != 0 || codec_spec_parse(json, &s, &e) != 0 ||
        calib_explain(&s, measured, &w, &e) != 0) {
        fprintf(stderr, "ridge calibrate: %s: %s: %s\n", spec_path, e.field, e.msg);
        status = e.code == RG_ENOMEM ? 1 : 2;
        goto out;
    }
    status = write_out(&w, stdout);
out:
    jw_free(&w);
    cJSON_Delete(json);
    free(text);
    calib_profile_free(&prof);
    return status;
}

/* A spec's "calibration": PROFILE.json (ridge calibrate --out) sets the
 * fitted assumptions the spec does not name itself (calib_apply_json).
 * Returns 0 (nothing to do, or applied: *prof owned by the caller), or the
 * exit status with a message printed. */
int cli_calibration_resolve(cJSON *json, calib_profile *prof, calib_applied *ap, char *name, size_t nlen) {
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(json, "calibration");
    size_t len = 0;
    rg_err e = {0};
    char msg[256] = "";
    if (!c)
        return 0;
    if (!cJSON_IsString(c) || !c->valuestring[0]) {
        fprintf(stderr, "ridge: calibration: expected the path of a profile (ridge calibrate --out)\n");
        return 2;
    }
    snprintf(name, nlen, "%s", c->valuestring);
    char *text = cli_read_file(name, &len);
    if (!text) {
        fprintf(stderr, "ridge: calibration: %s: cannot read: %s\n", name, strerror(errno));
        return 2;
    }
    cJSON *pj = codec_json_parse(text, len, &e);
    free(text);
    int rc = pj ? calib_profile_parse(pj, prof, msg, sizeof msg) : -1;
    cJSON_Delete(pj);
    if (rc) {
        fprintf(stderr, "ridge: calibration: %s: %s\n", name, pj ? msg : e.msg);
        return 2;
    }
    if (calib_apply_json(json, prof, ap, &e) != 0) {
        fprintf(stderr, "ridge: %s: %s\n", e.field[0] ? e.field : "calibration", e.msg);
        return e.code == RG_ENOMEM ? 1 : 2;
    }
    return 0;
}

int cmd_calibrate(int argc, char **argv) {
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : "fit";
    const char *in = NULL, *outp = NULL, *profile = NULL;
    int folds = 5;
    double measured = -1.0;
    bool skip_bad = false;
    int i = strcmp(sub, "fit") == 0 && !(argc > 1 && strcmp(argv[1], "fit") == 0) ? 1 : 2;
    if (strcmp(sub, "check") == 0 || strcmp(sub, "explain") == 0) {
        if (argc < 3) {
            usage();
            return 2;
        }
        in = argv[2];
        i = 3;
    }
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--measurements") == 0 && i + 1 < argc)
            in = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            outp = argv[++i];
        else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
            profile = argv[++i];
        else if (strcmp(argv[i], "--folds") == 0 && i + 1 < argc)
            folds = atoi(argv[++i]);
        else if (strcmp(argv[i], "--measured-s") == 0 && i + 1 < argc)
            measured = atof(argv[++i]);
        else if (strcmp(argv[i], "--skip-bad") == 0)
            skip_bad = true;
        else {
            usage();
            return 2;
        }
    }
    if (codec_data_init(NULL) != 0) {
        fprintf(stderr, "ridge calibrate: embedded data failed to load\n");
        return 1;
    }
    if (strcmp(sub, "check") == 0)
        return do_check(in, profile, skip_bad);
    if (strcmp(sub, "explain") == 0) {
        if (!(measured > 0.0) || !isfinite(measured)) {
            fprintf(stderr, "ridge calibrate explain: --measured-s must be a time > 0 (seconds)\n");
            return 2;
        }
        return do_explain(in, measured, profile);
    }
    if (strcmp(sub, "fit") != 0 || !in || !outp || folds < 0 || folds > 50) {
        usage();
        return 2;
    }
    return do_fit(in, outp, folds, skip_bad);
}
