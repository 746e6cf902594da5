/* cmd_compare.c: `ridge compare A.json B.json`: evaluate two design points
 * and print, as one JSON object, what differs between them:
 *   inputs       the canonical specs (presets expanded, defaults resolved)
 *                diffed field by field, so {"preset": "h100-sxm", "mem_bw":
 *                5.025e12} against "h100-sxm" shows exactly hardware.mem_bw;
 *   assumptions  every assumption whose value, source or use differs;
 *   results      every number of the result (totals, memory, breakdown per
 *                kind, batch analysis) with a, b, delta = b - a, ratio = b / a,
 *                and the non-numeric fields that differ;
 *   ops          per-op step time (count x time) for ops present in both
 *                (matched by name and pass), largest absolute change first,
 *                and the ops present in one only.
 * So "what does 1.5x HBM bandwidth buy?" is one command. Both sides go
 * through the same codec path as `ridge evaluate` (parse, evaluate with the
 * batch analysis, write), and the diff works on what that path writes, so it
 * shows what a user would see in the two results. Bad input exits 2 naming
 * the file and the field. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "cli.h"
#include "codec.h"
#include "evaluate.h"

#define PATH_MAX_LEN 256

/* One side of the comparison. Everything is owned here and freed by
 * side_free. */
typedef struct side {
    const char *path;
    cJSON *canon;   /* canonical spec, parsed back from its text */
    cJSON *result;  /* result object, parsed back from its text */
    cJSON *assumed; /* every assumption: [{name, value, unit, source, ...}] */
    uint8_t used[RG_A_COUNT];
    rg_spec spec;
} side;

static void side_free(side *s) {
    cJSON_Delete(s->canon);
    cJSON_Delete(s->result);
    cJSON_Delete(s->assumed);
    s->canon = s->result = s->assumed = NULL;
}

/* Print a failure of side `path` and return the exit status (2 bad input,
 * 1 machine failure). */
static int side_fail(const char *path, const rg_err *e) {
    const char *msg = e->msg[0] ? e->msg : rg_strerror(e->code);
    if (e->field[0])
        fprintf(stderr, "ridge compare: %s: %s: %s\n", path, e->field, msg);
    else
        fprintf(stderr, "ridge compare: %s: %s\n", path, msg);
    return e->code == RG_ENOMEM || e->code == RG_EINTERNAL || e->code == RG_EIO ? 1 : 2;
}

/* Render through `w` and parse the text back. NULL (err set) on failure. */
static cJSON *reparse(jw *w, rg_err *err) {
    size_t len = 0;
    char *text = jw_take(w, &len);
    cJSON *j = NULL;
    if (!text) {
        rg_err_set(err, RG_ENOMEM, "", "out of memory");
        return NULL;
    }
    j = codec_json_parse(text, len, err);
    free(text);
    return j;
}

/* Read, parse, evaluate and render one side. Returns 0 or the exit status
 * (message printed). */
static int side_load(side *s, const char *path) {
    size_t len = 0;
    char *text = NULL;
    cJSON *json = NULL;
    rg_result *res = NULL;
    rg_err e = {0};
    calib_profile prof = {0};
    calib_applied applied;
    char prof_name[512] = "";
    jw w;
    int status = 0;
    jw_init(&w);
    s->path = path;
    text = cli_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "ridge compare: %s: cannot read: %s\n", path, strerror(errno));
        status = 2;
        goto out;
    }
    json = codec_json_parse(text, len, &e);
    if (json && (status = cli_calibration_resolve(json, &prof, &applied, prof_name, sizeof prof_name)))
        goto out;
    if (json && (status = cli_trace_resolve(json, path)))
        goto out;
    if (!json || codec_spec_parse(json, &s->spec, &e) != 0) {
        status = side_fail(path, &e);
        goto out;
    }
    res = malloc(sizeof *res);
    if (!res) {
        e = (rg_err){0};
        rg_err_set(&e, RG_ENOMEM, "", "out of memory");
        status = side_fail(path, &e);
        goto out;
    }
    if (rg_evaluate_ex(&s->spec, res, RG_EVAL_SATURATION, &e) != 0) {
        status = side_fail(path, &e);
        goto out;
    }
    memcpy(s->used, res->used, sizeof s->used);
    codec_result_write(&w, &s->spec, res);
    s->result = reparse(&w, &e);
    codec_spec_write_canonical(&w, &s->spec);
    s->canon = s->result ? reparse(&w, &e) : NULL;
    codec_assumptions_write(&w, &s->spec, NULL);
    s->assumed = s->canon ? reparse(&w, &e) : NULL;
    if (!s->assumed)
        status = side_fail(path, &e);
