/* api_sweeps.c: POST /sweeps (validate, split into chunks, queue), GET
 * /sweeps (filters, cursor pages), GET /sweeps/{id}, POST
 * /sweeps/{id}/cancel. Evaluation happens on the sweep workers
 * (sweep_worker.c), never here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "sweep.h"
#include "sweep_cache.h"
#include "sweep_plan.h"

#define SWEEP_COLS                                                                                           \
    "s.id, s.name, s.status, s.points_total, s.points_done, array_to_json(s.tags), s.notes, "                \
    "s.author, " API_TS("s.created_at") ", " API_TS("s.started_at") ", " API_TS(                             \
        "s.finished_at") ", s.axes, s.base, s.chunk_size, s.error, "

static void write_sweep(jw *w, const PGresult *q, int i) {
    jw_obj_begin(w);
    jw_kstr(w, "id", PQgetvalue(q, i, 0));
    jw_kstr(w, "name", PQgetvalue(q, i, 1));
    jw_kstr(w, "status", PQgetvalue(q, i, 2));
    jw_key(w, "points_total");
    jw_raw(w, PQgetvalue(q, i, 3));
    jw_key(w, "points_done");
    jw_raw(w, PQgetvalue(q, i, 4));
    jw_key(w, "tags");
    jw_raw(w, PQgetvalue(q, i, 5));
    jw_kstr(w, "notes", PQgetvalue(q, i, 6));
    jw_kstr(w, "author", PQgetvalue(q, i, 7));
    api_kstr_or_null(w, "created_at", q, i, 8);
    api_kstr_or_null(w, "started_at", q, i, 9);
    api_kstr_or_null(w, "finished_at", q, i, 10);
    jw_key(w, "axes");
    jw_raw(w, PQgetvalue(q, i, 11));
    jw_key(w, "base");
    jw_raw(w, PQgetvalue(q, i, 12));
    jw_key(w, "chunk_size");
    jw_raw(w, PQgetvalue(q, i, 13));
    api_kstr_or_null(w, "error", q, i, 14);
    jw_key(w, "provenance");
    jw_raw(w, PQgetvalue(q, i, 15));
    const char *id = PQgetvalue(q, i, 0);
    char link[96];
    jw_key(w, "links");
    jw_obj_begin(w);
    snprintf(link, sizeof link, "/api/v1/sweeps/%s", id);
    jw_kstr(w, "self", link);
    snprintf(link, sizeof link, "/api/v1/sweeps/%s/results", id);
    jw_kstr(w, "results", link);
    snprintf(link, sizeof link, "/api/v1/sweeps/%s/pareto", id);
    jw_kstr(w, "pareto", link);
    jw_obj_end(w);
    jw_obj_end(w);
}

/* The static part of a sweep document: its definition, ending inside the
 * open provenance object. Returns an arena string, or NULL after answering. */
