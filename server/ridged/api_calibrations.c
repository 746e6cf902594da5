/* api_calibrations.c: stored calibration profiles (server/calib.h).
 *
 * POST /api/v1/calibrations {"name", "measurements": "JSON lines", "folds"?,
 * "description"?} fits the rows as `ridge calibrate` does and stores the
 * profile with the rows it came from; {"name", "profile": {...}} stores a
 * profile `ridge calibrate --out` wrote (no rows: measurements is empty,
 * rows 0, its groups keep their own row counts); GET lists profiles, GET .../{id}
 * returns one with its profile. A bad row answers 400 naming
 * "measurements" with the line and key. The fit runs on the request thread,
 * so the rows are capped (CALIB_MAX_ROWS, and few step rows: each is a whole
 * evaluation per fit iteration). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "calib.h"

#define CALIB_MAX_ROWS      5000 /* about 1.9 kB each while fitting */
#define CALIB_MAX_STEP_ROWS 200

static bool good_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
    }
    return true;
}

#define CALIB_COLS "c.id, c.name, c.description, c.rows, c.author, " API_TS("c.created_at")

static void write_head(jw *w, const PGresult *q, int i) {
    jw_kstr(w, "id", PQgetvalue(q, i, 0));
    jw_kstr(w, "name", PQgetvalue(q, i, 1));
    jw_kstr(w, "description", PQgetvalue(q, i, 2));
    jw_kint(w, "rows", atoll(PQgetvalue(q, i, 3)));
    jw_kstr(w, "author", PQgetvalue(q, i, 4));
    jw_kstr(w, "created_at", PQgetvalue(q, i, 5));
}

/* Answers with the stored profile `key` (an id, or a name when byname). */
static void reply_one(http_req *r, db_conn *c, const char *key, bool byname, int status) {
    static const char by_id[] = "SELECT " CALIB_COLS ", c.profile FROM calibrations c WHERE c.id = $1";
    static const char by_name[] = "SELECT " CALIB_COLS ", c.profile FROM calibrations c WHERE c.name = $1";
    const char *p[1] = {key};
    PGresult *q = db_query(c, byname ? by_name : by_id, 1, p);
    if (!db_ok(q)) {
        http_problem_db(r, "get calibration", PQresultErrorMessage(q));
    } else if (PQntuples(q) == 0) {
        http_fail(r, RG_ENOTFOUND, "id", NULL, "no calibration %s", key);
    } else {
        jw w;
        jw_init(&w);
        jw_obj_begin(&w);
        write_head(&w, q, 0);
        jw_key(&w, "profile");
        jw_raw(&w, PQgetvalue(q, 0, 6));
        jw_obj_end(&w);
        if (status == 201)
            r->location = arena_printf(&r->a, "/api/v1/calibrations/%s", PQgetvalue(q, 0, 0));
        http_reply_json(r, status, &w);
    }
    PQclear(q);
}

/* A fitted profile sent as it is: parsed as a spec's "calibration" file is
 * (calib_profile_parse), its source prefixed with the name it is stored
 * under. False after answering 400 naming "profile". */
static bool upload_profile(http_req *r, const cJSON *pj, const char *name, calib_profile *prof) {
    char msg[256] = "", src[sizeof prof->source];
    if (!cJSON_IsObject(pj)) {
        http_fail(r, RG_ETYPE, "profile", "the object ridge calibrate --out writes",
                  "profile must be an object");
        return false;
    }
    if (calib_profile_parse(pj, prof, msg, sizeof msg) != 0) {
        http_fail(r, RG_EINVAL, "profile", "ridge calibrate --out writes a profile", "profile: %s", msg);
        return false;
    }
    if (prof->n == 0) {
        http_fail(r, RG_EMISSING, "profile.groups", NULL, "the profile has no groups");
        return false;
    }
    int n = snprintf(src, sizeof src, "calibration %s (uploaded profile, fitted on: %s)", name, prof->source);
    if (n < 0 || (size_t)n >= sizeof src)
        src[sizeof src - 1] = '\0';
    memcpy(prof->source, src, sizeof src);
    return true;
}

