/* db.c: the libpq connection pool (see db.h). */
#include "db.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DB_MAX_PREPARED 48

struct db_conn {
    db_pool *pool;
    PGconn *pg; /* NULL after a timeout closed it: reconnected on the next borrow */
    bool busy;
    double deadline; /* absolute (db_acquire_within), or 0: each statement gets the pool's timeout */
    int nprep;
    const char *prep_sql[DB_MAX_PREPARED]; /* literal addresses, index = statement number */
};

struct db_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *conninfo;
    int n;
    int timeout_ms;
    db_conn *conns;
    db_stats st;
};

static void quiet(void *arg, const char *msg) {}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Milliseconds left until `deadline` (0 when it has passed). */
static int left_ms(double deadline) {
    double ms = (deadline - now_s()) * 1e3;
    return ms <= 0 ? 0 : ms > 1e9 ? 1000000000 : (int)ms + 1;
}

/* Waits until the socket is ready for `events` or the deadline passes.
 * True when ready. */
static bool wait_socket(PGconn *pg, short events, double deadline) {
    for (;;) {
        int ms = left_ms(deadline);
        struct pollfd pfd = {PQsocket(pg), events, 0};
        if (pfd.fd < 0 || ms == 0)
            return false;
        int n = poll(&pfd, 1, ms);
        if (n > 0)
            return true;
        if (n == 0 || errno != EINTR)
            return false;
    }
}

/* The results of the statement just sent, as PQexec gives them (the last
 * one, or the first error), waiting no longer than `deadline`. NULL when
 * the deadline passed: the server is frozen or far too slow, and the
 * connection, whose state is now unknown, is closed. */
static PGresult *await(db_conn *c, double deadline) {
    PGresult *keep = NULL;
    for (;;) {
        while (PQisBusy(c->pg)) {
            if (!wait_socket(c->pg, POLLIN, deadline))
                goto timeout;
            if (!PQconsumeInput(c->pg))
                break; /* broken: PQgetResult reports it */
        }
        PGresult *r = PQgetResult(c->pg);
        if (!r)
            break;
        ExecStatusType st = PQresultStatus(r);
        if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
            PQclear(r);
        } else {
            PQclear(keep);
            keep = r;
        }
        if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH)
            break; /* the pool does not COPY; leave it to the caller */
        if (PQstatus(c->pg) == CONNECTION_BAD)
            break;
    }
    return keep;
timeout:
    PQclear(keep);
    fprintf(stderr, "ridged: database did not answer in time; closing that connection\n");
    PQfinish(c->pg);
    c->pg = NULL;
    c->nprep = 0;
    if (c->pool) {
        pthread_mutex_lock(&c->pool->mu);
        c->pool->st.timeouts++;
        pthread_mutex_unlock(&c->pool->mu);
    }
    return NULL;
}

static double stmt_deadline(const db_conn *c) {
    if (c->deadline > 0)
        return c->deadline;
    return now_s() + (c->pool ? c->pool->timeout_ms : 5000) / 1e3;
}

/* Connects within `deadline` (libpq's own connect_timeout counts whole
 * seconds, from 2): the non-blocking handshake, then the session settings,
 * statement_timeout among them, so the server also ends a statement that
 * runs past the pool's timeout. NULL on timeout; a failed connection is
 * returned for its message. */
static PGconn *connect_until(const char *conninfo, int timeout_ms, double deadline) {
    const char *const kw[] = {"dbname", NULL};
    const char *const vals[] = {conninfo, NULL};
    PGconn *pg = PQconnectStartParams(kw, vals, 1);
    if (!pg || PQstatus(pg) == CONNECTION_BAD)
        return pg;
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        if (!wait_socket(pg, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline)) {
            PQfinish(pg);
            return NULL;
        }
        st = PQconnectPoll(pg);
    }
    if (st == PGRES_POLLING_FAILED)
        return pg;
    PQsetNoticeProcessor(pg, quiet, NULL);
    char set[160];
    /* extra_float_digits > 0: doubles come back as their shortest exact
     * text (PostgreSQL 12+), which the results API passes on as is */
    snprintf(set, sizeof set,
             "SET application_name = 'ridged'; SET extra_float_digits = 3; SET statement_timeout = %d",
             timeout_ms);
    db_conn tmp = {.pg = pg};
    if (!PQsendQuery(pg, set)) {
        PQfinish(pg);
        return NULL;
    }
    PGresult *r = await(&tmp, deadline);
    PQclear(r);
    return tmp.pg; /* NULL when the settings timed out (await closed it) */
}

