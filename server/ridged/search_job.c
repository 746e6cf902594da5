/* search_job.c: claim, run and store the chunks of layout searches (see
 * search_job.h). The protocol is the sweep chunks' (sweep_worker.c): the
 * claim sets attempt + 1, owner and lease expiry under FOR UPDATE SKIP
 * LOCKED; the completion is one transaction: the chunk UPDATE fenced on
 * (search, chunk, attempt, owner), the chunk's best layouts, then the search
 * row locked and its counts and status advanced. A worker that lost its
 * lease matches no row and rolls back, so a chunk's layouts and counts are
 * stored once. */
#include "search_job.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "codec_search.h"
#include "search.h"

void search_job_cache_free(search_job_cache *c) {
    if (!c)
        return;
    free(c->spec);
    c->spec = NULL;
    c->id = 0;
}

static PGresult *exec(PGconn *pg, const char *sql, int n, const char *const *p) {
    return PQexecParams(pg, sql, n, NULL, p, NULL, NULL, 0);
}

int search_job_claim(PGconn *pg, const char *owner, int lease_s, search_chunk *c, char *msg, size_t cap) {
    /* round-robin across searches, as sweep_worker.c's claim does across sweeps */
    static const char sql[] =
        "WITH pick AS (SELECT k.search_id, k.chunk_index FROM searches s CROSS JOIN LATERAL (SELECT "
        "k.search_id, k.chunk_index FROM search_chunks k WHERE k.search_id = s.id AND k.state <> 'done' AND "
        "(k.state = 'pending' OR (k.state = 'running' AND k.lease_until < now())) ORDER BY k.chunk_index "
        "LIMIT 1 FOR UPDATE OF k SKIP LOCKED) k WHERE s.status IN ('queued', 'running') ORDER BY "
        "s.last_claim_at NULLS FIRST, s.id LIMIT 1), claimed AS (UPDATE search_chunks c SET state = "
        "'running', attempt = c.attempt + 1, owner = $1, lease_until = now() + make_interval(secs => "
        "$2::double precision) FROM pick t WHERE c.search_id = t.search_id AND c.chunk_index = "
        "t.chunk_index RETURNING c.search_id, c.chunk_index, c.first_config, c.n_configs, c.attempt), stamp "
        "AS (UPDATE searches s SET last_claim_at = clock_timestamp() FROM claimed WHERE s.id = "
        "claimed.search_id) SELECT * FROM claimed";
    char lease[16];
    snprintf(lease, sizeof lease, "%d", lease_s);
    const char *p[2] = {owner, lease};
    PGresult *r = exec(pg, sql, 2, p);
    int rc = 0;
    if (!db_ok(r)) {
        snprintf(msg, cap, "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(pg));
        rc = -1;
    } else if (PQntuples(r) == 1) {
        snprintf(c->search, sizeof c->search, "%s", PQgetvalue(r, 0, 0));
        snprintf(c->index, sizeof c->index, "%s", PQgetvalue(r, 0, 1));
        snprintf(c->attempt, sizeof c->attempt, "%s", PQgetvalue(r, 0, 4));
        c->search_id = strtoll(c->search, NULL, 10);
        c->first = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
        c->n = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
        c->attempt_n = atoi(c->attempt);
        rc = 1;
    }
    PQclear(r);
    return rc;
}

static void fail_search(PGconn *pg, const char *id, const char *why) {
    static const char sql[] = "UPDATE searches SET status = 'failed', error = $2, finished_at = now() WHERE "
                              "id = $1 AND status IN ('queued', 'running')";
    const char *p[2] = {id, why};
    PGresult *r = exec(pg, sql, 2, p);
    PQclear(r);
    fprintf(stderr, "ridged: search %s failed: %s\n", id, why);
}

void search_job_release(PGconn *pg, const char *owner, const search_chunk *c) {
    static const char sql[] =
        "UPDATE search_chunks SET state = 'pending', owner = NULL, lease_until = NULL WHERE search_id = $1 "
        "AND chunk_index = $2 AND attempt = $3 AND owner = $4 AND state = 'running'";
    const char *p[4] = {c->search, c->index, c->attempt, owner};
    PGresult *r = exec(pg, sql, 4, p);
    PQclear(r);
}

static int64_t opt_int(const cJSON *o, const char *key, int64_t def) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1e15 ? (int64_t)v->valuedouble : def;
}

