/* pareto.c: see pareto.h. */
#include "pareto.h"

#include <math.h>
#include <stdlib.h>

/* Points folded at once: large enough that sorting dominates, small enough
 * to bound memory (24 bytes a point). */
#define PARETO_BATCH 262144

int pareto_cmp_key(double a, double b) {
    if (isnan(a))
        return isnan(b) ? 0 : 1;
    if (isnan(b))
        return -1;
    return a < b ? -1 : a > b ? 1 : 0;
}

static int cmp_pt(const void *pa, const void *pb) {
    const pareto_pt *a = pa, *b = pb;
    int c = pareto_cmp_key(a->x, b->x);
    if (!c)
        c = pareto_cmp_key(a->y, b->y);
    if (!c)
        c = (a->index > b->index) - (a->index < b->index);
    return c;
}

void pareto_init(pareto_acc *a, size_t max) {
    a->pt = NULL;
    a->n = a->nfront = a->cap = 0;
    a->max = max;
}

void pareto_free(pareto_acc *a) {
    free(a->pt);
    pareto_init(a, a->max);
}

void pareto_fold(pareto_acc *a) {
    if (a->n == a->nfront)
        return;
    qsort(a->pt, a->n, sizeof *a->pt, cmp_pt);
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) /* y strictly below every y before it */
        if (k == 0 || pareto_cmp_key(a->pt[i].y, a->pt[k - 1].y) < 0)
            a->pt[k++] = a->pt[i];
    a->n = a->nfront = k;
}

int pareto_add(pareto_acc *a, double x, double y, int64_t index) {
    if (a->n - a->nfront >= PARETO_BATCH || a->n == a->max)
        pareto_fold(a);
    if (a->n == a->max)
        return -1;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 4096;
        if (cap > a->max)
            cap = a->max;
        pareto_pt *p = realloc(a->pt, cap * sizeof *p);
        if (!p)
            return -1;
        a->pt = p;
        a->cap = cap;
    }
    a->pt[a->n++] = (pareto_pt){x, y, index};
    return 0;
}