db_pool *db_pool_open(const char *conninfo, int n, int timeout_ms, char *errbuf, size_t cap) {
    db_pool *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(errbuf, cap, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
    p->conninfo = strdup(conninfo);
    p->conns = calloc((size_t)n, sizeof *p->conns);
    if (!p->conninfo || !p->conns) {
        snprintf(errbuf, cap, "out of memory");
        goto fail;
    }
    p->n = n;
    for (int i = 0; i < n; i++) {
        p->conns[i].pool = p;
        p->conns[i].pg = connect_until(conninfo, p->timeout_ms, now_s() + 10.0);
        if (!p->conns[i].pg || PQstatus(p->conns[i].pg) != CONNECTION_OK) {
            snprintf(errbuf, cap, "cannot connect to the database: %s",
                     p->conns[i].pg ? PQerrorMessage(p->conns[i].pg) : "no answer within 10 s\n");
            goto fail;
        }
    }
    p->st.size = n;
    return p;
fail:
    db_pool_close(p);
    return NULL;
}

int db_pool_timeout_ms(const db_pool *p) { return p ? p->timeout_ms : 0; }

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

/* Borrows a connection, waiting until `deadline` at most. */
static db_conn *acquire_until(db_pool *p, double deadline, double stmt_deadline_abs) {
    db_conn *c = NULL;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    double wait = deadline - now_s();
    if (wait < 0)
        wait = 0;
    until.tv_sec += (time_t)wait;
    until.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
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
        if (pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT) {
            /* every connection is stuck in a statement: fail fast */
            p->st.timeouts++;
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
    }
    c->busy = true;
    c->deadline = stmt_deadline_abs;
    p->st.busy++;
    pthread_mutex_unlock(&p->mu);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        if (c->pg)
            PQfinish(c->pg);
        c->pg =
            connect_until(p->conninfo, p->timeout_ms, stmt_deadline_abs > 0 ? stmt_deadline_abs : deadline);
        c->nprep = 0;
        pthread_mutex_lock(&p->mu);
        p->st.reconnects++;
        pthread_mutex_unlock(&p->mu);
        if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
            db_release(p, c);
            return NULL;
        }
    }
    return c;
}

db_conn *db_acquire(db_pool *p) { return acquire_until(p, now_s() + p->timeout_ms / 1e3, 0); }

db_conn *db_acquire_within(db_pool *p, int ms) {
    double deadline = now_s() + ms / 1e3;
    return acquire_until(p, deadline, deadline);
}

void db_release(db_pool *p, db_conn *c) {
    if (!c)
        return;
    if (c->pg && PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        c->deadline = 0;
        if (PQsendQuery(c->pg, "ROLLBACK"))
            PQclear(await(c, stmt_deadline(c)));
    }
    pthread_mutex_lock(&p->mu);
    c->busy = false;
    c->deadline = 0;
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
 * their outcome is unknown, nor is a statement that timed out. */
PGresult *db_query(db_conn *c, const char *sql, int n, const char *const *vals) {
    if (!c->pg)
        return NULL;
    bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    PGresult *r = query_once(c, sql, n, vals);
    if (!db_ok(r) && idle && c->pg && PQstatus(c->pg) == CONNECTION_BAD && strncmp(sql, "SELECT", 6) == 0) {
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
    double deadline = stmt_deadline(c);
    for (int i = 0; i < c->nprep; i++)
        if (c->prep_sql[i] == sql) {
            idx = i;
            break;
        }
    if (idx < 0) {
        if (c->nprep == DB_MAX_PREPARED)
            return db_query_dyn(c, sql, n, vals);
        idx = c->nprep;
        snprintf(name, sizeof name, "s%d", idx);
        if (!PQsendPrepare(c->pg, name, sql, n, NULL))
            return NULL;
        PGresult *r = await(c, deadline);
        if (!db_ok(r))
            return r; /* hand the error back as the statement's result */
        PQclear(r);
        c->prep_sql[c->nprep++] = sql;
    }
    snprintf(name, sizeof name, "s%d", idx);
    if (!PQsendQueryPrepared(c->pg, name, n, vals, NULL, NULL, 0))
        return NULL;
    return await(c, deadline);
}

PGresult *db_query_dyn(db_conn *c, const char *sql, int n, const char *const *vals) {
    if (!c->pg || !PQsendQueryParams(c->pg, sql, n, NULL, vals, NULL, NULL, 0))
        return NULL;
    return await(c, stmt_deadline(c));
}

PGresult *db_query_bin(db_conn *c, const char *sql, int n, const char *const *vals) {
    if (!c->pg || !PQsendQueryParams(c->pg, sql, n, NULL, vals, NULL, NULL, 1))
        return NULL;
    return await(c, stmt_deadline(c));
}

static bool cmd_once(db_conn *c, const char *sql) {
    if (!c->pg || !PQsendQuery(c->pg, sql))
        return false;
    PGresult *r = await(c, stmt_deadline(c));
    bool ok = db_ok(r);
    PQclear(r);
    return ok;
}

bool db_cmd(db_conn *c, const char *sql) {
    bool ok = cmd_once(c, sql);
    if (!ok && strcmp(sql, "BEGIN") == 0 && c->pg && PQstatus(c->pg) == CONNECTION_BAD) {
        /* nothing has happened yet: safe to retry on a fresh connection */
        PQreset(c->pg);
        c->nprep = 0;
        ok = cmd_once(c, sql);
    }
    return ok;
}

bool db_timed_out(const PGresult *r) { return r && strcmp(db_sqlstate(r), "57014") == 0; }

void db_pool_stats(db_pool *p, db_stats *out) {
    pthread_mutex_lock(&p->mu);
    *out = p->st;
    pthread_mutex_unlock(&p->mu);
}
