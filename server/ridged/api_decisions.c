/* api_decisions.c: design-decision records. A decision states a question,
 * the answer, its rationale and confidence, the assumptions it rests on and
 * the sweeps, runs and RTL jobs that are its evidence; a new decision may supersede
 * older ones, which are then marked superseded (the only change a stored
 * decision ever sees). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define DECISION_COLS                                                                                        \
    "d.id, d.title, d.question, d.decision, d.rationale, d.status, d.confidence, d.assumptions, (SELECT "    \
    "coalesce(json_agg(x::text), '[]') FROM unnest(d.evidence_sweeps) x), (SELECT "                          \
    "coalesce(json_agg(x::text), "                                                                           \
    "'[]') FROM unnest(d.evidence_runs) x), (SELECT coalesce(json_agg(x::text), '[]') FROM "                 \
    "unnest(d.supersedes) "                                                                                  \
    "x), d.superseded_by, array_to_json(d.tags), d.author, " API_TS(                                         \
        "d.created_at") ", (SELECT "                                                                         \
                        "coalesce(json_agg(x::text), '[]') FROM unnest(d.evidence_rtl) x)"

static void write_decision(jw *w, const PGresult *q, int i) {
    static const char *const text[] = {"id",        "title",  "question",  "decision",
                                       "rationale", "status", "confidence"};
    jw_obj_begin(w);
    for (int k = 0; k < 7; k++)
        jw_kstr(w, text[k], PQgetvalue(q, i, k));
    jw_key(w, "assumptions");
    jw_raw(w, PQgetvalue(q, i, 7));
    jw_key(w, "evidence");
    jw_obj_begin(w);
    jw_key(w, "sweeps");
    jw_raw(w, PQgetvalue(q, i, 8));
    jw_key(w, "runs");
    jw_raw(w, PQgetvalue(q, i, 9));
    jw_key(w, "rtl");
    jw_raw(w, PQgetvalue(q, i, 15));
    jw_obj_end(w);
    jw_key(w, "supersedes");
    jw_raw(w, PQgetvalue(q, i, 10));
    api_kstr_or_null(w, "superseded_by", q, i, 11);
    jw_key(w, "tags");
    jw_raw(w, PQgetvalue(q, i, 12));
    jw_kstr(w, "author", PQgetvalue(q, i, 13));
    jw_kstr(w, "created_at", PQgetvalue(q, i, 14));
    jw_obj_end(w);
}

static void reply_decision(http_req *r, db_conn *c, const char *id, int status) {
    static const char sql[] = "SELECT " DECISION_COLS " FROM decisions d WHERE d.id = $1";
    const char *p[1] = {id};
    PGresult *q = db_query(c, sql, 1, p);
    if (!db_ok(q)) {
        http_problem_db(r, "get decision", PQresultErrorMessage(q));
    } else if (PQntuples(q) == 0) {
        http_fail(r, RG_ENOTFOUND, "id", NULL, "no decision with id %s", id);
    } else {
        jw w;
        jw_init(&w);
        write_decision(&w, q, 0);
        http_reply_json(r, status, &w);
    }
    PQclear(q);
}

/* Reads an array of ids at `key` (of `obj`, field prefix `fp`) into a
 * PostgreSQL bigint[] literal. */
static bool id_array(http_req *r, const cJSON *obj, const char *key, const char *fp, const char **out) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = "{}";
    if (!arr)
        return true;
    char field[96];
    snprintf(field, sizeof field, "%s%s", fp, key);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > 1000) {
        http_fail(r, RG_ETYPE, field, NULL, "%s must be an array of ids", field);
        return false;
    }
    sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "{");
    int i = 0;
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, arr) {
        char id[24];
        if (!api_json_id(it, id)) {
            sbuf_free(&b);
            http_fail(r, RG_ETYPE, arena_printf(&r->a, "%s[%d]", field, i), NULL,
                      "must be an id (a string of digits)");
            return false;
        }
        sbuf_printf(&b, "%s%s", i ? "," : "", id);
        i++;
    }
    sbuf_puts(&b, "}");
    *out = b.oom ? NULL : arena_strndup(&r->a, b.buf, b.len);
    sbuf_free(&b);
    if (!*out) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        return false;
    }
    return true;
}

/* Answers 400 naming the first id of `arr` that has no row in `table`. */
static bool ids_exist(http_req *r, db_conn *c, const char *sql, const char *arr, const char *field) {
    const char *p[1] = {arr};
    PGresult *q = db_query(c, sql, 1, p);
    bool ok = false;
    if (!db_ok(q)) {
        http_problem_db(r, "check references", PQresultErrorMessage(q));
    } else if (PQntuples(q) > 0) {
        int pos = atoi(PQgetvalue(q, 0, 1)) - 1;
        http_fail(r, RG_EINVAL, arena_printf(&r->a, "%s[%d]", field, pos), "link only existing records",
                  "no record with id %s", PQgetvalue(q, 0, 0));
    } else {
        ok = true;
    }
    PQclear(q);
    return ok;
}

