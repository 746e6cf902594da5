/* api_evaluate.c: POST /evaluate (one design point, optionally stored as a
 * run with its provenance) and GET /runs/{id}. The evaluation is the CLI's
 * (codec_eval.h): the same result object, batch analysis and quality
 * included, with the canonical spec and its hash computed once. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "calib.h"
#include "codec.h"
#include "codec_eval.h"

/* Detaches the optional boolean "store" from the body. False after
 * answering 400 when it is not a boolean. */
static bool take_store(http_req *r, cJSON *body, bool *store) {
    cJSON *st = cJSON_DetachItemFromObjectCaseSensitive(body, "store");
    bool ok = !st || cJSON_IsBool(st);
    *store = cJSON_IsTrue(st);
    cJSON_Delete(st);
    if (!ok)
        http_fail(r, RG_ETYPE, "store", NULL, "store must be true or false");
    return ok;
}

/* Inserts the run; writes "id" into `w` and sets Location. False after
 * answering 503. */
static bool store_run(http_req *r, const codec_eval *ev, const char *result, const char *prov, jw *w) {
    static const char ins[] = "INSERT INTO runs (spec_sha256, spec, result, provenance, author)"
                              " VALUES ($1, $2, $3, $4, $5) RETURNING id";
    const char *p[5] = {ev->sha, ev->canonical, result, prov, r->author};
    bool ok = false;
    PGresult *q = NULL;
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "store run", NULL);
        goto out;
    }
    q = db_query(c, ins, 5, p);
    if (!db_ok(q)) {
        http_problem_db(r, "store run", PQresultErrorMessage(q));
        goto out;
    }
    r->location = arena_printf(&r->a, "/api/v1/runs/%s", PQgetvalue(q, 0, 0));
    jw_kstr(w, "id", PQgetvalue(q, 0, 0));
    ok = true;
out:
    PQclear(q);
    db_release(r->rd->pool, c);
    return ok;
}

void api_evaluate(http_req *r) {
    cJSON *body = NULL;
    codec_eval *ev = NULL;
    jw w, rw, pw;
    char now[40];
    char *result_text = NULL, *prov_text = NULL;
    rg_err err = {0};
    bool store = false;
    calib_profile prof = {0};
    calib_applied applied;
    char cal_name[80] = "";
    int cal = 0;
    jw_init(&w);
    jw_init(&rw);
    jw_init(&pw);
    body = api_body_object(r);
    if (!body || !take_store(r, body, &store))
        goto out;
    /* "calibration": a stored profile's values under the spec's own */
    cal = api_calibration_resolve(r, body, &prof, &applied, cal_name, sizeof cal_name);
    if (cal < 0)
        goto out;
    ev = calloc(1, sizeof *ev);
    if (!ev) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto out;
    }
    if (codec_eval_run(body, ev, &err)) {
        http_problem_err(r, &err, NULL, "see GET /api/v1/presets and /api/v1/openapi.json for the spec");
        goto out;
    }
    atomic_fetch_add_explicit(&r->rd->m.evaluations, 1, memory_order_relaxed);
    codec_eval_write(&rw, ev);
    api_now_rfc3339(now);
    api_provenance_write(&pw, &ev->spec, ev->canonical, ev->sha, ev->res.used, r->author, now);
    if (cal > 0) {
        jw_key(&pw, "calibration");
        calib_applied_write(&pw, cal_name, &prof, &applied);
    }
    jw_kstr(&pw, "finished_at", now);
    jw_kstr(&pw, "replica", r->rd->cfg.replica);
    jw_obj_end(&pw);
    result_text = jw_take(&rw, NULL);
    prov_text = jw_take(&pw, NULL);
    if (!result_text || !prov_text) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto out;
    }
    jw_obj_begin(&w);
    if (store && !store_run(r, ev, result_text, prov_text, &w))
        goto out;
    jw_key(&w, "result");
    jw_raw(&w, result_text);
    jw_key(&w, "provenance");
    jw_raw(&w, prov_text);
    jw_obj_end(&w);
    http_reply_json(r, store ? 201 : 200, &w);
out:
    cJSON_Delete(body);
    calib_profile_free(&prof);
    codec_eval_free(ev);
    free(ev);
    free(result_text);
    free(prov_text);
    jw_free(&w);
    jw_free(&rw);
    jw_free(&pw);
}

