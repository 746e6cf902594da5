/* ridged.h: the daemon's shared state: configuration, the database pool,
 * metrics and the sweep workers. One instance lives in main() for the
 * process's lifetime; handlers and workers get a pointer to it. */
#ifndef RIDGED_H
#define RIDGED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "metrics.h"

typedef struct sweep_workers sweep_workers;
struct rtl_workers;

typedef struct ridged_config {
    char host[256];
    int port;
    const char *db;              /* libpq conninfo */
    const char *web_dir;         /* static files served at / */
    int http_threads;            /* libmicrohttpd thread pool */
    int workers;                 /* sweep worker threads */
    int omp_threads;             /* OpenMP threads per sweep worker */
    int lease_s;                 /* chunk lease length */
    int max_attempts;            /* a chunk claimed this often fails its sweep */
    int rtl_workers;             /* RTL job worker threads */
    int index_min_points;        /* a succeeded sweep this large gets its indexes (sweep_index.h); 0 never */
    char rtl_liberty[512];       /* cell library for RTL synthesis ("" = the flow's default) */
    bool require_auth;           /* writes need a token even on loopback */
    bool loopback;               /* listening on a loopback address only */
    size_t max_body;             /* request body cap, bytes */
    int conn_timeout_s;          /* a silent client is dropped after this */
    int conn_limit;              /* open HTTP connections in all */
    int per_ip_limit;            /* ... per client address (0 = no limit) */
    int db_timeout_ms;           /* HTTP threads' wait for the database per statement */
    long long max_sweep_points;  /* points in one sweep */
    long long max_author_points; /* points queued or running for one author */
    char replica[128];           /* this process's name in provenance and leases */
    char allow_origins[1024];    /* comma-separated origins allowed cross-origin (CORS) */
} ridged_config;

typedef struct ridged {
    ridged_config cfg;
    db_pool *pool;
    metrics m;
    sweep_workers *sw;
    struct rtl_workers *rw;
    struct http_jobs *jobs;   /* threads for handlers that wait (http_jobs.h) */
    struct sweep_indexer *ix; /* builds large sweeps' indexes (sweep_index.h); NULL: none */
    atomic_bool stopping;
} ridged;

#endif
