/* db_migrate.c: apply the embedded schema/ migrations.
 *
 * Each migration runs in its own transaction that first takes a
 * transaction-scoped advisory lock, so replicas starting at once apply each
 * file exactly once; the checksum recorded with it detects an applied file
 * that was edited afterwards (migrations are forward-only). */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "migrations.h"
#include "sha256.h"

/* "ridge" in ASCII: the advisory lock key shared by every replica. */
#define RIDGED_MIGRATION_LOCK "521033504869"

static int run(PGconn *pg, const char *sql, char *errbuf, size_t cap) {
    PGresult *r = PQexec(pg, sql);
    int rc = 0;
    if (!db_ok(r)) {
        snprintf(errbuf, cap, "%s", PQresultErrorMessage(r));
        rc = -1;
    }
    PQclear(r);
    return rc;
}

int db_migrate(PGconn *pg, char *errbuf, size_t cap) {
    static const char create[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 " version integer PRIMARY KEY, name text NOT NULL,"
                                 " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())";
    int rc = -1;
    PGresult *r = NULL;
    if (run(pg, "BEGIN", errbuf, cap) ||
        run(pg, "SELECT pg_advisory_xact_lock(" RIDGED_MIGRATION_LOCK ")", errbuf, cap) ||
        run(pg, create, errbuf, cap) || run(pg, "COMMIT", errbuf, cap))
        goto out;
    for (int i = 0; i < ridged_migration_count; i++) {
        const ridged_migration *m = &ridged_migrations[i];
        char sum[65], ver[16];
        sha256_hex(m->sql, strlen(m->sql), sum);
        snprintf(ver, sizeof ver, "%d", m->version);
        if (run(pg, "BEGIN", errbuf, cap) ||
            run(pg, "SELECT pg_advisory_xact_lock(" RIDGED_MIGRATION_LOCK ")", errbuf, cap))
            goto out;
        const char *p1[1] = {ver};
        r = PQexecParams(pg, "SELECT checksum FROM schema_migrations WHERE version = $1", 1, NULL, p1, NULL,
                         NULL, 0);
        if (!db_ok(r)) {
            snprintf(errbuf, cap, "%s", PQresultErrorMessage(r));
            goto out;
        }
        if (PQntuples(r) == 1) {
            if (strcmp(PQgetvalue(r, 0, 0), sum) != 0) {
                snprintf(errbuf, cap,
                         "migration %s was changed after it was applied (checksum %s, recorded %s)", m->name,
                         sum, PQgetvalue(r, 0, 0));
                goto out;
            }
            PQclear(r);
            r = NULL;
            if (run(pg, "COMMIT", errbuf, cap))
                goto out;
            continue;
        }
        PQclear(r);
        r = NULL;
        if (run(pg, m->sql, errbuf, cap))
            goto out;
        const char *p3[3] = {ver, m->name, sum};
        r = PQexecParams(pg, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", 3,
                         NULL, p3, NULL, NULL, 0);
        if (!db_ok(r)) {
            snprintf(errbuf, cap, "%s", PQresultErrorMessage(r));
            goto out;
        }
        PQclear(r);
        r = NULL;
        if (run(pg, "COMMIT", errbuf, cap))
            goto out;
        fprintf(stderr, "ridged: applied migration %s\n", m->name);
    }
    rc = 0;
out:
    PQclear(r);
    if (rc && PQtransactionStatus(pg) != PQTRANS_IDLE) {
        PGresult *rb = PQexec(pg, "ROLLBACK");
        PQclear(rb);
    }
    return rc;
}
