/* api_results.c: GET /sweeps/{id}/results (pages, order, filter, CSV) and
 * GET /sweeps/{id}/pareto. Sorting and filtering are limited to a whitelist
 * of result columns; the SQL is assembled only from that table's constant
 * column names, and every value the user gives travels as a parameter. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "pareto.h"
#include "plan_cache.h"
#include "sweep.h"
#include "sweep_plan.h"

#include "result_cols.h"
#include "results_csv.h"

typedef enum { COL_F64 = RC_F64, COL_I64 = RC_I64, COL_BOOL = RC_BOOL } col_type;

/* The key columns, then the stored result columns of result_cols.h. */
static const struct rcol {
    const char *name; /* API name = column name */
    col_type type;
} rcols[] = {{"point_index", COL_I64},
             {"status", COL_I64},
#define RC_X_(name, type, sense, unit, value, desc) {#name, (col_type)type},
             RIDGED_RESULT_COLS(RC_X_)
#undef RC_X_
};
#define NRCOLS ((int)(sizeof rcols / sizeof rcols[0]))
/* A Pareto answer lists at most this many points of the front, and the
 * front's computation holds at most this many points (24 bytes each). */
#define PARETO_LIMIT    10000
#define PARETO_MAX_HELD ((size_t)8 << 20)
#define RESULT_COLS     "point_index, status" RIDGED_RESULT_COLS_SQL
_Static_assert(NRCOLS == 2 + RC_COUNT, "key columns + result columns");

static int col_find(const char *s, size_t n) {
    for (int i = 0; i < NRCOLS; i++)
        if (strlen(rcols[i].name) == n && strncmp(rcols[i].name, s, n) == 0)
            return i;
    return -1;
}

/* "fields: point_index, status, time_s, ..." from the table. */
#define RC_X_HINT_(name, type, sense, unit, value, desc) ", " #name
static const char col_hint[] = "fields: point_index, status" RIDGED_RESULT_COLS(RC_X_HINT_);
#undef RC_X_HINT_
static const char *col_list_hint(void) { return col_hint; }

/* The sweep's plan, to decode params (built once per sweep and cached:
 * plan_cache.h), and its status (api.h). */
const sweep_plan *api_sweep_plan(http_req *r, db_conn *c, const char *id_text, char *status, size_t scap) {
    /* the status and the definition's hash; the definition itself only
     * when no plan of that hash is cached */
    static const char sql_status[] = "SELECT status, md5(base::text || axes::text) FROM sweeps WHERE id = $1";
    static const char sql[] = "SELECT base, axes FROM sweeps WHERE id = $1";
    const char *p[1] = {id_text};
    int64_t id = strtoll(id_text, NULL, 10);
    const sweep_plan *plan = NULL;
    char key[PLAN_KEY_SIZE];
    PGresult *q = db_query(c, sql_status, 1, p);
    sweep_plan *built = NULL;
    cJSON *base = NULL, *axes = NULL;
    rg_err err = {0};
    if (!db_ok(q)) {
        if (r)
            http_problem_db(r, "get sweep", PQresultErrorMessage(q));
        goto fail;
    }
    if (PQntuples(q) == 0) {
        if (r)
            http_fail(r, RG_ENOTFOUND, "id", NULL, "no sweep with id %s", id_text);
        goto fail;
    }
    snprintf(status, scap, "%s", PQgetvalue(q, 0, 0));
    snprintf(key, sizeof key, "%s", PQgetvalue(q, 0, 1));
    plan = plan_cache_get(id, key);
    if (plan)
        goto out;
    PQclear(q);
    q = db_query(c, sql, 1, p);
    if (!db_ok(q) || PQntuples(q) == 0) {
        if (r)
            http_problem_db(r, "get sweep", PQresultErrorMessage(q));
        goto fail;
    }
    base = cJSON_Parse(PQgetvalue(q, 0, 0));
    axes = cJSON_Parse(PQgetvalue(q, 0, 1));
    if (!base || !axes || plan_build(base, axes, SWEEP_MAX_POINTS, false, &built, &err)) {
        if (r)
            http_fail(r, RG_EINTERNAL, NULL, NULL, "the stored sweep cannot be decoded: %s %s", err.field,
                      err.msg);
        goto fail;
    }
    plan = plan_cache_put(id, key, built);
    goto out;
fail:
    plan_cache_release(plan);
    plan = NULL;
out:
    cJSON_Delete(base);
    cJSON_Delete(axes);
    PQclear(q);
    return plan;
}