/* Loads (or reuses) the search's spec and options. Returns 0, or -1 after
 * failing the search when its stored definition does not parse (1: a
 * database error). */
static int load(PGconn *pg, search_job_cache *cache, const search_chunk *c) {
    static const char sql[] = "SELECT spec, options FROM searches WHERE id = $1";
    if (cache->spec && cache->id == c->search_id)
        return 0;
    search_job_cache_free(cache);
    const char *p[1] = {c->search};
    PGresult *r = exec(pg, sql, 1, p);
    cJSON *spec = NULL, *opts = NULL;
    rg_err err = {0};
    int rc = 1;
    if (!db_ok(r) || PQntuples(r) != 1)
        goto out;
    rc = -1;
    spec = cJSON_Parse(PQgetvalue(r, 0, 0));
    opts = cJSON_Parse(PQgetvalue(r, 0, 1));
    cache->spec = malloc(sizeof *cache->spec);
    if (!cache->spec) {
        rc = 1; /* memory: the chunk is released and claimed again */
        goto out;
    }
    if (!spec || !opts) {
        fail_search(pg, c->search, "stored search definition is not valid JSON");
        goto out;
    }
    if (codec_spec_parse_base(spec, cache->spec, &err) != 0) {
        char why[512];
        snprintf(why, sizeof why, "spec.%s: %s", err.field, err.msg);
        fail_search(pg, c->search, why);
        goto out;
    }
    cache->top = (int)opt_int(opts, "top", 10);
    cache->max_interleave = (int)opt_int(opts, "max_interleave", 4);
    cache->max_configs = opt_int(opts, "max_configs", RG_SEARCH_MAX_CONFIGS);
    cache->uneven_stages = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(opts, "uneven_stages"));
    cache->id = c->search_id;
    rc = 0;
out:
    if (rc)
        search_job_cache_free(cache);
    cJSON_Delete(spec);
    cJSON_Delete(opts);
    PQclear(r);
    return rc;
}

/* Stores the chunk's counts and best layouts. Returns 1, 0 (lease lost) or
 * -1 (database error, rolled back). */
