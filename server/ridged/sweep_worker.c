/* sweep_worker.c: the lease loop of a sweep worker (see sweep.h).
 *
 * claim:    one UPDATE over a SELECT ... FOR UPDATE SKIP LOCKED picks a
 *           pending chunk, or a running one whose lease expired, and sets
 *           attempt + 1, owner and lease expiry.
 * evaluate: OpenMP over the chunk's points, typed specs from the plan.
 * complete: one transaction: the chunk UPDATE fenced on (sweep, chunk,
 *           attempt, owner), the results by binary COPY, then the sweep row
 *           locked and its progress/status advanced. A worker that lost its
 *           lease (stalled, or another replica took over) matches no row and
 *           rolls back, so its results are never stored twice.
 * LISTEN/NOTIFY only shortens the wait; the poll timeout is the fallback.
 * The same workers run layout searches' chunks (search_job.h): a worker
 * that stored a chunk of one kind looks for the other kind first next time,
 * so neither queue starves the other. */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wakeup.h"
#include "evaluate.h"
#include "codec_numerics.h"
#include "result_cols.h"
#include "search_job.h"
#include "sha256.h"
#include "sweep.h"
#include "sweep_index.h"
#include "sweep_plan.h"

#define WORKER_POLL_MS 1000

typedef struct point_out {
    int status;
    double v[RC_COUNT]; /* the result columns (result_cols.h) */
} point_out;

typedef struct worker {
    sweep_workers *sw;
    int index;
    int evfd;
    PGconn *pg;
    char owner[192];
    int64_t plan_sweep;
    sweep_plan *plan;
    search_job_cache scache; /* the search whose chunk ran last */
    bool search_first;       /* look for a search chunk before a sweep chunk */
    pthread_t thread;
    bool started;
    /* consecutive failed claims or completions, and the last message
     * (under the workers' mutex: /health reads them) */
    int failures;
    char last_error[256];
} worker;

struct sweep_workers {
    ridged *rd;
    int n;
    worker *w;
    pthread_mutex_t mu; /* guards failures / last_error */
};

/* Records a failed claim or completion with the database's message. */
static void worker_failed(worker *w, const char *msg) {
    pthread_mutex_lock(&w->sw->mu);
    w->failures++;
    snprintf(w->last_error, sizeof w->last_error, "%s", msg && *msg ? msg : "connection lost");
    size_t n = strlen(w->last_error);
    while (n && (w->last_error[n - 1] == '\n' || w->last_error[n - 1] == ' '))
        w->last_error[--n] = '\0';
    pthread_mutex_unlock(&w->sw->mu);
}

static void worker_ok(worker *w) {
    pthread_mutex_lock(&w->sw->mu);
    w->failures = 0;
    pthread_mutex_unlock(&w->sw->mu);
}

int sweep_workers_failing(sweep_workers *sw, char *msg, size_t cap) {
    int worst = 0;
    if (!sw)
        return 0;
    pthread_mutex_lock(&sw->mu);
    for (int i = 0; i < sw->n; i++)
        if (sw->w[i].failures > worst) {
            worst = sw->w[i].failures;
            snprintf(msg, cap, "%s", sw->w[i].last_error);
        }
    pthread_mutex_unlock(&sw->mu);
    return worst;
}

typedef struct chunk {
    char sweep[24], index[16], attempt[16];
    int64_t sweep_id, first, n;
    int attempt_n;
} chunk;

static bool stopping(const worker *w) { return atomic_load(&w->sw->rd->stopping); }

static PGresult *exec(worker *w, const char *sql, int n, const char *const *p) {
    return PQexecParams(w->pg, sql, n, NULL, p, NULL, NULL, 0);
}

static void quiet_notice(void *arg, const char *msg) {}

