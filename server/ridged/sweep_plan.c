/* sweep_plan.c: compile and validate a sweep's axes (see sweep_plan.h). */
#include "sweep_plan.h"

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
        free(p->axes[k].vals);
        free(p->axes[k].ivals);
    }
    cJSON_Delete(p->base_json);
    cJSON_Delete(p->axes_json);
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
    const cJSON *v = a->vals[j];
    if (cJSON_IsNumber(v))
        return codec_axis_set(&a->ax, s, v->valuedouble, err);
    if (cJSON_IsBool(v))
        return codec_axis_set(&a->ax, s, cJSON_IsTrue(v) ? 1 : 0, err);
    if (cJSON_IsString(v))
        return codec_axis_set_str(&a->ax, s, v->valuestring, err);
    return rg_err_set(err, RG_ETYPE, a->path, "expected a number, boolean or string");
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
    p->base_json = cJSON_Duplicate(base, 1);
    p->axes_json = axes ? cJSON_Duplicate(axes, 1) : NULL;
    tmp = malloc(sizeof *tmp);
    if (!p->base_json || (axes && !p->axes_json) || !tmp) {
        rc = rg_err_set(err, RG_ENOMEM, "", "out of memory");
        goto fail;
    }
    rc = codec_spec_parse(p->base_json, &p->base, err);
    if (rc) {
        /* prefix "base." (truncating a very long field path) */
        size_t n = strnlen(err->field, sizeof err->field - 6);
        memmove(err->field + (n ? 5 : 4), err->field, n);
        memcpy(err->field, "base.", n ? 5 : 4);
        err->field[n + (n ? 5 : 4)] = '\0';
        goto fail;
    }
    if (!p->axes_json || !cJSON_IsArray(p->axes_json)) {
        rc = rg_err_set(err, p->axes_json ? RG_ETYPE : RG_EMISSING, "axes", "must be an array of axes");
        goto fail;
    }
    int nax = cJSON_GetArraySize(p->axes_json);
    if (nax < 1 || nax > PLAN_MAX_AXES) {
        rc = rg_err_set(err, RG_ERANGE, "axes", "needs 1..%d axes (got %d)", PLAN_MAX_AXES, nax);
        goto fail;
    }
    p->total = 1;
    const cJSON *ax = NULL;
    cJSON_ArrayForEach(ax, p->axes_json) {
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
            a->vals = malloc((size_t)n * sizeof *a->vals);
            if (!a->vals) {
                rc = rg_err_set(err, RG_ENOMEM, f, "out of memory");
                goto fail;
            }
            int j = 0;
            const cJSON *v = NULL;
            cJSON_ArrayForEach(v, values) {
                a->vals[j++] = v;
                if (cJSON_IsObject(v) || cJSON_IsArray(v))
                    a->json_only = true;
            }
            if (a->json_only)
                p->slow = true;
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
                    cJSON *jb = cJSON_Duplicate(p->base_json, 1);
                    rc = jb ? codec_spec_set_path(jb, a->path, a->vals[j], err) : RG_ENOMEM;
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
        cJSON *jb = cJSON_Duplicate(p->base_json, 1);
        int rc = jb ? 0 : rg_err_set(err, RG_ENOMEM, "", "out of memory");
        for (int o = 0; !rc && o < p->naxes; o++) {
            int k = p->order[o];
            const plan_axis *a = &p->axes[k];
            if (a->is_range) {
                cJSON *num = cJSON_CreateNumber(plan_range_value(a, digit[k]));
                rc = num ? codec_spec_set_path(jb, a->path, num, err) : RG_ENOMEM;
                cJSON_Delete(num);
            } else {
                rc = codec_spec_set_path(jb, a->path, a->vals[digit[k]], err);
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

void plan_write_params(const sweep_plan *p, int64_t index, jw *w) {
    int64_t digit[PLAN_MAX_AXES];
    digits(p, index, digit);
    jw_obj_begin(w);
    for (int k = 0; k < p->naxes; k++) {
        jw_key(w, p->axes[k].path);
        if (p->axes[k].is_range)
            jw_num(w, plan_range_value(&p->axes[k], digit[k]));
        else
            api_json_write(w, p->axes[k].vals[digit[k]]);
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
        if (a->is_range) {
            jw_format_double(num, sizeof num, plan_range_value(a, digit[k]));
            sbuf_puts(b, num);
            continue;
        }
        const cJSON *v = a->vals[digit[k]];
        if (cJSON_IsNumber(v)) {
            jw_format_double(num, sizeof num, v->valuedouble);
            sbuf_puts(b, num);
        } else if (cJSON_IsString(v)) {
            csv_text(b, v->valuestring);
        } else if (cJSON_IsBool(v)) {
            sbuf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
        } else {
            jw w;
            jw_init(&w);
            api_json_write(&w, v);
            char *t = jw_take(&w, NULL);
            csv_text(b, t ? t : "");
            free(t);
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
                const cJSON *x = a->vals[j];
                if (cJSON_IsNumber(x)) {
                    if (!is_num)
                        return rg_err_set(err, RG_ETYPE, "filter", "%s takes a number (got \"%.40s\")",
                                          a->path, v);
                    m = num_match(x->valuedouble, op, num);
                } else if (cJSON_IsString(x) || cJSON_IsBool(x)) {
                    if (order_op)
                        return rg_err_set(err, RG_EINVAL, "filter", "%s takes = or != (its values are names)",
                                          a->path);
                    const char *t = cJSON_IsString(x) ? x->valuestring : cJSON_IsTrue(x) ? "true" : "false";
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
