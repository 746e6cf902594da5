/* sweep_plan.c: compile and validate a sweep's axes (see sweep_plan.h). */
#include "sweep_plan.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define PLAN_MAX_VALUES 1000000
#define PLAN_MAX_STEPS  100000000
/* An integer range keeps its distinct values in a table: at most this many
 * steps (8 MiB). */
#define PLAN_MAX_INT_STEPS (1 << 20)

void plan_free(sweep_plan *p) {
    if (!p)
        return;
    for (int k = 0; k < p->naxes; k++) {
        for (int64_t j = 0; p->axes[k].vals && j < p->axes[k].n; j++)
            free(p->axes[k].vals[j].text);
        free(p->axes[k].vals);
        free(p->axes[k].ivals);
        free(p->axes[k].rtext);
    }
    free(p->base_text);
    free(p->axes_text);
    free(p);
}

/* Step j of `steps` from start to stop, unrounded (exact at both ends). */
static double range_raw(const plan_axis *a, int64_t j, int64_t steps) {
    if (steps <= 1 || j <= 0)
        return a->start;
    if (j >= steps - 1)
        return a->stop;
    if (a->log)
        return a->start * pow(a->stop / a->start, (double)j / (double)(steps - 1));
    /* the product first: exact for integral starts and steps */
    return a->start + ((a->stop - a->start) * (double)j) / (double)(steps - 1);
}

double plan_range_value(const plan_axis *a, int64_t j) {
    if (a->ivals)
        return (double)a->ivals[j < 0 ? 0 : j >= a->n ? a->n - 1 : j];
    return range_raw(a, j, a->n);
}

/* An integer field takes the range's values rounded to integers: steps
 * that round to the same integer are one value, not repeated points. The
 * rounded sequence is monotonic, so repeats are neighbours. Sets ivals and
 * n (distinct values); `steps` keeps what was asked for. */
static int range_distinct(plan_axis *a, const char *f, rg_err *err) {
    if (a->steps > PLAN_MAX_INT_STEPS)
        return rg_err_set(err, RG_ERANGE, f, "an integer range takes at most %d steps (got %lld)",
                          PLAN_MAX_INT_STEPS, (long long)a->steps);
    a->ivals = malloc((size_t)a->steps * sizeof *a->ivals);
    if (!a->ivals)
        return rg_err_set(err, RG_ENOMEM, f, "out of memory");
    int64_t n = 0;
    for (int64_t j = 0; j < a->steps; j++) {
        double v = rint(range_raw(a, j, a->steps));
        if (!(fabs(v) < 9e15))
            return rg_err_set(err, RG_ERANGE, f, "integer range values must lie within +-9e15");
        if (n == 0 || (int64_t)v != a->ivals[n - 1])
            a->ivals[n++] = (int64_t)v;
    }
    a->n = n;
    return 0;
}

static int axis_set(const plan_axis *a, int64_t j, rg_spec *s, rg_err *err) {
    if (a->is_range)
        return codec_axis_set(&a->ax, s, plan_range_value(a, j), err);
    const plan_value *v = &a->vals[j];
    if (v->kind == PV_NUM || v->kind == PV_BOOL)
        return codec_axis_set(&a->ax, s, v->num, err);
    if (v->kind == PV_STR)
        return codec_axis_set_str(&a->ax, s, v->text, err);
    return rg_err_set(err, RG_ETYPE, a->path, "expected a number, boolean or string");
}

/* The JSON text of `v` through the lossless writer (malloc), or NULL. */
static char *json_text(const cJSON *v) {
    jw w;
    jw_init(&w);
    codec_json_write(&w, v);
    return jw_take(&w, NULL);
}

