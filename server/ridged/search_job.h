/* search_job.h: layout searches as lease jobs (schema/0013_searches.sql).
 *
 * A search's configurations are split into chunks of consecutive numbers
 * (engine/search.h, rg_search_opts.first/count). The sweep workers claim a
 * search chunk with a lease, exactly as they claim sweep chunks, run the
 * engine's search over the chunk's range, and store the chunk's best layouts
 * in the transaction whose fenced UPDATE completes the chunk. The ranking
 * read by GET /searches/{id} is the best stored layouts in the engine's
 * total order, which makes it the answer of one `ridge search`. */
#ifndef RIDGED_SEARCH_JOB_H
#define RIDGED_SEARCH_JOB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ridged.h"

/* A claimed chunk: ids as text for the statements, and as numbers. */
typedef struct search_chunk {
    char search[24], index[16], attempt[16];
    int64_t search_id, first, n;
    int attempt_n;
} search_chunk;

/* One worker's cache of the search it ran last (its parsed spec and
 * options). Zero-initialise; search_job_cache_free releases it. */
typedef struct search_job_cache {
    int64_t id;
    struct rg_spec *spec;
    int top, max_interleave;
    bool uneven_stages;
    int64_t max_configs;
} search_job_cache;

void search_job_cache_free(search_job_cache *c);

/* Claims the lowest claimable chunk of the active search whose last claim
 * is oldest. Returns 1 with *c filled, 0 when there is none, -1 on a
 * database error (its message in `msg`). */
int search_job_claim(PGconn *pg, const char *owner, int lease_s, search_chunk *c, char *msg, size_t cap);

/* Runs and stores a claimed chunk. Returns 1 stored, 0 lease lost or the
 * search failed (its error recorded), -1 database error (another claim
 * redoes the chunk). */
int search_job_run(ridged *rd, PGconn *pg, const char *owner, search_job_cache *cache, const search_chunk *c);

/* Gives the chunk's lease back (shutdown). */
void search_job_release(PGconn *pg, const char *owner, const search_chunk *c);

#endif
