/* api_util.c: helpers shared by the handlers (see api.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "codec.h"
#include "sha256.h"

cJSON *api_body_object(http_req *r) {
    rg_err err = {0};
    if (!r->body || r->body_len == 0) {
        http_fail(r, RG_EPARSE, "", "send a JSON object with Content-Type: application/json",
                  "the request body is empty");
        return NULL;
    }
    /* syntax, duplicate keys, UTF-8 and \u0000: the codec's one boundary */
    cJSON *j = codec_json_parse(r->body, r->body_len, &err);
    if (!j) {
        http_problem_err(r, &err, NULL,
                         err.field[0] ? "every key once, every string valid UTF-8 without \\u0000"
                                      : "check the JSON syntax near that position");
        return NULL;
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        http_fail(r, RG_ETYPE, "", NULL, "the body must be a JSON object");
        return NULL;
    }
    return j;
}

bool api_known_keys(http_req *r, const cJSON *obj, const char *const *allowed, const char *prefix) {
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, obj) {
        bool ok = false;
        for (int i = 0; allowed[i]; i++)
            if (it->string && strcmp(it->string, allowed[i]) == 0) {
                ok = true;
                break;
            }
        if (!ok) {
            char field[200];
            snprintf(field, sizeof field, "%s%.120s", prefix ? prefix : "", it->string ? it->string : "");
            http_fail(r, RG_EUNKNOWN, field, "see /api/v1/openapi.json for the accepted fields",
                      "unknown field \"%.120s\"", it->string ? it->string : "");
            return false;
        }
    }
    return true;
}

bool api_path_id(http_req *r, const char *what) {
    const char *s = r->id;
    size_t n = s ? strlen(s) : 0;
    bool ok = n >= 1 && n <= 18;
    for (size_t i = 0; ok && i < n; i++)
        ok = isdigit((unsigned char)s[i]) != 0;
    if (!ok)
        http_fail(r, RG_ENOTFOUND, "id", "ids are decimal numbers", "no %s with id \"%.40s\"", what,
                  s ? s : "");
    return ok;
}

bool api_page_token(http_req *r, const char **token) {
    const char *s = http_query(r, "page_token");
    size_t n = s ? strlen(s) : 0;
    bool ok = !s || (n >= 1 && n <= 18);
    for (size_t i = 0; ok && i < n; i++)
        ok = isdigit((unsigned char)s[i]) != 0;
    if (!ok)
        http_fail(r, RG_EINVAL, "page_token", "pass next_page_token from the previous page",
                  "malformed page token");
    *token = s;
    return ok;
}

void api_page_reply(http_req *r, jw *w, const PGresult *q, int n, int limit) {
    jw_arr_end(w);
    jw_key(w, "next_page_token");
    if (n > limit)
        jw_str(w, PQgetvalue(q, limit - 1, 0));
    else
        jw_null(w);
    jw_obj_end(w);
    http_reply_json(r, 200, w);
}

int api_limit(http_req *r, int def, int max) {
    const char *s = http_query(r, "limit");
    if (!s)
        return def;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 1 || v > max) {
        http_fail(r, RG_ERANGE, "limit", NULL, "limit must be an integer in 1..%d (got \"%.40s\")", max, s);
        return -1;
    }
    return (int)v;
}

bool api_json_id(const cJSON *v, char out[24]) {
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d < 1 || d > 9007199254740992.0 || d != (double)(long long)d)
            return false;
        snprintf(out, 24, "%lld", (long long)d);
        return true;
    }
    if (cJSON_IsString(v)) {
        size_t n = strlen(v->valuestring);
        if (n < 1 || n > 18)
            return false;
        for (size_t i = 0; i < n; i++)
            if (!isdigit((unsigned char)v->valuestring[i]))
                return false;
        snprintf(out, 24, "%s", v->valuestring);
        return true;
    }
    return false;
}

bool api_opt_string(http_req *r, const cJSON *obj, const char *key, size_t maxlen, const char **out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v)
        return true;
    if (!cJSON_IsString(v)) {
        http_fail(r, RG_ETYPE, key, NULL, "%s must be a string", key);
        return false;
    }
    if (strlen(v->valuestring) > maxlen) {
        http_fail(r, RG_ERANGE, key, NULL, "%s is longer than %zu bytes", key, maxlen);
        return false;
    }
    *out = v->valuestring;
    return true;
}

bool api_string_array(http_req *r, const cJSON *obj, const char *key, int maxn, size_t maxlen,
                      const char **pg_array) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key);
    *pg_array = "{}";
    if (!arr)
        return true;
    if (!cJSON_IsArray(arr)) {
        http_fail(r, RG_ETYPE, key, NULL, "%s must be an array of strings", key);
        return false;
    }
    sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "{");
    int i = 0;
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, arr) {
        char field[64];
        snprintf(field, sizeof field, "%s[%d]", key, i);
        if (i >= maxn) {
            http_fail(r, RG_ERANGE, field, NULL, "at most %d entries", maxn);
            goto fail;
        }
        if (!cJSON_IsString(it) || !it->valuestring[0] || strlen(it->valuestring) > maxlen) {
            http_fail(r, RG_ETYPE, field, NULL, "must be a non-empty string of at most %zu bytes", maxlen);
            goto fail;
        }
        sbuf_puts(&b, i ? ",\"" : "\"");
        for (const char *s = it->valuestring; *s; s++) {
            if (*s == '"' || *s == '\\')
                sbuf_put(&b, "\\", 1);
            sbuf_put(&b, s, 1);
        }
        sbuf_puts(&b, "\"");
        i++;
    }
    sbuf_puts(&b, "}");
    if (b.oom) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto fail;
    }
    *pg_array = arena_strndup(&r->a, b.buf, b.len);
    sbuf_free(&b);
    if (!*pg_array) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        return false;
    }
    return true;