out:
    jw_free(&w);
    free(res);
    free(text);
    cJSON_Delete(json);
    calib_profile_free(&prof);
    return status;
}

static void join(char *out, const char *base, const char *key) {
    if (base[0])
        snprintf(out, PATH_MAX_LEN, "%s.%s", base, key);
    else
        snprintf(out, PATH_MAX_LEN, "%s", key);
}

static void write_or_null(jw *w, const char *key, const cJSON *v) {
    jw_key(w, key);
    if (v)
        codec_json_write(w, v);
    else
        jw_null(w);
}

/* Leaves are equal when of the same type and value (numbers exactly). */
static bool leaf_equal(const cJSON *a, const cJSON *b) {
    if (!a || !b)
        return a == b;
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    return cJSON_Compare(a, b, true);
}

/* Inputs: one {path, a, b} per differing leaf (a missing side is null).
 * Objects recurse by key (a's order, then keys only in b); arrays of equal
 * length element by element; anything else is compared whole. `skip` names
 * a top-level key left out. */
static void diff_inputs(jw *w, const char *path, const cJSON *a, const cJSON *b, const char *skip) {
    char sub[PATH_MAX_LEN];
    const cJSON *it;
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        cJSON_ArrayForEach(it, a) {
            if (skip && strcmp(it->string, skip) == 0)
                continue;
            join(sub, path, it->string);
            diff_inputs(w, sub, it, cJSON_GetObjectItemCaseSensitive(b, it->string), NULL);
        }
        cJSON_ArrayForEach(it, b) {
            if ((skip && strcmp(it->string, skip) == 0) || cJSON_GetObjectItemCaseSensitive(a, it->string))
                continue;
            join(sub, path, it->string);
            diff_inputs(w, sub, NULL, it, NULL);
        }
        return;
    }
    if (cJSON_IsArray(a) && cJSON_IsArray(b) && cJSON_GetArraySize(a) == cJSON_GetArraySize(b)) {
        int n = cJSON_GetArraySize(a);
        for (int i = 0; i < n; i++) {
            snprintf(sub, sizeof sub, "%s[%d]", path, i);
            diff_inputs(w, sub, cJSON_GetArrayItem(a, i), cJSON_GetArrayItem(b, i), NULL);
        }
        return;
    }
    if (leaf_equal(a, b))
        return;
    jw_obj_begin(w);
    jw_kstr(w, "path", path);
    write_or_null(w, "a", a);
    write_or_null(w, "b", b);
    jw_obj_end(w);
}

/* b / a; 1 when both are 0; null (NaN) when only a is. */
static double ratio(double a, double b) {
    if (a == 0.0)
        return b == 0.0 ? 1.0 : NAN;
    return b / a;
}