static bool ensure_conn(worker *w) {
    if (w->pg && PQstatus(w->pg) == CONNECTION_OK)
        return true;
    if (w->pg) {
        PQreset(w->pg);
    } else {
        w->pg = PQconnectdb(w->sw->rd->cfg.db);
        if (w->pg)
            PQsetNoticeProcessor(w->pg, quiet_notice, NULL);
    }
    if (!w->pg || PQstatus(w->pg) != CONNECTION_OK)
        return false;
    /* A worker stalled inside its completion transaction (stopped, swapped
     * out) would hold the chunk's row lock and keep every other replica
     * from re-claiming it: the server ends such a transaction after one
     * lease, and the fence makes the late worker's results count for nothing. */
    char set[256], hex[65];
    int ms = w->sw->rd->cfg.lease_s * 1000;
    /* the session is named after a hash of the owner so the reaper (below)
     * can find a stalled owner's transaction */
    sha256_hex(w->owner, strlen(w->owner), hex);
    snprintf(set, sizeof set,
             "SET application_name = 'rgw:%.16s'; SET statement_timeout = %d; SET "
             "idle_in_transaction_session_timeout = %d",
             hex, ms, ms);
    PGresult *r = PQexec(w->pg, set);
    bool ok = db_ok(r);
    PQclear(r);
    r = PQexec(w->pg, "LISTEN ridge_sweeps");
    ok = ok && db_ok(r);
    PQclear(r);
    return ok;
}

/* Waits up to `ms` for a notification, a wake-up or the stop request. */
static void wait_for_work(worker *w, int ms) { wakeup_wait(w->evfd, w->pg, ms); }

/* A worker stopped in the middle of its completion transaction (SIGSTOP,
 * swapped out, a frozen VM) keeps the chunk's row lock, so SKIP LOCKED
 * never hands the chunk to anyone else, and a backend waiting for COPY data
 * is not subject to statement_timeout. When a chunk's lease has expired and
 * its owner's session has been inside one transaction for longer than a
 * lease, that session is terminated: its transaction rolls back (nothing of
 * it was stored) and the chunk can be claimed again. */
static void reap_stalled(worker *w) {
    static const char sql[] =
        "SELECT count(pg_terminate_backend(a.pid)) FROM pg_stat_activity a WHERE "
        "a.datname = current_database() "
        "AND a.pid <> pg_backend_pid() AND a.xact_start < now() - make_interval(secs "
        "=> $1::double precision) AND "
        "a.application_name IN (SELECT 'rgw:' || left(encode(sha256(convert_to(owner, "
        "'UTF8')), 'hex'), 16) FROM "
        "(SELECT owner FROM sweep_chunks WHERE state = 'running' AND lease_until < now() "
        "UNION ALL SELECT owner FROM search_chunks WHERE state = 'running' AND lease_until "
        "< now()) x)";
    char lease[16];
    snprintf(lease, sizeof lease, "%d", w->sw->rd->cfg.lease_s);
    const char *p[1] = {lease};
    PGresult *r = exec(w, sql, 1, p);
    if (db_ok(r) && PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "0") != 0)
        fprintf(stderr, "ridged: %s: ended %s stalled session(s) holding expired chunk leases\n", w->owner,
                PQgetvalue(r, 0, 0));
    PQclear(r);
}