fail:
    sbuf_free(&b);
    return false;
}

void api_json_write(jw *w, const cJSON *v) {
    if (cJSON_IsNumber(v)) {
        jw_num(w, v->valuedouble);
    } else if (cJSON_IsString(v)) {
        jw_str(w, v->valuestring);
    } else if (cJSON_IsBool(v)) {
        jw_bool(w, cJSON_IsTrue(v));
    } else if (cJSON_IsArray(v)) {
        const cJSON *it = NULL;
        jw_arr_begin(w);
        cJSON_ArrayForEach(it, v) api_json_write(w, it);
        jw_arr_end(w);
    } else if (cJSON_IsObject(v)) {
        const cJSON *it = NULL;
        jw_obj_begin(w);
        cJSON_ArrayForEach(it, v) {
            jw_key(w, it->string ? it->string : "");
            api_json_write(w, it);
        }
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
}

void api_now_rfc3339(char out[40]) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 40 - n, ".%06ldZ", ts.tv_nsec / 1000);
}

void api_kstr_or_null(jw *w, const char *key, const PGresult *res, int row, int col) {
    jw_key(w, key);
    if (PQgetisnull(res, row, col))
        jw_null(w);
    else
        jw_str(w, PQgetvalue(res, row, col));
}

void api_provenance_write(jw *w, const rg_spec *spec, const char *canonical, const char *sha,
                          const uint8_t *used, const char *author, const char *created_at) {
    uint8_t all[RG_A_COUNT];
    if (!used) {
        memset(all, 1, sizeof all);
        used = all;
    }
    jw_obj_begin(w);
    jw_kstr(w, "spec_sha256", sha);
    jw_key(w, "spec");
    jw_raw(w, canonical);
    jw_kstr(w, "engine_version", codec_engine_version());
    jw_kstr(w, "git_commit", codec_git_commit());
    jw_key(w, "assumptions");
    codec_assumptions_write(w, spec, used);
    jw_kstr(w, "author", author);
    jw_kstr(w, "created_at", created_at);
}

int api_provenance_begin(jw *w, const rg_spec *spec, const uint8_t *used, const char *author,
                         const char *created_at, char sha_out[65]) {
    jw cw;
    size_t len = 0;
    jw_init(&cw);
    codec_spec_write_canonical(&cw, spec);
    char *canon = jw_take(&cw, &len);
    if (!canon)
        return RG_ENOMEM;
    sha256_hex(canon, len, sha_out);
    api_provenance_write(w, spec, canon, sha_out, used, author, created_at);
    free(canon);
    return 0;
}

bool api_job_queue(http_req *r, db_conn *c, const char *what, const char *chunks_sql, const char *id,
                   const char *chunk_s, const char *total_s, const char *nchunks_s) {
    static const char notify[] = "SELECT pg_notify('ridge_sweeps', $1)";
    char chunks_what[64];
    snprintf(chunks_what, sizeof chunks_what, "%s chunks", what);
    const char *p4[4] = {id, chunk_s, total_s, nchunks_s};
    PGresult *q = db_query(c, chunks_sql, 4, p4);
    if (!db_ok(q)) {
        http_problem_db(r, chunks_what, PQresultErrorMessage(q));
        PQclear(q);
        return false;
    }
    PQclear(q);
    const char *p1[1] = {id};
    q = db_query(c, notify, 1, p1);
    bool ok = db_ok(q) && db_cmd(c, "COMMIT");
    if (!ok)
        http_problem_db(r, what, PQerrorMessage(db_pg(c)));
    PQclear(q);
    return ok;
}

void api_job_get(http_req *r, const api_job_kind *k) {
    char what[64];
    if (!api_path_id(r, k->noun))
        return;
    snprintf(what, sizeof what, "get %s", k->noun);
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, what, NULL);
        return;
    }
    k->reply(r, c, r->id, 200);
    db_release(r->rd->pool, c);
}

void api_job_cancel(http_req *r, const api_job_kind *k) {
    char what[64], hint[96];
    if (!api_path_id(r, k->noun))
        return;
    snprintf(what, sizeof what, "cancel %s", k->noun);
    snprintf(hint, sizeof hint, "only queued or running %s can be cancelled", k->plural);
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, what, NULL);
        return;
    }
    const char *p[1] = {r->id};
    PGresult *q = db_query(c, k->cancel_sql, 1, p);
    if (!db_ok(q)) {
        http_problem_db(r, what, PQresultErrorMessage(q));
    } else if (PQntuples(q) == 1) {
        k->reply(r, c, r->id, 200);
    } else {
        PQclear(q);
        q = db_query(c, k->status_sql, 1, p);
        if (!db_ok(q))
            http_problem_db(r, what, PQresultErrorMessage(q));
        else if (PQntuples(q) == 0)
            http_fail(r, RG_ENOTFOUND, "id", NULL, "no %s with id %s", k->noun, r->id);
        else
            http_fail(r, RG_ECONFLICT, "status", hint, "%s %s is already %s", k->noun, r->id,
                      PQgetvalue(q, 0, 0));
    }
    PQclear(q);
    db_release(r->rd->pool, c);
}
