/* main.c: ridged, Ridge's REST service.
 *
 *   ridged [--listen HOST:PORT] [--db CONNINFO] [options]   serve
 *   ridged token create --role read|write --name NAME       print a new API token
 *   ridged migrate                                          apply migrations and exit
 *   ridged rtl-exec ...                                     one RTL job's flow (run by the RTL worker)
 *
 * Start-up: block SIGINT/SIGTERM in every thread, open the database pool,
 * apply pending migrations, start the sweep workers and the HTTP daemon,
 * then wait for a signal in sigwait; shutdown stops the workers (a chunk in
 * progress is handed back), the HTTP daemon, then closes the database. */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "sweep_index.h"
#include "auth.h"
#include "codec.h"
#include "rtl_job.h"
#include "plan_cache.h"
#include "result_cols.h"
#include "sweep.h"
#include "sweep_cache.h"

#ifndef RIDGED_SOURCE_WEB
#define RIDGED_SOURCE_WEB ""
#endif
#define RIDGED_INSTALLED_WEB "/usr/share/ridge/web"

static void usage(FILE *f) {
    fprintf(
        f,
        "usage: ridged [options]                   run the service\n"
        "       ridged token create --role read|write --name NAME [--db CONNINFO]\n"
        "       ridged migrate [--db CONNINFO]\n\n"
        "options (environment variable in brackets):\n"
        "  --listen HOST:PORT   address to listen on [RIDGE_LISTEN] (127.0.0.1:8080)\n"
        "  --db CONNINFO        libpq connection string [RIDGE_DB] (dbname=ridge)\n"
        "  --web DIR            dashboard files served at / [RIDGE_WEB]\n"
        "  --threads N          HTTP threads [RIDGE_HTTP_THREADS] (cores)\n"
        "  --workers N          sweep worker threads [RIDGE_WORKERS] (1)\n"
        "  --rtl-workers N      RTL job worker threads [RIDGE_RTL_WORKERS] (1)\n"
        "  --rtl-liberty FILE   cell library for RTL synthesis [RIDGE_RTL_LIBERTY] (OSU 0.18 um)\n"
        "  --omp-threads N      OpenMP threads per sweep worker [RIDGE_OMP_THREADS] (cores)\n"
        "  --lease-seconds N    sweep chunk lease [RIDGE_LEASE_SECONDS] (30)\n"
        "  (no flag)            index a succeeded sweep of at least N points by every result column,\n"
        "                       0 never [RIDGE_INDEX_MIN_POINTS] (500000)\n"
        "  --replica NAME       name in provenance and leases [RIDGE_REPLICA] (host:port)\n"
        "  --max-body BYTES     request body cap [RIDGE_MAX_BODY] (4194304)\n"
        "  --require-auth       writes need a token even on loopback [RIDGE_REQUIRE_AUTH=1]\n"
        "  --db-timeout-ms N    longest wait for the database per statement on HTTP threads, and\n"
        "                       its statement_timeout [RIDGE_DB_TIMEOUT_MS] (5000)\n"
        "  --conn-timeout N     seconds a client may stay silent, headers or body [RIDGE_CONN_TIMEOUT] (10)\n"
        "  --conn-limit N       open HTTP connections in all [RIDGE_CONN_LIMIT] (1000)\n"
        "  --max-attempts N     claims of a chunk, or failed claims in a row, before its sweep\n"
        "                       fails [RIDGE_MAX_ATTEMPTS] (5)\n"
        "  --max-sweep-points N points in one sweep [RIDGE_MAX_SWEEP_POINTS] (100000000)\n"
        "  --max-author-points N points queued or running for one author (token name, or\n"
        "                       anonymous) [RIDGE_MAX_AUTHOR_POINTS] (200000000)\n"
        "  --per-ip-limit N     open HTTP connections per client address, 0 = none\n"
        "                       [RIDGE_PER_IP_LIMIT] (64; behind a proxy all clients share one)\n"
        "  --allow-origin LIST  comma-separated web origins (https://host:port) whose pages may\n"
        "                       call the API with CORS [RIDGE_ALLOW_ORIGINS] (none: same origin only)\n");
}