/* Returns 1 with *c filled, 0 when there is no work, -1 on a database error. */
static int claim(worker *w, chunk *c) {
    /* Round-robin across sweeps: of the active sweeps with a claimable
     * chunk, the one whose last claim is oldest (never claimed first) gives
     * its lowest claimable chunk; the claim stamps the sweep. */
    static const char sql[] =
        "WITH pick AS (SELECT k.sweep_id, k.chunk_index FROM sweeps s CROSS JOIN LATERAL (SELECT "
        "k.sweep_id, k.chunk_index FROM sweep_chunks k WHERE k.sweep_id = s.id AND k.state <> 'done' AND "
        "(k.state = 'pending' OR (k.state = 'running' AND k.lease_until < now())) ORDER BY k.chunk_index "
        "LIMIT 1 FOR UPDATE OF k SKIP LOCKED) k WHERE s.status IN ('queued', 'running') ORDER BY "
        "s.last_claim_at NULLS FIRST, s.id LIMIT 1), claimed AS (UPDATE sweep_chunks c SET state = "
        "'running', attempt = c.attempt + 1, owner = $1, lease_until = now() + make_interval(secs => "
        "$2::double precision) FROM pick t WHERE c.sweep_id = t.sweep_id AND c.chunk_index = t.chunk_index "
        "RETURNING c.sweep_id, c.chunk_index, c.first_point, c.n_points, c.attempt), stamp AS (UPDATE sweeps "
        "s SET last_claim_at = clock_timestamp() FROM claimed WHERE s.id = claimed.sweep_id) SELECT * FROM "
        "claimed";
    char lease[16];
    snprintf(lease, sizeof lease, "%d", w->sw->rd->cfg.lease_s);
    const char *p[2] = {w->owner, lease};
    PGresult *r = exec(w, sql, 2, p);
    int rc = 0;
    if (!db_ok(r)) {
        const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(w->pg);
        fprintf(stderr, "ridged: %s: claim failed: %s", w->owner, msg);
        worker_failed(w, msg);
        rc = -1;
    } else if (PQntuples(r) == 1) {
        snprintf(c->sweep, sizeof c->sweep, "%s", PQgetvalue(r, 0, 0));
        snprintf(c->index, sizeof c->index, "%s", PQgetvalue(r, 0, 1));
        snprintf(c->attempt, sizeof c->attempt, "%s", PQgetvalue(r, 0, 4));
        c->sweep_id = strtoll(c->sweep, NULL, 10);
        c->first = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
        c->n = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
        c->attempt_n = atoi(c->attempt);
        rc = 1;
    }
    PQclear(r);
    return rc;
}

static void fail_sweep(worker *w, const char *sweep, const char *why) {
    static const char sql[] =
        "UPDATE sweeps SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 "
        "AND status IN ('queued', 'running')";
    const char *p[2] = {sweep, why};
    PGresult *r = exec(w, sql, 2, p);
    PQclear(r);
    fprintf(stderr, "ridged: sweep %s failed: %s\n", sweep, why);
}

/* Loads (or reuses) the plan of the chunk's sweep. Returns 0, or -1 after
 * failing the sweep if its stored definition does not build. */
static int load_plan(worker *w, const chunk *c) {
    static const char sql[] = "SELECT base, axes FROM sweeps WHERE id = $1";
    if (w->plan && w->plan_sweep == c->sweep_id)
        return 0;
    plan_free(w->plan);
    w->plan = NULL;
    const char *p[1] = {c->sweep};
    PGresult *r = exec(w, sql, 1, p);
    int rc = -1;
    cJSON *base = NULL, *axes = NULL;
    if (!db_ok(r) || PQntuples(r) != 1)
        goto out;
    base = cJSON_Parse(PQgetvalue(r, 0, 0));
    axes = cJSON_Parse(PQgetvalue(r, 0, 1));
    rg_err err = {0};
    if (!base || !axes) {
        fail_sweep(w, c->sweep, "stored sweep definition is not valid JSON");
        goto out;
    }
    if (plan_build(base, axes, SWEEP_MAX_POINTS, false, &w->plan, &err)) {
        char why[512];
        snprintf(why, sizeof why, "%s: %s", err.field, err.msg);
        fail_sweep(w, c->sweep, why);
        goto out;
    }
    w->plan_sweep = c->sweep_id;
    rc = 0;
out:
    cJSON_Delete(base);
    cJSON_Delete(axes);
    PQclear(r);
    return rc;
}

