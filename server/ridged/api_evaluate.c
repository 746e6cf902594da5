/* api_evaluate.c: POST /evaluate (one design point, optionally stored as a
 * run with its provenance) and GET /runs/{id}. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "codec.h"
#include "codec_numerics.h"
#include "evaluate.h"

void api_evaluate(http_req *r) {
    static const char ins[] = "INSERT INTO runs (spec_sha256, spec, result, provenance, author)"
                              " VALUES ($1, $2, $3, $4, $5) RETURNING id";
    cJSON *body = NULL;
    rg_spec *spec = NULL;
    rg_result *res = NULL;
    jw w, rw, pw;
    char sha[65], now[40];
    char *result_text = NULL, *prov_text = NULL, *spec_text = NULL, *quality_text = NULL;
    rg_err err = {0};
    bool store = false;
    jw_init(&w);
    jw_init(&rw);
    jw_init(&pw);
    body = api_body_object(r);
    if (!body)
        goto out;
    cJSON *st = cJSON_DetachItemFromObjectCaseSensitive(body, "store");
    if (st) {
        bool okb = cJSON_IsBool(st);
        store = cJSON_IsTrue(st);
        cJSON_Delete(st);
        if (!okb) {
            http_problem(r, 400, "wrong type", "store", NULL, "store must be true or false");
            goto out;
        }
    }
    spec = malloc(sizeof *spec);
    res = malloc(sizeof *res);
    if (!spec || !res) {
        http_problem(r, 503, "out of memory", NULL, NULL, "out of memory");
        goto out;
    }
    const cJSON *quality = cJSON_GetObjectItemCaseSensitive(body, "quality");
    int rc = codec_spec_parse(body, spec, &err);
    if (rc) {
        http_problem_err(r, &err, NULL, "see GET /api/v1/presets and /api/v1/openapi.json for the spec");
        goto out;
    }
    rc = rg_evaluate(spec, res, &err);
    if (rc) {
        http_problem_err(r, &err, NULL, NULL);
        goto out;
    }
    atomic_fetch_add_explicit(&r->rd->m.evaluations, 1, memory_order_relaxed);
    if (quality && !cJSON_IsFalse(quality)) {
        /* the codesign link: model quality of the spec's number formats */
        jw qw;
        jw_init(&qw);
        rc = codec_quality_write(&qw, cJSON_IsTrue(quality) ? NULL : quality, &spec->numerics, &err);
        quality_text = rc ? NULL : jw_take(&qw, NULL);
        jw_free(&qw);
        if (rc) {
            http_problem_err(r, &err, NULL, NULL);
            goto out;
        }
        if (!quality_text) {
            http_problem(r, 503, "out of memory", NULL, NULL, "out of memory");
            goto out;
        }
    }
    codec_result_write(&rw, spec, res);
    api_now_rfc3339(now);
    if (api_provenance_begin(&pw, spec, res->used, r->author, now, sha)) {
        http_problem(r, 503, "out of memory", NULL, NULL, "out of memory");
        goto out;
    }
    jw_kstr(&pw, "finished_at", now);
    jw_kstr(&pw, "replica", r->rd->cfg.replica);
    jw_obj_end(&pw);
    result_text = jw_take(&rw, NULL);
    prov_text = jw_take(&pw, NULL);
    if (!result_text || !prov_text) {
        http_problem(r, 503, "out of memory", NULL, NULL, "out of memory");
        goto out;
    }
    jw_obj_begin(&w);
    if (store) {
        jw cw;
        jw_init(&cw);
        codec_spec_write_canonical(&cw, spec);
        spec_text = jw_take(&cw, NULL);
        if (!spec_text) {
            http_problem(r, 503, "out of memory", NULL, NULL, "out of memory");
            goto out;
        }
        db_conn *c = db_acquire(r->rd->pool);
        if (!c) {
            http_problem_db(r, "store run", NULL);
            goto out;
        }
        const char *p[5] = {sha, spec_text, result_text, prov_text, r->author};
        PGresult *q = db_query(c, ins, 5, p);
        if (!db_ok(q)) {
            http_problem_db(r, "store run", PQresultErrorMessage(q));
            PQclear(q);
            db_release(r->rd->pool, c);
            goto out;
        }
        char *loc = arena_printf(&r->a, "/api/v1/runs/%s", PQgetvalue(q, 0, 0));
        jw_kstr(&w, "id", PQgetvalue(q, 0, 0));
        r->location = loc;
        PQclear(q);
        db_release(r->rd->pool, c);
    }
    jw_key(&w, "result");
    jw_raw(&w, result_text);
    if (quality_text) {
        jw_key(&w, "quality");
        jw_raw(&w, quality_text);
    }
    jw_key(&w, "provenance");
    jw_raw(&w, prov_text);
    jw_obj_end(&w);
    http_reply_json(r, store ? 201 : 200, &w);
out:
    cJSON_Delete(body);
    free(spec);
    free(res);
    free(result_text);
    free(prov_text);
    free(spec_text);
    free(quality_text);
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
        http_problem(r, 404, "not found", "id", NULL, "no run with id %s", r->id);
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
