/* rtl_job.c: the RTL job request codec (JSON <-> rtl_request through one
 * field table) and the flow process `ridged rtl-exec` (see rtl_job.h). */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "rtl_job.h"
#include "tool.h"

typedef enum { F_STR, F_INT, F_LONG, F_BOOL, F_NUM, F_SEED } field_type;

typedef struct rtl_field {
    const char *name;   /* JSON key */
    const char *option; /* what rtl_check calls it */
    field_type type;
    size_t off, size;
} rtl_field;

#define FLD(n, opt, t)                                                                                       \
    { #n, opt, t, offsetof(rtl_request, n), sizeof(((rtl_request *)0)->n) }

/* The request, in canonical order. liberty is left out on purpose: which
 * cell library a replica synthesizes against is its operator's choice
 * (--rtl-liberty), never a path a client names; rtl_run's JSON records the
 * library's checksum. */
static const rtl_field fields[] = {
    FLD(unit, "--unit", F_STR),
    FLD(format, "--format", F_STR),
    FLD(out_format, "--out-format", F_STR),
    FLD(acc, "--acc", F_STR),
    FLD(rounding, "--rounding", F_STR),
    FLD(stages, "--stages", F_INT),
    FLD(align_bits, "--align-bits", F_INT),
    FLD(cosim, "--cosim", F_BOOL),
    FLD(vectors, "--vectors", F_LONG),
    FLD(seed, "--seed", F_SEED),
    FLD(synth, "--synth", F_BOOL),
    FLD(clock_ns, "--clock-ns", F_NUM),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const rtl_field *find_field(const char *name) {
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

/* A JSON integer within +-lim (exactly representable). */
static bool json_int(const cJSON *v, double lim, int64_t *out) {
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || fabs(v->valuedouble) > lim ||
        v->valuedouble != floor(v->valuedouble))
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

/* A seed: a string of 1..20 decimal digits up to 2^64 - 1, or a JSON
 * integer up to 2^53 (larger doubles are inexact: send those as strings). */
static bool json_seed(const cJSON *v, uint64_t *out) {
    int64_t i = 0;
    if (cJSON_IsNumber(v)) {
        if (!json_int(v, 9007199254740992.0, &i) || i < 0)
            return false;
        *out = (uint64_t)i;
        return true;
    }
    if (!cJSON_IsString(v))
        return false;
    const char *s = v->valuestring;
    size_t n = strlen(s);
    if (n < 1 || n > 20 || strspn(s, "0123456789") != n)
        return false;
    errno = 0;
    unsigned long long x = strtoull(s, NULL, 10);
    if (errno == ERANGE)
        return false;
    *out = (uint64_t)x;
    return true;
}

static int set_field(const rtl_field *f, const cJSON *v, rtl_request *req, rg_err *err) {
    char *slot = (char *)req + f->off;
    int64_t i = 0;
    switch (f->type) {
    case F_STR:
        if (!cJSON_IsString(v))
            return rg_err_set(err, RG_ETYPE, f->name, "%s must be a string", f->name);
        if (strlen(v->valuestring) >= f->size)
            return rg_err_set(err, RG_ERANGE, f->name, "%s is longer than %zu characters", f->name,
                              f->size - 1);
        memcpy(slot, v->valuestring, strlen(v->valuestring) + 1);
        return 0;
    case F_INT:
        if (!json_int(v, 1e9, &i))
            return rg_err_set(err, cJSON_IsNumber(v) ? RG_ERANGE : RG_ETYPE, f->name, "%s must be an integer",
                              f->name);
        *(int *)(void *)slot = (int)i;
        return 0;
    case F_LONG:
        if (!json_int(v, 1e15, &i))
            return rg_err_set(err, cJSON_IsNumber(v) ? RG_ERANGE : RG_ETYPE, f->name, "%s must be an integer",
                              f->name);
        *(long *)(void *)slot = (long)i;
        return 0;
    case F_BOOL:
        if (!cJSON_IsBool(v))
            return rg_err_set(err, RG_ETYPE, f->name, "%s must be true or false", f->name);
        *(bool *)(void *)slot = cJSON_IsTrue(v);
        return 0;
    case F_NUM:
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
            return rg_err_set(err, RG_ETYPE, f->name, "%s must be a number", f->name);
        *(double *)(void *)slot = v->valuedouble;
        return 0;
    case F_SEED:
        if (!json_seed(v, (uint64_t *)(void *)slot))
            return rg_err_set(err, cJSON_IsString(v) || cJSON_IsNumber(v) ? RG_ERANGE : RG_ETYPE, f->name,
                              "%s must be an integer in 0..2^64-1 (as a string of digits above 2^53)",
                              f->name);
        return 0;
    }
    return rg_err_set(err, RG_EINTERNAL, f->name, "unhandled field type");
}

/* rtl_check names command-line options; the API names JSON keys. */
static void rename_field(rg_err *err) {
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(err->field, fields[i].option) == 0) {
            snprintf(err->field, sizeof err->field, "%s", fields[i].name);
            return;
        }
    if (strncmp(err->field, "--", 2) == 0) {
        memmove(err->field, err->field + 2, strlen(err->field + 2) + 1);
        for (char *p = err->field; *p; p++)
            if (*p == '-')
                *p = '_';
    }
}

int rtl_job_from_json(const cJSON *obj, rtl_request *req, rg_err *err) {
    rtl_request_defaults(req);
    if (!cJSON_IsObject(obj))
        return rg_err_set(err, RG_ETYPE, "", "an RTL job request is a JSON object");
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, obj) {
        const rtl_field *f = it->string ? find_field(it->string) : NULL;
        if (!f)
            return rg_err_set(err, RG_EUNKNOWN, it->string ? it->string : "", "unknown field \"%.100s\"",
                              it->string ? it->string : "");
        int rc = set_field(f, it, req, err);
        if (rc)
            return rc;
    }
    if (!req->unit[0])
        return rg_err_set(err, RG_EMISSING, "unit", "unit is required (mul, mac or dot)");
    if (!req->format[0])
        return rg_err_set(err, RG_EMISSING, "format", "format is required (e.g. fp8_e4m3)");
    if (rtl_is_recipe_unit(req)) /* their parameters (block, scale, elem, max) are not in RtlRequest yet */
        return rg_err_set(err, RG_EUNSUPPORTED, "unit",
                          "the recipe units (%s) run through `ridge rtl`, not as RTL jobs (mul, mac or dot)",
                          req->unit);
    int rc = rtl_check(req, err);
    if (rc)
        rename_field(err);
    return rc;
}

int rtl_job_parse(const char *text, rtl_request *req, rg_err *err) {
    cJSON *j = cJSON_Parse(text);
    if (!j)
        return rg_err_set(err, RG_EPARSE, "", "stored request is not valid JSON");
    int rc = rtl_job_from_json(j, req, err);
    cJSON_Delete(j);
    return rc;
}

void rtl_job_write(jw *w, const rtl_request *req) {
    jw_obj_begin(w);
    for (size_t i = 0; i < NFIELDS; i++) {
        const rtl_field *f = &fields[i];
        const char *slot = (const char *)req + f->off;
        char seed[24];
        jw_key(w, f->name);
        switch (f->type) {
        case F_STR:
            jw_str(w, slot);
            break;
        case F_INT:
            jw_int(w, *(const int *)(const void *)slot);
            break;
        case F_LONG:
            jw_int(w, *(const long *)(const void *)slot);
            break;
        case F_BOOL:
            jw_bool(w, *(const bool *)(const void *)slot);
            break;
        case F_NUM:
            jw_num(w, *(const double *)(const void *)slot);
            break;
        case F_SEED:
            snprintf(seed, sizeof seed, "%llu", (unsigned long long)*(const uint64_t *)(const void *)slot);
            jw_str(w, seed);
            break;
        }
    }
    jw_obj_end(w);
}

/* ---- the flow process ---- */

static bool write_file(const char *path, const char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static const char *file_path(const cJSON *it) {
    if (cJSON_IsString(it))
        return it->valuestring;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(it, "path");
    if (!cJSON_IsString(p))
        p = cJSON_GetObjectItemCaseSensitive(it, "name");
    return cJSON_IsString(p) ? p->valuestring : NULL;
}

/* The generated Verilog of a result: every file of its `files` list whose
 * name ends in ".v", in list order, each after a header line
 * "// ==== ridge rtl: NAME ====" (NAME as listed). Returns 0 with *out
 * (malloc'd, caller frees), or a negative status with `err` filled. */
static int bundle(const char *json, const char *dir, char **out, size_t *out_len, rg_err *err) {
    cJSON *j = cJSON_Parse(json);
    char *text = NULL;
    int rc = 0, n = 0;
    size_t len = 0, cap = 0;
    const cJSON *files = j ? cJSON_GetObjectItemCaseSensitive(j, "files") : NULL;
    if (!cJSON_IsArray(files)) {
        rc = rg_err_set(err, RG_EINTERNAL, "files", "rtl_run's JSON lists no files");
        goto out;
    }
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, files) {
        const char *name = file_path(it);
        size_t nl = name ? strlen(name) : 0;
        if (nl < 3 || strcmp(name + nl - 2, ".v") != 0)
            continue;
        char path[4096], head[600];
        snprintf(path, sizeof path, "%s%s%s", name[0] == '/' ? "" : dir, name[0] == '/' ? "" : "/", name);
        size_t fl = 0;
        char *body = rtl_read_text(path, &fl);
        if (!body) {
            rc = rg_err_set(err, RG_EIO, "files", "cannot read generated file %.200s", name);
            goto out;
        }
        int hl = snprintf(head, sizeof head, "// ==== ridge rtl: %.500s ====\n", name);
        size_t need = len + (size_t)hl + fl + 2;
        if (need > cap) {
            size_t nc = need * 2;
            char *nt = realloc(text, nc);
            if (!nt) {
                free(body);
                rc = rg_err_set(err, RG_ENOMEM, "", "out of memory");
                goto out;
            }
            text = nt;
            cap = nc;
        }
        memcpy(text + len, head, (size_t)hl);
        len += (size_t)hl;
        memcpy(text + len, body, fl);
        len += fl;
        if (fl && body[fl - 1] != '\n')
            text[len++] = '\n';
        text[len] = '\0';
        free(body);
        n++;
    }
    if (!n)
        rc = rg_err_set(err, RG_EINTERNAL, "files", "rtl_run's JSON lists no Verilog file");
out:
    cJSON_Delete(j);
    if (rc) {
        free(text);
        text = NULL;
    }
    *out = text;
    *out_len = len;
    return rc;
}

int rtl_job_exec_main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr,
                "usage: ridged rtl-exec REQUEST.json OUTDIR RESULT.json VERILOG.v ERROR.txt [LIBERTY]\n");
        return 2;
    }
    /* Die with the worker thread that started us (ridged killed with
     * SIGKILL): nobody would record or clean up after a lone flow. (No
     * getppid() == 1 check: in a container ridged itself may be pid 1.) */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        return 2;
    rtl_request req;
    rg_err err = {0};
    char *text = rtl_read_text(argv[0], NULL), *json = NULL, *v = NULL;
    size_t vl = 0;
    int rc = 2;
    if (!text) {
        fprintf(stderr, "ridged rtl-exec: cannot read %s\n", argv[0]);
        goto out;
    }
    int st = rtl_job_parse(text, &req, &err);
    if (!st && argc > 5 && argv[5][0])
        snprintf(req.liberty, sizeof req.liberty, "%s", argv[5]);
    if (!st)
        st = rtl_run(&req, argv[1], &json, &err);
    if (!st)
        st = bundle(json, argv[1], &v, &vl, &err);
    if (st) {
        char msg[600];
        int n = snprintf(msg, sizeof msg, "%s%s%s", err.field, err.field[0] ? ": " : "",
                         err.msg[0] ? err.msg : rg_strerror(st));
        rc = write_file(argv[4], msg, (size_t)n) ? 1 : 2;
        goto out;
    }
    if (!write_file(argv[2], json, strlen(json)) || !write_file(argv[3], v, vl)) {
        fprintf(stderr, "ridged rtl-exec: cannot write the results\n");
        goto out;
    }
    rc = 0;
out:
    free(text);
    free(json);
    free(v);
    return rc;
}