static char *static_part(http_req *r, db_conn *c, const char *id, int64_t nid) {
    static const char sql[] = "SELECT name, points_total, array_to_json(tags), notes, author, " API_TS(
        "created_at") ", axes, base, chunk_size, provenance FROM sweeps WHERE id = $1";
    char *out = sweep_cache_static(nid, &r->a, NULL);
    if (out)
        return out;
    const char *p[1] = {id};
    PGresult *q = db_query(c, sql, 1, p);
    if (!db_ok(q)) {
        http_problem_db(r, "get sweep", PQresultErrorMessage(q));
    } else if (PQntuples(q) == 0) {
        http_fail(r, RG_ENOTFOUND, "id", NULL, "no sweep with id %s", id);
    } else {
        jw w;
        char link[96];
        jw_init(&w);
        jw_obj_begin(&w);
        jw_kstr(&w, "name", PQgetvalue(q, 0, 0));
        jw_key(&w, "points_total");
        jw_raw(&w, PQgetvalue(q, 0, 1));
        jw_key(&w, "tags");
        jw_raw(&w, PQgetvalue(q, 0, 2));
        jw_kstr(&w, "notes", PQgetvalue(q, 0, 3));
        jw_kstr(&w, "author", PQgetvalue(q, 0, 4));
        jw_kstr(&w, "created_at", PQgetvalue(q, 0, 5));
        jw_key(&w, "axes");
        jw_raw(&w, PQgetvalue(q, 0, 6));
        jw_key(&w, "base");
        jw_raw(&w, PQgetvalue(q, 0, 7));
        jw_key(&w, "chunk_size");
        jw_raw(&w, PQgetvalue(q, 0, 8));
        jw_key(&w, "links");
        jw_obj_begin(&w);
        snprintf(link, sizeof link, "/api/v1/sweeps/%s", id);
        jw_kstr(&w, "self", link);
        snprintf(link, sizeof link, "/api/v1/sweeps/%s/results", id);
        jw_kstr(&w, "results", link);
        snprintf(link, sizeof link, "/api/v1/sweeps/%s/pareto", id);
        jw_kstr(&w, "pareto", link);
        jw_obj_end(&w);
        jw_obj_end(&w);
        size_t len = 0;
        char *t = jw_take(&w, &len);
        const char *prov = PQgetvalue(q, 0, 9);
        size_t pl = strlen(prov);
        while (pl && prov[pl - 1] != '}')
            pl--;
        if (t && len > 2 && pl > 2) {
            /* drop the closing braces: the document continues inside provenance */
            out = arena_printf(&r->a, "%.*s,\"provenance\":%.*s", (int)(len - 1), t, (int)(pl - 1), prov);
            if (out)
                sweep_cache_put_static(nid, out, strlen(out));
        }
        free(t);
        if (!out)
            http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
    }
    PQclear(q);
    return out;
}

/* Answers with the sweep `id` (status code `status`) on connection c:
 * status and progress from the database, the definition from the cache. */
static void reply_sweep(http_req *r, db_conn *c, const char *id, int status) {
    static const char sql[] = "SELECT status, points_done, " API_TS("started_at") ", " API_TS(
        "finished_at") ", error, (SELECT "
                       "coalesce(jsonb_agg(jsonb_build_object('replica', key, 'chunks', value -> 'chunks', "
                       "'points', value -> "
                       "'points') ORDER BY key), '[]'::jsonb) FROM jsonb_each(replicas)) FROM sweeps WHERE "
                       "id = $1";
    int64_t nid = strtoll(id, NULL, 10);
    size_t flen = 0;
    char *fin = status == 200 ? sweep_cache_final(nid, &flen) : NULL;
    if (fin) {
        http_reply_buf(r, 200, "application/json", fin, flen);
        return;
    }
    const char *p[1] = {id};
    PGresult *q = db_query(c, sql, 1, p);
    if (!db_ok(q)) {
        http_problem_db(r, "get sweep", PQresultErrorMessage(q));
        goto out;
    }
    if (PQntuples(q) == 0) {
        http_fail(r, RG_ENOTFOUND, "id", NULL, "no sweep with id %s", id);
        goto out;
    }
    const char *stat = static_part(r, c, id, nid);
    if (!stat)
        goto out;
    jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_kstr(&w, "id", id);
    jw_kstr(&w, "status", PQgetvalue(q, 0, 0));
    jw_key(&w, "points_done");
    jw_raw(&w, PQgetvalue(q, 0, 1));
    api_kstr_or_null(&w, "started_at", q, 0, 2);
    api_kstr_or_null(&w, "finished_at", q, 0, 3);
    api_kstr_or_null(&w, "error", q, 0, 4);
    jw_obj_end(&w);
    jw tail;
    jw_init(&tail);
    jw_obj_begin(&tail);
    api_kstr_or_null(&tail, "finished_at", q, 0, 3);
    jw_key(&tail, "replicas");
    jw_raw(&tail, PQgetvalue(q, 0, 5));
    jw_obj_end(&tail);
    size_t dl = 0, tl = 0;
    char *dyn = jw_take(&w, &dl), *tt = jw_take(&tail, &tl);
    sbuf b;
    sbuf_init(&b);
    if (dyn && tt) {
        sbuf_put(&b, dyn, dl - 1);
        sbuf_put(&b, ",", 1);
        sbuf_puts(&b, stat + 1);
        sbuf_put(&b, ",", 1);
        sbuf_put(&b, tt + 1, tl - 1);
        sbuf_put(&b, "}", 1);
    } else {
        b.oom = true;
    }
    free(dyn);
    free(tt);
    if (!b.oom && strcmp(PQgetvalue(q, 0, 0), "succeeded") == 0)
        sweep_cache_put_final(nid, b.buf, b.len);
    http_reply_sbuf(r, status, "application/json", &b);
out:
    PQclear(q);
}