/* A read that failed: past the statement timeout (a scan of a very large
 * sweep) it says so and how to narrow it; otherwise a database error. */
static void read_failed(http_req *r, const PGresult *q, const char *what) {
    if (db_timed_out(q)) {
        http_fail(r, RG_EUNAVAIL, "filter",
                  "narrow it with filter=, or start ridged with a larger --db-timeout-ms",
                  "the %s query ran past the limit of %d ms", what, r->rd->cfg.db_timeout_ms);
        return;
    }
    http_problem_db(r, what, q ? PQresultErrorMessage(q) : NULL);
}

/* Parses "term [and|or term ...]" into SQL with $n parameters starting at
 * *np ("and" binds tighter than "or"; "," is "and"). A term is "field op
 * value" over a result column, or over a swept parameter ("batch = 64",
 * "params.hardware.mem_bw > 4e12", "numerics.weights = mxfp4"): a parameter
 * is a digit of point_index (sweep_plan.h), so its condition is arithmetic
 * on point_index with the matching digits as constants. Returns false after
 * answering 400. */
static bool parse_filter(http_req *r, const char *f, const sweep_plan *plan, sbuf *sql, const char **params,
                         int *np, int maxp) {
    static const char *const ops[] = {"<=", ">=", "!=", "=", "<", ">"};
    const char *s = f;
    int nterm = 0;
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        if (nterm > 0) {
            if (strncasecmp(s, "and", 3) == 0 && (isspace((unsigned char)s[3]))) {
                s += 3;
                sbuf_puts(sql, " AND ");
            } else if (strncasecmp(s, "or", 2) == 0 && (isspace((unsigned char)s[2]))) {
                s += 2;
                sbuf_puts(sql, ") OR (");
            } else if (*s == ',') {
                s++;
                sbuf_puts(sql, " AND ");
            } else {
                http_fail(r, RG_EINVAL, "filter", "terms are joined with \"and\" or \"or\"",
                          "expected \"and\" or \"or\" at \"%.40s\"", s);
                return false;
            }
            while (isspace((unsigned char)*s))
                s++;
        } else {
            sbuf_puts(sql, " AND ((");
        }
        const char *name = s;
        while (isalnum((unsigned char)*s) || *s == '_' || *s == '.')
            s++;
        size_t nlen = (size_t)(s - name);
        int col = col_find(name, nlen), axis = -1;
        if (col < 0) {
            const char *ap = name;
            size_t alen = nlen;
            if (alen > 7 && strncmp(ap, "params.", 7) == 0) {
                ap += 7;
                alen -= 7;
            }
            axis = plan_axis_find(plan, ap, alen);
        }
        if (col < 0 && axis < 0) {
            http_fail(r, RG_EUNKNOWN, "filter", col_list_hint(),
                      "unknown field \"%.*s\" (a result column or a swept parameter of this sweep)",
                      (int)(nlen > 60 ? 60 : nlen), name);
            return false;
        }
        while (isspace((unsigned char)*s))
            s++;
        const char *op = NULL;
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
            if (strncmp(s, ops[i], strlen(ops[i])) == 0) {
                op = ops[i];
                break;
            }
        if (!op) {
            http_fail(r, RG_EINVAL, "filter", "operators: = != < <= > >=", "expected an operator after %.*s",
                      (int)(nlen > 60 ? 60 : nlen), name);
            return false;
        }
        s += strlen(op);
        while (isspace((unsigned char)*s))
            s++;
        const char *val = s;
        while (*s && !isspace((unsigned char)*s) && *s != ',')
            s++;
        char *v = arena_strndup(&r->a, val, (size_t)(s - val));
        if (!v || !*v || *np >= maxp || nterm >= 32) {
            http_fail(r, RG_EINVAL, "filter", NULL, "missing value or too many terms");
            return false;
        }
        nterm++;
        if (axis >= 0) {
            int64_t iv[2 * 64];
            int nint = 0;
            rg_err err = {0};
            if (plan_axis_match(plan, axis, op, v, iv, 64, &nint, &err) < 0) {
                http_problem_err(r, &err, NULL,
                                 "filter by a swept parameter with its values as the sweep lists them");
                return false;
            }
            /* computed integers only: nothing from the request is spliced in */
            int64_t stride = plan_axis_stride(plan, axis), n = plan->axes[axis].n;
            if (nint == 0)
                sbuf_puts(sql, "false");
            for (int m = 0; m < nint; m++)
                sbuf_printf(sql, "%s(point_index / %lld %% %lld BETWEEN %lld AND %lld)", m ? " OR " : "(",
                            (long long)stride, (long long)n, (long long)iv[2 * m],
                            (long long)iv[2 * m + 1] - 1);
            if (nint > 0)
                sbuf_puts(sql, ")");
            continue;
        }
        const char *cast = "double precision";
        if (rcols[col].type == COL_BOOL) {
            if (strcmp(v, "true") && strcmp(v, "false")) {
                http_fail(r, RG_ETYPE, "filter", NULL, "%s takes true or false", rcols[col].name);
                return false;
            }
            cast = "boolean";
        } else {
            char *end = NULL;
            errno = 0;
            double d = strtod(v, &end);
            if (end == v || *end || !isfinite(d)) {
                http_fail(r, RG_ETYPE, "filter", NULL, "%s takes a number (got \"%.40s\")", rcols[col].name,
                          v);
                return false;
            }
            if (errno == ERANGE) {
                http_fail(r, RG_ERANGE, "filter",
                          "a value between 2.2250738585072014e-308 and 1.7976931348623157e308",
                          "%s: %.40s is out of the range of a double", rcols[col].name, v);
                return false;
            }
            /* PostgreSQL gets the number as parsed here (C's strtod takes hex
             * floats and other spellings that float8 input refuses) */
            char num[40];
            jw_format_double(num, sizeof num, d);
            v = arena_strdup(&r->a, num);
            if (!v) {
                http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
                return false;
            }
        }
        params[*np] = v;
        (*np)++;
        sbuf_printf(sql, "%s %s $%d::%s", rcols[col].name, op, *np, cast);
    }
    if (nterm > 0)
        sbuf_puts(sql, "))");
    return true;
}

