/* sweep.h: sweep workers. Each worker thread claims chunks of queued sweeps
 * from PostgreSQL with a lease, evaluates the chunk's points with OpenMP,
 * and stores the results with COPY in the same transaction as the fenced
 * completion of the chunk, so replicas sharing a database share sweeps and
 * store every point exactly once. */
#ifndef RIDGED_SWEEP_H
#define RIDGED_SWEEP_H

#include <stddef.h>

#include "ridged.h"

#define SWEEP_MAX_POINTS 100000000LL

/* Starts cfg.workers threads, each with its own database connection.
 * Returns NULL (message on stderr) on failure. */
sweep_workers *sweep_workers_start(ridged *rd);
/* Asks the workers to stop, waits for them; a chunk in progress is released
 * (its lease cleared) so another replica takes it at once. NULL-safe. */
void sweep_workers_stop(sweep_workers *sw);
/* How many claims or completions in a row the most failing worker has had
 * fail (0: none), with its last database message in `msg`. NULL-safe. */
int sweep_workers_failing(sweep_workers *sw, char *msg, size_t cap);
/* Wake-up hint after this replica queued a sweep. NULL-safe. */
void sweep_workers_wake(sweep_workers *sw);

#endif
