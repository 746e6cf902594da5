/* plan_cache.c: see plan_cache.h. */
#include "plan_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct slot {
    int64_t id;
    char key[PLAN_KEY_SIZE];
    sweep_plan *plan;
} slot;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static slot slots[PLAN_SLOTS];

/* Drops one reference under the lock; returns the plan to free, if any. */
static sweep_plan *unref(sweep_plan *p) { return p && --p->refs == 0 ? p : NULL; }

static bool same(const slot *s, int64_t id, const char *key) {
    return s->plan && s->id == id && strncmp(s->key, key, sizeof s->key) == 0;
}

const sweep_plan *plan_cache_get(int64_t id, const char *key) {
    const sweep_plan *out = NULL;
    pthread_mutex_lock(&mu);
    slot *s = &slots[(uint64_t)id % PLAN_SLOTS];
    if (same(s, id, key)) {
        s->plan->refs++;
        out = s->plan;
    }
    pthread_mutex_unlock(&mu);
    return out;
}

const sweep_plan *plan_cache_put(int64_t id, const char *key, sweep_plan *plan) {
    sweep_plan *gone = NULL;
    const sweep_plan *out = plan;
    pthread_mutex_lock(&mu);
    slot *s = &slots[(uint64_t)id % PLAN_SLOTS];
    if (same(s, id, key)) { /* another request was first */
        gone = plan;
        s->plan->refs++;
        out = s->plan;
    } else {
        gone = unref(s->plan);
        plan->refs = 2; /* the slot's and the caller's */
        s->id = id;
        snprintf(s->key, sizeof s->key, "%s", key);
        s->plan = plan;
    }
    pthread_mutex_unlock(&mu);
    plan_free(gone);
    return out;
}

void plan_cache_release(const sweep_plan *plan) {
    sweep_plan *gone = NULL;
    if (!plan)
        return;
    pthread_mutex_lock(&mu);
    gone = unref((sweep_plan *)plan); /* refs are the cache's own field */
    pthread_mutex_unlock(&mu);
    plan_free(gone);
}

void plan_cache_clear(void) {
    pthread_mutex_lock(&mu);
    for (int i = 0; i < PLAN_SLOTS; i++) {
        sweep_plan *gone = unref(slots[i].plan);
        slots[i].plan = NULL;
        plan_free(gone);
    }
    pthread_mutex_unlock(&mu);
}