static void evaluate(worker *w, const chunk *c, point_out *out, atomic_bool *aborted) {
    const sweep_plan *plan = w->plan;
    int nt = w->sw->rd->cfg.omp_threads;
    const ridged *rd = w->sw->rd;
#pragma omp parallel num_threads(nt)
    {
        rg_spec *spec = malloc(sizeof *spec);
        rg_result *res = malloc(sizeof *res);
        /* the quality loss of the last numerics seen: most sweeps hold a few */
        rg_numerics qnum;
        int qphase = -1;
        double qloss = NAN;
#pragma omp for schedule(dynamic, 64)
        for (int64_t i = 0; i < c->n; i++) {
            point_out *o = &out[i];
            rg_err err;
            memset(o, 0, sizeof *o);
            if (!spec || !res) {
                o->status = RG_ENOMEM;
                atomic_store(aborted, true);
                continue;
            }
            if ((i & 1023) == 0 && atomic_load(&rd->stopping))
                atomic_store(aborted, true);
            if (atomic_load(aborted))
                continue;
            int rc = plan_point_spec(plan, c->first + i, spec, &err);
            if (!rc)
                rc = rg_evaluate_ex(spec, res, RG_EVAL_NO_OPS, &err);
            o->status = rc;
            if (rc)
                continue;
            if (qphase != (int)spec->phase || memcmp(&qnum, &spec->numerics, sizeof qnum) != 0) {
                qnum = spec->numerics;
                qphase = (int)spec->phase;
                if (codec_quality_loss(&qnum, spec->phase, &qloss) < 0)
                    qloss = NAN; /* stored as NULL; the timing stands */
            }
            rc_extra ex = {.quality_loss = qloss};
            rc_values(res, &ex, o->v);
        }
        free(spec);
        free(res);
    }
}

/* ---- binary COPY encoding (PostgreSQL "PGCOPY" format) ---- */

static char *put16(char *p, int16_t v) {
    uint16_t u = (uint16_t)v;
    p[0] = (char)(u >> 8);
    p[1] = (char)u;
    return p + 2;
}
static char *put32(char *p, int32_t v) {
    uint32_t u = (uint32_t)v;
    for (int i = 0; i < 4; i++)
        p[i] = (char)(u >> (24 - 8 * i));
    return p + 4;
}
static char *put64(char *p, int64_t v) {
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        p[i] = (char)(u >> (56 - 8 * i));
    return p + 8;
}
static char *putf8(char *p, double d, bool null) {
    if (null || !isfinite(d)) /* NaN/Inf never reach the API: stored as NULL */
        return put32(p, -1);
    uint64_t u;
    memcpy(&u, &d, 8);
    p = put32(p, 8);
    return put64(p, (int64_t)u);
}

/* sweep_id, point_index, status, then the result columns */
#define COPY_NCOLS   (3 + RC_COUNT)
#define COPY_ROW_MAX (2 + 3 * 4 + 8 + 8 + 4 + RC_COUNT * (4 + 8))

/* One result column's field: int8 for integers, a one-byte bool, float8
 * otherwise; NULL for failed points and non-finite values. */
static char *put_col(char *p, rc_type type, double v, bool null) {
    if (null)
        return put32(p, -1);
    if (type == RC_BOOL) {
        p = put32(p, 1);
        *p++ = v != 0 ? 1 : 0;
        return p;
    }
    if (type == RC_I64) {
        p = put32(p, 8);
        return put64(p, (int64_t)v);
    }
    return putf8(p, v, false);
}

/* Encodes the chunk's rows; returns a malloc'd buffer (caller frees). */
static char *encode(const chunk *c, const point_out *out, size_t *len) {
    size_t cap = 19 + (size_t)c->n * COPY_ROW_MAX + 2;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    char *p = buf;
    memcpy(p, "PGCOPY\n\377\r\n\0", 11);
    p += 11;
    p = put32(p, 0);
    p = put32(p, 0);
    for (int64_t i = 0; i < c->n; i++) {
        const point_out *o = &out[i];
        bool null = o->status != 0;
        p = put16(p, COPY_NCOLS);
        p = put32(p, 8);
        p = put64(p, c->sweep_id);
        p = put32(p, 8);
        p = put64(p, c->first + i);
        p = put32(p, 4);
        p = put32(p, o->status);
        for (int k = 0; k < RC_COUNT; k++)
            p = put_col(p, rc_columns[k].type, o->v[k], null);
    }
    p = put16(p, -1);
    *len = (size_t)(p - buf);
    return buf;
}

