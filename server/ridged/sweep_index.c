/* sweep_index.c: partial indexes of a large finished sweep (sweep_index.h). */
#include "sweep_index.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result_cols.h"

int sweep_index_build(PGconn *pg, const char *sweep_id, int64_t min_points, const char *who,
                      atomic_bool *stop) {
    const char *p[1] = {sweep_id};
    char *end = NULL;
    long long id = strtoll(sweep_id, &end, 10);
    if (min_points <= 0 || !end || *end || id <= 0)
        return 0;
    PGresult *q = PQexecParams(pg, "SELECT points_total FROM sweeps WHERE id = $1 AND status = 'succeeded'",
                               1, NULL, p, NULL, NULL, 0);
    long long total =
        PQresultStatus(q) == PGRES_TUPLES_OK && PQntuples(q) == 1 ? atoll(PQgetvalue(q, 0, 0)) : 0;
    PQclear(q);
    if (total < min_points)
        return 0;
    int built = 0;
    for (int k = 0; k < RC_COUNT; k++) {
        const rc_column *col = &rc_columns[k];
        if (col->type == RC_BOOL)
            continue;
        if (stop && atomic_load(stop))
            return -1;
        const char *dir = col->sense == RC_MAX ? "DESC" : "ASC";
        char sql[512];
        /* the id is an integer parsed above and the column a constant name:
         * nothing from a request reaches this text */
        snprintf(
            sql, sizeof sql,
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS sweep_results_%lld_%s ON sweep_results (%s %s NULLS "
            "LAST, point_index %s) WHERE sweep_id = %lld",
            id, col->name, col->name, dir, dir, id);
        q = PQexec(pg, sql);
        if (PQresultStatus(q) != PGRES_COMMAND_OK) {
            fprintf(stderr, "ridged: %s: indexing sweep %lld by %s failed: %s", who, id, col->name,
                    PQresultErrorMessage(q));
            PQclear(q);
            return -1;
        }
        PQclear(q);
        built++;
    }
    q = PQexec(pg, "ANALYZE sweep_results");
    PQclear(q);
    return built;
}

#define QUEUE 64

struct sweep_indexer {
    const char *conninfo;
    int64_t min_points;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char queue[QUEUE][24];
    int head, n;
    bool stopping;
    atomic_bool stop; /* read by sweep_index_build between indexes */
    PGconn *pg;       /* the thread's; NULL between connections */
    PGcancel *cancel; /* for the build in progress (under mu) */
};

static void *indexer_main(void *arg) {
    sweep_indexer *ix = arg;
    for (;;) {
        char id[24];
        pthread_mutex_lock(&ix->mu);
        while (ix->n == 0 && !ix->stopping)
            pthread_cond_wait(&ix->cv, &ix->mu);
        if (ix->stopping) {
            pthread_mutex_unlock(&ix->mu);
            break;
        }
        memcpy(id, ix->queue[ix->head], sizeof id);
        ix->head = (ix->head + 1) % QUEUE;
        ix->n--;
        pthread_mutex_unlock(&ix->mu);
        if (ix->pg && PQstatus(ix->pg) != CONNECTION_OK) {
            PQfinish(ix->pg);
            ix->pg = NULL;
        }
        if (!ix->pg)
            ix->pg = PQconnectdb(ix->conninfo);
        if (PQstatus(ix->pg) != CONNECTION_OK) {
            fprintf(stderr, "ridged: indexer: cannot connect: %s", PQerrorMessage(ix->pg));
            continue;
        }
        pthread_mutex_lock(&ix->mu);
        ix->cancel = PQgetCancel(ix->pg);
        pthread_mutex_unlock(&ix->mu);
        sweep_index_build(ix->pg, id, ix->min_points, "indexer", &ix->stop);
        pthread_mutex_lock(&ix->mu);
        PQfreeCancel(ix->cancel);
        ix->cancel = NULL;
        pthread_mutex_unlock(&ix->mu);
    }
    PQfinish(ix->pg);
    ix->pg = NULL;
    return NULL;
}

sweep_indexer *sweep_indexer_start(const char *conninfo, int64_t min_points) {
    if (min_points <= 0)
        return NULL;
    sweep_indexer *ix = calloc(1, sizeof *ix);
    if (!ix)
        return NULL;
    ix->conninfo = conninfo;
    ix->min_points = min_points;
    pthread_mutex_init(&ix->mu, NULL);
    pthread_cond_init(&ix->cv, NULL);
    if (pthread_create(&ix->thread, NULL, indexer_main, ix) != 0) {
        pthread_mutex_destroy(&ix->mu);
        pthread_cond_destroy(&ix->cv);
        free(ix);
        return NULL;
    }
    return ix;
}

void sweep_indexer_add(sweep_indexer *ix, const char *sweep_id) {
    if (!ix)
        return;
    pthread_mutex_lock(&ix->mu);
    if (ix->n < QUEUE) {
        snprintf(ix->queue[(ix->head + ix->n) % QUEUE], sizeof ix->queue[0], "%s", sweep_id);
        ix->n++;
        pthread_cond_signal(&ix->cv);
    } else {
        fprintf(stderr, "ridged: indexer: queue full, sweep %s is not indexed\n", sweep_id);
    }
    pthread_mutex_unlock(&ix->mu);
}

void sweep_indexer_stop(sweep_indexer *ix) {
    if (!ix)
        return;
    pthread_mutex_lock(&ix->mu);
    ix->stopping = true;
    atomic_store(&ix->stop, true);
    if (ix->cancel) {
        char err[128];
        PQcancel(ix->cancel, err, sizeof err);
    }
    pthread_cond_signal(&ix->cv);
    pthread_mutex_unlock(&ix->mu);
    pthread_join(ix->thread, NULL);
    pthread_mutex_destroy(&ix->mu);
    pthread_cond_destroy(&ix->cv);
    free(ix);
}
