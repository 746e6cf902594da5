/* plan_cache.h: compiled sweep plans kept per replica.
 *
 * A sweep's base and axes never change after creation, so its plan (parsed
 * base, compiled axes, integer-range tables) is built once and shared by
 * every results and Pareto page instead of being rebuilt per request.
 * Direct-mapped by sweep id, one mutex; a plan handed out carries a
 * reference, so an entry evicted while a request still reads it is freed by
 * the last release. Plans are read-only once cached. */
#ifndef RIDGED_PLAN_CACHE_H
#define RIDGED_PLAN_CACHE_H

#include <stdint.h>

#include "sweep_plan.h"

/* The cached plan of sweep `id` with a reference taken, or NULL. */
const sweep_plan *plan_cache_get(int64_t id);
/* Caches `plan` (taken) for sweep `id` and returns it with a reference
 * taken; when another request cached one first, `plan` is freed and that
 * one is returned. */
const sweep_plan *plan_cache_put(int64_t id, sweep_plan *plan);
/* Drops a reference from get or put. NULL-safe. */
void plan_cache_release(const sweep_plan *plan);
/* Frees every entry no request holds (at shutdown). */
void plan_cache_clear(void);

#endif
