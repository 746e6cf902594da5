/* api_misc.c: service endpoints: health, metrics, the OpenAPI document and
 * the preset catalogue. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "codec_schema.h"
#include "codec.h"
#include "embedded.h"
#include "sweep.h"

/* The whole check, waiting for a pool connection included, takes at most
 * this long, so a frozen database reads as degraded within it. */
#define HEALTH_DB_MS 1500

void api_health(http_req *r) {
    static const char sql[] = "SELECT 1";
    bool db_up = false;
    db_conn *c = db_acquire_within(r->rd->pool, HEALTH_DB_MS);
    if (c) {
        PGresult *res = db_query(c, sql, 0, NULL);
        db_up = db_ok(res);
        PQclear(res);
        db_release(r->rd->pool, c);
    }
    char werr[256] = "";
    /* one failure is a hiccup (a database restart); two in a row persist */
    int wfail = sweep_workers_failing(r->rd->sw, werr, sizeof werr);
    if (wfail < 2)
        wfail = 0;
    bool ok = db_up && wfail == 0;
    jw w;
    jw_init(&w);
    jw_obj_begin(&w);
    jw_kstr(&w, "status", ok ? "ok" : "degraded");
    jw_kstr(&w, "database", db_up ? "ok" : "unreachable");
    jw_kstr(&w, "sweep_workers", wfail ? "failing" : "ok");
    if (wfail) {
        jw_kint(&w, "sweep_worker_failures", wfail);
        jw_kstr(&w, "sweep_worker_error", werr);
    }
    jw_kstr(&w, "replica", r->rd->cfg.replica);
    jw_kstr(&w, "engine_version", codec_engine_version());
    jw_kstr(&w, "git_commit", codec_git_commit());
    jw_obj_end(&w);
    http_reply_json(r, ok ? 200 : 503, &w);
}

void api_metrics(http_req *r) {
    sbuf b;
    sbuf_init(&b);
    metrics_render(&r->rd->m, r->rd->pool, &b);
    http_reply_sbuf(r, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
}

/* The Spec schema's properties are generated from the codec's field table
 * (codec_schema.h): the document's extension member OPENAPI_SPEC_MARK is
 * replaced by them, so the schema cannot drift from what the codec reads. */
#define OPENAPI_SPEC_MARK "\"x-properties-from\": \"server/codec_fields.c\""

void api_openapi(http_req *r) {
    const char *doc = NULL;
    size_t n = 0;
    for (int i = 0; i < rg_embedded_count && !doc; i++)
        if (strcmp(rg_embedded_files[i].path, "openapi.json") == 0) {
            doc = (const char *)rg_embedded_files[i].data;
            n = rg_embedded_files[i].size;
        }
    if (!doc) {
        http_fail(r, RG_ENOTFOUND, NULL, NULL, "this build has no OpenAPI document");
        return;
    }
    const char *mark = strstr(doc, OPENAPI_SPEC_MARK);
    sbuf b;
    sbuf_init(&b);
    if (!mark) {
        sbuf_put(&b, doc, n);
    } else {
        jw w;
        jw_init(&w);
        codec_spec_schema_write(&w);
        size_t len = 0;
        char *props = jw_take(&w, &len);
        sbuf_put(&b, doc, (size_t)(mark - doc));
        sbuf_puts(&b, "\"properties\": ");
        if (props)
            sbuf_put(&b, props, len);
        else
            b.oom = true;
        sbuf_puts(&b, mark + strlen(OPENAPI_SPEC_MARK));
        free(props);
    }
    http_reply_sbuf(r, 200, "application/json", &b);
}

void api_presets(http_req *r) {
    jw w;
    jw_init(&w);
    codec_presets_write(&w);
    http_reply_json(r, 200, &w);
}

void api_spec_fields(http_req *r) {
    jw w;
    jw_init(&w);
    codec_fields_write(&w);
    http_reply_json(r, 200, &w);
}
