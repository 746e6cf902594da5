/* pareto.h: the Pareto front of (x, y) points, computed in C over streamed
 * batches.
 *
 * Both objectives are minimisation keys (a maximised column is negated by
 * the caller). Keys order as PostgreSQL orders float8: NaN above every
 * number and equal to NaN, -0 equal to 0. Point p is on the front when no
 * point q before it in (x, y, index) order has y_q <= y_p: the points of
 * equal x and y keep only the lowest index, a point of equal x and larger y
 * is dominated. That relation is transitive, so the front of a union is the
 * front of (front of the first part) ∪ (second part): batches are folded in
 * one at a time and memory holds only the front so far plus one batch. */
#ifndef RIDGED_PARETO_H
#define RIDGED_PARETO_H

#include <stddef.h>
#include <stdint.h>

typedef struct pareto_pt {
    double x, y; /* minimisation keys */
    int64_t index;
} pareto_pt;

typedef struct pareto_acc {
    pareto_pt *pt; /* the front so far, sorted, then the pending batch */
    size_t n;      /* points held */
    size_t nfront; /* the first nfront are the front of what was folded */
    size_t cap;
    size_t max; /* most points held at once (a bound on memory) */
} pareto_acc;

/* An empty accumulator holding at most `max` points (front + batch). */
void pareto_init(pareto_acc *a, size_t max);
void pareto_free(pareto_acc *a);
/* Adds a point. Returns 0, or -1 when memory or `max` is exhausted (after
 * folding the pending batch). */
int pareto_add(pareto_acc *a, double x, double y, int64_t index);
/* Folds the pending points into the front: a->pt[0 .. a->nfront) is then the
 * front of every point added, in (x, y, index) order. */
void pareto_fold(pareto_acc *a);
/* PostgreSQL's float8 order (NaN greatest): <0, 0, >0. */
int pareto_cmp_key(double a, double b);

#endif