void api_calibration_create(http_req *r) {
    static const char *const keys[] = {"name", "measurements", "profile", "folds", "description", NULL};
    static const char ins[] =
        "INSERT INTO calibrations (name, description, measurements, rows, profile, author) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING RETURNING id";
    cJSON *body = NULL;
    db_conn *c = NULL;
    PGresult *q = NULL;
    calib_set set = {0};
    calib_profile prof = {0};
    char *prof_text = NULL;
    jw pw;
    jw_init(&pw);
    const char *name = NULL, *meas = NULL, *desc = NULL;
    char msg[512] = "", nrows[16];
    body = api_body_object(r);
    if (!body || !api_known_keys(r, body, keys, ""))
        goto out;
    if (!api_opt_string(r, body, "name", 64, &name) || !api_opt_string(r, body, "description", 2000, &desc) ||
        !api_opt_string(r, body, "measurements", (size_t)64 << 20, &meas))
        goto out;
    if (!name || !good_name(name)) {
        http_fail(r, name ? RG_EINVAL : RG_EMISSING, "name", "letters, digits, '.', '_', '-'; 1..64",
                  "a calibration needs a name");
        goto out;
    }
    const cJSON *pj = cJSON_GetObjectItemCaseSensitive(body, "profile");
    if (pj && meas) {
        http_fail(r, RG_EINVAL, "profile", "send measurement rows to fit, or a fitted profile, not both",
                  "measurements and profile exclude each other");
        goto out;
    }
    if (pj) {
        if (!upload_profile(r, pj, name, &prof))
            goto out;
        snprintf(nrows, sizeof nrows, "0");
        meas = "";
        goto store;
    }
    if (!meas) {
        http_fail(r, RG_EMISSING, "measurements", "JSON lines, one measurement row each (ridge calibrate)",
                  "measurements (or a fitted profile) are required");
        goto out;
    }
    const cJSON *fj = cJSON_GetObjectItemCaseSensitive(body, "folds");
    int folds = 5;
    if (fj && (!cJSON_IsNumber(fj) || fj->valuedouble != (int)fj->valuedouble || fj->valueint < 0 ||
               fj->valueint > 20 || fj->valueint == 1)) {
        http_fail(r, RG_ERANGE, "folds", "0 (no cross-validation) or 2..20", "bad folds");
        goto out;
    }
    if (fj)
        folds = fj->valueint;
    int rc = calib_read(meas, "measurements", false, &set, msg, sizeof msg);
    if (rc) {
        http_fail(r, rc == -2 ? RG_ENOMEM : RG_EINVAL, "measurements",
                  "see ridge calibrate for the row format", "%s", msg);
        goto out;
    }
    int steps = 0;
    for (int i = 0; i < set.n; i++)
        steps += set.rows[i].kind == CALIB_STEP;
    if (set.n == 0 || set.n > CALIB_MAX_ROWS || steps > CALIB_MAX_STEP_ROWS) {
        http_fail(r, set.n ? RG_ETOOBIG : RG_EMISSING, "measurements", NULL,
                  "%d rows (%d steps): 1..%d rows with at most %d step rows", set.n, steps, CALIB_MAX_ROWS,
                  CALIB_MAX_STEP_ROWS);
        goto out;
    }
    if (calib_fit(&set, folds, &prof) != 0) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto out;
    }
    snprintf(prof.source, sizeof prof.source, "calibration %s (%d rows stored with it)", name, set.n);
    snprintf(nrows, sizeof nrows, "%d", set.n);
