/* api_searches.c: POST /searches (validate, count the layouts, split them
 * into chunks, queue), GET /searches (cursor pages), GET /searches/{id}
 * (status, progress and the ranked layouts) and POST /searches/{id}/cancel
 * (its chunks are no longer claimed; one being run is still stored). The search runs on the sweep
 * workers (search_job.h), never here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "calib.h"
#include "codec.h"
#include "search.h"
#include "search_job.h"
#include "sweep.h"

#define SEARCH_MAX_CHUNKS 100000
#define SEARCH_HINT       "see /api/v1/openapi.json (SearchRequest); the spec is the one `ridge search` takes"

#define SEARCH_COLS                                                                                          \
    "s.id, s.name, s.status, s.configs_total, s.configs_done, s.evaluated, s.feasible, s.no_fit, "           \
    "s.rejected, s.chunk_size, s.options, s.author, " API_TS("s.created_at") ", " API_TS(                    \
        "s.started_at") ", " API_TS("s.finished_at") ", s.error, s.provenance, (SELECT "                     \
                                                     "coalesce(jsonb_agg(jsonb_build_object('replica', "     \
                                                     "key, "                                                 \
                                                     "'chunks', value -> 'chunks', 'configs', value -> "     \
                                                     "'configs') ORDER BY key), '[]'::jsonb) FROM "          \
                                                     "jsonb_each(s.replicas)), s.spec"

/* The members every search document has, from a row of SEARCH_COLS; the
 * object is left open. */
static void write_head(jw *w, const PGresult *q, int i) {
    static const char *const nums[] = {"configs_total", "configs_done", "evaluated", "feasible",
                                       "no_fit",        "rejected",     "chunk_size"};
    const char *id = PQgetvalue(q, i, 0);
    char link[64];
    jw_obj_begin(w);
    jw_kstr(w, "id", id);
    jw_kstr(w, "name", PQgetvalue(q, i, 1));
    jw_kstr(w, "status", PQgetvalue(q, i, 2));
    for (int k = 0; k < 7; k++) {
        jw_key(w, nums[k]);
        jw_raw(w, PQgetvalue(q, i, 3 + k));
    }
    jw_key(w, "spec");
    jw_raw(w, PQgetvalue(q, i, 18));
    jw_key(w, "options");
    jw_raw(w, PQgetvalue(q, i, 10));
    jw_kstr(w, "author", PQgetvalue(q, i, 11));
    api_kstr_or_null(w, "created_at", q, i, 12);
    api_kstr_or_null(w, "started_at", q, i, 13);
    api_kstr_or_null(w, "finished_at", q, i, 14);
    api_kstr_or_null(w, "error", q, i, 15);
    jw_key(w, "provenance");
    jw_raw(w, PQgetvalue(q, i, 16));
    jw_key(w, "replicas");
    jw_raw(w, PQgetvalue(q, i, 17));
    jw_key(w, "links");
    jw_obj_begin(w);
    snprintf(link, sizeof link, "/api/v1/searches/%s", id);
    jw_kstr(w, "self", link);
    jw_obj_end(w);
}

/* Answers with search `id`: its row, then "best": the stored layouts in the
 * engine's order (time_s, configuration number), ranked 1.. (while the
 * search runs: the best of the chunks done so far). */