/* "field", "field:asc", "field:desc", "-field". */
static bool parse_order(http_req *r, const char *o, int *col, bool *desc) {
    *desc = false;
    if (*o == '-') {
        *desc = true;
        o++;
    }
    const char *colon = strchr(o, ':');
    size_t n = colon ? (size_t)(colon - o) : strlen(o);
    *col = col_find(o, n);
    if (*col < 0) {
        http_fail(r, RG_EUNKNOWN, "order_by", col_list_hint(), "cannot order by \"%.40s\"", o);
        return false;
    }
    if (colon) {
        if (strcmp(colon + 1, "desc") == 0 || strcmp(colon + 1, "max") == 0)
            *desc = true;
        else if (strcmp(colon + 1, "asc") != 0 && strcmp(colon + 1, "min") != 0) {
            http_fail(r, RG_EINVAL, "order_by", "use field:asc or field:desc", "unknown direction \"%.20s\"",
                      colon + 1);
            return false;
        }
    }
    return true;
}

static void write_row_json(jw *w, const sweep_plan *plan, const PGresult *q, int i) {
    int64_t idx = strtoll(PQgetvalue(q, i, 0), NULL, 10);
    jw_obj_begin(w);
    jw_kint(w, "point_index", idx);
    jw_key(w, "params");
    plan_write_params(plan, idx, w);
    for (int k = 1; k < NRCOLS; k++) {
        jw_key(w, rcols[k].name);
        if (PQgetisnull(q, i, k)) {
            jw_null(w);
            continue;
        }
        const char *v = PQgetvalue(q, i, k);
        if (rcols[k].type == COL_BOOL)
            jw_bool(w, v[0] == 't');
        else /* integers, and doubles as PostgreSQL's shortest exact text (db.c; never NaN/Inf: stored NULL)
              */
            jw_raw(w, v);
    }
    if (strcmp(PQgetvalue(q, i, 1), "0") != 0) {
        int code = atoi(PQgetvalue(q, i, 1));
        jw_kstr(w, "error", rg_status_name(code));
    }
    jw_obj_end(w);
}