store:
    calib_profile_write(&pw, &prof);
    size_t plen = 0;
    prof_text = jw_take(&pw, &plen);
    if (!prof_text) {
        http_fail(r, RG_ENOMEM, NULL, NULL, "out of memory");
        goto out;
    }
    c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "store calibration", NULL);
        goto out;
    }
    const char *p[6] = {name, desc ? desc : "", meas, nrows, prof_text, r->author};
    q = db_query(c, ins, 6, p);
    if (!db_ok(q)) {
        http_problem_db(r, "store calibration", PQresultErrorMessage(q));
    } else if (PQntuples(q) == 0) {
        http_fail(r, RG_ECONFLICT, "name", "profiles are immutable: store a new fit under a new name",
                  "a calibration named %s exists", name);
    } else {
        char id[24];
        snprintf(id, sizeof id, "%s", PQgetvalue(q, 0, 0));
        reply_one(r, c, id, false, 201);
    }
out:
    PQclear(q);
    db_release(r->rd->pool, c);
    cJSON_Delete(body);
    calib_set_free(&set);
    calib_profile_free(&prof);
    free(prof_text);
    jw_free(&pw);
}

void api_calibration_list(http_req *r) {
    static const char sql[] = "SELECT " CALIB_COLS " FROM calibrations c ORDER BY c.id DESC LIMIT $1";
    char lim[16];
    int limit = api_limit(r, 100, 1000);
    if (limit < 0)
        return;
    snprintf(lim, sizeof lim, "%d", limit);
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "list calibrations", NULL);
        return;
    }
    const char *p[1] = {lim};
    PGresult *q = db_query(c, sql, 1, p);
    if (!db_ok(q)) {
        http_problem_db(r, "list calibrations", PQresultErrorMessage(q));
    } else {
        jw w;
        jw_init(&w);
        jw_obj_begin(&w);
        jw_key(&w, "calibrations");
        jw_arr_begin(&w);
        for (int i = 0; i < PQntuples(q); i++) {
            jw_obj_begin(&w);
            write_head(&w, q, i);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_obj_end(&w);
        http_reply_json(r, 200, &w);
    }
    PQclear(q);
    db_release(r->rd->pool, c);
}

void api_calibration_get(http_req *r) {
    if (!api_path_id(r, "calibration"))
        return;
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "get calibration", NULL);
        return;
    }
    reply_one(r, c, r->id, false, 200);
    db_release(r->rd->pool, c);
}

int api_calibration_resolve(http_req *r, cJSON *spec, calib_profile *prof, calib_applied *ap, char *name,
                            size_t nlen) {
    static const char sql[] = "SELECT profile FROM calibrations WHERE name = $1";
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(spec, "calibration");
    char msg[256] = "";
    int rc = -1;
    rg_err e = {0};
    if (!k)
        return 0;
    if (!cJSON_IsString(k) || !good_name(k->valuestring)) {
        http_fail(r, RG_ETYPE, "calibration", "the name of a stored profile (GET /api/v1/calibrations)",
                  "calibration must be a profile name");
        return -1;
    }
    snprintf(name, nlen, "%s", k->valuestring);
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "get calibration", NULL);
        return -1;
    }
    const char *p[1] = {name};
    PGresult *q = db_query(c, sql, 1, p);
    cJSON *pj = NULL;
    if (!db_ok(q)) {
        http_problem_db(r, "get calibration", PQresultErrorMessage(q));
    } else if (PQntuples(q) == 0) {
        http_fail(r, RG_EUNKNOWN, "calibration", "GET /api/v1/calibrations lists them",
                  "no calibration named %s", name);
    } else {
        pj = cJSON_Parse(PQgetvalue(q, 0, 0));
        if (!pj || calib_profile_parse(pj, prof, msg, sizeof msg) != 0)
            http_fail(r, RG_EINTERNAL, "calibration", NULL, "stored profile %s does not parse: %s", name,
                      msg);
        else if (calib_apply_json(spec, prof, ap, &e) != 0)
            http_problem_err(r, &e, NULL, NULL);
        else
            rc = 1;
    }
    cJSON_Delete(pj);
    PQclear(q);
    db_release(r->rd->pool, c);
    return rc;
}
