/* calib_explain.c: gap attribution for a measured step (calib_explain.h has
 * the method). Shared by `ridge calibrate explain` and POST /api/v1/explain,
 * so the CLI and the dashboard rank and attribute the same way. */
#include "calib_explain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_data.h"
#include "evaluate.h"

static const char *const pass_names[] = {"fwd", "bwd", "recompute", "optimizer"};
static const char *const bound_names[] = {"compute", "memory", "comm", "latency"};

/* Attribution rows shown one by one; the rest are summed as "other". */
#define EXPLAIN_WATERFALL_ROWS 8

/* Half-width of an assumption's plausible range, as a fraction of its value,
 * from its confidence level. */
static double range_of(int id) {
    const codec_assumption_meta *m = codec_assumption_meta_get(id);
    const char *c = m && m->confidence ? m->confidence : "";
    return strcmp(c, "high") == 0 ? 0.05 : strcmp(c, "medium") == 0 ? 0.2 : 0.5;
}

/* Switches and layout helpers describe the stack, not a measured quantity:
 * they are not candidates for a wrong value. */
static bool not_a_candidate(int id) {
    return id == RG_A_VOCAB_PAD || id == RG_A_FLASH_ATTENTION || id == RG_A_DROPOUT ||
           id == RG_A_SP_REGATHER || id == RG_A_PP_SCATTER_GATHER || id == RG_A_GRAD_ACCUM_FUSION ||
           id == RG_A_MEM_RESERVED;
}

typedef struct cand {
    int id;
    double value, needed, elasticity, score, share;
    double d; /* change of ln(value) under the joint change */
    bool reachable;
} cand;

/* One row of the per-op waterfall: an op and pass, a collective kind's
 * exposed time, the bubble or the other (latency) time, before and after
 * the joint change. */
typedef struct op_delta {
    char name[RG_OP_NAME_MAX + 16];
    const char *kind; /* "op", "comm", "bubble", "other" */
    double before, after;
} op_delta;

/* Per-op rows listed one by one; the rest are summed as "other ops". */
#define EXPLAIN_OP_ROWS 8

static int cmp_cand(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->reachable != y->reachable)
        return x->reachable ? -1 : 1;
    return x->score < y->score ? -1 : x->score > y->score ? 1 : 0;
}

static int cmp_share(const void *a, const void *b) {
    const cand *x = *(const cand *const *)a, *y = *(const cand *const *)b;
    if (x->share != y->share)
        return x->share > y->share ? -1 : 1;
    return x->id - y->id;
}

static double eval_time(rg_spec *s, rg_result *res) {
    rg_err e = {0};
    return rg_evaluate_ex(s, res, RG_EVAL_NO_OPS, &e) == 0 ? res->time_s : -1.0;
}

/* Fractions the evaluation refuses above 1 (validate_core in evaluate.c):
 * the joint change is capped there, which the residual then shows. */
static bool capped_at_one(int id) {
    return id == RG_A_MATMUL_EFF || id == RG_A_MEMORY_EFF || id == RG_A_VECTOR_EFF ||
           id == RG_A_SCALEUP_EFF || id == RG_A_SCALEOUT_EFF || id == RG_A_DP_OVERLAP ||
           id == RG_A_TP_OVERLAP || id == RG_A_CP_OVERLAP || id == RG_A_EP_OVERLAP || id == RG_A_PP_OVERLAP ||
           id == RG_A_MEM_RESERVED;
}

/* The value of assumption `id` that makes the predicted time `target`, by
 * bisection in log space between 1/64x and 64x (fractions capped at 1).
 * Returns false when no value in that range reaches it. */
static bool solve(rg_spec *s, rg_result *res, int id, double target, double *out) {
    double v0 = s->assumptions.v[id], lo = log(v0) - log(64.0), hi = log(v0) + log(64.0);
    /* a collective kind's efficiency is relative to the link's and may exceed
     * 1 (NVLS reduces in the switch): not capped */
    bool frac = capped_at_one(id);
    if (frac && hi > 0.0)
        hi = 0.0;
    s->assumptions.v[id] = exp(lo);
    double flo = eval_time(s, res) - target;
    s->assumptions.v[id] = exp(hi);
    double fhi = eval_time(s, res) - target;
    bool ok = flo * fhi <= 0.0;
    for (int it = 0; ok && it < 60; it++) {
        double mid = 0.5 * (lo + hi);
        s->assumptions.v[id] = exp(mid);
        double fm = eval_time(s, res) - target;
        if ((fm <= 0.0) == (flo <= 0.0)) {
            lo = mid;
            flo = fm;
        } else {
            hi = mid;
        }
    }
    *out = exp(0.5 * (lo + hi));
    s->assumptions.v[id] = v0;
    return ok;
}