/* A CSV page holds at most this many rows (the whole of the largest sweep). */
#define CSV_LIMIT_MAX ((int)SWEEP_MAX_POINTS)

/* The part of a results query after its select list: the sweep, the
 * filter, the key cursor, the order, then LIMIT `lim` and OFFSET `off` (a
 * bigint's text, or NULL) as the next parameters. False after answering. */
typedef struct page_query {
    const char *params[24];
    int np;
    char after_s[24], lim_s[16], off_s[24];
} page_query;

static bool page_tail(http_req *r, const sweep_plan *plan, const char *filter, int ocol, bool desc,
                      long long after, long long lim, long long off, sbuf *sql, page_query *pq) {
    pq->np = 0;
    pq->params[pq->np++] = r->id;
    sbuf_puts(sql, " FROM sweep_results WHERE sweep_id = $1::bigint");
    if (filter && !parse_filter(r, filter, plan, sql, pq->params, &pq->np, 20))
        return false;
    if (after >= 0) {
        snprintf(pq->after_s, sizeof pq->after_s, "%lld", after);
        pq->params[pq->np++] = pq->after_s;
        sbuf_printf(sql, " AND point_index %s $%d::bigint", desc ? "<" : ">", pq->np);
    }
    if (ocol == 0)
        sbuf_printf(sql, " ORDER BY point_index %s", desc ? "DESC" : "ASC");
    else
        sbuf_printf(sql, " ORDER BY %s %s NULLS LAST, point_index %s", rcols[ocol].name,
                    desc ? "DESC" : "ASC", desc ? "DESC" : "ASC");
    snprintf(pq->lim_s, sizeof pq->lim_s, "%lld", lim);
    pq->params[pq->np++] = pq->lim_s;
    sbuf_printf(sql, " LIMIT $%d::bigint", pq->np);
    if (off > 0) {
        snprintf(pq->off_s, sizeof pq->off_s, "%lld", off);
        pq->params[pq->np++] = pq->off_s;
        sbuf_printf(sql, " OFFSET $%d::bigint", pq->np);
    }
    if (sql->oom) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        return false;
    }
    return true;
}

/* X-Next-Page-Token of a CSV page, decided before its rows stream out:
 * "k<last point_index>" in point order, "o<offset>" otherwise, "" on the
 * last page. A finished sweep without a filter holds every point once, so
 * the token follows from its size; otherwise one query reads the row after
 * the page. False after answering. */
