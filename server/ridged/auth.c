/* auth.c: bearer-token authentication and the write policy.
 *
 * Reads are open. Writes need a token with the write role whenever ridged
 * listens beyond loopback, or always with --require-auth; on loopback an
 * anonymous caller may write and is recorded as "anonymous". A token that is
 * presented is always checked, and a read token never writes. */
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "sha256.h"

int auth_token_create(PGconn *pg, const char *name, const char *role, char *token, char *errbuf, size_t cap) {
    unsigned char raw[32];
    char sum[65];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n <= 0) {
            snprintf(errbuf, cap, "no randomness available");
            return -1;
        }
        got += (size_t)n;
    }
    strcpy(token, "rg_");
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(token + 3 + 2 * i, 3, "%02x", raw[i]);
    sha256_hex(token, strlen(token), sum);
    const char *p[3] = {name, role, sum};
    PGresult *r = PQexecParams(pg, "INSERT INTO api_tokens (name, role, token_sha256) VALUES ($1, $2, $3)", 3,
                               NULL, p, NULL, NULL, 0);
    int rc = 0;
    if (!db_ok(r)) {
        snprintf(errbuf, cap, "%s", PQresultErrorMessage(r));
        rc = -1;
    }
    PQclear(r);
    return rc;
}

/* Looks up a presented token; sets role and author. Returns false if the
 * token is unknown or revoked (role stays NONE), true otherwise. A database
 * failure answers 503 and returns false with r->status set. */
static bool lookup(http_req *r, const char *token) {
    static const char sql[] =
        "SELECT name, role FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL";
    char sum[65];
    sha256_hex(token, strlen(token), sum);
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "token lookup", NULL);
        return false;
    }
    const char *p[1] = {sum};
    PGresult *res = db_query(c, sql, 1, p);
    bool ok = false;
    if (!db_ok(res)) {
        http_problem_db(r, "token lookup", PQresultErrorMessage(res));
    } else if (PQntuples(res) == 1) {
        r->author = arena_strdup(&r->a, PQgetvalue(res, 0, 0));
        r->role = strcmp(PQgetvalue(res, 0, 1), "write") == 0 ? HTTP_ROLE_WRITE : HTTP_ROLE_READ;
        ok = r->author != NULL;
        if (!ok)
            r->author = "anonymous";
    }
    PQclear(res);
    db_release(r->rd->pool, c);
    return ok;
}

bool auth_check(http_req *r, bool write) {
    const char *h = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h) {
        if (strncasecmp(h, "Bearer ", 7) != 0) {
            http_fail(r, RG_EAUTH, "Authorization", "send 'Authorization: Bearer rg_…'",
                      "only bearer tokens are accepted");
            return false;
        }
        const char *tok = h + 7;
        while (*tok == ' ')
            tok++;
        if (!lookup(r, tok)) {
            if (!r->status)
                http_fail(r, RG_EAUTH, "Authorization", "create a token with `ridged token create`",
                          "the token is unknown or revoked");
            return false;
        }
    }
    if (!write)
        return true;
    if (r->role == HTTP_ROLE_WRITE)
        return true;
    if (r->role == HTTP_ROLE_READ) {
        http_fail(r, RG_EFORBIDDEN, "Authorization", "use a token created with --role write",
                  "token '%s' has the read role and cannot write", r->author);
        return false;
    }
    if (r->rd->cfg.require_auth || !r->rd->cfg.loopback) {
        http_fail(r, RG_EAUTH, "Authorization",
                  "send 'Authorization: Bearer rg_…' with a write token (ridged token create --role write)",
                  "writes need a token on this server");
        return false;
    }
    return true;
}