/* Typed copy of one list value. */
static int value_take(const cJSON *v, plan_value *out) {
    memset(out, 0, sizeof *out);
    if (cJSON_IsNumber(v)) {
        char num[40];
        out->kind = PV_NUM;
        out->num = v->valuedouble;
        jw_format_double(num, sizeof num, out->num);
        out->text = strdup(num);
    } else if (cJSON_IsBool(v)) {
        out->kind = PV_BOOL;
        out->num = cJSON_IsTrue(v) ? 1 : 0;
    } else if (cJSON_IsString(v)) {
        out->kind = PV_STR;
        out->text = strdup(v->valuestring);
    } else {
        out->kind = PV_JSON; /* objects, arrays, null: the JSON path */
        out->text = json_text(v);
    }
    return out->kind == PV_BOOL || out->text ? 0 : RG_ENOMEM;
}

/* Sets `path` of the JSON spec `jb` to value j of list axis `a`. */
static int json_set_value(cJSON *jb, const plan_axis *a, int64_t j, rg_err *err) {
    const plan_value *v = &a->vals[j];
    cJSON *x = v->kind == PV_NUM    ? cJSON_CreateNumber(v->num)
               : v->kind == PV_BOOL ? cJSON_CreateBool(v->num != 0)
               : v->kind == PV_STR  ? cJSON_CreateString(v->text)
                                    : cJSON_Parse(v->text);
    int rc =
        x ? codec_spec_set_path(jb, a->path, x, err) : rg_err_set(err, RG_ENOMEM, a->path, "out of memory");
    cJSON_Delete(x);
    return rc;
}

/* Re-labels a codec error as belonging to `field`, keeping the codec's
 * field inside the message. */
static int relabel(rg_err *err, int rc, const char *field) {
    rg_err inner = *err;
    return rg_err_set(err, rc, field, "%s%s%s", inner.field, inner.field[0] ? ": " : "", inner.msg);
}

static int parse_range(const cJSON *rg, plan_axis *a, int k, rg_err *err) {
    char f[64];
    snprintf(f, sizeof f, "axes[%d].range", k);
    if (!cJSON_IsObject(rg))
        return rg_err_set(err, RG_ETYPE, f, "must be an object {start, stop, steps, scale}");
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, rg) {
        if (strcmp(it->string, "start") && strcmp(it->string, "stop") && strcmp(it->string, "steps") &&
            strcmp(it->string, "scale"))
            return rg_err_set(err, RG_EUNKNOWN, f, "unknown field \"%.60s\"", it->string);
    }
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(rg, "start");
    const cJSON *stop = cJSON_GetObjectItemCaseSensitive(rg, "stop");
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(rg, "steps");
    const cJSON *scale = cJSON_GetObjectItemCaseSensitive(rg, "scale");
    if (!cJSON_IsNumber(start) || !isfinite(start->valuedouble)) {
        snprintf(f, sizeof f, "axes[%d].range.start", k);
        return rg_err_set(err, start ? RG_ETYPE : RG_EMISSING, f, "must be a finite number");
    }
    if (!cJSON_IsNumber(stop) || !isfinite(stop->valuedouble)) {
        snprintf(f, sizeof f, "axes[%d].range.stop", k);
        return rg_err_set(err, stop ? RG_ETYPE : RG_EMISSING, f, "must be a finite number");
    }
    if (!cJSON_IsNumber(steps) || steps->valuedouble != floor(steps->valuedouble) || steps->valuedouble < 1 ||
        steps->valuedouble > PLAN_MAX_STEPS) {
        snprintf(f, sizeof f, "axes[%d].range.steps", k);
        return rg_err_set(err, steps ? RG_ERANGE : RG_EMISSING, f, "must be an integer in 1..%d",
                          PLAN_MAX_STEPS);
    }
    a->log = false;
    if (scale) {
        if (!cJSON_IsString(scale) ||
            (strcmp(scale->valuestring, "linear") && strcmp(scale->valuestring, "log"))) {
            snprintf(f, sizeof f, "axes[%d].range.scale", k);
            return rg_err_set(err, RG_EINVAL, f, "must be \"linear\" or \"log\"");
        }
        a->log = strcmp(scale->valuestring, "log") == 0;
    }
    a->is_range = true;
    a->start = start->valuedouble;
    a->stop = stop->valuedouble;
    a->n = (int64_t)steps->valuedouble;
    if (a->log && (a->start <= 0 || a->stop <= 0)) {
        snprintf(f, sizeof f, "axes[%d].range.start", k);
        return rg_err_set(err, RG_ERANGE, f, "a log range needs start > 0 and stop > 0");
    }
    if (!a->ax.numeric)
        return rg_err_set(err, RG_ETYPE, f, "%s takes names, not a numeric range: use \"values\"", a->path);
    /* integer fields take the range's values rounded to integers */
    rg_spec *probe = malloc(sizeof *probe);
    if (!probe)
        return rg_err_set(err, RG_ENOMEM, f, "out of memory");
    memset(probe, 0, sizeof *probe);
    rg_err perr;
    a->integral = codec_axis_set(&a->ax, probe, 0.5, &perr) == RG_ETYPE;
    free(probe);
    a->steps = a->n;
    snprintf(f, sizeof f, "axes[%d].range", k);
    return a->integral ? range_distinct(a, f, err) : 0;
}