void api_decision_create(http_req *r) {
    static const char *const keys[] = {"title",      "question",   "decision",    "rationale",
                                       "status",     "confidence", "assumptions", "evidence",
                                       "supersedes", "tags",       NULL};
    static const char *const ev_keys[] = {"sweeps", "runs", "rtl", NULL};
    static const char miss_sweeps[] =
        "SELECT x, o FROM unnest($1::bigint[]) WITH ORDINALITY AS u(x, o) WHERE NOT "
        "EXISTS (SELECT 1 FROM sweeps WHERE id = x) ORDER BY o LIMIT 1";
    static const char miss_runs[] =
        "SELECT x, o FROM unnest($1::bigint[]) WITH ORDINALITY AS u(x, o) WHERE NOT "
        "EXISTS (SELECT 1 FROM runs WHERE id = x) ORDER BY o LIMIT 1";
    static const char miss_rtl[] =
        "SELECT x, o FROM unnest($1::bigint[]) WITH ORDINALITY AS u(x, o) WHERE NOT "
        "EXISTS (SELECT 1 FROM rtl_jobs WHERE id = x) ORDER BY o LIMIT 1";
    static const char miss_dec[] =
        "SELECT x, o FROM unnest($1::bigint[]) WITH ORDINALITY AS u(x, o) WHERE NOT "
        "EXISTS (SELECT 1 FROM decisions WHERE id = x AND status <> 'superseded') ORDER BY "
        "o LIMIT 1";
    static const char ins[] =
        "INSERT INTO decisions (title, question, decision, rationale, status, confidence, "
        "assumptions, evidence_sweeps, evidence_runs, supersedes, tags, author, evidence_rtl) VALUES ($1, "
        "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id";
    static const char sup[] = "UPDATE decisions SET status = 'superseded', superseded_by = $1 WHERE id = ANY "
                              "($2::bigint[]) AND status <> 'superseded'";
    cJSON *body = NULL;
    db_conn *c = NULL;
    PGresult *q = NULL;
    char *assump = NULL;
    const char *title, *question, *decision, *rationale, *status, *confidence, *tags;
    const char *ev_sweeps = "{}", *ev_runs = "{}", *ev_rtl = "{}", *supersedes = "{}";
    body = api_body_object(r);
    if (!body || !api_known_keys(r, body, keys, ""))
        goto out;
    if (!api_opt_string(r, body, "title", 300, &title) ||
        !api_opt_string(r, body, "question", 10000, &question) ||
        !api_opt_string(r, body, "decision", 10000, &decision) ||
        !api_opt_string(r, body, "rationale", 50000, &rationale) ||
        !api_opt_string(r, body, "status", 20, &status) ||
        !api_opt_string(r, body, "confidence", 20, &confidence) ||
        !api_string_array(r, body, "tags", 32, 64, &tags))
        goto out;
    const char *req[3] = {title, question, decision};
    const char *reqn[3] = {"title", "question", "decision"};
    for (int i = 0; i < 3; i++)
        if (!req[i] || !req[i][0]) {
            http_fail(r, RG_EMISSING, reqn[i], NULL, "%s is required", reqn[i]);
            goto out;
        }
    if (!status)
        status = "proposed";
    if (strcmp(status, "proposed") && strcmp(status, "accepted")) {
        http_fail(r, RG_EINVAL, "status", "a new decision is proposed or accepted", "unknown status \"%s\"",
                  status);
        goto out;
    }
    if (!confidence)
        confidence = "medium";
    if (strcmp(confidence, "low") && strcmp(confidence, "medium") && strcmp(confidence, "high")) {
        http_fail(r, RG_EINVAL, "confidence", "low, medium or high", "unknown confidence \"%s\"", confidence);
        goto out;
    }
    const cJSON *as = cJSON_GetObjectItemCaseSensitive(body, "assumptions");
    if (as) {
        if (!cJSON_IsArray(as) || cJSON_GetArraySize(as) > 200) {
            http_fail(r, RG_ETYPE, "assumptions", "[{\"name\", \"value\", \"source\", \"confidence\"}]",
                      "assumptions must be an array");
            goto out;
        }
        int i = 0;
        const cJSON *it = NULL;
        cJSON_ArrayForEach(it, as) {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
            if (!cJSON_IsString(it) && !(cJSON_IsObject(it) && cJSON_IsString(nm))) {
                http_fail(r, RG_ETYPE, arena_printf(&r->a, "assumptions[%d]", i),
                          "a string, or an object with at least a name", "not an assumption");
                goto out;
            }
            i++;
        }
        jw w;
        jw_init(&w);
        api_json_write(&w, as);
        assump = jw_take(&w, NULL);
    } else {
        assump = strdup("[]");
    }
    if (!assump) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto out;
    }
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(body, "evidence");
    if (ev) {
        if (!cJSON_IsObject(ev)) {
            http_fail(r, RG_ETYPE, "evidence", "{\"sweeps\": [ids], \"runs\": [ids], \"rtl\": [RTL job ids]}",
                      "evidence must be an object");
            goto out;
        }
        if (!api_known_keys(r, ev, ev_keys, "evidence.") ||
            !id_array(r, ev, "sweeps", "evidence.", &ev_sweeps) ||
            !id_array(r, ev, "runs", "evidence.", &ev_runs) || !id_array(r, ev, "rtl", "evidence.", &ev_rtl))
            goto out;
    }
    if (!id_array(r, body, "supersedes", "", &supersedes))
        goto out;
    c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "create decision", NULL);
        goto out;
    }
    if (!db_cmd(c, "BEGIN")) {
        http_problem_db(r, "create decision", PQerrorMessage(db_pg(c)));
        goto out;
    }
    if (!ids_exist(r, c, miss_sweeps, ev_sweeps, "evidence.sweeps") ||
        !ids_exist(r, c, miss_runs, ev_runs, "evidence.runs") ||
        !ids_exist(r, c, miss_rtl, ev_rtl, "evidence.rtl") ||
        !ids_exist(r, c, miss_dec, supersedes, "supersedes"))
        goto out;
    const char *p[13] = {title,   question,   decision, rationale ? rationale : "",
                         status,  confidence, assump,   ev_sweeps,
                         ev_runs, supersedes, tags,     r->author,
                         ev_rtl};
    q = db_query(c, ins, 13, p);
    if (!db_ok(q)) {
        http_problem_db(r, "create decision", PQresultErrorMessage(q));
        goto out;
    }
    char id[24];
    snprintf(id, sizeof id, "%s", PQgetvalue(q, 0, 0));
    PQclear(q);
    const char *p2[2] = {id, supersedes};
    q = db_query(c, sup, 2, p2);
    if (!db_ok(q) || !db_cmd(c, "COMMIT")) {
        http_problem_db(r, "create decision", PQerrorMessage(db_pg(c)));
        goto out;
    }
    r->location = arena_printf(&r->a, "/api/v1/decisions/%s", id);
    reply_decision(r, c, id, 201);