static void reply_search(http_req *r, db_conn *c, const char *id, int status) {
    static const char sql[] = "SELECT " SEARCH_COLS " FROM searches s WHERE s.id = $1";
    static const char best[] = "SELECT b.entry FROM search_best b WHERE b.search_id = $1 ORDER BY b.time_s, "
                               "b.config_index LIMIT (SELECT (options ->> 'top')::integer FROM searches "
                               "WHERE id = $1)";
    const char *p[1] = {id};
    PGresult *q = db_query(c, sql, 1, p), *b = NULL;
    jw w;
    jw_init(&w);
    if (!db_ok(q)) {
        http_problem_db(r, "get search", PQresultErrorMessage(q));
        goto out;
    }
    if (PQntuples(q) == 0) {
        http_fail(r, RG_ENOTFOUND, "id", NULL, "no search with id %s", id);
        goto out;
    }
    b = db_query(c, best, 1, p);
    if (!db_ok(b)) {
        http_problem_db(r, "get search", PQresultErrorMessage(b));
        goto out;
    }
    write_head(&w, q, 0);
    jw_key(&w, "best");
    jw_arr_begin(&w);
    for (int i = 0; i < PQntuples(b); i++) {
        const char *e = PQgetvalue(b, i, 0);
        char *item = e[0] == '{' && e[1] ? arena_printf(&r->a, "{\"rank\":%d,%s", i + 1, e + 1) : NULL;
        if (!item) {
            http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
            goto out;
        }
        jw_raw(&w, item);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    http_reply_json(r, status, &w);
out:
    jw_free(&w);
    PQclear(q);
    PQclear(b);
}

/* An optional integer member of `opts` in lo..hi. False after answering
 * 400 naming "<prefix><key>". */
static bool opt_int(http_req *r, const cJSON *opts, const char *prefix, const char *key, double lo, double hi,
                    int64_t *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(opts, key);
    if (!v)
        return true;
    /* the range first: casting 1e300 to an integer is undefined */
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi) ||
        v->valuedouble != floor(v->valuedouble)) {
        http_fail(r, cJSON_IsNumber(v) ? RG_ERANGE : RG_ETYPE, arena_printf(&r->a, "%s%s", prefix, key), NULL,
                  "must be an integer in %.0f..%.0f", lo, hi);
        return false;
    }
    *out = (int64_t)v->valuedouble;
    return true;
}

/* The options object: top, max_interleave, max_configs, uneven_stages.
 * False after answering 400. */
static bool parse_options(http_req *r, const cJSON *opts, rg_search_opts *o) {
    static const char *const keys[] = {"top", "max_interleave", "max_configs", "uneven_stages", NULL};
    int64_t top = o->top_n, mi = o->max_interleave, mc = o->max_configs;
    if (!opts)
        return true;
    if (!cJSON_IsObject(opts)) {
        http_fail(r, RG_ETYPE, "options", SEARCH_HINT, "options must be an object");
        return false;
    }
    if (!api_known_keys(r, opts, keys, "options.") ||
        !opt_int(r, opts, "options.", "top", 1, RG_SEARCH_TOP_MAX, &top) ||
        !opt_int(r, opts, "options.", "max_interleave", 1, 64, &mi) ||
        !opt_int(r, opts, "options.", "max_configs", 1, 1e12, &mc))
        return false;
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(opts, "uneven_stages");
    if (u && !cJSON_IsBool(u)) {
        http_fail(r, RG_ETYPE, "options.uneven_stages", NULL, "must be true or false");
        return false;
    }
    o->top_n = (int)top;
    o->max_interleave = mi;
    o->max_configs = mc;
    o->uneven_stages = cJSON_IsTrue(u);
    return true;
}

/* Checks the spec as `ridge search` does. False after answering 400. */
static bool check_spec(http_req *r, const cJSON *spec, rg_spec *out) {
    rg_err err = {0};
    if (!cJSON_IsObject(spec)) {
        http_fail(r, spec ? RG_ETYPE : RG_EMISSING, "spec", SEARCH_HINT, "a search needs a spec object");
        return false;
    }
    if (codec_spec_parse_base(spec, out, &err) != 0) {
        http_problem_err(r, &err, "spec.", SEARCH_HINT);
        return false;
    }
    if (out->chips < 1) {
        http_fail(r, RG_EMISSING, "spec.chips", SEARCH_HINT,
                  "the search needs the total chip count (chips >= 1)");
        return false;
    }
    if (out->chips > 1 && !out->has_system) {
        http_fail(r, RG_EMISSING, "spec.system", SEARCH_HINT, "a system is needed for %lld chips",
                  (long long)out->chips);
        return false;
    }
    if (out->phase == RG_PHASE_SERVE) {
        http_fail(r, RG_EUNSUPPORTED, "spec.phase", "run `ridge search` for deployments under SLOs",
                  "searches of serving deployments are not offered over HTTP; train, prefill and decode are");
        return false;
    }
    return true;
}

