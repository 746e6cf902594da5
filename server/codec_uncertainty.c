/* codec_uncertainty.c: "uncertainty": true on a spec — an interval for the
 * step time, MFU and tokens/s propagated from the ranges of the assumptions
 * the answer used, and the assumptions that dominate it.
 *
 * Each assumption's range comes from its confidence level in
 * data/assumptions.json: high +-5 %, medium +-20 %, low +-50 % of its value
 * (overlap fractions, whose default is often 0, vary by that much in
 * absolute terms), clipped to the assumption's valid range. The time is
 * re-evaluated at both ends of each range, one assumption at a time; the
 * slower and faster excursions are combined in quadrature (independent
 * assumptions, each range read as about two standard deviations), so the
 * interval is [t - sqrt(sum down^2), t + sqrt(sum up^2)]. MFU and tokens/s
 * scale inversely with time (same work). Switches (flash_attention,
 * dropout, sp_backward_regather, pp_scatter_gather, grad_accum_fusion) and integer layout
 * helpers are not ranged: they describe the stack, not a measurement. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "evaluate.h"

static bool skipped(int id) {
    return id == RG_A_FLASH_ATTENTION || id == RG_A_DROPOUT || id == RG_A_SP_REGATHER ||
           id == RG_A_PP_SCATTER_GATHER || id == RG_A_GRAD_ACCUM_FUSION || id == RG_A_VOCAB_PAD ||
           id == RG_A_MEM_RESERVED || id == RG_A_SATURATION_FRACTION || id == RG_A_GEMM_TILE_M ||
           id == RG_A_GEMM_TILE_N || id == RG_A_GEMM_SPLIT_K_MIN;
}

static bool is_overlap(int id) {
    return id == RG_A_DP_OVERLAP || id == RG_A_TP_OVERLAP || id == RG_A_CP_OVERLAP || id == RG_A_EP_OVERLAP ||
           id == RG_A_PP_OVERLAP;
}

static bool is_efficiency(int id) {
    return id == RG_A_MATMUL_EFF || id == RG_A_MEMORY_EFF || id == RG_A_VECTOR_EFF ||
           id == RG_A_SCALEUP_EFF || id == RG_A_SCALEOUT_EFF;
}

static double half_width(int id) {
    const codec_assumption_meta *m = codec_assumption_meta_get(id);
    const char *c = m && m->confidence ? m->confidence : "";
    return strcmp(c, "high") == 0 ? 0.05 : strcmp(c, "medium") == 0 ? 0.2 : 0.5;
}

typedef struct contrib {
    int id;
    double lo, hi, t_lo, t_hi, up, down;
} contrib;

static int cmp_contrib(const void *a, const void *b) {
    const contrib *x = a, *y = b;
    double ex = x->up * x->up + x->down * x->down, ey = y->up * y->up + y->down * y->down;
    return ex < ey ? 1 : ex > ey ? -1 : (x->id > y->id) - (x->id < y->id);
}

/* Given ranges: {"ranges": {name: [low, high]}} into lo/hi (NAN = not given). */
static int given_ranges(const cJSON *opts, double *lo, double *hi, rg_err *err) {
    for (int i = 0; i < RG_A_COUNT; i++)
        lo[i] = hi[i] = NAN;
    const cJSON *r = opts ? cJSON_GetObjectItemCaseSensitive(opts, "ranges") : NULL, *it;
    if (opts && !cJSON_IsObject(r))
        return rg_err_set(err, RG_ETYPE, "uncertainty.ranges", "expected {name: [low, high]}");
    cJSON_ArrayForEach(it, r) {
        char field[160];
        snprintf(field, sizeof field, "uncertainty.ranges.%s", it->string);
        int id = rg_assumption_find(it->string);
        if (id < 0)
            return rg_err_set(err, RG_EUNKNOWN, field, "unknown assumption");
        const cJSON *a = cJSON_GetArrayItem(it, 0), *b = cJSON_GetArrayItem(it, 1);
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 || !cJSON_IsNumber(a) || !cJSON_IsNumber(b) ||
            !(a->valuedouble >= 0.0) || !(b->valuedouble >= a->valuedouble) || !isfinite(b->valuedouble))
            return rg_err_set(err, RG_ERANGE, field, "expected [low, high] with 0 <= low <= high");
        lo[id] = a->valuedouble;
        hi[id] = b->valuedouble;
    }
    return 0;
}