/* Writes "points_requested" (the product of the axes' lengths as given)
 * and "collapsed": [{axis, path, steps, distinct}] for every integer range
 * whose steps round to fewer distinct values. */
static void write_counts(jw *w, const sweep_plan *plan) {
    double requested = 1;
    for (int k = 0; k < plan->naxes; k++)
        requested *= (double)(plan->axes[k].is_range ? plan->axes[k].steps : plan->axes[k].n);
    jw_knum(w, "points_requested", requested);
    jw_key(w, "collapsed");
    jw_arr_begin(w);
    for (int k = 0; k < plan->naxes; k++) {
        const plan_axis *a = &plan->axes[k];
        if (!plan_axis_collapsed(a))
            continue;
        jw_obj_begin(w);
        jw_kint(w, "axis", k);
        jw_kstr(w, "path", a->path);
        jw_kint(w, "steps", a->steps);
        jw_kint(w, "distinct", a->n);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* POST /sweeps?dry_run=true: the plan's counts, nothing stored. */
static void dry_run(http_req *r, const cJSON *body) {
    sweep_plan *plan = NULL;
    rg_err err = {0};
    jw w;
    jw_init(&w);
    if (plan_build(cJSON_GetObjectItemCaseSensitive(body, "base"),
                   cJSON_GetObjectItemCaseSensitive(body, "axes"), SWEEP_MAX_POINTS, true, &plan, &err)) {
        http_problem_err(r, &err, NULL, "see /api/v1/openapi.json (SweepRequest) and GET /api/v1/presets");
        goto out;
    }
    jw_obj_begin(&w);
    jw_kint(&w, "points_total", plan->total);
    write_counts(&w, plan);
    jw_obj_end(&w);
    http_reply_json(r, 200, &w);
out:
    plan_free(plan);
    jw_free(&w);
}

/* Inside the creating transaction: the author's queued and running points
 * plus `total` must stay within --max-author-points. The advisory lock on
 * the author serializes that author's concurrent creates, so two cannot
 * both fit under the limit. False after answering 429 (or 503). */
static bool author_quota(http_req *r, db_conn *c, int64_t total) {
    static const char sql[] =
        "SELECT pg_advisory_xact_lock(hashtext('ridge-author:' || $1)), coalesce(sum(points_total - "
        "points_done), 0) FROM sweeps WHERE author = $1 AND status IN ('queued', 'running')";
    const char *p[1] = {r->author};
    PGresult *q = db_query(c, sql, 1, p);
    bool ok = false;
    if (!db_ok(q)) {
        http_problem_db(r, "create sweep", q ? PQresultErrorMessage(q) : NULL);
    } else {
        long long queued = strtoll(PQgetvalue(q, 0, 1), NULL, 10);
        ok = queued + total <= r->rd->cfg.max_author_points;
        if (!ok)
            http_fail(r, RG_EQUOTA, "axes", "wait for your sweeps to finish, or cancel one",
                      "%s has %lld points queued or running; %lld more would pass the limit of %lld",
                      r->author, queued, (long long)total, r->rd->cfg.max_author_points);
    }
    PQclear(q);
    return ok;
}

void api_sweep_create(http_req *r) {
    static const char *const keys[] = {"name", "base", "axes", "tags", "notes", "chunk_size", NULL};
    static const char ins[] =
        "INSERT INTO sweeps (name, base, axes, tags, notes, author, points_total, chunk_size, "
        "provenance) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    static const char chunks[] =
        "INSERT INTO sweep_chunks (sweep_id, chunk_index, first_point, n_points) SELECT $1::bigint, g, "
        "g::bigint * $2::bigint, LEAST($2::bigint, $3::bigint - g::bigint * $2::bigint) FROM "
        "generate_series(0, "
        "$4::integer - 1) AS g";
    cJSON *body = NULL;
    sweep_plan *plan = NULL;
    db_conn *c = NULL;
    PGresult *q = NULL;
    char *base_text = NULL, *axes_text = NULL, *prov_text = NULL;
    jw w;
    rg_err err = {0};
    const char *name = NULL, *notes = NULL, *tags = NULL;
    jw_init(&w);
    body = api_body_object(r);
    if (!body || !api_known_keys(r, body, keys, ""))
        goto out;
    const char *dry = http_query(r, "dry_run");
    if (dry && (strcmp(dry, "true") == 0 || strcmp(dry, "1") == 0)) {
        dry_run(r, body);
        goto out;
    }
    if (!api_opt_string(r, body, "name", 200, &name) || !api_opt_string(r, body, "notes", 20000, &notes) ||
        !api_string_array(r, body, "tags", 32, 64, &tags))
        goto out;
    if (!name || !name[0]) {
        http_fail(r, RG_EMISSING, "name", NULL, "a sweep needs a non-empty name");
        goto out;
    }
    int64_t chunk = 0;
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(body, "chunk_size");
    if (cs) {
        /* the range first: casting 1e300 to an integer is undefined */
        if (!cJSON_IsNumber(cs) || !(cs->valuedouble >= 1 && cs->valuedouble <= 100000) ||
            cs->valuedouble != floor(cs->valuedouble)) {
            http_fail(r, RG_ERANGE, "chunk_size", NULL, "chunk_size must be an integer in 1..100000");
            goto out;
        }
        chunk = (int64_t)cs->valuedouble;
    }
    int rc = plan_build(cJSON_GetObjectItemCaseSensitive(body, "base"),
                        cJSON_GetObjectItemCaseSensitive(body, "axes"), SWEEP_MAX_POINTS, true, &plan, &err);
    if (rc) {
        http_problem_err(r, &err, NULL, "see /api/v1/openapi.json (SweepRequest) and GET /api/v1/presets");
        goto out;
    }
    if (plan->total > r->rd->cfg.max_sweep_points) {
        http_fail(r, RG_EQUOTA, "axes", "split the sweep, or ask for a larger --max-sweep-points",
                  "the sweep has %lld points; this service takes at most %lld in one sweep",
                  (long long)plan->total, r->rd->cfg.max_sweep_points);
        goto out;
    }
    if (!chunk) {
        chunk = (plan->total + 31) / 32;
        if (chunk < 1000)
            chunk = 1000;
        if (chunk > 20000)
            chunk = 20000;
    }
    int64_t nchunks = (plan->total + chunk - 1) / chunk;
    if (nchunks > 2000000) {
        http_fail(r, RG_ERANGE, "chunk_size", NULL, "too many chunks (%lld): use a larger chunk_size",
                  (long long)nchunks);
        goto out;
    }
    char sha[65], now[40];
    api_now_rfc3339(now);
    if (api_provenance_begin(&w, &plan->base, NULL, r->author, now, sha))
        goto oom;
    jw_kstr(&w, "submitted_to", r->rd->cfg.replica);
    write_counts(&w, plan);
    jw_obj_end(&w);
    prov_text = jw_take(&w, NULL);
    base_text = strdup(plan->base_text);
    axes_text = strdup(plan->axes_text);
    if (!prov_text || !base_text || !axes_text)
        goto oom;
    c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "create sweep", NULL);
        goto out;
    }
    char total_s[24], chunk_s[24], nchunks_s[24];
    snprintf(total_s, sizeof total_s, "%lld", (long long)plan->total);
    snprintf(chunk_s, sizeof chunk_s, "%lld", (long long)chunk);
    snprintf(nchunks_s, sizeof nchunks_s, "%lld", (long long)nchunks);
    if (!db_cmd(c, "BEGIN")) {
        http_problem_db(r, "create sweep", PQerrorMessage(db_pg(c)));
        goto out;
    }
    if (!author_quota(r, c, plan->total))
        goto out;
    const char *p9[9] = {name,      base_text, axes_text, tags,     notes ? notes : "",
                         r->author, total_s,   chunk_s,   prov_text};
    q = db_query(c, ins, 9, p9);
    if (!db_ok(q)) {
        http_problem_db(r, "create sweep", PQresultErrorMessage(q));
        goto out;
    }
    char id[24];
    snprintf(id, sizeof id, "%s", PQgetvalue(q, 0, 0));
    PQclear(q);
    q = NULL;
    if (!api_job_queue(r, c, "create sweep", chunks, id, chunk_s, total_s, nchunks_s))
        goto out;
    atomic_fetch_add_explicit(&r->rd->m.sweeps_created, 1, memory_order_relaxed);
    sweep_workers_wake(r->rd->sw);
    r->location = arena_printf(&r->a, "/api/v1/sweeps/%s", id);
    reply_sweep(r, c, id, 202);
    goto out;
oom:
    http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
out:
    PQclear(q);
    db_release(r->rd->pool, c);
    cJSON_Delete(body);
    plan_free(plan);
    free(base_text);
    free(axes_text);
    free(prov_text);
    jw_free(&w);
}