void api_search_create(http_req *r) {
    static const char *const keys[] = {"name", "spec", "options", "chunk_size", NULL};
    static const char ins[] =
        "INSERT INTO searches (name, spec, options, author, configs_total, chunk_size, provenance, status, "
        "finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $5::bigint = 0 THEN 'succeeded' ELSE "
        "'queued' END, CASE WHEN $5::bigint = 0 THEN now() END) RETURNING id";
    static const char chunks[] =
        "INSERT INTO search_chunks (search_id, chunk_index, first_config, n_configs) SELECT $1::bigint, g, "
        "g::bigint * $2::bigint, LEAST($2::bigint, $3::bigint - g::bigint * $2::bigint) FROM "
        "generate_series(0, $4::integer - 1) AS g";
    cJSON *body = NULL;
    rg_spec *spec = NULL;
    db_conn *c = NULL;
    PGresult *q = NULL;
    char *spec_text = NULL, *opt_text = NULL, *prov_text = NULL;
    calib_profile prof = {0};
    calib_applied applied;
    char cal_name[256] = "";
    const char *name = NULL;
    rg_search_opts o;
    rg_err err = {0};
    jw w;
    jw_init(&w);
    rg_search_opts_init(&o);
    body = api_body_object(r);
    if (!body || !api_known_keys(r, body, keys, "") || !api_opt_string(r, body, "name", 200, &name))
        goto out;
    cJSON *sj = cJSON_GetObjectItemCaseSensitive(body, "spec");
    if (cJSON_IsObject(sj) && api_calibration_resolve(r, sj, &prof, &applied, cal_name, sizeof cal_name) < 0)
        goto out;
    spec = malloc(sizeof *spec);
    if (!spec)
        goto oom;
    if (!check_spec(r, sj, spec) || !parse_options(r, cJSON_GetObjectItemCaseSensitive(body, "options"), &o))
        goto out;
    int64_t total = rg_search_count(spec, &o, &err);
    if (total < 0) {
        bool opt = strcmp(err.field, "top") == 0 || strcmp(err.field, "max_interleave") == 0 ||
                   strcmp(err.field, "max_configs") == 0;
        http_problem_err(r, &err, opt ? "options." : "spec.", SEARCH_HINT);
        goto out;
    }
    int64_t chunk = 0;
    if (!opt_int(r, body, "", "chunk_size", 1, 1e9, &chunk))
        goto out;
    if (!chunk) {
        chunk = (total + SEARCH_MAX_CHUNKS - 1) / SEARCH_MAX_CHUNKS;
        if (chunk < 50000)
            chunk = 50000;
    }
    int64_t nchunks = (total + chunk - 1) / chunk;
    if (nchunks > SEARCH_MAX_CHUNKS) {
        http_fail(r, RG_ERANGE, "chunk_size", NULL, "too many chunks (%lld): use a larger chunk_size",
                  (long long)nchunks);
        goto out;
    }
    char sha[65], now[40];
    api_now_rfc3339(now);
    if (api_provenance_begin(&w, spec, NULL, r->author, now, sha))
        goto oom;
    jw_kstr(&w, "submitted_to", r->rd->cfg.replica);
    if (cal_name[0])
        jw_kstr(&w, "calibration", cal_name);
    jw_obj_end(&w);
    prov_text = jw_take(&w, NULL);
    jw_init(&w);
    api_json_write(&w, sj);
    spec_text = jw_take(&w, NULL);
    jw_init(&w);
    jw_obj_begin(&w);
    jw_kint(&w, "top", o.top_n);
    jw_kint(&w, "max_interleave", o.max_interleave);
    jw_kint(&w, "max_configs", o.max_configs);
    jw_kbool(&w, "uneven_stages", o.uneven_stages);
    jw_obj_end(&w);
    opt_text = jw_take(&w, NULL);
    if (!prov_text || !spec_text || !opt_text)
        goto oom;
    c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "create search", NULL);
        goto out;
    }
    char total_s[24], chunk_s[24], nchunks_s[24], id[24];
    snprintf(total_s, sizeof total_s, "%lld", (long long)total);
    snprintf(chunk_s, sizeof chunk_s, "%lld", (long long)chunk);
    snprintf(nchunks_s, sizeof nchunks_s, "%lld", (long long)nchunks);
    if (!db_cmd(c, "BEGIN")) {
        http_problem_db(r, "create search", PQerrorMessage(db_pg(c)));
        goto out;
    }
    const char *p7[7] = {name && name[0] ? name : "layout search",
                         spec_text,
                         opt_text,
                         r->author,
                         total_s,
                         chunk_s,
                         prov_text};
    q = db_query(c, ins, 7, p7);
    if (!db_ok(q)) {
        http_problem_db(r, "create search", PQresultErrorMessage(q));
        goto out;
    }
    snprintf(id, sizeof id, "%s", PQgetvalue(q, 0, 0));
    PQclear(q);
    q = NULL;
    if (!api_job_queue(r, c, "create search", chunks, id, chunk_s, total_s, nchunks_s))
        goto out;
    sweep_workers_wake(r->rd->sw);
    r->location = arena_printf(&r->a, "/api/v1/searches/%s", id);
    reply_search(r, c, id, 202);
    goto out;
