/* sweep_cache.h: rendered sweep documents kept per replica.
 *
 * A sweep's definition (name, axes, base, provenance ...) never changes
 * after creation, so its rendering is cached; only status and progress are
 * read from the database on each GET. A succeeded sweep is final in every
 * field (all chunks done, cancel refused), so its whole document is cached
 * and served without touching the database. Direct-mapped by id, one mutex;
 * entries are copied out under the lock. */
#ifndef RIDGED_SWEEP_CACHE_H
#define RIDGED_SWEEP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* Copies the cached static part of sweep `id` into the arena; NULL if
 * absent. */
char *sweep_cache_static(int64_t id, arena *a, size_t *len);
/* A malloc'd copy of the final document (the caller frees, or hands it to
 * libmicrohttpd); NULL if absent or out of memory. */
char *sweep_cache_final(int64_t id, size_t *len);
/* Stores copies (silently skipped on OOM). */
void sweep_cache_put_static(int64_t id, const char *text, size_t len);
void sweep_cache_put_final(int64_t id, const char *text, size_t len);
/* Frees every entry (at shutdown). */
void sweep_cache_clear(void);

#endif