static int depth(const char *path) {
    int d = 0;
    for (; *path; path++)
        d += *path == '.';
    return d;
}

int plan_build(const cJSON *base, const cJSON *axes, int64_t max_points, bool validate, sweep_plan **out,
               rg_err *err) {
    sweep_plan *p = calloc(1, sizeof *p);
    rg_spec *tmp = NULL;
    int rc = 0;
    char f[96];
    *out = NULL;
    if (!p)
        return rg_err_set(err, RG_ENOMEM, "", "out of memory");
    if (!base || !cJSON_IsObject(base)) {
        rc = rg_err_set(err, base ? RG_ETYPE : RG_EMISSING, "base", "must be a spec object");
        goto fail;
    }
    p->base_text = json_text(base);
    p->axes_text = axes ? json_text(axes) : NULL;
    tmp = malloc(sizeof *tmp);
    if (!p->base_text || (axes && !p->axes_text) || !tmp) {
        rc = rg_err_set(err, RG_ENOMEM, "", "out of memory");
        goto fail;
    }
    rc = codec_spec_parse(base, &p->base, err);
    if (rc) {
        /* prefix "base." (truncating a very long field path) */
        size_t n = strnlen(err->field, sizeof err->field - 6);
        memmove(err->field + (n ? 5 : 4), err->field, n);
        memcpy(err->field, "base.", n ? 5 : 4);
        err->field[n + (n ? 5 : 4)] = '\0';
        goto fail;
    }
    if (!axes || !cJSON_IsArray(axes)) {
        rc = rg_err_set(err, axes ? RG_ETYPE : RG_EMISSING, "axes", "must be an array of axes");
        goto fail;
    }
    int nax = cJSON_GetArraySize(axes);
    if (nax < 1 || nax > PLAN_MAX_AXES) {
        rc = rg_err_set(err, RG_ERANGE, "axes", "needs 1..%d axes (got %d)", PLAN_MAX_AXES, nax);
        goto fail;
    }
    p->total = 1;
    const cJSON *ax = NULL;
    cJSON_ArrayForEach(ax, axes) {
        int k = p->naxes;
        plan_axis *a = &p->axes[k];
        p->naxes++;
        snprintf(f, sizeof f, "axes[%d]", k);
        if (!cJSON_IsObject(ax)) {
            rc = rg_err_set(err, RG_ETYPE, f, "must be an object {path, values | range}");
            goto fail;
        }
        const cJSON *it = NULL;
        cJSON_ArrayForEach(it, ax) {
            if (strcmp(it->string, "path") && strcmp(it->string, "values") && strcmp(it->string, "range")) {
                snprintf(f, sizeof f, "axes[%d].%.60s", k, it->string);
                rc = rg_err_set(err, RG_EUNKNOWN, f, "unknown field (expected path, values or range)");
                goto fail;
            }
        }
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(ax, "path");
        snprintf(f, sizeof f, "axes[%d].path", k);
        if (!cJSON_IsString(path) || strlen(path->valuestring) >= sizeof a->path) {
            rc = rg_err_set(err, path ? RG_ETYPE : RG_EMISSING, f,
                            "must be a dotted spec path such as \"batch\"");
            goto fail;
        }
        snprintf(a->path, sizeof a->path, "%s", path->valuestring);
        for (int q = 0; q < k; q++)
            if (strcmp(p->axes[q].path, a->path) == 0) {
                rc = rg_err_set(err, RG_ECONFLICT, f, "\"%s\" is already axes[%d]", a->path, q);
                goto fail;
            }
        rc = codec_axis_compile(a->path, &a->ax, err);
        if (rc) {
            /* object-valued paths the typed setters cannot reach */
            rc = relabel(err, rc, f);
            goto fail;
        }
        const cJSON *values = cJSON_GetObjectItemCaseSensitive(ax, "values");
        const cJSON *range = cJSON_GetObjectItemCaseSensitive(ax, "range");
        if ((values != NULL) == (range != NULL)) {
            rc = rg_err_set(err, RG_EINVAL, f[0] ? "axes" : "axes",
                            "axes[%d] needs exactly one of values or range", k);
            snprintf(err->field, sizeof err->field, "axes[%d]", k);
            goto fail;
        }
        if (range) {
            rc = parse_range(range, a, k, err);
            if (rc)
                goto fail;
        } else {
            snprintf(f, sizeof f, "axes[%d].values", k);
            int n = cJSON_IsArray(values) ? cJSON_GetArraySize(values) : -1;
            if (n < 1 || n > PLAN_MAX_VALUES) {
                rc = rg_err_set(err, n < 0 ? RG_ETYPE : RG_ERANGE, f, "must be an array of 1..%d values",
                                PLAN_MAX_VALUES);
                goto fail;
            }
            a->n = n;
            a->vals = calloc((size_t)n, sizeof *a->vals);
            if (!a->vals) {
                rc = rg_err_set(err, RG_ENOMEM, f, "out of memory");
                goto fail;
            }
            int j = 0;
            const cJSON *v = NULL;
            cJSON_ArrayForEach(v, values) {
                if (value_take(v, &a->vals[j++])) {
                    rc = rg_err_set(err, RG_ENOMEM, f, "out of memory");
                    goto fail;
                }
                if (cJSON_IsObject(v) || cJSON_IsArray(v))
                    a->json_only = true;
            }
            if (a->json_only)
                p->slow = true;
        }
        if (a->is_range && a->n <= PLAN_TEXT_STEPS) {
            a->rtext = malloc((size_t)a->n * sizeof *a->rtext);
            if (!a->rtext) {
                rc = rg_err_set(err, RG_ENOMEM, f, "out of memory");
                goto fail;
            }
            for (int64_t j = 0; j < a->n; j++)
                jw_format_double(a->rtext[j], sizeof a->rtext[j], plan_range_value(a, j));
        }
        if (p->total > max_points / a->n) {
            rc = rg_err_set(err, RG_ERANGE, "axes", "the sweep has more than %lld points",
                            (long long)max_points);
            goto fail;
        }
        p->total *= a->n;
    }
    for (int k = 0; k < p->naxes; k++)
        p->order[k] = k;
    for (int i = 1; i < p->naxes; i++) /* stable insertion sort by depth */
        for (int j = i; j > 0 && depth(p->axes[p->order[j - 1]].path) > depth(p->axes[p->order[j]].path);
             j--) {
            int t = p->order[j];
            p->order[j] = p->order[j - 1];
            p->order[j - 1] = t;
        }
    if (validate) {
        for (int k = 0; k < p->naxes; k++) {
            const plan_axis *a = &p->axes[k];
            for (int64_t j = 0; j < a->n; j++) {
                *tmp = p->base;
                if (a->json_only) {
                    cJSON *jb = cJSON_Parse(p->base_text);
                    rc = jb ? json_set_value(jb, a, j, err) : rg_err_set(err, RG_ENOMEM, "", "out of memory");
                    if (!rc) {
                        rc = codec_spec_parse(jb, tmp, err);
                        /* cross-field rules are judged per point, not here */
                        if (rc && err->code != RG_ETYPE && err->code != RG_EUNKNOWN && err->code != RG_EPARSE)
                            rc = 0;
                    }
                    cJSON_Delete(jb);
                } else {
                    rc = axis_set(a, j, tmp, err);
                }
                if (rc) {
                    if (a->is_range)
                        snprintf(f, sizeof f, "axes[%d].range", k);
                    else
                        snprintf(f, sizeof f, "axes[%d].values[%lld]", k, (long long)j);
                    rc = relabel(err, rc, f);
                    goto fail;
                }
            }
        }
    }
    free(tmp);
    *out = p;
    return 0;
fail:
    free(tmp);
    plan_free(p);
    return rc;
}

