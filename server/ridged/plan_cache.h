/* plan_cache.h: compiled sweep plans kept per replica.
 *
 * A sweep's base and axes never change after creation, so its plan (parsed
 * base, compiled axes, integer-range tables) is built once and shared by
 * every results and Pareto page instead of being rebuilt per request.
 * Keyed by sweep id and the hash of its stored definition (so an id that
 * names another definition, e.g. in a database restored or recreated under
 * a running replica, never gets a stale plan); direct-mapped by id, at most
 * PLAN_SLOTS plans, one mutex; a plan handed out carries a
 * reference, so an entry evicted while a request still reads it is freed by
 * the last release. Plans are read-only once cached. */
#ifndef RIDGED_PLAN_CACHE_H
#define RIDGED_PLAN_CACHE_H

#include <stdint.h>

#include "sweep_plan.h"

#define PLAN_SLOTS    16 /* a plan of an integer range holds up to 8 MiB of values */
#define PLAN_KEY_SIZE 65 /* a hash as hex text, NUL-terminated */

/* The cached plan of sweep `id` whose definition hashes to `key` with a
 * reference taken, or NULL. */
const sweep_plan *plan_cache_get(int64_t id, const char *key);
/* Caches `plan` (taken) for sweep `id` and `key` and returns it with a
 * reference taken; when another request cached one first, `plan` is freed
 * and that one is returned. */
const sweep_plan *plan_cache_put(int64_t id, const char *key, sweep_plan *plan);
/* Drops a reference from get or put. NULL-safe. */
void plan_cache_release(const sweep_plan *plan);
/* Frees every entry no request holds (at shutdown). */
void plan_cache_clear(void);

#endif