/* Result keys that are provenance or listed elsewhere, not results. */
static bool result_skipped(const char *path) {
    static const char *const skip[] = {"ops",        "assumptions",    "spec_sha256",
                                       "git_commit", "engine_version", "quality"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (strcmp(path, skip[i]) == 0)
            return true;
    return false;
}

/* Results: every numeric leaf as "path": {a, b, delta, ratio}; other leaves
 * only when they differ, as "path": {a, b}. */
static void diff_results(jw *w, const char *path, const cJSON *a, const cJSON *b) {
    char sub[PATH_MAX_LEN];
    const cJSON *it;
    if (cJSON_IsObject(a) || cJSON_IsObject(b)) {
        const cJSON *first = cJSON_IsObject(a) ? a : b, *other = first == a ? b : a;
        cJSON_ArrayForEach(it, first) {
            join(sub, path, it->string);
            if (result_skipped(sub))
                continue;
            const cJSON *o =
                cJSON_IsObject(other) ? cJSON_GetObjectItemCaseSensitive(other, it->string) : NULL;
            if (first == a)
                diff_results(w, sub, it, o);
            else
                diff_results(w, sub, o, it);
        }
        if (cJSON_IsObject(other))
            cJSON_ArrayForEach(it, other) {
                join(sub, path, it->string);
                if (result_skipped(sub) ||
                    (cJSON_IsObject(first) && cJSON_GetObjectItemCaseSensitive(first, it->string)))
                    continue;
                if (first == a)
                    diff_results(w, sub, NULL, it);
                else
                    diff_results(w, sub, it, NULL);
            }
        return;
    }
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) {
        jw_key(w, path);
        jw_obj_begin(w);
        jw_knum(w, "a", a->valuedouble);
        jw_knum(w, "b", b->valuedouble);
        jw_knum(w, "delta", b->valuedouble - a->valuedouble);
        jw_knum(w, "ratio", ratio(a->valuedouble, b->valuedouble));
        jw_obj_end(w);
        return;
    }
    if (leaf_equal(a, b))
        return;
    jw_key(w, path);
    jw_obj_begin(w);
    write_or_null(w, "a", a);
    write_or_null(w, "b", b);
    jw_obj_end(w);
}

static const cJSON *find_named(const cJSON *arr, const char *name) {
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return it;
    }
    return NULL;
}

static void write_assumption_side(jw *w, const char *key, const cJSON *a, bool used) {
    jw_key(w, key);
    jw_obj_begin(w);
    write_or_null(w, "value", cJSON_GetObjectItemCaseSensitive(a, "value"));
    write_or_null(w, "source", cJSON_GetObjectItemCaseSensitive(a, "source"));
    write_or_null(w, "overridden", cJSON_GetObjectItemCaseSensitive(a, "overridden"));
    jw_kbool(w, "used", used);
    jw_obj_end(w);
}

