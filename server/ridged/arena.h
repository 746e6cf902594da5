/* arena.h: memory by lifetime for ridged requests.
 *
 * One arena per HTTP request, released at once when libmicrohttpd reports
 * the request complete. It holds what lives as long as the request and is
 * small: path ids, decoded arguments, SQL pieces, header values. Buffers
 * that grow (the JSON writer, sbuf, the request body, the response) and
 * cJSON trees are malloc'd by their owners and freed on every path of the
 * handler (the response buffer by libmicrohttpd); engine work uses
 * caller-provided structs. Allocation failure returns NULL (never aborts). */
#ifndef RIDGED_ARENA_H
#define RIDGED_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct arena {
    arena_block *head;
    size_t total; /* bytes handed out, for limits */
} arena;

void arena_init(arena *a);
/* Frees every block; the arena is empty and reusable afterwards. NULL-safe. */
void arena_free(arena *a);
/* Returns `n` bytes aligned to 16, or NULL on OOM. Owned by the arena. */
void *arena_alloc(arena *a, size_t n);
/* Copies `n` bytes of `s` plus a NUL; NULL on OOM. Owned by the arena. */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
/* printf into the arena; NULL on OOM. */
char *arena_printf(arena *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