int plan_point_spec(const sweep_plan *p, int64_t index, rg_spec *out, rg_err *err) {
    int64_t digit[PLAN_MAX_AXES];
    int64_t rest = index;
    for (int k = p->naxes - 1; k >= 0; k--) {
        digit[k] = rest % p->axes[k].n;
        rest /= p->axes[k].n;
    }
    if (p->slow) {
        /* JSON path: exactly what a client would get by editing the spec */
        cJSON *jb = cJSON_Parse(p->base_text);
        int rc = jb ? 0 : rg_err_set(err, RG_ENOMEM, "", "out of memory");
        for (int o = 0; !rc && o < p->naxes; o++) {
            int k = p->order[o];
            const plan_axis *a = &p->axes[k];
            if (a->is_range) {
                cJSON *num = cJSON_CreateNumber(plan_range_value(a, digit[k]));
                rc = num ? codec_spec_set_path(jb, a->path, num, err) : RG_ENOMEM;
                cJSON_Delete(num);
            } else {
                rc = json_set_value(jb, a, digit[k], err);
            }
        }
        if (!rc)
            rc = codec_spec_parse(jb, out, err);
        cJSON_Delete(jb);
        return rc;
    }
    *out = p->base;
    for (int o = 0; o < p->naxes; o++) {
        int k = p->order[o];
        int rc = axis_set(&p->axes[k], digit[k], out, err);
        if (rc)
            return rc;
    }
    return codec_spec_check(out, err);
}

