/* metrics.c: counters and the Prometheus text rendering (see metrics.h). */
#include "metrics.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "sbuf.h"

static const int codes[METRICS_NCODES] = {200, 201, 202, 204, 304, 400, 401, 403,
                                          404, 405, 409, 413, 415, 422, 500, 503};
static const double buckets[METRICS_NBUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                 0.05,   0.1,   0.25,   0.5,   1,    5};

void metrics_init(metrics *m, int nroutes, const char *const *names) {
    memset(m, 0, sizeof *m);
    m->nroutes = nroutes + 1 < METRICS_MAX_ROUTES ? nroutes + 1 : METRICS_MAX_ROUTES;
    m->route_names[0] = "unmatched";
    for (int i = 1; i < m->nroutes; i++)
        m->route_names[i] = names[i - 1];
}

void metrics_request(metrics *m, int route, int code, double seconds) {
    int r = route + 1;
    if (r < 0 || r >= m->nroutes)
        r = 0;
    int ci = METRICS_NCODES - 1;
    for (int i = 0; i < METRICS_NCODES; i++)
        if (codes[i] == code) {
            ci = i;
            break;
        }
    atomic_fetch_add_explicit(&m->requests[r][ci], 1, memory_order_relaxed);
    int b = METRICS_NBUCKETS;
    for (int i = 0; i < METRICS_NBUCKETS; i++)
        if (seconds <= buckets[i]) {
            b = i;
            break;
        }
    atomic_fetch_add_explicit(&m->latency_bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_sum_us, (uint64_t)(seconds * 1e6), memory_order_relaxed);
}

#define line sbuf_printf

static uint64_t ld(atomic_uint_fast64_t *v) { return atomic_load_explicit(v, memory_order_relaxed); }

void metrics_render(metrics *m, struct db_pool *pool, sbuf *w) {
    line(w, "# HELP ridged_http_requests_total HTTP requests by route and status code.\n"
            "# TYPE ridged_http_requests_total counter\n");
    for (int r = 0; r < m->nroutes; r++)
        for (int c = 0; c < METRICS_NCODES; c++) {
            uint64_t v = ld(&m->requests[r][c]);
            if (v)
                line(w, "ridged_http_requests_total{route=\"%s\",code=\"%d\"} %llu\n", m->route_names[r],
                     codes[c], (unsigned long long)v);
        }
    line(w, "# HELP ridged_http_request_duration_seconds Time from first byte to response.\n"
            "# TYPE ridged_http_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b < METRICS_NBUCKETS; b++) {
        cum += ld(&m->latency_bucket[b]);
        line(w, "ridged_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[b],
             (unsigned long long)cum);
    }
    cum += ld(&m->latency_bucket[METRICS_NBUCKETS]);
    line(w, "ridged_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    line(w, "ridged_http_request_duration_seconds_sum %.6f\n", (double)ld(&m->latency_sum_us) / 1e6);
    line(w, "ridged_http_request_duration_seconds_count %llu\n", (unsigned long long)ld(&m->latency_count));
    struct {
        const char *name, *help;
        atomic_uint_fast64_t *v;
    } counters[] = {
        {"ridged_sweeps_created_total", "Sweeps accepted by this replica.", &m->sweeps_created},
        {"ridged_sweeps_finished_total", "Sweeps this replica completed.", &m->sweeps_finished},
        {"ridged_chunks_done_total", "Sweep chunks evaluated and stored by this replica.", &m->chunks_done},
        {"ridged_chunks_lost_total",
         "Chunks evaluated but not stored (lease lost, or the transaction failed).", &m->chunks_lost},
        {"ridged_points_done_total", "Sweep points evaluated and stored by this replica.", &m->points_done},
        {"ridged_evaluations_total", "Single evaluations (POST /evaluate).", &m->evaluations},
        {"ridged_rtl_jobs_created_total", "RTL jobs accepted by this replica.", &m->rtl_jobs_created},
        {"ridged_rtl_jobs_done_total", "RTL jobs this replica's workers recorded as done.",
         &m->rtl_jobs_done},
        {"ridged_rtl_jobs_failed_total", "RTL jobs this replica's workers recorded as failed.",
         &m->rtl_jobs_failed},
        {"ridged_rtl_jobs_lost_total", "RTL flows whose lease was lost before their outcome was recorded.",
         &m->rtl_jobs_lost},
    };
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        line(w, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", counters[i].name, counters[i].help,
             counters[i].name, counters[i].name, (unsigned long long)ld(counters[i].v));
    db_stats st;
    db_pool_stats(pool, &st);
    line(w,
         "# HELP ridged_db_pool_connections Database connections in the pool.\n"
         "# TYPE ridged_db_pool_connections gauge\nridged_db_pool_connections %d\n",
         st.size);
    line(w,
         "# HELP ridged_db_pool_busy Connections borrowed now.\n"
         "# TYPE ridged_db_pool_busy gauge\nridged_db_pool_busy %d\n",
         st.busy);
    line(w,
         "# HELP ridged_db_pool_waits_total Borrowers that had to wait.\n"
         "# TYPE ridged_db_pool_waits_total counter\nridged_db_pool_waits_total %llu\n",
         (unsigned long long)st.waits);
    line(w,
         "# HELP ridged_db_pool_reconnects_total Connections re-established.\n"
         "# TYPE ridged_db_pool_reconnects_total counter\nridged_db_pool_reconnects_total %llu\n",
         (unsigned long long)st.reconnects);
    line(w,
         "# HELP ridged_db_pool_timeouts_total Borrows and statements that ran past the database timeout.\n"
         "# TYPE ridged_db_pool_timeouts_total counter\nridged_db_pool_timeouts_total %llu\n",
         (unsigned long long)st.timeouts);
}
