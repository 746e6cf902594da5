/* api_density.c: GET /api/v1/sweeps/{id}/density?x=COL&y=COL&bins=N — where
 * a sweep's points lie in the plane of two result columns, however many
 * there are: counts on an N x N grid (default 64, at most 256) over the
 * columns' extents, each axis logarithmic when its values are positive and
 * span more than 100x (as the dashboard's scatter chooses). PostgreSQL does
 * the counting (width_bucket), so a 10M-point sweep answers with at most
 * 65,536 cells; the dashboard paints them on a canvas beneath the points it
 * draws. Failed points and NULLs are left out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "result_cols.h"

static int numeric_col(http_req *r, const char *key) {
    const char *s = http_query(r, key);
    for (int k = 0; s && k < RC_COUNT; k++)
        if (strcmp(rc_columns[k].name, s) == 0 && rc_columns[k].type != RC_BOOL)
            return k;
    http_fail(r, RG_EUNKNOWN, key, "a numeric result column (GET /api/v1/result-columns)",
              s ? "no numeric column \"%.40s\"" : "%smissing", s ? s : "");
    return -1;
}

typedef struct span {
    double lo, hi;
    bool log;
} span;

static span span_of(double lo, double hi) {
    span s = {lo, hi, lo > 0 && hi / lo > 100};
    if (s.log) {
        s.lo = log10(lo);
        s.hi = log10(hi);
    }
    if (!(s.hi > s.lo)) { /* one value: a cell around it */
        double pad = fabs(s.lo) * 0.05 + 1e-300;
        s.lo -= pad;
        s.hi += pad;
    }
    return s;
}

static void write_axis(jw *w, const char *key, const char *name, const span *s) {
    jw_key(w, key);
    jw_obj_begin(w);
    jw_kstr(w, "field", name);
    jw_kbool(w, "log", s->log);
    jw_knum(w, "lo", s->log ? pow(10, s->lo) : s->lo);
    jw_knum(w, "hi", s->log ? pow(10, s->hi) : s->hi);
    jw_obj_end(w);
}

void api_sweep_density(http_req *r) {
    if (!api_path_id(r, "sweep"))
        return;
    int xc = numeric_col(r, "x");
    if (xc < 0)
        return;
    int yc = numeric_col(r, "y");
    if (yc < 0)
        return;
    int bins = 64;
    const char *bs = http_query(r, "bins");
    if (bs) {
        char *end = NULL;
        long v = strtol(bs, &end, 10);
        if (end == bs || *end || v < 2 || v > 256) {
            http_fail(r, RG_ERANGE, "bins", NULL, "bins must be an integer in 2..256 (got \"%.20s\")", bs);
            return;
        }
        bins = (int)v;
    }
    const char *xn = rc_columns[xc].name, *yn = rc_columns[yc].name;
    char ext[512], cnt[1024], lims[4][40], nb[16];
    snprintf(
        ext, sizeof ext,
        "SELECT min(%s), max(%s), min(%s), max(%s), count(*), (SELECT count(*) FROM sweeps WHERE id = $1) "
        "FROM sweep_results WHERE sweep_id = $1 AND status = 0 AND %s IS NOT NULL AND %s IS NOT NULL",
        xn, xn, yn, yn, xn, yn);
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "density", NULL);
        return;
    }
    const char *p[6] = {r->id};
    PGresult *q = db_query(c, ext, 1, p), *g = NULL;
    jw w;
    jw_init(&w);
    if (!db_ok(q)) {
        http_problem_db(r, "density", PQresultErrorMessage(q));
        goto out;
    }
    if (strcmp(PQgetvalue(q, 0, 5), "0") == 0) {
        http_fail(r, RG_ENOTFOUND, "id", NULL, "no sweep with id %s", r->id);
        goto out;
    }
    long long total = atoll(PQgetvalue(q, 0, 4));
    jw_obj_begin(&w);
    jw_kstr(&w, "sweep_id", r->id);
    jw_kint(&w, "points", total);
    jw_kint(&w, "bins", bins);
    if (total == 0) {
        jw_key(&w, "cells");
        jw_arr_begin(&w);
        jw_arr_end(&w);
        jw_obj_end(&w);
        http_reply_json(r, 200, &w);
        goto out;
    }
    span sx = span_of(strtod(PQgetvalue(q, 0, 0), NULL), strtod(PQgetvalue(q, 0, 1), NULL));
    span sy = span_of(strtod(PQgetvalue(q, 0, 2), NULL), strtod(PQgetvalue(q, 0, 3), NULL));
    snprintf(lims[0], sizeof lims[0], "%.17g", sx.lo);
    snprintf(lims[1], sizeof lims[1], "%.17g", sx.hi);
    snprintf(lims[2], sizeof lims[2], "%.17g", sy.lo);
    snprintf(lims[3], sizeof lims[3], "%.17g", sy.hi);
    snprintf(nb, sizeof nb, "%d", bins);
    /* width_bucket puts the maximum in bucket bins + 1: fold it into the last */
    snprintf(cnt, sizeof cnt,
             "SELECT least(width_bucket(%s%s%s, $2::float8, $3::float8, $6::int), $6::int) - 1, "
             "least(width_bucket(%s%s%s, $4::float8, $5::float8, $6::int), $6::int) - 1, count(*) "
             "FROM sweep_results WHERE sweep_id = $1 AND status = 0 AND %s IS NOT NULL AND %s IS NOT NULL "
             "GROUP BY 1, 2 ORDER BY 1, 2",
             sx.log ? "log(" : "", xn, sx.log ? ")" : "", sy.log ? "log(" : "", yn, sy.log ? ")" : "", xn,
             yn);
    const char *pc[6] = {r->id, lims[0], lims[1], lims[2], lims[3], nb};
    g = db_query(c, cnt, 6, pc);
    if (!db_ok(g)) {
        jw_free(&w);
        jw_init(&w);
        http_problem_db(r, "density", PQresultErrorMessage(g));
        goto out;
    }
    write_axis(&w, "x", xn, &sx);
    write_axis(&w, "y", yn, &sy);
    jw_key(&w, "cells"); /* [i, j, count]: column i from the left, row j from the bottom */
    jw_arr_begin(&w);
    for (int i = 0; i < PQntuples(g); i++) {
        jw_arr_begin(&w);
        jw_raw(&w, PQgetvalue(g, i, 0));
        jw_raw(&w, PQgetvalue(g, i, 1));
        jw_raw(&w, PQgetvalue(g, i, 2));
        jw_arr_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    http_reply_json(r, 200, &w);
out:
    jw_free(&w);
    PQclear(q);
    PQclear(g);
    db_release(r->rd->pool, c);
}