static void digits(const sweep_plan *p, int64_t index, int64_t *digit) {
    for (int k = p->naxes - 1; k >= 0; k--) {
        digit[k] = index % p->axes[k].n;
        index /= p->axes[k].n;
    }
}

void plan_value_write(const plan_value *v, jw *w) {
    if (v->kind == PV_NUM)
        jw_raw(w, v->text);
    else if (v->kind == PV_BOOL)
        jw_bool(w, v->num != 0);
    else if (v->kind == PV_STR)
        jw_str(w, v->text);
    else
        jw_raw(w, v->text);
}

void plan_write_params(const sweep_plan *p, int64_t index, jw *w) {
    int64_t digit[PLAN_MAX_AXES];
    digits(p, index, digit);
    jw_obj_begin(w);
    for (int k = 0; k < p->naxes; k++) {
        jw_key(w, p->axes[k].path);
        if (p->axes[k].rtext)
            jw_raw(w, p->axes[k].rtext[digit[k]]);
        else if (p->axes[k].is_range)
            jw_num(w, plan_range_value(&p->axes[k], digit[k]));
        else
            plan_value_write(&p->axes[k].vals[digit[k]], w);
    }
    jw_obj_end(w);
}

static void csv_text(sbuf *b, const char *s) {
    sbuf_put(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            sbuf_put(b, "\"", 1);
        sbuf_put(b, s, 1);
    }
    sbuf_put(b, "\"", 1);
}