out:
    PQclear(q);
    db_release(r->rd->pool, c);
    cJSON_Delete(body);
    free(assump);
}

void api_decision_get(http_req *r) {
    if (!api_path_id(r, "decision"))
        return;
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "get decision", NULL);
        return;
    }
    reply_decision(r, c, r->id, 200);
    db_release(r->rd->pool, c);
}

void api_decision_list(http_req *r) {
    static const char sql[] =
        "SELECT " DECISION_COLS
        " FROM decisions d WHERE ($1::text IS NULL OR $1 = ANY (d.tags)) AND ($2::text IS "
        "NULL OR d.author = $2) AND ($3::text IS NULL OR strpos(lower(d.title || ' ' || d.question || ' ' || "
        "d.decision || ' ' || d.rationale), lower($3)) > 0) AND ($4::text IS NULL OR d.status = $4) AND "
        "($5::bigint IS "
        "NULL OR d.id < $5) ORDER BY d.id DESC LIMIT $6";
    const char *tag = http_query(r, "tag"), *author = http_query(r, "author"), *text = http_query(r, "q");
    const char *status = http_query(r, "status"), *token = http_query(r, "page_token");
    if (!text)
        text = http_query(r, "text");
    int limit = api_limit(r, 50, 500);
    if (limit < 0)
        return;
    if (status && strcmp(status, "proposed") && strcmp(status, "accepted") && strcmp(status, "superseded")) {
        http_fail(r, RG_EINVAL, "status", "proposed, accepted or superseded", "unknown status \"%.40s\"",
                  status);
        return;
    }
    if (token) {
        size_t n = strlen(token);
        bool ok = n >= 1 && n <= 18;
        for (size_t i = 0; ok && i < n; i++)
            ok = token[i] >= '0' && token[i] <= '9';
        if (!ok) {
            http_fail(r, RG_EINVAL, "page_token", NULL, "malformed page token");
            return;
        }
    }
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit + 1);
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "list decisions", NULL);
        return;
    }
    const char *p[6] = {tag, author, text, status, token, lim};
    PGresult *q = db_query(c, sql, 6, p);
    if (!db_ok(q)) {
        http_problem_db(r, "list decisions", PQresultErrorMessage(q));
    } else {
        int n = PQntuples(q);
        jw w;
        jw_init(&w);
        jw_obj_begin(&w);
        jw_key(&w, "decisions");
        jw_arr_begin(&w);
        for (int i = 0; i < n && i < limit; i++)
            write_decision(&w, q, i);
        api_page_reply(r, &w, q, n, limit);
    }
    PQclear(q);
    db_release(r->rd->pool, c);
}