static int parse_listen(const char *s, ridged_config *cfg) {
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s)
        return -1;
    size_t hl = (size_t)(colon - s);
    if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') {
        s++;
        hl -= 2;
    }
    if (hl >= sizeof cfg->host)
        return -1;
    memcpy(cfg->host, s, hl);
    cfg->host[hl] = '\0';
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || port < 0 || port > 65535)
        return -1;
    cfg->port = (int)port;
    cfg->loopback = strncmp(cfg->host, "127.", 4) == 0 || strcmp(cfg->host, "::1") == 0 ||
                    strcmp(cfg->host, "localhost") == 0;
    return 0;
}

static int int_arg(const char *name, const char *v, int lo, int hi, int *out) {
    char *end = NULL;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || end == v || *end || x < lo || x > hi) {
        fprintf(stderr, "ridged: %s must be an integer in %d..%d\n", name, lo, hi);
        return -1;
    }
    *out = (int)x;
    return 0;
}

/* A point limit: 1 .. SWEEP_MAX_POINTS * 1000. */
static int ll_arg(const char *name, const char *v, long long *out) {
    char *end = NULL;
    long long x = v ? strtoll(v, &end, 10) : 0;
    if (!v || end == v || *end || x < 1 || x > SWEEP_MAX_POINTS * 1000) {
        fprintf(stderr, "ridged: %s must be an integer in 1..%lld\n", name, SWEEP_MAX_POINTS * 1000);
        return -1;
    }
    *out = x;
    return 0;
}

static const char *default_web(void) {
    struct stat st;
    if (RIDGED_SOURCE_WEB[0] && stat(RIDGED_SOURCE_WEB, &st) == 0 && S_ISDIR(st.st_mode))
        return RIDGED_SOURCE_WEB;
    return RIDGED_INSTALLED_WEB;
}

static void quiet_notice(void *arg, const char *msg) {}

static int cmd_token(int argc, char **argv, const char *db) {
    const char *role = NULL, *name = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
            role = argv[++i];
        else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            name = argv[++i];
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strcmp(argv[i], "create") != 0) {
            fprintf(stderr, "ridged token: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (argc < 1 || strcmp(argv[0], "create") != 0 || !role || !name ||
        (strcmp(role, "read") != 0 && strcmp(role, "write") != 0) || !name[0] || strlen(name) > 100) {
        fprintf(stderr, "usage: ridged token create --role read|write --name NAME [--db CONNINFO]\n");
        return 2;
    }
    char errbuf[512], token[80];
    PGconn *pg = PQconnectdb(db);
    int rc = 1;
    PQsetNoticeProcessor(pg, quiet_notice, NULL);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "ridged: cannot connect to the database: %s", PQerrorMessage(pg));
        goto out;
    }
    if (db_migrate(pg, errbuf, sizeof errbuf) ||
        auth_token_create(pg, name, role, token, errbuf, sizeof errbuf)) {
        fprintf(stderr, "ridged: %s\n", errbuf);
        goto out;
    }
    printf("%s\n", token);
    rc = 0;
out:
    PQfinish(pg);
    return rc;
}