static bool copy_rows(worker *w, const char *buf, size_t len) {
    PGresult *r = PQexec(w->pg, "COPY sweep_results (sweep_id, point_index, status" RIDGED_RESULT_COLS_SQL
                                ") FROM STDIN (FORMAT binary)");
    bool ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!ok)
        return false;
    size_t off = 0;
    while (off < len) {
        size_t n = len - off < (1u << 20) ? len - off : (1u << 20);
        if (PQputCopyData(w->pg, buf + off, (int)n) != 1) {
            ok = false;
            break;
        }
        off += n;
    }
    if (PQputCopyEnd(w->pg, ok ? NULL : "aborted") != 1)
        ok = false;
    for (r = PQgetResult(w->pg); r; r = PQgetResult(w->pg)) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fprintf(stderr, "ridged: %s: COPY failed: %s", w->owner, PQresultErrorMessage(r));
            ok = false;
        }
        PQclear(r);
    }
    return ok;
}

/* Gives the lease back (shutdown): another replica takes the chunk at once. */
static void release(worker *w, const chunk *c) {
    static const char sql[] =
        "UPDATE sweep_chunks SET state = 'pending', owner = NULL, lease_until = NULL WHERE "
        "sweep_id = $1 AND chunk_index = $2 AND attempt = $3 AND owner = $4 AND state = "
        "'running'";
    const char *p[4] = {c->sweep, c->index, c->attempt, w->owner};
    PGresult *r = exec(w, sql, 4, p);
    PQclear(r);
}

/* Stores the chunk. Returns 1 stored, 0 lease lost, -1 database error. */
static int complete(worker *w, const chunk *c, const point_out *out) {
    static const char fence[] =
        "UPDATE sweep_chunks SET state = 'done', done_at = now(), replica = $5, lease_until "
        "= NULL WHERE sweep_id = $1 AND chunk_index = $2 AND attempt = $3 AND owner = $4 "
        "AND state = 'running'";
    static const char lock[] = "SELECT status FROM sweeps WHERE id = $1 FOR UPDATE";
    static const char adv[] =
        "UPDATE sweeps SET points_done = points_done + $2, replicas = jsonb_set(replicas, ARRAY[$3::text], "
        "jsonb_build_object('chunks', coalesce((replicas -> $3::text ->> 'chunks')::bigint, 0) + 1, "
        "'points', "
        "coalesce((replicas -> $3::text ->> 'points')::bigint, 0) + $2::bigint)), status = CASE WHEN status "
        "= 'running' AND NOT "
        "EXISTS "
        "(SELECT 1 FROM sweep_chunks WHERE sweep_id = $1 AND state <> 'done') THEN 'succeeded' ELSE status "
        "END, "
        "finished_at = CASE WHEN status = 'running' AND NOT EXISTS (SELECT 1 FROM sweep_chunks WHERE "
        "sweep_id = $1 "
        "AND state <> 'done') THEN now() ELSE finished_at END WHERE id = $1 RETURNING status";
    size_t len = 0;
    char *buf = encode(c, out, &len);
    int rc = -1;
    PGresult *r = NULL;
    char npts[24];
    if (!buf)
        return -1;
    snprintf(npts, sizeof npts, "%lld", (long long)c->n);
    r = PQexec(w->pg, "BEGIN");
    if (!db_ok(r))
        goto out;
    PQclear(r);
    const char *pf[5] = {c->sweep, c->index, c->attempt, w->owner, w->sw->rd->cfg.replica};
    r = exec(w, fence, 5, pf);
    if (!db_ok(r))
        goto out;
    if (strcmp(PQcmdTuples(r), "1") != 0) {
        rc = 0;
        goto out;
    }
    PQclear(r);
    r = NULL;
    if (!copy_rows(w, buf, len))
        goto out;
    const char *p1[1] = {c->sweep};
    r = exec(w, lock, 1, p1);
    if (!db_ok(r))
        goto out;
    PQclear(r);
    const char *p2[3] = {c->sweep, npts, w->sw->rd->cfg.replica};
    r = exec(w, adv, 3, p2);
    if (!db_ok(r) || PQntuples(r) != 1)
        goto out;
    bool finished = strcmp(PQgetvalue(r, 0, 0), "succeeded") == 0;
    PQclear(r);
    r = PQexec(w->pg, "COMMIT");
    if (!db_ok(r))
        goto out;
    metrics *m = &w->sw->rd->m;
    atomic_fetch_add_explicit(&m->chunks_done, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->points_done, (uint64_t)c->n, memory_order_relaxed);
    if (finished) {
        atomic_fetch_add_explicit(&m->sweeps_finished, 1, memory_order_relaxed);
        sweep_indexer_add(w->sw->rd->ix, c->sweep); /* large sweeps get their indexes in the background */
    }
    rc = 1;
out:
    if (rc != 1 && r && !db_ok(r)) {
        fprintf(stderr, "ridged: %s: completing chunk %s/%s failed: %s", w->owner, c->sweep, c->index,
                PQresultErrorMessage(r));
        worker_failed(w, PQresultErrorMessage(r));
    } else if (rc == 1) {
        worker_ok(w);
    }
    PQclear(r);
    if (rc != 1 && PQstatus(w->pg) == CONNECTION_OK && PQtransactionStatus(w->pg) != PQTRANS_IDLE) {
        PGresult *rb = PQexec(w->pg, "ROLLBACK");
        PQclear(rb);
    }
    free(buf);
    return rc;
}