void api_run_get(http_req *r) {
    static const char sql[] =
        "SELECT id, result, provenance, author, " API_TS("created_at") " FROM runs WHERE id = $1";
    if (!api_path_id(r, "run"))
        return;
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "get run", NULL);
        return;
    }
    const char *p[1] = {r->id};
    PGresult *q = db_query(c, sql, 1, p);
    if (!db_ok(q)) {
        http_problem_db(r, "get run", PQresultErrorMessage(q));
    } else if (PQntuples(q) == 0) {
        http_fail(r, RG_ENOTFOUND, "id", NULL, "no run with id %s", r->id);
    } else {
        jw w;
        jw_init(&w);
        jw_obj_begin(&w);
        jw_kstr(&w, "id", PQgetvalue(q, 0, 0));
        jw_kstr(&w, "author", PQgetvalue(q, 0, 3));
        jw_kstr(&w, "created_at", PQgetvalue(q, 0, 4));
        jw_key(&w, "result");
        jw_raw(&w, PQgetvalue(q, 0, 1));
        jw_key(&w, "provenance");
        jw_raw(&w, PQgetvalue(q, 0, 2));
        jw_obj_end(&w);
        http_reply_json(r, 200, &w);
    }
    PQclear(q);
    db_release(r->rd->pool, c);
}

/* GET /api/v1/runs: newest first, ?author= ?phase= ?model= ?hardware= (the
 * preset or object name the result carries) ?spec_sha256= ?q= (text
 * in the model or hardware name) ?limit= ?page_token=. Each item is a summary
 * (the headline result fields); GET /runs/{id} has the whole result. */
void api_run_list(http_req *r) {
    static const char sql[] = "SELECT id, author, " API_TS(
        "created_at") ", spec_sha256, result->>'model', "
                      "result->>'hardware', result->>'phase', spec->>'batch', result->>'time_s', "
                      "result->>'mfu', result->>'tokens_per_s', result->>'energy_per_token_j', "
                      "(result->'memory'->>'fits')::text FROM runs"
                      " WHERE ($1::text IS NULL OR author = $1) AND ($2::text IS NULL OR result->>'phase' = "
                      "$2)"
                      " AND ($3::text IS NULL OR result->>'model' = $3)"
                      " AND ($4::text IS NULL OR result->>'hardware' = $4)"
                      " AND ($5::text IS NULL OR spec_sha256 = $5)"
                      " AND ($6::text IS NULL OR strpos(lower(coalesce(result->>'model', '') || ' ' ||"
                      " coalesce(result->>'hardware', '')), lower($6)) > 0)"
                      " AND ($7::bigint IS NULL OR id < $7) ORDER BY id DESC LIMIT $8";
    const char *author = http_query(r, "author"), *phase = http_query(r, "phase");
    const char *model = http_query(r, "model"), *hw = http_query(r, "hardware");
    const char *sha = http_query(r, "spec_sha256"), *text = http_query(r, "q"), *token = NULL;
    int limit = api_limit(r, 50, 500);
    if (limit < 0 || !api_page_token(r, &token))
        return;
    if (phase && strcmp(phase, "train") && strcmp(phase, "prefill") && strcmp(phase, "decode")) {
        http_fail(r, RG_EINVAL, "phase", "train, prefill or decode", "unknown phase \"%.40s\"", phase);
        return;
    }
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit + 1);
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "list runs", NULL);
        return;
    }
    const char *p[8] = {author, phase, model, hw, sha, text, token, lim};
    PGresult *q = db_query(c, sql, 8, p);
    if (!db_ok(q)) {
        http_problem_db(r, "list runs", PQresultErrorMessage(q));
    } else {
        static const char *const nums[] = {"batch", "time_s", "mfu", "tokens_per_s", "energy_per_token_j"};
        int n = PQntuples(q);
        jw w;
        jw_init(&w);
        jw_obj_begin(&w);
        jw_key(&w, "runs");
        jw_arr_begin(&w);
        for (int i = 0; i < n && i < limit; i++) {
            char link[64];
            jw_obj_begin(&w);
            jw_kstr(&w, "id", PQgetvalue(q, i, 0));
            jw_kstr(&w, "author", PQgetvalue(q, i, 1));
            jw_kstr(&w, "created_at", PQgetvalue(q, i, 2));
            jw_kstr(&w, "spec_sha256", PQgetvalue(q, i, 3));
            api_kstr_or_null(&w, "model", q, i, 4);
            api_kstr_or_null(&w, "hardware", q, i, 5);
            api_kstr_or_null(&w, "phase", q, i, 6);
            for (int k = 0; k < 5; k++) {
                jw_key(&w, nums[k]);
                if (PQgetisnull(q, i, 7 + k))
                    jw_null(&w);
                else
                    jw_raw(&w, PQgetvalue(q, i, 7 + k)); /* jsonb numbers as PostgreSQL printed them */
            }
            jw_key(&w, "fits");
            if (PQgetisnull(q, i, 12))
                jw_null(&w);
            else
                jw_bool(&w, strcmp(PQgetvalue(q, i, 12), "true") == 0);
            snprintf(link, sizeof link, "/api/v1/runs/%s", PQgetvalue(q, i, 0));
            jw_kstr(&w, "href", link);
            jw_obj_end(&w);
        }
        api_page_reply(r, &w, q, n, limit);
    }
    PQclear(q);
    db_release(r->rd->pool, c);
}
