/* api_rtl.c: POST /rtl (check a unit request, queue it as a job), GET
 * /rtl (jobs, newest first, cursor pages), GET /rtl/{id} (a job with its
 * result, Verilog and provenance). The flow itself runs on the RTL workers
 * (rtl_worker.c), never here. The provenance is assembled from the stored
 * row by the database, so the numbers of rtl_run's JSON (kept as jsonb)
 * come back digit for digit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "rtl_job.h"
#include "sha256.h"

/* Columns 0..13 of a job; the list leaves out the Verilog text (column 9
 * is then NULL) and reports its length. */
#define RTL_COLS(verilog)                                                                                    \
    "j.id, j.status, j.attempts, j.request, j.error, j.result, j.author, " API_TS(                           \
        "j.created_at") ", " API_TS("j.started_at") ", " verilog                                             \
                                                    ", octet_length(j.verilog), " API_TS(                    \
                                                        "j.finished_at") ", j.replica, " RTL_PROVENANCE
#define RTL_PROVENANCE                                                                                       \
    "jsonb_strip_nulls(jsonb_build_object('request_sha256', j.request_sha256, 'verilog_sha256', "            \
    "j.verilog_sha256, 'generator_version', j.result -> 'generator_version', 'generator_verilog_sha256', "   \
    "j.result -> 'verilog_sha256', 'engine_version', j.result -> 'engine_version', 'git_commit', j.result "  \
    "-> 'git_commit', 'parameters', j.result -> 'parameters', 'tools', nullif(jsonb_strip_nulls("            \
    "jsonb_build_object('yosys', j.result #> '{synthesis,yosys_version}', 'sta', j.result #> "               \
    "'{synthesis,sta_version}', 'iverilog', j.result #> '{cosim,simulator}', 'verilator', j.result #> "      \
    "'{cosim,lint,tool}')), '{}'), 'liberty', nullif(jsonb_strip_nulls(jsonb_build_object('path', j.result " \
    "#> '{synthesis,liberty_path}', 'sha256', j.result #> '{synthesis,liberty_sha256}')), '{}'), 'author', " \
    "j.author, 'submitted_to', j.submitted_to, 'replica', j.replica))"

static void write_job(jw *w, const PGresult *q, int i, bool with_verilog) {
    jw_obj_begin(w);
    jw_kstr(w, "id", PQgetvalue(q, i, 0));
    jw_kstr(w, "status", PQgetvalue(q, i, 1));
    jw_key(w, "attempts");
    jw_raw(w, PQgetvalue(q, i, 2));
    jw_key(w, "request");
    jw_raw(w, PQgetvalue(q, i, 3));
    api_kstr_or_null(w, "error", q, i, 4);
    jw_key(w, "result");
    if (PQgetisnull(q, i, 5))
        jw_null(w);
    else
        jw_raw(w, PQgetvalue(q, i, 5));
    jw_kstr(w, "author", PQgetvalue(q, i, 6));
    api_kstr_or_null(w, "created_at", q, i, 7);
    api_kstr_or_null(w, "started_at", q, i, 8);
    api_kstr_or_null(w, "finished_at", q, i, 11);
    api_kstr_or_null(w, "replica", q, i, 12);
    if (with_verilog)
        api_kstr_or_null(w, "verilog", q, i, 9);
    jw_key(w, "verilog_bytes");
    jw_raw(w, PQgetisnull(q, i, 10) ? "null" : PQgetvalue(q, i, 10));
    jw_key(w, "provenance");
    jw_raw(w, PQgetvalue(q, i, 13));
    char link[64];
    snprintf(link, sizeof link, "/api/v1/rtl/%s", PQgetvalue(q, i, 0));
    jw_key(w, "links");
    jw_obj_begin(w);
    jw_kstr(w, "self", link);
    jw_obj_end(w);
    jw_obj_end(w);
}

static void reply_job(http_req *r, db_conn *c, const char *id, int status) {
    static const char sql[] = "SELECT " RTL_COLS("j.verilog") " FROM rtl_jobs j WHERE j.id = $1";
    const char *p[1] = {id};
    PGresult *q = db_query(c, sql, 1, p);
    if (!db_ok(q)) {
        http_problem_db(r, "get RTL job", PQresultErrorMessage(q));
    } else if (PQntuples(q) == 0) {
        http_fail(r, RG_ENOTFOUND, "id", NULL, "no RTL job with id %s", id);
    } else {
        jw w;
        jw_init(&w);
        write_job(&w, q, 0, true);
        http_reply_json(r, status, &w);
    }
    PQclear(q);
}

/* Queues the canonical request `canon` in one transaction with its wake-up
 * notification. Writes the new id into `id`; false after answering. */