static bool csv_next(http_req *r, db_conn *c, const sweep_plan *plan, const char *status, const char *filter,
                     int ocol, bool desc, long long after, long long offset, int limit, char *next,
                     size_t cap) {
    next[0] = '\0';
    long long total = plan->total;
    if (!filter && strcmp(status, "succeeded") == 0) {
        if (ocol != 0) {
            if (offset + limit < total)
                snprintf(next, cap, "o%lld", offset + limit);
        } else if (!desc) {
            if (after + limit < total - 1)
                snprintf(next, cap, "k%lld", after + limit);
        } else {
            long long left = after >= 0 ? after : total;
            if (left > limit)
                snprintf(next, cap, "k%lld", left - limit);
        }
        return true;
    }
    sbuf sql;
    page_query pq;
    sbuf_init(&sql);
    sbuf_puts(&sql, "SELECT point_index");
    bool ok = page_tail(r, plan, filter, ocol, desc, after, 2, offset + limit - 1, &sql, &pq);
    if (ok) {
        PGresult *q = db_query_dyn(c, sql.buf, pq.np, pq.params);
        if (!db_ok(q)) {
            read_failed(r, q, "results");
            ok = false;
        } else if (PQntuples(q) == 2) {
            if (ocol == 0)
                snprintf(next, cap, "k%s", PQgetvalue(q, 0, 0));
            else
                snprintf(next, cap, "o%lld", offset + limit);
        }
        PQclear(q);
    }
    sbuf_free(&sql);
    return ok;
}

void api_sweep_results(http_req *r) {
    const sweep_plan *plan = NULL;
    db_conn *c = NULL;
    PGresult *q = NULL;
    sbuf sql;
    jw w;
    page_query pq;
    char status[24];
    sbuf_init(&sql);
    jw_init(&w);
    if (!api_path_id(r, "sweep"))
        goto out;
    const char *accept = http_header(r, MHD_HTTP_HEADER_ACCEPT);
    bool csv = accept && strstr(accept, "text/csv");
    int limit = api_limit(r, 100, csv ? CSV_LIMIT_MAX : 10000);
    if (limit < 0)
        goto out;
    const char *order = http_query(r, "order_by"), *filter = http_query(r, "filter");
    const char *token = http_query(r, "page_token");
    int ocol = 0;
    bool desc = false;
    if (order && !parse_order(r, order, &ocol, &desc))
        goto out;
    long long offset = 0, after = -1;
    if (token) {
        char *end = NULL;
        long long v = (token[0] == 'o' || token[0] == 'k') ? strtoll(token + 1, &end, 10) : -1;
        if (!end || *end || v < 0 || (token[0] == 'k' && ocol != 0) || (token[0] == 'o' && ocol == 0)) {
            http_fail(r, RG_EINVAL, "page_token",
                      "pass next_page_token from the previous page with the same order_by and filter",
                      "malformed page token");
            goto out;
        }
        if (token[0] == 'o')
            offset = v;
        else
            after = v;
    }
    c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "results", NULL);
        goto out;
    }
    plan = api_sweep_plan(r, c, r->id, status, sizeof status);
    if (!plan)
        goto out;
    if (csv) {
        char next[40];
        sbuf_puts(&sql, "SELECT ");
        sbuf_puts(&sql, results_csv_columns());
        if (csv_next(r, c, plan, status, filter, ocol, desc, after, offset, limit, next, sizeof next) &&
            page_tail(r, plan, filter, ocol, desc, after, limit, offset, &sql, &pq))
            results_csv_stream(r, c, plan, sql.buf, pq.np, pq.params, next);
        goto out;
    }
    sbuf_puts(&sql, "SELECT " RESULT_COLS);
    if (!page_tail(r, plan, filter, ocol, desc, after, (long long)limit + 1, offset, &sql, &pq))
        goto out;
    q = db_query_dyn(c, sql.buf, pq.np, pq.params);
    if (!db_ok(q)) {
        read_failed(r, q, "results");
        goto out;
    }
    int n = PQntuples(q);
    int shown = n < limit ? n : limit;
    char next[40] = "";
    if (n > limit) {
        if (ocol == 0)
            snprintf(next, sizeof next, "k%s", PQgetvalue(q, limit - 1, 0));
        else
            snprintf(next, sizeof next, "o%lld", offset + limit);
    }
    jw_obj_begin(&w);
    jw_kstr(&w, "sweep_id", r->id);
    jw_kstr(&w, "status", status);
    jw_key(&w, "results");
    jw_arr_begin(&w);
    for (int i = 0; i < shown; i++)
        write_row_json(&w, plan, q, i);
    jw_arr_end(&w);
    jw_key(&w, "next_page_token");
    if (next[0])
        jw_str(&w, next);
    else
        jw_null(&w);
    jw_obj_end(&w);
    http_reply_json(r, 200, &w);