int codec_uncertainty_write(jw *w, const rg_spec *spec, const rg_result *res, const cJSON *opts,
                            rg_err *err) {
    rg_spec s = *spec;
    rg_result *scratch = NULL;
    contrib c[RG_A_COUNT];
    double glo[RG_A_COUNT], ghi[RG_A_COUNT];
    int n = 0, rc = given_ranges(opts, glo, ghi, err);
    if (rc)
        return rc;
    scratch = malloc(sizeof *scratch);
    if (!scratch)
        return rg_err_set(err, RG_ENOMEM, "uncertainty", "out of memory");
    double t = res->time_s, sum_up = 0.0, sum_down = 0.0;
    for (int id = 0; id < RG_A_COUNT; id++) {
        if (!res->used[id] || skipped(id))
            continue;
        double v = spec->assumptions.v[id], h = half_width(id), lo, hi;
        if (!isnan(glo[id])) { /* a calibration's interval */
            lo = glo[id];
            hi = ghi[id];
        } else if (is_overlap(id)) {
            lo = v - h < 0.0 ? 0.0 : v - h;
            hi = v + h > 1.0 ? 1.0 : v + h;
        } else {
            lo = v * (1.0 - h);
            hi = v * (1.0 + h);
            if (is_efficiency(id) && hi > 1.0)
                hi = 1.0;
        }
        if (!(hi > lo))
            continue;
        double tt[2];
        const double ends[2] = {lo, hi};
        for (int k = 0; k < 2; k++) {
            rg_err e = {0};
            s.assumptions.v[id] = ends[k];
            tt[k] = rg_evaluate_ex(&s, scratch, RG_EVAL_NO_OPS, &e) == 0 ? scratch->time_s : t;
        }
        s.assumptions.v[id] = v;
        double up = fmax(fmax(tt[0], tt[1]) - t, 0.0), down = fmax(t - fmin(tt[0], tt[1]), 0.0);
        if (up <= 1e-12 * t && down <= 1e-12 * t)
            continue;
        c[n++] = (contrib){id, lo, hi, tt[0], tt[1], up, down};
        sum_up += up * up;
        sum_down += down * down;
    }
    free(scratch);
    qsort(c, (size_t)n, sizeof *c, cmp_contrib);
    double t_hi = t + sqrt(sum_up), t_lo = t - sqrt(sum_down), total = sum_up + sum_down;
    if (t_lo < 0.0)
        t_lo = 0.0;
    jw_obj_begin(w);
    jw_kstr(w, "method",
            "one assumption at a time over its range (a calibration's interval where given, else confidence "
            "high +-5 %, medium +-20 %, low +-50 %; overlaps in absolute terms), excursions combined in "
            "quadrature");
    jw_key(w, "time_s");
    jw_obj_begin(w);
    jw_knum(w, "low", t_lo);
    jw_knum(w, "value", t);
    jw_knum(w, "high", t_hi);
    jw_obj_end(w);
    jw_key(w, "mfu");
    jw_obj_begin(w);
    jw_knum(w, "low", t_hi > 0 ? res->mfu * t / t_hi : 0.0);
    jw_knum(w, "value", res->mfu);
    jw_knum(w, "high", t_lo > 0 ? res->mfu * t / t_lo : 0.0);
    jw_obj_end(w);
    jw_key(w, "tokens_per_s");
    jw_obj_begin(w);
    jw_knum(w, "low", t_hi > 0 ? res->tokens_per_s * t / t_hi : 0.0);
    jw_knum(w, "value", res->tokens_per_s);
    jw_knum(w, "high", t_lo > 0 ? res->tokens_per_s * t / t_lo : 0.0);
    jw_obj_end(w);
    jw_key(w, "dominant");
    jw_arr_begin(w);
    for (int i = 0; i < n; i++) {
        const codec_assumption_meta *m = codec_assumption_meta_get(c[i].id);
        jw_obj_begin(w);
        jw_kstr(w, "name", rg_assumption_name(c[i].id));
        jw_knum(w, "value", spec->assumptions.v[c[i].id]);
        jw_kstr(w, "confidence",
                !isnan(glo[c[i].id]) ? "calibrated"
                : m && m->confidence ? m->confidence
                                     : "");
        jw_knum(w, "range_low", c[i].lo);
        jw_knum(w, "range_high", c[i].hi);
        jw_knum(w, "time_at_low_s", c[i].t_lo);
        jw_knum(w, "time_at_high_s", c[i].t_hi);
        jw_knum(w, "share", total > 0 ? (c[i].up * c[i].up + c[i].down * c[i].down) / total : 0.0);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    return 0;
}