static const api_job_kind sweep_kind = {
    "sweep", "sweeps",
    "UPDATE sweeps SET status = 'cancelled', finished_at = now() WHERE id = $1 AND status IN ('queued', "
    "'running') RETURNING id",
    "SELECT status FROM sweeps WHERE id = $1", reply_sweep};

void api_sweep_get(http_req *r) { api_job_get(r, &sweep_kind); }

void api_sweep_cancel(http_req *r) { api_job_cancel(r, &sweep_kind); }

static bool valid_ts(const char *s) {
    size_t n = strlen(s);
    if (n < 10 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789-:.TZ+ ", s[i]))
            return false;
    return true;
}

void api_sweep_list(http_req *r) {
    static const char sql[] =
        "SELECT " SWEEP_COLS "s.provenance || jsonb_build_object('finished_at', " API_TS(
            "s.finished_at") ") FROM sweeps s WHERE ($1::text IS NULL OR $1 = ANY (s.tags)) AND ($2::text IS "
                             "NULL OR "
                             "s.author = $2) AND ($3::text IS NULL OR s.status = $3) AND ($4::timestamptz IS "
                             "NULL OR "
                             "s.created_at >= $4) AND ($5::timestamptz IS NULL OR s.created_at < $5) AND "
                             "($6::bigint "
                             "IS NULL OR s.id < $6) ORDER BY s.id DESC LIMIT $7";
    static const char *const statuses[] = {"queued", "running", "succeeded", "failed", "cancelled"};
    const char *tag = http_query(r, "tag"), *author = http_query(r, "author"),
               *status = http_query(r, "status");
    const char *after = http_query(r, "created_after"), *before = http_query(r, "created_before");
    const char *token = http_query(r, "page_token");
    int limit = api_limit(r, 50, 500);
    if (limit < 0)
        return;
    if (status) {
        bool ok = false;
        for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
            ok = ok || strcmp(status, statuses[i]) == 0;
        if (!ok) {
            http_fail(r, RG_EINVAL, "status", "one of queued, running, succeeded, failed, cancelled",
                      "unknown status \"%.40s\"", status);
            return;
        }
    }
    if (after && !valid_ts(after)) {
        http_fail(r, RG_EINVAL, "created_after", "RFC 3339, e.g. 2026-01-31T12:00:00Z", "not a timestamp");
        return;
    }
    if (before && !valid_ts(before)) {
        http_fail(r, RG_EINVAL, "created_before", "RFC 3339, e.g. 2026-01-31T12:00:00Z", "not a timestamp");
        return;
    }
    if (token) {
        size_t n = strlen(token);
        bool ok = n >= 1 && n <= 18;
        for (size_t i = 0; ok && i < n; i++)
            ok = token[i] >= '0' && token[i] <= '9';
        if (!ok) {
            http_fail(r, RG_EINVAL, "page_token", "pass next_page_token from the previous page",
                      "malformed page token");
            return;
        }
    }
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit + 1);
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "list sweeps", NULL);
        return;
    }
    const char *p[7] = {tag, author, status, after, before, token, lim};
    PGresult *q = db_query(c, sql, 7, p);
    if (!db_ok(q)) {
        const char *ss = db_sqlstate(q);
        if (strncmp(ss, "22", 2) == 0)
            http_fail(r, RG_EINVAL, after ? "created_after" : "created_before",
                      "RFC 3339, e.g. 2026-01-31T12:00:00Z", "not a valid timestamp");
        else
            http_problem_db(r, "list sweeps", PQresultErrorMessage(q));
    } else {
        int n = PQntuples(q);
        jw w;
        jw_init(&w);
        jw_obj_begin(&w);
        jw_key(&w, "sweeps");
        jw_arr_begin(&w);
        for (int i = 0; i < n && i < limit; i++)
            write_sweep(&w, q, i);
        api_page_reply(r, &w, q, n, limit);
    }
    PQclear(q);
    db_release(r->rd->pool, c);
}