void plan_write_params_csv(const sweep_plan *p, int64_t index, sbuf *b) {
    int64_t digit[PLAN_MAX_AXES];
    char num[40];
    digits(p, index, digit);
    for (int k = 0; k < p->naxes; k++) {
        sbuf_put(b, ",", 1);
        const plan_axis *a = &p->axes[k];
        if (a->rtext) {
            sbuf_puts(b, a->rtext[digit[k]]);
            continue;
        }
        if (a->is_range) {
            jw_format_double(num, sizeof num, plan_range_value(a, digit[k]));
            sbuf_puts(b, num);
            continue;
        }
        const plan_value *v = &a->vals[digit[k]];
        if (v->kind == PV_NUM) {
            sbuf_puts(b, v->text);
        } else if (v->kind == PV_BOOL) {
            sbuf_puts(b, v->num != 0 ? "true" : "false");
        } else {
            csv_text(b, v->text);
        }
    }
}

/* ---- filters on swept parameters ---------------------------------------- */

int plan_axis_find(const sweep_plan *p, const char *path, size_t n) {
    for (int k = 0; p && k < p->naxes; k++)
        if (strlen(p->axes[k].path) == n && strncmp(p->axes[k].path, path, n) == 0)
            return k;
    return -1;
}

int64_t plan_axis_stride(const sweep_plan *p, int k) {
    int64_t s = 1;
    for (int i = k + 1; i < p->naxes; i++)
        s *= p->axes[i].n;
    return s;
}

static bool num_match(double x, const char *op, double v) {
    bool eq = x == v || fabs(x - v) <= 1e-12 * fmax(fabs(x), fabs(v));
    if (strcmp(op, "=") == 0)
        return eq;
    if (strcmp(op, "!=") == 0)
        return !eq;
    if (strcmp(op, "<") == 0)
        return x < v && !eq;
    if (strcmp(op, "<=") == 0)
        return x < v || eq;
    if (strcmp(op, ">") == 0)
        return x > v && !eq;
    return x > v || eq; /* >= */
}

int plan_axis_match(const sweep_plan *p, int k, const char *op, const char *v, int64_t *iv, int cap,
                    int *nint, rg_err *err) {
    const plan_axis *a = &p->axes[k];
    char *end = NULL;
    double num = strtod(v, &end);
    bool is_num = end != v && *end == '\0' && isfinite(num);
    bool order_op = strcmp(op, "=") != 0 && strcmp(op, "!=") != 0;
    *nint = 0;
    if (a->n > 20000000)
        return rg_err_set(err, RG_ERANGE, "filter", "%s has %lld values: too many to filter by", a->path,
                          (long long)a->n);
    int64_t open = -1; /* start of the interval being built */
    for (int64_t j = 0; j <= a->n; j++) {
        bool m = false;
        if (j < a->n) {
            if (a->is_range) {
                if (!is_num)
                    return rg_err_set(err, RG_ETYPE, "filter", "%s takes a number (got \"%.40s\")", a->path,
                                      v);
                m = num_match(plan_range_value(a, j), op, num);
            } else {
                const plan_value *x = &a->vals[j];
                if (x->kind == PV_NUM) {
                    if (!is_num)
                        return rg_err_set(err, RG_ETYPE, "filter", "%s takes a number (got \"%.40s\")",
                                          a->path, v);
                    m = num_match(x->num, op, num);
                } else if (x->kind == PV_STR || x->kind == PV_BOOL) {
                    if (order_op)
                        return rg_err_set(err, RG_EINVAL, "filter", "%s takes = or != (its values are names)",
                                          a->path);
                    const char *t = x->kind == PV_STR ? x->text : x->num != 0 ? "true" : "false";
                    m = (strcmp(t, v) == 0) == (strcmp(op, "=") == 0);
                } else {
                    return rg_err_set(err, RG_EINVAL, "filter",
                                      "%s has object values: filter by result columns", a->path);
                }
            }
        }
        if (m && open < 0)
            open = j;
        if (!m && open >= 0) {
            if (*nint == cap)
                return rg_err_set(err, RG_ERANGE, "filter",
                                  "%s %s %.40s matches more than %d separate runs of values: narrow it",
                                  a->path, op, v, cap);
            iv[2 * *nint] = open;
            iv[2 * *nint + 1] = j;
            (*nint)++;
            open = -1;
        }
    }
    return 0;
}