int main(int argc, char **argv) {
    static ridged rd;
    struct MHD_Daemon *d = NULL;
    int rc = 1;
    if (argc >= 2 && strcmp(argv[1], "rtl-exec") == 0)
        return rtl_job_exec_main(argc - 2, argv + 2);
    /* libgomp reads its settings when it is loaded: re-exec once so idle
     * OpenMP threads sleep instead of spinning against the HTTP threads. */
    if (!getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "passive", 1);
        execv("/proc/self/exe", argv);
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1)
        ncpu = 1;
    ridged_config *cfg = &rd.cfg;
    const char *listen = getenv("RIDGE_LISTEN") ? getenv("RIDGE_LISTEN") : "127.0.0.1:8080";
    cfg->db = getenv("RIDGE_DB") ? getenv("RIDGE_DB") : "dbname=ridge";
    cfg->web_dir = getenv("RIDGE_WEB");
    cfg->http_threads = (int)ncpu;
    cfg->workers = 1;
    cfg->rtl_workers = 1;
    cfg->index_min_points = SWEEP_INDEX_MIN_POINTS;
    cfg->omp_threads = (int)ncpu;
    cfg->lease_s = 30;
    cfg->max_attempts = 5;
    cfg->max_body = 4u << 20;
    cfg->conn_timeout_s = 10;
    cfg->conn_limit = 1000;
    /* a few clients must not hold every connection; behind a proxy every
     * client shares one address: raise it or set 0 there */
    cfg->per_ip_limit = 64;
    cfg->db_timeout_ms = 5000;
    cfg->max_sweep_points = SWEEP_MAX_POINTS;
    cfg->max_author_points = 2 * SWEEP_MAX_POINTS;
    cfg->require_auth = getenv("RIDGE_REQUIRE_AUTH") && strcmp(getenv("RIDGE_REQUIRE_AUTH"), "1") == 0;
    const char *replica = getenv("RIDGE_REPLICA");
    const char *origins = getenv("RIDGE_ALLOW_ORIGINS");
    const char *liberty = getenv("RIDGE_RTL_LIBERTY");
    struct {
        const char *env;
        int *slot;
        int lo, hi;
    } envs[] = {{"RIDGE_HTTP_THREADS", &cfg->http_threads, 1, 256},
                {"RIDGE_WORKERS", &cfg->workers, 0, 64},
                {"RIDGE_RTL_WORKERS", &cfg->rtl_workers, 0, 16},
                {"RIDGE_OMP_THREADS", &cfg->omp_threads, 1, 256},
                {"RIDGE_LEASE_SECONDS", &cfg->lease_s, 1, 86400},
                {"RIDGE_DB_TIMEOUT_MS", &cfg->db_timeout_ms, 100, 3600000},
                {"RIDGE_CONN_TIMEOUT", &cfg->conn_timeout_s, 1, 3600},
                {"RIDGE_CONN_LIMIT", &cfg->conn_limit, 4, 100000},
                {"RIDGE_PER_IP_LIMIT", &cfg->per_ip_limit, 0, 100000},
                {"RIDGE_MAX_ATTEMPTS", &cfg->max_attempts, 1, 1000},
                {"RIDGE_INDEX_MIN_POINTS", &cfg->index_min_points, 0, 2000000000}};
    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++)
        if (getenv(envs[i].env) &&
            int_arg(envs[i].env, getenv(envs[i].env), envs[i].lo, envs[i].hi, envs[i].slot))
            return 2;
    const struct {
        const char *env;
        long long *slot;
    } lenvs[] = {{"RIDGE_MAX_SWEEP_POINTS", &cfg->max_sweep_points},
                 {"RIDGE_MAX_AUTHOR_POINTS", &cfg->max_author_points}};
    for (size_t i = 0; i < sizeof lenvs / sizeof lenvs[0]; i++)
        if (getenv(lenvs[i].env) && ll_arg(lenvs[i].env, getenv(lenvs[i].env), lenvs[i].slot))
            return 2;
    if (getenv("RIDGE_MAX_BODY")) {
        int mb = 0;
        if (int_arg("RIDGE_MAX_BODY", getenv("RIDGE_MAX_BODY"), 1024, 1 << 30, &mb))
            return 2;
        cfg->max_body = (size_t)mb;
    }

    if (argc >= 2 && strcmp(argv[1], "token") == 0) {
        const char *db = cfg->db;
        return cmd_token(argc - 2, argv + 2, db);
    }
    bool migrate_only = argc >= 2 && strcmp(argv[1], "migrate") == 0;
    for (int i = migrate_only ? 2 : 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int maxb = 0;
        if (strcmp(a, "--listen") == 0 && v) {
            listen = v;
            i++;
        } else if (strcmp(a, "--db") == 0 && v) {
            cfg->db = v;
            i++;
        } else if (strcmp(a, "--web") == 0 && v) {
            cfg->web_dir = v;
            i++;
        } else if (strcmp(a, "--replica") == 0 && v) {
            replica = v;
            i++;
        } else if (strcmp(a, "--threads") == 0) {
            if (int_arg(a, v, 1, 256, &cfg->http_threads))
                return 2;
            i++;
        } else if (strcmp(a, "--workers") == 0) {
            if (int_arg(a, v, 0, 64, &cfg->workers))
                return 2;
            i++;
        } else if (strcmp(a, "--rtl-workers") == 0) {
            if (int_arg(a, v, 0, 16, &cfg->rtl_workers))
                return 2;
            i++;
        } else if (strcmp(a, "--rtl-liberty") == 0 && v) {
            liberty = v;
            i++;
        } else if (strcmp(a, "--omp-threads") == 0) {
            if (int_arg(a, v, 1, 256, &cfg->omp_threads))
                return 2;
            i++;
        } else if (strcmp(a, "--lease-seconds") == 0) {
            if (int_arg(a, v, 1, 86400, &cfg->lease_s))
                return 2;
            i++;
        } else if (strcmp(a, "--max-body") == 0) {
            if (int_arg(a, v, 1024, 1 << 30, &maxb))
                return 2;
            cfg->max_body = (size_t)maxb;
            i++;
        } else if (strcmp(a, "--db-timeout-ms") == 0) {
            if (int_arg(a, v, 100, 3600000, &cfg->db_timeout_ms))
                return 2;
            i++;
        } else if (strcmp(a, "--conn-timeout") == 0) {
            if (int_arg(a, v, 1, 3600, &cfg->conn_timeout_s))
                return 2;
            i++;
        } else if (strcmp(a, "--conn-limit") == 0) {
            if (int_arg(a, v, 4, 100000, &cfg->conn_limit))
                return 2;
            i++;
        } else if (strcmp(a, "--max-attempts") == 0) {
            if (int_arg(a, v, 1, 1000, &cfg->max_attempts))
                return 2;
            i++;
        } else if (strcmp(a, "--max-sweep-points") == 0 || strcmp(a, "--max-author-points") == 0) {
            if (ll_arg(a, v, a[6] == 's' ? &cfg->max_sweep_points : &cfg->max_author_points))
                return 2;
            i++;
        } else if (strcmp(a, "--per-ip-limit") == 0) {
            if (int_arg(a, v, 0, 100000, &cfg->per_ip_limit))
                return 2;
            i++;
        } else if (strcmp(a, "--require-auth") == 0) {
            cfg->require_auth = true;
        } else if (strcmp(a, "--allow-origin") == 0 && v) {
            origins = v;
            i++;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "ridged: unknown or incomplete argument %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (parse_listen(listen, cfg)) {
        fprintf(stderr, "ridged: --listen wants HOST:PORT (got %s)\n", listen);
        return 2;
    }
    if (!cfg->web_dir)
        cfg->web_dir = default_web();
    if (liberty && strlen(liberty) >= sizeof cfg->rtl_liberty) {
        fprintf(stderr, "ridged: --rtl-liberty: path too long\n");
        return 2;
    }
    snprintf(cfg->rtl_liberty, sizeof cfg->rtl_liberty, "%s", liberty ? liberty : "");
    if (origins && strlen(origins) >= sizeof cfg->allow_origins) {
        fprintf(stderr, "ridged: --allow-origin: longer than %zu bytes\n", sizeof cfg->allow_origins - 1);
        return 2;
    }
    snprintf(cfg->allow_origins, sizeof cfg->allow_origins, "%s", origins ? origins : "");
    if (replica) {
        snprintf(cfg->replica, sizeof cfg->replica, "%s", replica);
    } else {
        char host[64] = "localhost";
        gethostname(host, sizeof host - 1);
        snprintf(cfg->replica, sizeof cfg->replica, "%s:%d", host, cfg->port);
    }

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    char errbuf[1024];
    rg_err ierr = {0};
    if (codec_init(&ierr)) {
        fprintf(stderr, "ridged: embedded data: %s: %s\n", ierr.field, ierr.msg);
        goto out;
    }
    /* one connection per job thread (2 per HTTP thread, 1 per 2 on the heavy
     * lane: http_start), one per HTTP thread for /health, and a spare */
    int npool =
        2 * cfg->http_threads + (cfg->http_threads > 1 ? cfg->http_threads / 2 : 1) + cfg->http_threads + 1;
    rd.pool = db_pool_open(cfg->db, npool, cfg->db_timeout_ms, errbuf, sizeof errbuf);
    if (!rd.pool) {
        fprintf(stderr, "ridged: %s", errbuf);
        goto out;
    }
    db_conn *c = db_acquire(rd.pool);
    /* a migration may rewrite a large table: no statement_timeout for it */
    if (c)
        PQclear(PQexec(db_pg(c), "SET statement_timeout = 0"));
    int mrc = c ? db_migrate(db_pg(c), errbuf, sizeof errbuf) : -1;
    if (mrc == 0)
        mrc = rc_schema_check(db_pg(c), errbuf, sizeof errbuf);
    if (c) {
        char set[64];
        snprintf(set, sizeof set, "SET statement_timeout = %d", cfg->db_timeout_ms);
        PQclear(PQexec(db_pg(c), set));
    }
    db_release(rd.pool, c);
    if (mrc) {
        fprintf(stderr, "ridged: migrations or schema check failed: %s\n",
                c ? errbuf : "no database connection");
        goto out;
    }
    if (migrate_only) {
        rc = 0;
        goto out;
    }
    const char *names[METRICS_MAX_ROUTES];
    for (int i = 0; i < http_nroutes && i < METRICS_MAX_ROUTES; i++)
        names[i] = http_routes[i].name;
    metrics_init(&rd.m, http_nroutes, names);
    if (cfg->workers > 0) {
        rd.ix = sweep_indexer_start(cfg->db, cfg->index_min_points);
        rd.sw = sweep_workers_start(&rd);
        if (!rd.sw)
            goto out;
    }
    if (cfg->rtl_workers > 0) {
        rd.rw = rtl_workers_start(&rd);
        if (!rd.rw)
            goto out;
    }
    d = http_start(&rd);
    if (!d)
        goto out;
    int port = http_bound_port(d);
    fprintf(stderr, "ridged %s (%s): listening on http://%s:%d/ as %s, %d HTTP threads, %d sweep workers\n",
            codec_engine_version(), codec_git_commit(), cfg->host, port ? port : cfg->port, cfg->replica,
            cfg->http_threads, cfg->workers);
    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "ridged: signal %d, shutting down\n", sig);
    rc = 0;
out:
    atomic_store(&rd.stopping, true);
    sweep_workers_stop(rd.sw);
    sweep_indexer_stop(rd.ix);
    rtl_workers_stop(rd.rw);
    http_jobs_stop(rd.jobs); /* answers and resumes what is queued */
    rd.jobs = NULL;
    if (d)
        MHD_stop_daemon(d);
    db_pool_close(rd.pool);
    sweep_cache_clear();
    plan_cache_clear();
    if (rc == 0 && !migrate_only)
        fprintf(stderr, "ridged: stopped\n");
    return rc;
}