static int complete(ridged *rd, PGconn *pg, const char *owner, const search_job_cache *cache,
                    const search_chunk *c, const rg_search_result *sr) {
    static const char fence[] =
        "UPDATE search_chunks SET state = 'done', done_at = now(), replica = $5, lease_until = NULL WHERE "
        "search_id = $1 AND chunk_index = $2 AND attempt = $3 AND owner = $4 AND state = 'running'";
    static const char ins[] =
        "INSERT INTO search_best (search_id, config_index, time_s, entry) VALUES ($1, $2, $3, $4)";
    static const char lock[] = "SELECT status FROM searches WHERE id = $1 FOR UPDATE";
    static const char adv[] =
        "UPDATE searches SET configs_done = configs_done + $2, evaluated = evaluated + $4, feasible = "
        "feasible + $5, no_fit = no_fit + $6, rejected = rejected + $7, replicas = jsonb_set(replicas, "
        "ARRAY[$3::text], jsonb_build_object('chunks', coalesce((replicas -> $3::text ->> 'chunks')::bigint, "
        "0) + 1, 'configs', coalesce((replicas -> $3::text ->> 'configs')::bigint, 0) + $2::bigint)), status "
        "= CASE WHEN status = 'running' AND NOT EXISTS (SELECT 1 FROM search_chunks WHERE search_id = $1 AND "
        "state <> 'done') THEN 'succeeded' ELSE status END, finished_at = CASE WHEN status = 'running' AND "
        "NOT EXISTS (SELECT 1 FROM search_chunks WHERE search_id = $1 AND state <> 'done') THEN now() ELSE "
        "finished_at END WHERE id = $1 RETURNING status";
    int rc = -1;
    PGresult *r = PQexec(pg, "BEGIN");
    char n[24], ev[24], fe[24], nf[24], rj[24];
    if (!db_ok(r))
        goto out;
    PQclear(r);
    const char *pf[5] = {c->search, c->index, c->attempt, owner, rd->cfg.replica};
    r = exec(pg, fence, 5, pf);
    if (!db_ok(r))
        goto out;
    if (strcmp(PQcmdTuples(r), "1") != 0) {
        rc = 0;
        goto out;
    }
    for (int i = 0; i < sr->n_best; i++) {
        char idx[24], t[40];
        jw w;
        jw_init(&w);
        codec_search_entry_write(&w, cache->spec, &sr->best[i], 0);
        char *entry = jw_take(&w, NULL);
        if (!entry)
            goto out;
        snprintf(idx, sizeof idx, "%lld", (long long)sr->best[i].index);
        snprintf(t, sizeof t, "%.17g", sr->best[i].time_s); /* exact: the ranking compares it */
        const char *pi[4] = {c->search, idx, t, entry};
        PQclear(r);
        r = exec(pg, ins, 4, pi);
        free(entry);
        if (!db_ok(r))
            goto out;
    }
    PQclear(r);
    const char *pl[1] = {c->search};
    r = exec(pg, lock, 1, pl);
    if (!db_ok(r))
        goto out;
    PQclear(r);
    snprintf(n, sizeof n, "%lld", (long long)c->n);
    snprintf(ev, sizeof ev, "%lld", (long long)sr->evaluated);
    snprintf(fe, sizeof fe, "%lld", (long long)sr->feasible);
    snprintf(nf, sizeof nf, "%lld", (long long)sr->no_fit);
    snprintf(rj, sizeof rj, "%lld", (long long)sr->rejected);
    const char *pa[7] = {c->search, n, rd->cfg.replica, ev, fe, nf, rj};
    r = exec(pg, adv, 7, pa);
    if (!db_ok(r) || PQntuples(r) != 1)
        goto out;
    PQclear(r);
    r = PQexec(pg, "COMMIT");
    if (!db_ok(r))
        goto out;
    rc = 1;
out:
    if (rc < 0 && r && !db_ok(r))
        fprintf(stderr, "ridged: %s: completing search chunk %s/%s failed: %s", owner, c->search, c->index,
                PQresultErrorMessage(r));
    PQclear(r);
    if (rc != 1 && PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE) {
        PGresult *rb = PQexec(pg, "ROLLBACK");
        PQclear(rb);
    }
    return rc;
}

int search_job_run(ridged *rd, PGconn *pg, const char *owner, search_job_cache *cache,
                   const search_chunk *c) {
    static const char start[] =
        "UPDATE searches SET status = 'running', started_at = now() WHERE id = $1 AND status = 'queued'";
    rg_search_result *sr = NULL;
    rg_search_opts o;
    rg_err err = {0};
    int rc = 0;
    if (c->attempt_n > rd->cfg.max_attempts) {
        char why[160];
        snprintf(why, sizeof why, "chunk %s was claimed %d times without completing", c->index,
                 c->attempt_n - 1);
        fail_search(pg, c->search, why);
        return 0;
    }
    const char *p[1] = {c->search};
    PGresult *r = exec(pg, start, 1, p);
    PQclear(r);
    int lr = load(pg, cache, c);
    if (lr) {
        if (lr > 0)
            search_job_release(pg, owner, c);
        return lr > 0 ? -1 : 0;
    }
    sr = malloc(sizeof *sr);
    if (!sr) {
        search_job_release(pg, owner, c);
        return -1;
    }
    rg_search_opts_init(&o);
    o.top_n = cache->top;
    o.max_interleave = cache->max_interleave;
    o.max_configs = cache->max_configs;
    o.uneven_stages = cache->uneven_stages;
    o.threads = rd->cfg.omp_threads;
    o.first = c->first;
    o.count = c->n;
    if (rg_search(cache->spec, &o, sr, &err) != 0) {
        if (err.code == RG_ENOMEM) {
            search_job_release(pg, owner, c);
            rc = -1;
        } else {
            char why[512];
            snprintf(why, sizeof why, "%s: %s", err.field, err.msg);
            fail_search(pg, c->search, why);
        }
        goto out;
    }
    rc = complete(rd, pg, owner, cache, c, sr);
out:
    free(sr);
    return rc;
}