static void process(worker *w, const chunk *c) {
    static const char start[] =
        "UPDATE sweeps SET status = 'running', started_at = now() WHERE id = $1 AND status "
        "= 'queued'";
    if (c->attempt_n > w->sw->rd->cfg.max_attempts) {
        char why[160];
        snprintf(why, sizeof why, "chunk %s was claimed %d times without completing", c->index,
                 c->attempt_n - 1);
        fail_sweep(w, c->sweep, why);
        return;
    }
    const char *p[1] = {c->sweep};
    PGresult *r = exec(w, start, 1, p);
    PQclear(r);
    if (load_plan(w, c))
        return;
    point_out *out = malloc((size_t)c->n * sizeof *out);
    if (!out) {
        release(w, c);
        return;
    }
    atomic_bool aborted = false;
    evaluate(w, c, out, &aborted);
    if (atomic_load(&aborted)) {
        release(w, c);
    } else {
        int rc = complete(w, c, out);
        if (rc != 1)
            atomic_fetch_add_explicit(&w->sw->rd->m.chunks_lost, 1, memory_order_relaxed);
        if (rc == 0)
            fprintf(stderr, "ridged: %s: lease on chunk %s/%s was lost; results discarded\n", w->owner,
                    c->sweep, c->index);
        else if (rc < 0)
            fprintf(stderr,
                    "ridged: %s: chunk %s/%s not stored (database error); another claim will redo it\n",
                    w->owner, c->sweep, c->index);
    }
    free(out);
}

/* A claim that keeps failing (the disk full, a broken constraint) never
 * counts an attempt on any chunk: after max_attempts failures in a row the
 * sweep that would be claimed next fails with the database's message. */
static void fail_stuck_sweep(worker *w) {
    static const char next[] =
        "SELECT s.id FROM sweeps s WHERE s.status IN ('queued', 'running') AND EXISTS (SELECT 1 FROM "
        "sweep_chunks k WHERE k.sweep_id = s.id AND k.state <> 'done' AND (k.state = 'pending' OR (k.state "
        "= 'running' AND k.lease_until < now()))) ORDER BY s.last_claim_at NULLS FIRST, s.id LIMIT 1";
    char why[400], msg[256] = "";
    pthread_mutex_lock(&w->sw->mu);
    int n = w->failures;
    snprintf(msg, sizeof msg, "%s", w->last_error);
    pthread_mutex_unlock(&w->sw->mu);
    if (n < w->sw->rd->cfg.max_attempts)
        return;
    PGresult *r = exec(w, next, 0, NULL);
    if (db_ok(r) && PQntuples(r) == 1) {
        snprintf(why, sizeof why, "claiming a chunk failed %d times in a row: %s", n, msg);
        fail_sweep(w, PQgetvalue(r, 0, 0), why);
    }
    PQclear(r);
}