out:
    PQclear(q);
    db_release(r->rd->pool, c);
    plan_cache_release(plan);
    sbuf_free(&sql);
    jw_free(&w);
}

/* "field:min" / "field:max" over a numeric column. */
static bool parse_objective(http_req *r, const char *key, const char *def, int *col, bool *max) {
    const char *s = http_query(r, key);
    if (!s)
        s = def;
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    *col = col_find(s, n);
    if (*col < 0 || rcols[*col].type == COL_BOOL || *col <= 1) {
        http_fail(r, RG_EUNKNOWN, key, "numeric result fields, e.g. time_s:min or mfu:max",
                  "cannot optimise \"%.40s\"", s);
        return false;
    }
    *max = false;
    if (colon) {
        if (strcmp(colon + 1, "max") == 0)
            *max = true;
        else if (strcmp(colon + 1, "min") != 0) {
            http_fail(r, RG_EINVAL, key, "use :min or :max", "unknown direction \"%.20s\"", colon + 1);
            return false;
        }
    } else {
        *max = rc_columns[*col - 2].sense == RC_MAX;
    }
    return true;
}

/* The big-endian bytes of a binary int8 / float8 value. */
static uint64_t be_u64(const char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | (unsigned char)p[i];
    return v;
}
static double be_f64(const char *p) {
    uint64_t u = be_u64(p);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

void api_sweep_pareto(http_req *r) {
    const sweep_plan *plan = NULL;
    pareto_acc acc;
    pareto_init(&acc, PARETO_MAX_HELD);
    db_conn *c = NULL;
    PGresult *q = NULL;
    sbuf sql;
    jw w;
    const char *params[24];
    int np = 0;
    char status[24];
    sbuf_init(&sql);
    jw_init(&w);
    if (!api_path_id(r, "sweep"))
        goto out;
    int xc, yc;
    bool xmax, ymax;
    if (!parse_objective(r, "x", "time_s:min", &xc, &xmax) || !parse_objective(r, "y", "mfu:max", &yc, &ymax))
        goto out;
    if (xc == yc) {
        http_fail(r, RG_EINVAL, "y", NULL, "x and y must be different fields");
        goto out;
    }
    const char *xn = rcols[xc].name, *yn = rcols[yc].name;
    c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "pareto", NULL);
        goto out;
    }
    plan = api_sweep_plan(r, c, r->id, status, sizeof status);
    if (!plan)
        goto out;
    params[np++] = r->id;
    /* The front is computed here, not by a sort in PostgreSQL: a cursor
     * streams (index, x, y) of the matching rows in binary, folded batch by
     * batch into the front (pareto.h: both objectives as minimisation keys,
     * the order and tie rules of the SQL window query it replaces); the
     * first PARETO_LIMIT points of the front are then read back whole. */
    sbuf_printf(
        &sql,
        "DECLARE ridged_pareto BINARY NO SCROLL CURSOR FOR SELECT point_index::int8, %s::float8, "
        "%s::float8 FROM sweep_results WHERE sweep_id = $1::bigint AND status = 0 AND %s IS NOT NULL AND "
        "%s IS NOT NULL",
        xn, yn, xn, yn);
    const char *filter = http_query(r, "filter");
    if (filter && !parse_filter(r, filter, plan, &sql, params, &np, 20))
        goto out;
    if (sql.oom) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto out;
    }
    if (!db_cmd(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) {
        http_problem_db(r, "pareto", NULL);
        goto out;
    }
    q = db_query_dyn(c, sql.buf, np, params);
    if (!db_ok(q)) {
        read_failed(r, q, "pareto");
        goto out;
    }
    for (;;) {
        PQclear(q);
        q = db_query_bin(c, "FETCH 65536 FROM ridged_pareto", 0, NULL);
        if (!db_ok(q)) {
            read_failed(r, q, "pareto");
            goto out;
        }
        int n = PQntuples(q);
        if (n == 0)
            break;
        if (PQnfields(q) != 3 || PQfformat(q, 0) != 1) {
            http_fail(r, RG_EINTERNAL, NULL, NULL, "unexpected cursor rows");
            goto out;
        }
        for (int i = 0; i < n; i++) {
            if (PQgetlength(q, i, 0) != 8 || PQgetlength(q, i, 1) != 8 || PQgetlength(q, i, 2) != 8) {
                http_fail(r, RG_EINTERNAL, NULL, NULL, "unexpected cursor row");
                goto out;
            }
            double x = be_f64(PQgetvalue(q, i, 1)), y = be_f64(PQgetvalue(q, i, 2));
            if (pareto_add(&acc, xmax ? -x : x, ymax ? -y : y, (int64_t)be_u64(PQgetvalue(q, i, 0)))) {
                http_fail(r, RG_EUNAVAIL, "filter",
                          "narrow it with filter=", "the Pareto front holds more than %zu points", acc.max);
                goto out;
            }
        }
    }
    pareto_fold(&acc);
    PQclear(q);
    q = NULL;
    db_cmd(c, "COMMIT");
    /* the front's rows, in front order */
    sbuf ids;
    sbuf_init(&ids);
    sbuf_puts(&ids, "{");
    size_t nf = acc.nfront < PARETO_LIMIT ? acc.nfront : PARETO_LIMIT;
    for (size_t i = 0; i < nf; i++)
        sbuf_printf(&ids, "%s%lld", i ? "," : "", (long long)acc.pt[i].index);
    sbuf_puts(&ids, "}");
    const char *jp[2] = {r->id, ids.buf};
    /* by the primary key (= ANY reads the index whatever the array's
     * length; a join against unnest() was planned as a scan of the sweep),
     * in point order: rows are then matched to the front by bisection */
    static const char sql_front[] =
        "SELECT " RESULT_COLS " FROM sweep_results WHERE sweep_id = $1::bigint AND "
        "point_index = ANY($2::bigint[]) ORDER BY point_index";
    q = ids.oom ? NULL : db_query_dyn(c, sql_front, 2, jp);
    sbuf_free(&ids);
    if (!db_ok(q)) {
        read_failed(r, q, "pareto");
        goto out;
    }
    jw_obj_begin(&w);
    jw_kstr(&w, "sweep_id", r->id);
    jw_kstr(&w, "status", status);
    jw_key(&w, "x");
    jw_obj_begin(&w);
    jw_kstr(&w, "field", xn);
    jw_kstr(&w, "direction", xmax ? "max" : "min");
    jw_obj_end(&w);
    jw_key(&w, "y");
    jw_obj_begin(&w);
    jw_kstr(&w, "field", yn);
    jw_kstr(&w, "direction", ymax ? "max" : "min");
    jw_obj_end(&w);
    jw_key(&w, "front");
    jw_arr_begin(&w);
    int nrows = PQntuples(q);
    for (size_t i = 0; i < nf; i++) { /* front order; rows sorted by point_index */
        int lo = 0, hi = nrows;
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (strtoll(PQgetvalue(q, mid, 0), NULL, 10) < acc.pt[i].index)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < nrows && strtoll(PQgetvalue(q, lo, 0), NULL, 10) == acc.pt[i].index)
            write_row_json(&w, plan, q, lo);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    http_reply_json(r, 200, &w);
out:
    PQclear(q);
    pareto_free(&acc);
    db_release(r->rd->pool, c);
    plan_cache_release(plan);
    sbuf_free(&sql);
    jw_free(&w);
}

void api_result_columns(http_req *r) {
    jw w;
    jw_init(&w);
    rc_catalogue_write(&w);
    http_reply_json(r, 200, &w);
}
