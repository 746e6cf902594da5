/* sweep_cache.c: see sweep_cache.h. */
#include "sweep_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 1024

typedef struct slot {
    int64_t id;
    char *stat, *final;
    size_t stat_len, final_len;
} slot;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static slot slots[CACHE_SLOTS];

static char *copy_out(int64_t id, arena *a, size_t *len, bool final) { /* into the request arena */
    char *out = NULL;
    pthread_mutex_lock(&mu);
    slot *s = &slots[(uint64_t)id % CACHE_SLOTS];
    const char *src = final ? s->final : s->stat;
    size_t n = final ? s->final_len : s->stat_len;
    if (s->id == id && src) {
        out = arena_strndup(a, src, n);
        if (out && len)
            *len = n;
    }
    pthread_mutex_unlock(&mu);
    return out;
}

char *sweep_cache_static(int64_t id, arena *a, size_t *len) { return copy_out(id, a, len, false); }

char *sweep_cache_final(int64_t id, size_t *len) {
    char *out = NULL;
    pthread_mutex_lock(&mu);
    slot *s = &slots[(uint64_t)id % CACHE_SLOTS];
    if (s->id == id && s->final) {
        out = malloc(s->final_len + 1);
        if (out) {
            memcpy(out, s->final, s->final_len + 1);
            *len = s->final_len;
        }
    }
    pthread_mutex_unlock(&mu);
    return out;
}

static void put(int64_t id, const char *text, size_t len, bool final) {
    char *c = malloc(len + 1);
    if (!c)
        return;
    memcpy(c, text, len);
    c[len] = '\0';
    pthread_mutex_lock(&mu);
    slot *s = &slots[(uint64_t)id % CACHE_SLOTS];
    if (s->id != id) {
        free(s->stat);
        free(s->final);
        memset(s, 0, sizeof *s);
        s->id = id;
    }
    char **dst = final ? &s->final : &s->stat;
    free(*dst);
    *dst = c;
    if (final)
        s->final_len = len;
    else
        s->stat_len = len;
    pthread_mutex_unlock(&mu);
}

void sweep_cache_put_static(int64_t id, const char *text, size_t len) { put(id, text, len, false); }
void sweep_cache_put_final(int64_t id, const char *text, size_t len) { put(id, text, len, true); }

void sweep_cache_clear(void) {
    pthread_mutex_lock(&mu);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        free(slots[i].stat);
        free(slots[i].final);
        memset(&slots[i], 0, sizeof slots[i]);
    }
    pthread_mutex_unlock(&mu);
}