oom:
    http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
out:
    PQclear(q);
    db_release(r->rd->pool, c);
    cJSON_Delete(body);
    calib_profile_free(&prof);
    free(spec);
    free(spec_text);
    free(opt_text);
    free(prov_text);
    jw_free(&w);
}

static const api_job_kind search_kind = {
    "search", "searches",
    "UPDATE searches SET status = 'cancelled', finished_at = now() WHERE id = $1 AND status IN ('queued', "
    "'running') RETURNING id",
    "SELECT status FROM searches WHERE id = $1", reply_search};

void api_search_get(http_req *r) { api_job_get(r, &search_kind); }

void api_search_cancel(http_req *r) { api_job_cancel(r, &search_kind); }

void api_search_list(http_req *r) {
    static const char sql[] =
        "SELECT " SEARCH_COLS " FROM searches s WHERE ($1::text IS NULL OR s.status = $1) "
        "AND ($2::text IS NULL OR s.author = $2) AND ($3::bigint IS NULL OR s.id < $3) "
        "ORDER BY s.id DESC LIMIT $4";
    static const char *const statuses[] = {"queued", "running", "succeeded", "failed", "cancelled"};
    const char *status = http_query(r, "status"), *author = http_query(r, "author"), *token = NULL;
    int limit = api_limit(r, 50, 500);
    if (limit < 0 || !api_page_token(r, &token))
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
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit + 1);
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "list searches", NULL);
        return;
    }
    const char *p[4] = {status, author, token, lim};
    PGresult *q = db_query(c, sql, 4, p);
    if (!db_ok(q)) {
        http_problem_db(r, "list searches", PQresultErrorMessage(q));
    } else {
        int n = PQntuples(q);
        jw w;
        jw_init(&w);
        jw_obj_begin(&w);
        jw_key(&w, "searches");
        jw_arr_begin(&w);
        for (int i = 0; i < n && i < limit; i++) {
            write_head(&w, q, i);
            jw_obj_end(&w);
        }
        api_page_reply(r, &w, q, n, limit);
    }
    PQclear(q);
    db_release(r->rd->pool, c);
}
