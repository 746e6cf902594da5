/* metrics.h: Prometheus counters for ridged, updated with relaxed atomics
 * from HTTP threads and sweep workers, rendered by GET /metrics. */
#ifndef RIDGED_METRICS_H
#define RIDGED_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "sbuf.h"

#define METRICS_MAX_ROUTES 32
#define METRICS_NCODES     16
#define METRICS_NBUCKETS   12

typedef struct metrics {
    int nroutes;
    const char *route_names[METRICS_MAX_ROUTES];
    atomic_uint_fast64_t requests[METRICS_MAX_ROUTES][METRICS_NCODES];
    atomic_uint_fast64_t latency_bucket[METRICS_NBUCKETS + 1]; /* last = +Inf */
    atomic_uint_fast64_t latency_count;
    atomic_uint_fast64_t latency_sum_us;
    atomic_uint_fast64_t sweeps_created, sweeps_finished, chunks_done, chunks_lost, points_done;
    atomic_uint_fast64_t evaluations;
    atomic_uint_fast64_t rtl_jobs_created, rtl_jobs_done, rtl_jobs_failed, rtl_jobs_lost;
} metrics;

/* Route names must outlive the metrics (string literals). */
void metrics_init(metrics *m, int nroutes, const char *const *names);
/* route -1 = unrouted (404 and early errors). */
void metrics_request(metrics *m, int route, int code, double seconds);
/* Renders the text exposition format into `w`. */
struct db_pool;
void metrics_render(metrics *m, struct db_pool *pool, sbuf *w);

#endif
