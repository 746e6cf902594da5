/* http_jobs.c: job lanes for handlers that wait (see http_jobs.h). */
#include "http_jobs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct lane {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct http_req **ring; /* cap slots */
    int cap, head, count, reserved;
    bool stop;
    int nthreads;
    pthread_t *threads;
    int started;
    void (*run)(struct http_req *r);
} lane;

struct http_jobs {
    lane lanes[2]; /* [0] = HTTP_LANE_JOB, [1] = HTTP_LANE_HEAVY */
};

static lane *lane_of(http_jobs *j, int which) { return &j->lanes[which == HTTP_LANE_HEAVY ? 1 : 0]; }

static void *lane_main(void *arg) {
    lane *l = arg;
    for (;;) {
        pthread_mutex_lock(&l->mu);
        while (l->count == 0 && !(l->stop && l->reserved == 0))
            pthread_cond_wait(&l->cv, &l->mu);
        if (l->count == 0) {
            pthread_mutex_unlock(&l->mu);
            return NULL;
        }
        struct http_req *r = l->ring[l->head];
        l->head = (l->head + 1) % l->cap;
        l->count--;
        pthread_mutex_unlock(&l->mu);
        l->run(r);
    }
}

static int lane_init(lane *l, int n, int cap, void (*run)(struct http_req *r)) {
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    l->cap = cap;
    l->run = run;
    l->nthreads = n;
    l->ring = calloc((size_t)cap, sizeof *l->ring);
    l->threads = calloc((size_t)n, sizeof *l->threads);
    if (!l->ring || !l->threads)
        return -1;
    for (int i = 0; i < n; i++) {
        if (pthread_create(&l->threads[i], NULL, lane_main, l) != 0)
            return -1;
        l->started++;
    }
    return 0;
}

static void lane_stop(lane *l) {
    pthread_mutex_lock(&l->mu);
    l->stop = true;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    for (int i = 0; i < l->started; i++)
        pthread_join(l->threads[i], NULL);
    free(l->threads);
    free(l->ring);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
}

http_jobs *http_jobs_start(int n_job, int n_heavy, int cap, void (*run)(struct http_req *r)) {
    http_jobs *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    if (lane_init(&j->lanes[0], n_job, cap, run) || lane_init(&j->lanes[1], n_heavy, cap, run)) {
        fprintf(stderr, "ridged: cannot start the HTTP job threads\n");
        http_jobs_stop(j);
        return NULL;
    }
    return j;
}

bool http_jobs_reserve(http_jobs *j, int which) {
    lane *l = lane_of(j, which);
    bool ok;
    pthread_mutex_lock(&l->mu);
    ok = !l->stop && l->count + l->reserved < l->cap;
    if (ok)
        l->reserved++;
    pthread_mutex_unlock(&l->mu);
    return ok;
}

void http_jobs_push(http_jobs *j, int which, struct http_req *r) {
    lane *l = lane_of(j, which);
    pthread_mutex_lock(&l->mu);
    l->reserved--;
    l->ring[(l->head + l->count) % l->cap] = r;
    l->count++;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

void http_jobs_stop(http_jobs *j) {
    if (!j)
        return;
    lane_stop(&j->lanes[0]);
    lane_stop(&j->lanes[1]);
    free(j);
}