/* Claims and runs one search chunk. Returns what search_job_claim does. */
static int search_step(worker *w) {
    search_chunk c;
    char msg[256] = "";
    int rc = search_job_claim(w->pg, w->owner, w->sw->rd->cfg.lease_s, &c, msg, sizeof msg);
    if (rc < 0) {
        fprintf(stderr, "ridged: %s: search claim failed: %s", w->owner, msg);
        worker_failed(w, msg);
    } else if (rc == 1) {
        int done = search_job_run(w->sw->rd, w->pg, w->owner, &w->scache, &c);
        if (done == 1) {
            worker_ok(w);
            atomic_fetch_add_explicit(&w->sw->rd->m.chunks_done, 1, memory_order_relaxed);
        } else {
            atomic_fetch_add_explicit(&w->sw->rd->m.chunks_lost, 1, memory_order_relaxed);
        }
    }
    return rc;
}

/* Claims and runs one sweep chunk. Returns what claim does. */
static int sweep_step(worker *w) {
    chunk c;
    int rc = claim(w, &c);
    if (rc == 1)
        process(w, &c);
    return rc;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    while (!stopping(w)) {
        if (!ensure_conn(w)) {
            wait_for_work(w, WORKER_POLL_MS);
            continue;
        }
        int rc = 0;
        bool failed = false;
        for (int k = 0; k < 2 && rc != 1; k++) {
            bool search = w->search_first != (k == 1);
            rc = search ? search_step(w) : sweep_step(w);
            if (rc == 1)
                w->search_first = !search; /* the other kind first next time */
            failed = failed || rc < 0;
        }
        if (rc == 1)
            continue;
        if (!failed) {
            worker_ok(w);
            reap_stalled(w);
        } else {
            fail_stuck_sweep(w);
        }
        wait_for_work(w, WORKER_POLL_MS);
    }
    return NULL;
}

sweep_workers *sweep_workers_start(ridged *rd) {
    sweep_workers *sw = calloc(1, sizeof *sw);
    if (!sw)
        return NULL;
    sw->rd = rd;
    pthread_mutex_init(&sw->mu, NULL);
    sw->w = calloc((size_t)rd->cfg.workers, sizeof *sw->w);
    if (!sw->w) {
        free(sw);
        return NULL;
    }
    sw->n = rd->cfg.workers;
    for (int i = 0; i < sw->n; i++)
        sw->w[i].evfd = -1;
    for (int i = 0; i < sw->n; i++) {
        worker *w = &sw->w[i];
        w->sw = sw;
        w->index = i;
        w->evfd = wakeup_open();
        snprintf(w->owner, sizeof w->owner, "%s/w%d", rd->cfg.replica, i);
        if (w->evfd < 0 || pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            fprintf(stderr, "ridged: cannot start sweep worker %d\n", i);
            sweep_workers_stop(sw);
            return NULL;
        }
        w->started = true;
    }
    return sw;
}

void sweep_workers_wake(sweep_workers *sw) {
    if (!sw)
        return;
    for (int i = 0; i < sw->n; i++)
        wakeup_signal(sw->w[i].evfd);
}

void sweep_workers_stop(sweep_workers *sw) {
    if (!sw)
        return;
    atomic_store(&sw->rd->stopping, true);
    sweep_workers_wake(sw);
    for (int i = 0; i < sw->n; i++) {
        worker *w = &sw->w[i];
        if (w->started)
            pthread_join(w->thread, NULL);
        if (w->pg)
            PQfinish(w->pg);
        if (w->evfd >= 0)
            close(w->evfd);
        plan_free(w->plan);
        search_job_cache_free(&w->scache);
    }
    free(sw->w);
    pthread_mutex_destroy(&sw->mu);
    free(sw);
}