static bool queue_job(http_req *r, db_conn *c, const char *canon, size_t len, char id[24]) {
    static const char ins[] = "INSERT INTO rtl_jobs (request, request_sha256, author, submitted_to) VALUES "
                              "($1::jsonb, $2, $3, $4) RETURNING id";
    static const char notify[] = "SELECT pg_notify('ridge_rtl', $1)";
    char sha[65];
    sha256_hex(canon, len, sha);
    if (!db_cmd(c, "BEGIN")) {
        http_problem_db(r, "queue RTL job", PQerrorMessage(db_pg(c)));
        return false;
    }
    const char *p[4] = {canon, sha, r->author, r->rd->cfg.replica};
    PGresult *q = db_query(c, ins, 4, p);
    bool ok = db_ok(q) && PQntuples(q) == 1;
    if (ok) {
        snprintf(id, 24, "%s", PQgetvalue(q, 0, 0));
        PQclear(q);
        const char *p1[1] = {id};
        q = db_query(c, notify, 1, p1);
        ok = db_ok(q) && db_cmd(c, "COMMIT");
    }
    if (!ok)
        http_problem_db(r, "queue RTL job", q ? PQresultErrorMessage(q) : PQerrorMessage(db_pg(c)));
    PQclear(q);
    return ok;
}

void api_rtl_create(http_req *r) {
    cJSON *body = NULL;
    db_conn *c = NULL;
    char *canon = NULL, id[24];
    size_t len = 0;
    rtl_request req;
    rg_err err = {0};
    jw w;
    jw_init(&w);
    body = api_body_object(r);
    if (!body)
        goto out;
    if (rtl_job_from_json(body, &req, &err)) {
        http_problem_err(r, &err, NULL,
                         "see /api/v1/openapi.json (RtlRequest) and GET /api/v1/numerics/formats");
        goto out;
    }
    rtl_job_write(&w, &req);
    canon = jw_take(&w, &len);
    if (!canon) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto out;
    }
    c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "queue RTL job", NULL);
        goto out;
    }
    if (!queue_job(r, c, canon, len, id))
        goto out;
    atomic_fetch_add_explicit(&r->rd->m.rtl_jobs_created, 1, memory_order_relaxed);
    rtl_workers_wake(r->rd->rw);
    r->location = arena_printf(&r->a, "/api/v1/rtl/%s", id);
    reply_job(r, c, id, 202);
out:
    db_release(r->rd->pool, c);
    cJSON_Delete(body);
    free(canon);
    jw_free(&w);
}

void api_rtl_get(http_req *r) {
    if (!api_path_id(r, "RTL job"))
        return;
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "get RTL job", NULL);
        return;
    }
    reply_job(r, c, r->id, 200);
    db_release(r->rd->pool, c);
}

/* ?status=, ?unit=, ?format=, ?limit=, ?page_token= (the last id seen).
 * Returns false after answering 400. */
static bool list_args(http_req *r, const char **p, int *limit) {
    static const char *const statuses[] = {"queued", "running", "done", "failed"};
    const char *status = http_query(r, "status"), *token = http_query(r, "page_token");
    *limit = api_limit(r, 50, 500);
    if (*limit < 0)
        return false;
    bool ok = !status;
    for (size_t i = 0; !ok && i < sizeof statuses / sizeof statuses[0]; i++)
        ok = strcmp(status, statuses[i]) == 0;
    if (!ok) {
        http_fail(r, RG_EINVAL, "status", "one of queued, running, done, failed", "unknown status \"%.40s\"",
                  status);
        return false;
    }
    size_t n = token ? strlen(token) : 1;
    ok = n >= 1 && n <= 18 && (!token || strspn(token, "0123456789") == n);
    if (!ok) {
        http_fail(r, RG_EINVAL, "page_token", "pass next_page_token from the previous page",
                  "malformed page token");
        return false;
    }
    p[0] = status;
    p[1] = http_query(r, "unit");
    p[2] = http_query(r, "format");
    p[3] = token;
    return true;
}

void api_rtl_list(http_req *r) {
    static const char sql[] = "SELECT " RTL_COLS(
        "NULL") " FROM rtl_jobs j WHERE ($1::text IS NULL OR j.status = $1) AND ($2::text IS NULL OR "
                "j.request ->> 'unit' = $2) AND ($3::text IS NULL OR j.request ->> 'format' = $3) AND "
                "($4::bigint IS NULL OR j.id < $4) ORDER BY j.id DESC LIMIT $5";
    const char *p[5];
    char lim[16];
    int limit = 0;
    if (!list_args(r, p, &limit))
        return;
    snprintf(lim, sizeof lim, "%d", limit + 1);
    p[4] = lim;
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "list RTL jobs", NULL);
        return;
    }
    PGresult *q = db_query(c, sql, 5, p);
    if (!db_ok(q)) {
        http_problem_db(r, "list RTL jobs", PQresultErrorMessage(q));
    } else {
        int n = PQntuples(q);
        jw w;
        jw_init(&w);
        jw_obj_begin(&w);
        jw_key(&w, "jobs");
        jw_arr_begin(&w);
        for (int i = 0; i < n && i < limit; i++)
            write_job(&w, q, i, false);
        api_page_reply(r, &w, q, n, limit);
    }
    PQclear(q);
    db_release(r->rd->pool, c);
}
