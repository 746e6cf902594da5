/* sweep_index.h: indexes for a large finished sweep.
 *
 * A result query orders one sweep's rows by a column; without an index it
 * reads every row of the sweep (a million rows take about a second). When a
 * sweep of at least `min_points` points succeeds, the worker that finished
 * it builds, for each numeric result column, a partial index on
 * (column, point_index) WHERE sweep_id = <the sweep>, in the column's better
 * direction (ascending for times and bytes, descending for MFU and
 * throughput, NULLS LAST as the results API orders), so the best points by
 * any column come from an index and other sweeps' rows are never read.
 * CREATE INDEX CONCURRENTLY: inserts of running sweeps are not blocked.
 * Small sweeps get none (their scans are already fast, and the planner's
 * cost grows with the number of indexes). Failures are logged, never fatal:
 * the queries stay correct without the indexes. */
#ifndef RIDGED_SWEEP_INDEX_H
#define RIDGED_SWEEP_INDEX_H

#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdint.h>

/* The default of ridged's RIDGE_INDEX_MIN_POINTS. */
#define SWEEP_INDEX_MIN_POINTS 500000

/* Builds the indexes of sweep `sweep_id` (decimal text) when it has at least
 * `min_points` points (0: never). Returns the number of indexes built or
 * found, -1 when one failed (logged to stderr with `who`) or `stop` (may be
 * NULL) was set between two. `pg` must be idle (no open transaction). */
int sweep_index_build(PGconn *pg, const char *sweep_id, int64_t min_points, const char *who,
                      atomic_bool *stop);

/* One background thread with its own connection builds the indexes of the
 * sweeps handed to it, in order, so sweep workers go on claiming chunks. */
typedef struct sweep_indexer sweep_indexer;

/* Starts the thread (`min_points` 0: returns NULL, nothing is indexed).
 * `conninfo` must outlive the indexer. NULL on failure to start. */
sweep_indexer *sweep_indexer_start(const char *conninfo, int64_t min_points);
/* Queues sweep `sweep_id` (NULL-safe; a full queue drops it with a log
 * line: the indexes are an optimisation). */
void sweep_indexer_add(sweep_indexer *ix, const char *sweep_id);
/* Cancels the build in progress, skips the rest, joins and frees. NULL-safe. */
void sweep_indexer_stop(sweep_indexer *ix);

#endif
