/* db.c: the libpq connection pool (see db.h). */
#include "db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB_MAX_PREPARED 48

struct db_conn {
    PGconn *pg;
    bool busy;
    int nprep;
    const char *prep_sql[DB_MAX_PREPARED]; /* literal addresses, index = statement number */
};

struct db_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *conninfo;
    int n;
    db_conn *conns;
    db_stats st;
};

static void quiet(void *arg, const char *msg) {}

static PGconn *db_connect(const char *conninfo) {
    PGconn *pg = PQconnectdb(conninfo);
    if (pg)
        PQsetNoticeProcessor(pg, quiet, NULL);
    if (pg && PQstatus(pg) == CONNECTION_OK) {
        /* extra_float_digits > 0: doubles come back as their shortest exact
         * text (PostgreSQL 12+), which the results API passes on as is */
        PGresult *r = PQexec(pg, "SET application_name = 'ridged'; SET extra_float_digits = 3");
        PQclear(r);
    }
    return pg;
}

db_pool *db_pool_open(const char *conninfo, int n, char *errbuf, size_t cap) {
    db_pool *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(errbuf, cap, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->conninfo = strdup(conninfo);
    p->conns = calloc((size_t)n, sizeof *p->conns);
    if (!p->conninfo || !p->conns) {
        snprintf(errbuf, cap, "out of memory");
        goto fail;
    }
    p->n = n;
    for (int i = 0; i < n; i++) {
        p->conns[i].pg = db_connect(conninfo);
        if (!p->conns[i].pg || PQstatus(p->conns[i].pg) != CONNECTION_OK) {
            snprintf(errbuf, cap, "cannot connect to the database: %s",
                     p->conns[i].pg ? PQerrorMessage(p->conns[i].pg) : "out of memory");
            goto fail;
        }
    }
    p->st.size = n;
    return p;
fail:
    db_pool_close(p);
    return NULL;
}

void db_pool_close(db_pool *p) {
    if (!p)
        return;
    for (int i = 0; p->conns && i < p->n; i++)
        if (p->conns[i].pg)
            PQfinish(p->conns[i].pg);
    free(p->conns);
    free(p->conninfo);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

db_conn *db_acquire(db_pool *p) {
    db_conn *c = NULL;
    pthread_mutex_lock(&p->mu);
    p->st.acquires++;
    for (;;) {
        for (int i = 0; i < p->n; i++)
            if (!p->conns[i].busy) {
                c = &p->conns[i];
                break;
            }
        if (c)
            break;
        p->st.waits++;
        pthread_cond_wait(&p->cv, &p->mu);
    }
    c->busy = true;
    p->st.busy++;
    pthread_mutex_unlock(&p->mu);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        PQreset(c->pg);
        c->nprep = 0;
        pthread_mutex_lock(&p->mu);
        p->st.reconnects++;
        pthread_mutex_unlock(&p->mu);
        if (PQstatus(c->pg) != CONNECTION_OK) {
            db_release(p, c);
            return NULL;
        }
    }
    return c;
}

void db_release(db_pool *p, db_conn *c) {
    if (!c)
        return;
    if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c->pg, "ROLLBACK");
        PQclear(r);
    }
    pthread_mutex_lock(&p->mu);
    c->busy = false;
    p->st.busy--;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

PGconn *db_pg(db_conn *c) { return c->pg; }

bool db_ok(const PGresult *r) {
    if (!r)
        return false;
    ExecStatusType s = PQresultStatus(r);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

const char *db_sqlstate(const PGresult *r) {
    const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}

static PGresult *query_once(db_conn *c, const char *sql, int n, const char *const *vals);

/* A read that failed because the server closed the connection (restart,
 * failover) is retried once on a fresh connection; writes are not, since
 * their outcome is unknown. */
PGresult *db_query(db_conn *c, const char *sql, int n, const char *const *vals) {
    bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    PGresult *r = query_once(c, sql, n, vals);
    if (!db_ok(r) && idle && PQstatus(c->pg) == CONNECTION_BAD && strncmp(sql, "SELECT", 6) == 0) {
        PQclear(r);
        PQreset(c->pg);
        c->nprep = 0;
        if (PQstatus(c->pg) != CONNECTION_OK)
            return NULL;
        r = query_once(c, sql, n, vals);
    }
    return r;
}

static PGresult *query_once(db_conn *c, const char *sql, int n, const char *const *vals) {
    int idx = -1;
    char name[16];
    for (int i = 0; i < c->nprep; i++)
        if (c->prep_sql[i] == sql) {
            idx = i;
            break;
        }
    if (idx < 0) {
        if (c->nprep == DB_MAX_PREPARED)
            return PQexecParams(c->pg, sql, n, NULL, vals, NULL, NULL, 0);
        idx = c->nprep;
        snprintf(name, sizeof name, "s%d", idx);
        PGresult *r = PQprepare(c->pg, name, sql, n, NULL);
        if (!db_ok(r)) {
            /* hand the error back as the statement's result */
            return r;
        }
        PQclear(r);
        c->prep_sql[c->nprep++] = sql;
    }
    snprintf(name, sizeof name, "s%d", idx);
    return PQexecPrepared(c->pg, name, n, vals, NULL, NULL, 0);
}

PGresult *db_query_dyn(db_conn *c, const char *sql, int n, const char *const *vals) {
    return PQexecParams(c->pg, sql, n, NULL, vals, NULL, NULL, 0);
}

bool db_cmd(db_conn *c, const char *sql) {
    PGresult *r = PQexec(c->pg, sql);
    bool ok = db_ok(r);
    PQclear(r);
    if (!ok && strcmp(sql, "BEGIN") == 0 && PQstatus(c->pg) == CONNECTION_BAD) {
        /* nothing has happened yet: safe to retry on a fresh connection */
        PQreset(c->pg);
        c->nprep = 0;
        r = PQexec(c->pg, sql);
        ok = db_ok(r);
        PQclear(r);
    }
    return ok;
}

void db_pool_stats(db_pool *p, db_stats *out) {
    pthread_mutex_lock(&p->mu);
    *out = p->st;
    pthread_mutex_unlock(&p->mu);
}