/* Assumptions whose value, source or use (by the result) differ. */
static void diff_assumptions(jw *w, const side *A, const side *B) {
    jw_arr_begin(w);
    for (int i = 0; i < RG_A_COUNT; i++) {
        const char *name = rg_assumption_name(i);
        const cJSON *a = find_named(A->assumed, name), *b = find_named(B->assumed, name);
        bool same = leaf_equal(cJSON_GetObjectItemCaseSensitive(a, "value"),
                               cJSON_GetObjectItemCaseSensitive(b, "value")) &&
                    leaf_equal(cJSON_GetObjectItemCaseSensitive(a, "source"),
                               cJSON_GetObjectItemCaseSensitive(b, "source")) &&
                    A->used[i] == B->used[i];
        if (same)
            continue;
        jw_obj_begin(w);
        jw_kstr(w, "name", name);
        jw_kstr(w, "unit", rg_assumption_unit(i));
        write_assumption_side(w, "a", a, A->used[i]);
        write_assumption_side(w, "b", b, B->used[i]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* One op of a result: its name, pass and whole-step time (count x time_s). */
typedef struct op_ref {
    const cJSON *op;
    const char *name, *pass;
    double step_s;
} op_ref;

typedef struct op_pair {
    op_ref a, b;
    int order; /* position in A, for a deterministic tie-break */
} op_pair;

static bool op_read(const cJSON *op, op_ref *r) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(op, "name");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(op, "pass");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(op, "count");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(op, "time_s");
    if (!cJSON_IsString(n) || !cJSON_IsString(p) || !cJSON_IsNumber(c) || !cJSON_IsNumber(t))
        return false;
    *r = (op_ref){op, n->valuestring, p->valuestring, c->valuedouble * t->valuedouble};
    return true;
}

static int pair_cmp(const void *x, const void *y) {
    const op_pair *p = x, *q = y;
    double dp = fabs(p->b.step_s - p->a.step_s), dq = fabs(q->b.step_s - q->a.step_s);
    if (dp != dq)
        return dp > dq ? -1 : 1;
    return p->order - q->order;
}

/* Index of the nth (0-based) op in `ops` with this name and pass, or -1.
 * A name and pass can repeat (the fused attention backward re-runs its
 * scores as a recompute row beside a full-recompute pass): the nth of A
 * matches the nth of B. */
static int op_find(const cJSON *ops, const char *name, const char *pass, int nth) {
    int i = 0;
    const cJSON *it;
    op_ref r;
    cJSON_ArrayForEach(it, ops) {
        if (op_read(it, &r) && strcmp(r.name, name) == 0 && strcmp(r.pass, pass) == 0 && nth-- == 0)
            return i;
        i++;
    }
    return -1;
}

/* How many ops before index `idx` share the name and pass of `r`. */
static int op_occurrence(const cJSON *ops, int idx, const op_ref *r) {
    int n = 0, i = 0;
    const cJSON *it;
    op_ref q;
    cJSON_ArrayForEach(it, ops) {
        if (i++ >= idx)
            break;
        if (op_read(it, &q) && strcmp(q.name, r->name) == 0 && strcmp(q.pass, r->pass) == 0)
            n++;
    }
    return n;
}

static void write_only(jw *w, const cJSON *ops, const cJSON *other) {
    const cJSON *it;
    op_ref r;
    int i = -1;
    jw_arr_begin(w);
    cJSON_ArrayForEach(it, ops) {
        i++;
        if (!op_read(it, &r) || op_find(other, r.name, r.pass, op_occurrence(ops, i, &r)) >= 0)
            continue;
        jw_obj_begin(w);
        jw_kstr(w, "name", r.name);
        jw_kstr(w, "pass", r.pass);
        jw_knum(w, "step_s", r.step_s);
        write_or_null(w, "bound", cJSON_GetObjectItemCaseSensitive(r.op, "bound"));
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* Ops in both, by absolute change of their whole-step time; at most `top`
 * (< 0: all). Returns 0 or RG_ENOMEM. */
static int diff_ops(jw *w, const side *A, const side *B, int top) {
    const cJSON *oa = cJSON_GetObjectItemCaseSensitive(A->result, "ops");
    const cJSON *ob = cJSON_GetObjectItemCaseSensitive(B->result, "ops");
    int na = cJSON_GetArraySize(oa), n = 0;
    op_pair *pairs = na > 0 ? calloc((size_t)na, sizeof *pairs) : NULL;
    const cJSON *it;
    if (na > 0 && !pairs)
        return RG_ENOMEM;
    int i = -1;
    cJSON_ArrayForEach(it, oa) {
        op_ref ra;
        i++;
        if (!op_read(it, &ra))
            continue;
        int j = op_find(ob, ra.name, ra.pass, op_occurrence(oa, i, &ra));
        if (j < 0 || !op_read(cJSON_GetArrayItem(ob, j), &pairs[n].b))
            continue;
        pairs[n].a = ra;
        pairs[n].order = n;
        n++;
    }
    if (n > 1)
        qsort(pairs, (size_t)n, sizeof *pairs, pair_cmp);
    jw_key(w, "ops");
    jw_arr_begin(w);
    for (int k = 0; k < n && (top < 0 || k < top); k++) {
        const op_pair *p = &pairs[k];
        jw_obj_begin(w);
        jw_kstr(w, "name", p->a.name);
        jw_kstr(w, "pass", p->a.pass);
        jw_knum(w, "a_s", p->a.step_s);
        jw_knum(w, "b_s", p->b.step_s);
        jw_knum(w, "delta_s", p->b.step_s - p->a.step_s);
        jw_knum(w, "ratio", ratio(p->a.step_s, p->b.step_s));
        write_or_null(w, "a_bound", cJSON_GetObjectItemCaseSensitive(p->a.op, "bound"));
        write_or_null(w, "b_bound", cJSON_GetObjectItemCaseSensitive(p->b.op, "bound"));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "ops_only_a");
    write_only(w, oa, ob);
    jw_key(w, "ops_only_b");
    write_only(w, ob, oa);
    free(pairs);
    return 0;
}

static void write_side_header(jw *w, const char *key, const side *s) {
    jw_key(w, key);
    jw_obj_begin(w);
    jw_kstr(w, "file", s->path);
    write_or_null(w, "spec_sha256", cJSON_GetObjectItemCaseSensitive(s->result, "spec_sha256"));
    jw_obj_end(w);
}

static double num_at(const cJSON *obj, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int cmd_compare(int argc, char **argv) {
    const char *paths[2] = {NULL, NULL};
    side A, B;
    jw w;
    int status = 0, np = 0, top = -1;
    memset(&A, 0, sizeof A);
    memset(&B, 0, sizeof B);
    jw_init(&w);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: ridge compare A.json B.json [--ops N]\n"
                   "  evaluate both specs and print the differences in inputs, assumptions,\n"
                   "  results (a, b, delta, ratio = b/a) and per-op step time (largest change\n"
                   "  first; --ops N keeps the first N)\n");
            return 0;
        }
        if (strcmp(argv[i], "--ops") == 0) {
            char *end = NULL;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
            if (i + 1 >= argc || !end || *end != '\0' || v < 0 || v > 100000) {
                fprintf(stderr, "ridge compare: --ops: expected a count 0..100000\n");
                return 2;
            }
            top = (int)v;
            i++;
            continue;
        }
        if (np == 2) {
            fprintf(stderr, "ridge compare: two specs only (got '%s')\n", argv[i]);
            return 2;
        }
        paths[np++] = argv[i];
    }
    if (np != 2) {
        fprintf(stderr, "usage: ridge compare A.json B.json [--ops N]\n");
        return 2;
    }
    if (strcmp(paths[0], "-") == 0 && strcmp(paths[1], "-") == 0) {
        fprintf(stderr, "ridge compare: only one spec can come from stdin\n");
        return 2;
    }
    status = side_load(&A, paths[0]);
    if (status == 0)
        status = side_load(&B, paths[1]);
    if (status)
        goto out;

    jw_obj_begin(&w);
    write_side_header(&w, "a", &A);
    write_side_header(&w, "b", &B);
    double ta = num_at(A.result, "time_s"), tb = num_at(B.result, "time_s");
    jw_knum(&w, "speedup", tb > 0.0 ? ta / tb : NAN); /* > 1: B is faster */
    jw_key(&w, "inputs");
    jw_arr_begin(&w);
    diff_inputs(&w, "", A.canon, B.canon, "assumptions");
    jw_arr_end(&w);
    jw_key(&w, "assumptions");
    diff_assumptions(&w, &A, &B);
    jw_key(&w, "results");
    jw_obj_begin(&w);
    diff_results(&w, "", A.result, B.result);
    jw_obj_end(&w);
    if (diff_ops(&w, &A, &B, top) != 0) {
        fprintf(stderr, "ridge compare: out of memory\n");
        status = 1;
        goto out;
    }
    jw_obj_end(&w);
    {
        size_t len = 0;
        char *text = jw_take(&w, &len);
        if (!text) {
            fprintf(stderr, "ridge compare: out of memory\n");
            status = 1;
            goto out;
        }
        if (fwrite(text, 1, len, stdout) != len || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
            fprintf(stderr, "ridge compare: cannot write output: %s\n", strerror(errno));
            status = 1;
        }
        free(text);
    }
out:
    jw_free(&w);
    side_free(&A);
    side_free(&B);
    return status;
}