/* GET /sweeps/{id}/chunks: one page of chunks in index order (?limit=,
 * default 1000, at most 10000; ?page_token= from next_page_token), so a
 * sweep of millions of chunks is never rendered in one answer. */
void api_sweep_chunks(http_req *r) {
    static const char sql[] = "SELECT chunk_index, first_point, n_points, state, attempt, replica, " API_TS(
        "done_at") " FROM sweep_chunks WHERE sweep_id = $1 AND chunk_index >= $2::integer ORDER BY "
                   "chunk_index "
                   "LIMIT $3::integer";
    static const char exists[] = "SELECT 1 FROM sweeps WHERE id = $1";
    if (!api_path_id(r, "sweep"))
        return;
    int limit = api_limit(r, 1000, 10000);
    if (limit < 0)
        return;
    const char *token = http_query(r, "page_token");
    char from[16] = "0", lim[16];
    if (token) {
        char *end = NULL;
        long v = strtol(token, &end, 10);
        if (end == token || *end || v < 0 || v > 2000000000L) {
            http_fail(r, RG_EINVAL, "page_token", "pass next_page_token from the previous page",
                      "malformed page token");
            return;
        }
        snprintf(from, sizeof from, "%ld", v);
    }
    snprintf(lim, sizeof lim, "%d", limit + 1);
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "sweep chunks", NULL);
        return;
    }
    const char *p[3] = {r->id, from, lim};
    PGresult *q = db_query(c, sql, 3, p);
    if (!db_ok(q)) {
        http_problem_db(r, "sweep chunks", PQresultErrorMessage(q));
    } else if (PQntuples(q) == 0) {
        PQclear(q);
        q = db_query(c, exists, 1, p);
        if (db_ok(q) && PQntuples(q) == 0) {
            http_fail(r, RG_ENOTFOUND, "id", NULL, "no sweep with id %s", r->id);
        } else if (db_ok(q)) {
            jw w;
            jw_init(&w);
            jw_obj_begin(&w);
            jw_kstr(&w, "sweep_id", r->id);
            jw_key(&w, "chunks");
            jw_arr_begin(&w);
            jw_arr_end(&w);
            jw_key(&w, "next_page_token");
            jw_null(&w);
            jw_obj_end(&w);
            http_reply_json(r, 200, &w);
        } else {
            http_problem_db(r, "sweep chunks", PQresultErrorMessage(q));
        }
    } else {
        int n = PQntuples(q), shown = n < limit ? n : limit;
        jw w;
        jw_init(&w);
        jw_obj_begin(&w);
        jw_kstr(&w, "sweep_id", r->id);
        jw_key(&w, "chunks");
        jw_arr_begin(&w);
        for (int i = 0; i < shown; i++) {
            jw_obj_begin(&w);
            jw_key(&w, "chunk_index");
            jw_raw(&w, PQgetvalue(q, i, 0));
            jw_key(&w, "first_point");
            jw_raw(&w, PQgetvalue(q, i, 1));
            jw_key(&w, "n_points");
            jw_raw(&w, PQgetvalue(q, i, 2));
            jw_kstr(&w, "state", PQgetvalue(q, i, 3));
            jw_key(&w, "attempts");
            jw_raw(&w, PQgetvalue(q, i, 4));
            api_kstr_or_null(&w, "replica", q, i, 5);
            api_kstr_or_null(&w, "done_at", q, i, 6);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_key(&w, "next_page_token");
        if (n > limit)
            jw_str(&w, PQgetvalue(q, limit, 0));
        else
            jw_null(&w);
        jw_obj_end(&w);
        http_reply_json(r, 200, &w);
    }
    PQclear(q);
    db_release(r->rd->pool, c);
}