static void write_ops(jw *w, const rg_result *res, double predicted) {
    jw_key(w, "ops");
    jw_arr_begin(w);
    for (int i = 0; i < res->n_ops; i++) {
        const rg_op *op = &res->ops[i];
        double t = op->count * op->time_s;
        if (t < 0.01 * predicted)
            continue;
        jw_obj_begin(w);
        jw_kstr(w, "name", op->name);
        jw_kstr(w, "pass", op->pass >= 0 && op->pass < 4 ? pass_names[op->pass] : "?");
        jw_knum(w, "time_s", t);
        jw_knum(w, "share", t / predicted);
        jw_kstr(w, "bound", op->bound >= 0 && op->bound < 4 ? bound_names[op->bound] : "?");
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* The waterfall: predicted, one step per assumption (largest share first,
 * the rest as "other"), measured. Steps are the joint change's cumulative
 * effect on the log time, so they add up to the gap exactly. */
/* The joint change (calib_explain.h): each candidate's share of the log gap
 * `g` and its change d of ln(value). Returns S = sum e_j^2 w_j^2. */
static double joint_change(cand *c, int nc, double g) {
    double S = 0.0;
    for (int i = 0; i < nc; i++) {
        double wi = log(1.0 + range_of(c[i].id));
        S += c[i].elasticity * c[i].elasticity * wi * wi;
    }
    for (int i = 0; i < nc; i++) {
        double wi = log(1.0 + range_of(c[i].id));
        c[i].share = S > 0.0 ? c[i].elasticity * c[i].elasticity * wi * wi / S : 0.0;
        c[i].d = S > 0.0 ? g * c[i].elasticity * wi * wi / S : 0.0;
    }
    return S;
}

static void write_attribution(jw *w, cand *c, int nc, double S, double predicted, double measured) {
    double g = log(measured / predicted);
    cand *order[RG_A_COUNT];
    for (int i = 0; i < nc; i++)
        order[i] = &c[i];
    qsort(order, (size_t)nc, sizeof *order, cmp_share);
    jw_key(w, "attribution");
    jw_obj_begin(w);
    jw_kstr(w, "method", "smallest joint change in units of each assumption's confidence range (linearised)");
    jw_key(w, "steps");
    jw_arr_begin(w);
    double cum = 0.0, other = 0.0;
    for (int i = 0; i < nc && S > 0.0; i++) {
        const cand *k = order[i];
        if (i >= EXPLAIN_WATERFALL_ROWS) {
            other += k->share;
            continue;
        }
        double before = predicted * exp(g * cum);
        cum += k->share;
        double after = predicted * exp(g * cum);
        jw_obj_begin(w);
        jw_kstr(w, "name", rg_assumption_name(k->id));
        jw_knum(w, "value", k->value);
        jw_knum(w, "joint_value", k->value * exp(k->d));
        jw_knum(w, "share", k->share);
        jw_knum(w, "delta_s", after - before);
        jw_obj_end(w);
    }
    if (other > 0.0) {
        double before = predicted * exp(g * cum);
        jw_obj_begin(w);
        jw_kstr(w, "name", "other");
        jw_knum(w, "share", other);
        jw_knum(w, "delta_s", measured - before);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

static int cmp_delta(const void *a, const void *b) {
    const op_delta *x = a, *y = b;
    double dx = fabs(x->after - x->before), dy = fabs(y->after - y->before);
    return dx > dy ? -1 : dx < dy ? 1 : strcmp(x->name, y->name);
}

/* The step's parts of `r` as waterfall rows: every op and pass (count x
 * time), each collective kind's exposed time, the bubble and the latency
 * time. `after` selects which side of the rows it fills; rows of `r` not in
 * d[0..*n) are appended. */
static void collect_parts(const rg_result *r, bool after, op_delta *d, int *n, int cap) {
    static const char *const comm_names[] = {
#define RG_X_(id, name) name,
        RG_COMM_LIST(RG_X_)
#undef RG_X_
    };
    for (int i = 0; i < r->n_ops + RG_COMM_COUNT + 2; i++) {
        char name[sizeof d->name];
        const char *kind;
        double t;
        if (i < r->n_ops) {
            const rg_op *op = &r->ops[i];
            snprintf(name, sizeof name, "%s (%s)", op->name,
                     op->pass >= 0 && op->pass < 4 ? pass_names[op->pass] : "?");
            kind = "op";
            t = op->count * op->time_s;
        } else if (i < r->n_ops + RG_COMM_COUNT) {
            int k = i - r->n_ops;
            snprintf(name, sizeof name, "%s (exposed)", comm_names[k]);
            kind = "comm";
            t = r->breakdown.comm_exposed_s[k];
        } else if (i == r->n_ops + RG_COMM_COUNT) {
            snprintf(name, sizeof name, "pipeline bubble");
            kind = "bubble";
            t = r->breakdown.bubble_s;
        } else {
            snprintf(name, sizeof name, "latency and step overhead");
            kind = "other";
            t = r->breakdown.other_s;
        }
        int j = 0;
        while (j < *n && strcmp(d[j].name, name) != 0)
            j++;
        if (j == *n) {
            if (*n >= cap)
                continue;
            memset(&d[j], 0, sizeof d[j]);
            snprintf(d[j].name, sizeof d[j].name, "%s", name);
            d[j].kind = kind;
            (*n)++;
        }
        if (after)
            d[j].after += t;
        else
            d[j].before += t;
    }
}

/* The per-op waterfall: the spec evaluated with every candidate at its
 * joint value (fractions capped at 1), each part of the step before and
 * after. Steps: the EXPLAIN_OP_ROWS largest changes, "other" (the rest and
 * whatever the parts do not add up to), and "linearisation" (measured minus
 * the joint prediction), so they sum to measured - predicted. Writes
 * nothing but a null when the joint spec does not evaluate. */
static int write_op_attribution(jw *w, rg_spec *s, const cand *c, int nc, rg_result *before, rg_result *after,
                                double measured) {
    enum { CAP = RG_MAX_OPS + RG_COMM_COUNT + 2 };
    op_delta *d = malloc(CAP * sizeof *d);
    double saved[RG_A_COUNT];
    rg_err e = {0};
    int n = 0, rc = 0;
    if (!d)
        return RG_ENOMEM;
    memcpy(saved, s->assumptions.v, sizeof saved);
    int rb = rg_evaluate(s, before, &e);
    for (int i = 0; i < nc; i++) {
        double v = c[i].value * exp(c[i].d);
        s->assumptions.v[c[i].id] = capped_at_one(c[i].id) && v > 1.0 ? 1.0 : v;
    }
    int ra = rb == 0 ? rg_evaluate(s, after, &e) : rb;
    memcpy(s->assumptions.v, saved, sizeof saved);
    jw_key(w, "op_attribution");
    if (ra != 0) {
        jw_null(w);
        goto out;
    }
    collect_parts(before, false, d, &n, CAP);
    collect_parts(after, true, d, &n, CAP);
    qsort(d, (size_t)n, sizeof *d, cmp_delta);
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += d[i].after - d[i].before;
    jw_obj_begin(w);
    jw_kstr(w, "method", "each part of the step before and after the joint change of the attribution");
    jw_knum(w, "joint_predicted_s", after->time_s);
    jw_knum(w, "residual_s", measured - after->time_s);
    jw_knum(w, "unattributed_s", (after->time_s - before->time_s) - sum);
    jw_key(w, "rows");
    jw_arr_begin(w);
    for (int i = 0; i < n; i++) {
        if (d[i].before <= 0.0 && d[i].after <= 0.0)
            continue;
        jw_obj_begin(w);
        jw_kstr(w, "name", d[i].name);
        jw_kstr(w, "kind", d[i].kind);
        jw_knum(w, "before_s", d[i].before);
        jw_knum(w, "after_s", d[i].after);
        jw_knum(w, "delta_s", d[i].after - d[i].before);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "steps");
    jw_arr_begin(w);
    double shown = 0.0;
    for (int i = 0; i < n && i < EXPLAIN_OP_ROWS; i++) {
        double dd = d[i].after - d[i].before;
        if (dd == 0.0)
            break;
        shown += dd;
        jw_obj_begin(w);
        jw_kstr(w, "name", d[i].name);
        jw_kstr(w, "kind", d[i].kind);
        jw_knum(w, "before_s", d[i].before);
        jw_knum(w, "after_s", d[i].after);
        jw_knum(w, "delta_s", dd);
        jw_obj_end(w);
    }
    double rest = (after->time_s - before->time_s) - shown;
    if (rest != 0.0) {
        jw_obj_begin(w);
        jw_kstr(w, "name", "other");
        jw_knum(w, "delta_s", rest);
        jw_obj_end(w);
    }
    if (measured != after->time_s) {
        jw_obj_begin(w);
        jw_kstr(w, "name", "linearisation");
        jw_knum(w, "delta_s", measured - after->time_s);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    /* in words: the part that changes most and its share of the gap */
    if (n > 0 && d[0].after != d[0].before) {
        char said[256];
        double gap = measured - before->time_s, dd = d[0].after - d[0].before;
        snprintf(said, sizeof said,
                 "%s changes most under the joint change: %.4g s to %.4g s (%+.4g s, %.0f %% of the %+.4g s "
                 "gap)",
                 d[0].name, d[0].before, d[0].after, dd, gap != 0.0 ? 100.0 * dd / gap : 0.0, gap);
        jw_kstr(w, "summary", said);
    }
    jw_obj_end(w);
out:
    free(d);
    return rc;
}

int calib_explain(rg_spec *s, double measured, jw *w, rg_err *err) {
    rg_result *res = malloc(sizeof *res), *after = malloc(sizeof *after);
    cand *c = malloc(RG_A_COUNT * sizeof *c);
    int rc = 0, nc = 0;
    if (!res || !after || !c) {
        rc = rg_err_set(err, RG_ENOMEM, "", "out of memory");
        goto out;
    }
    if (!(measured > 0.0) || !isfinite(measured)) {
        rc = rg_err_set(err, RG_ERANGE, "measured_s", "must be a time > 0 (seconds)");
        goto out;
    }
    if ((rc = rg_evaluate(s, res, err)) != 0)
        goto out;
    double predicted = res->time_s;
    uint8_t used[RG_A_COUNT];
    memcpy(used, res->used, sizeof used);
    jw_obj_begin(w);
    jw_knum(w, "measured_s", measured);
    jw_knum(w, "predicted_s", predicted);
    jw_knum(w, "gap", (measured - predicted) / predicted);
    write_ops(w, res, predicted);
    for (int id = 0; id < RG_A_COUNT; id++) {
        double v = s->assumptions.v[id];
        if (!used[id] || !(v > 0.0) || not_a_candidate(id))
            continue;
        s->assumptions.v[id] = v * 1.01;
        double t1 = eval_time(s, res);
        s->assumptions.v[id] = v;
        double el = t1 > 0 ? log(t1 / predicted) / log(1.01) : 0.0;
        if (fabs(el) < 1e-4)
            continue;
        cand *k = &c[nc++];
        k->id = id;
        k->value = v;
        k->elasticity = el;
        k->share = 0.0;
        k->reachable = solve(s, res, id, measured, &k->needed);
        /* how many of its plausible ranges the change spans */
        k->score = k->reachable ? fabs(log(k->needed / v)) / log(1.0 + range_of(id)) : INFINITY;
    }
    qsort(c, (size_t)nc, sizeof *c, cmp_cand);
    jw_key(w, "assumptions");
    jw_arr_begin(w);
    for (int i = 0; i < nc; i++) {
        jw_obj_begin(w);
        jw_kstr(w, "name", rg_assumption_name(c[i].id));
        jw_knum(w, "value", c[i].value);
        jw_knum(w, "elasticity", c[i].elasticity);
        if (c[i].reachable) {
            jw_knum(w, "needed", c[i].needed);
            jw_knum(w, "ranges_away", c[i].score);
        } else {
            jw_key(w, "needed");
            jw_null(w);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    double S = joint_change(c, nc, log(measured / predicted));
    write_attribution(w, c, nc, S, predicted, measured);
    if (write_op_attribution(w, s, c, nc, res, after, measured) != 0) {
        rc = rg_err_set(err, RG_ENOMEM, "", "out of memory");
        goto out;
    }
    char said[512] = "no single assumption within 64x of its value closes the gap";
    if (nc > 0 && c[0].reachable)
        snprintf(said, sizeof said,
                 "%s would have to %s from %.4g to %.4g to match (%.1f of its %s-confidence ranges): the "
                 "likeliest invalid assumption",
                 rg_assumption_name(c[0].id), c[0].needed > c[0].value ? "rise" : "drop", c[0].value,
                 c[0].needed, c[0].score, codec_assumption_meta_get(c[0].id)->confidence);
    jw_kstr(w, "summary", said);
    jw_obj_end(w);
out:
    free(res);
    free(after);
    free(c);
    return rc;
}
